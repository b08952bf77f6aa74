"""bench/search_latency.py: the synthetic corpus stored in MongoDB is what the HTTP rows' hits
resolve against, and what a reconcile must keep."""

from __future__ import annotations

import numpy as np
import pytest

from bench.search_latency import (
    TENANT,
    make_corpus,
    store_corpus,
)


@pytest.mark.integration
def test_stored_corpus_is_what_search_reads_and_reconcile_keeps(store):
    corpus = make_corpus(200, 1)
    store_corpus(store, corpus)
    assert store.chunk_vector_ids() == dict(enumerate(corpus.case_ids))
    batches = list(store.iter_chunk_vectors(list(range(200))))
    rows = {vector_id: vector for ids, _, tenants, vectors, _ in batches
            for vector_id, tenant, vector in zip(ids, tenants, vectors, strict=True) if tenant == TENANT}
    np.testing.assert_array_equal(np.stack([rows[i] for i in range(200)]), corpus.vectors)
    chunks = store.chunks_by_vector_id([0, 21, 199], tenant_id=TENANT)
    assert sorted(chunk["chunk_id"] for chunk in chunks) == ["bench-case-0:0", "bench-case-1:1", "bench-case-9:19"]
    assert "embedding" not in chunks[0]
    cases = store.cases_by_id(["bench-case-0", "bench-case-9"], tenant_id=TENANT)
    assert cases["bench-case-9"]["title"] and cases["bench-case-9"]["metadata"]["court"]
    assert store.cases_by_id(["bench-case-0"], tenant_id="someone-else") == {}

