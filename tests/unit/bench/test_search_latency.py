"""bench/search_latency.py: the synthetic corpus as MongoDB documents, the answer check and the
argument checks (the stored corpus: tests/integration/bench/). The deployment itself is
exercised by running the bench with ``--http``."""

from __future__ import annotations

import httpx
import numpy as np
import pytest

from bench.search_latency import (
    CHUNKS_PER_CASE,
    TENANT,
    Row,
    case_documents,
    chunk_documents,
    http_breakdown,
    main,
    make_corpus,
    unresolved_answers,
)
from lexray.models import Chunk
from lexray.store import vector_from_bytes


def test_chunk_documents_are_chunks_with_their_vectors_and_spans():
    corpus = make_corpus(100, 1)
    documents = chunk_documents(corpus, 0, 100)
    assert [doc["vector_id"] for doc in documents] == list(range(100))
    for doc, case_id, text, vector in zip(documents, corpus.case_ids, corpus.texts, corpus.vectors, strict=True):
        Chunk.model_validate({key: value for key, value in doc.items() if key != "embedding"})
        assert (doc["case_id"], doc["tenant_id"], doc["text"]) == (case_id, TENANT, text)
        assert doc["char_end"] - doc["char_start"] == len(text)
        np.testing.assert_array_equal(vector_from_bytes(doc["embedding"]), vector)
    first_of_second_case = documents[CHUNKS_PER_CASE]
    assert (first_of_second_case["chunk_id"], first_of_second_case["char_start"]) == ("bench-case-1:0", 0)


def test_chunk_documents_in_batches_equal_one_batch():
    corpus = make_corpus(100, 1)
    assert chunk_documents(corpus, 0, 33) + chunk_documents(corpus, 33, 100) == chunk_documents(corpus, 0, 100)


def test_case_documents_are_indexed_cases_of_the_tenant():
    corpus = make_corpus(100, 1)
    cases = case_documents(corpus)
    assert [case["case_id"] for case in cases] == sorted(set(corpus.case_ids), key=corpus.case_ids.index)
    assert {(case["tenant_id"], case["processing_status"], case["chunk_count"]) for case in cases} == {
        (TENANT, "indexed", CHUNKS_PER_CASE)}
    assert len({case["document_hash"] for case in cases}) == len(cases)


def answer(results: list[dict]) -> httpx.Response:
    return httpx.Response(200, json={"results": results})


def test_unresolved_answers_counts_short_or_chunkless_answers():
    hit = {"case_id": "c", "title": "Case", "chunks": [{"chunk_id": "c:0"}]}
    assert unresolved_answers([answer([hit, hit]), answer([hit, {**hit, "chunks": []}]), answer([hit])], 2) == 2


def test_http_breakdown_subtracts_embedding_and_actor():
    def row(key: str, seconds: float) -> Row:
        return Row(key, key, 1000, [seconds] * 3)

    rows = [row("query_embedding", 0.004), row("app_index_actor", 0.001), row("http_search_text_dense", 0.012)]
    assert "+ 7.00 ms" in http_breakdown(rows, 1000)
    assert http_breakdown(rows[:2], 1000) is None


@pytest.mark.parametrize("argv", [["--http", "--address", "127.0.0.1:6379"],
                                  ["--http", "--http-modes", "dense,fuzzy"],
                                  ["--sizes", "10"]])
def test_bad_arguments_are_refused(argv):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
