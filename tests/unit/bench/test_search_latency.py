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
    format_table,
    http_breakdown,
    interleaved_calls,
    main,
    make_corpus,
    priors_lines,
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


def test_interleaved_calls_time_each_call_in_turns_after_warm_up(monkeypatch):
    clock = iter(range(1000))
    monkeypatch.setattr("bench.search_latency.time.perf_counter", lambda: float(next(clock)))
    calls = []

    def with_priors(item):
        calls.append(("on", item))
        return f"on {item}"

    def without(item):
        calls.append(("off", item))
        return f"off {item}"

    (on_seconds, on_results), (off_seconds, off_results) = interleaved_calls(with_priors, without, [1, 2, 3, 4])
    # Warm-up of both on every item (WARM_UP_QUERIES > 4), then pairs, who goes first alternating.
    assert calls[8:] == [("on", 1), ("off", 1), ("off", 2), ("on", 2), ("on", 3), ("off", 3), ("off", 4), ("on", 4)]
    assert on_results == ["on 1", "on 2", "on 3", "on 4"] and off_results == ["off 1", "off 2", "off 3", "off 4"]
    assert on_seconds == off_seconds == [1.0] * 4  # each call between its own two clock reads


def http_rows(size: int = 100) -> list[Row]:
    """A tiny run's rows: the baseline, and HTTP rows per mode with the priors on and off."""
    def row(key: str, ms: float) -> Row:
        return Row(key, key.replace("_", " "), size, [ms / 1000] * 5)

    return [row("raw_faiss_flat", 1.0),
            row("http_search_text_dense", 30.0), row("http_search_text_dense_priors_off", 20.0),
            row("http_search_text_bm25", 24.0), row("http_search_text_bm25_priors_off", 20.0),
            row("http_search_text_hybrid", 40.0), row("http_search_text_hybrid_priors_off", 25.0)]


def test_table_and_figures_give_each_mode_its_ratio_to_the_priors_off_row():
    rows = http_rows()
    header, *lines = format_table(rows, {100: rows[0]}, 10).splitlines()
    assert header.split()[-4:] == ["on/off", "recall@10", "build", "s"]
    # The on/off cell: third from the end (recall and build s are "-" for these rows).
    on_off = {row.label: line.split()[-3] for row, line in zip(rows, lines, strict=True)}
    assert on_off == {"raw faiss flat": "-",
                      "http search text dense": "1.50x", "http search text dense priors off": "-",
                      "http search text bm25": "1.20x", "http search text bm25 priors off": "-",
                      "http search text hybrid": "1.60x", "http search text hybrid priors off": "-"}
    on = rows[1].figures(rows[0], rows[2])
    assert (on["p50_vs_priors_off"], on["p99_vs_priors_off"]) == (1.5, 1.5)
    assert "p50_vs_priors_off" not in rows[2].figures(rows[0])


def test_priors_lines_say_whether_each_mode_is_within_the_bound():
    lines = priors_lines(http_rows())
    assert [line.split(":")[0] for line in lines] == ["size 100, dense", "size 100, bm25", "size 100, hybrid"]
    assert "= 1.50x (within 1.5x)" in lines[0] and "= 1.20x (within" in lines[1]
    assert "= 1.60x (NOT within 1.5x)" in lines[2]
    assert priors_lines(http_rows()[:2]) == []  # no priors-off row: nothing to compare


@pytest.mark.parametrize("argv", [["--http", "--address", "127.0.0.1:6379"],
                                  ["--http", "--http-modes", "dense,fuzzy"],
                                  ["--sizes", "10"]])
def test_bad_arguments_are_refused(argv):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
