"""MappedVectors: exact float vectors in a memory-mapped scratch file (IVF-PQ shards' re-ranking)."""

import numpy as np

from search.mapped_vectors import MIN_CAPACITY, MappedVectors


def unit_rows(count, dimension=16, seed=0):
    rows = np.random.default_rng(seed).normal(size=(count, dimension)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_rows_live_in_the_file_and_removed_rows_are_reused(tmp_path):
    store = MappedVectors(16, str(tmp_path))
    rows = unit_rows(MIN_CAPACITY + 10)  # past the first capacity: the file grows
    store.add(np.arange(len(rows)), rows)
    assert store.path.parent == tmp_path and store.path.stat().st_size >= rows.nbytes
    np.testing.assert_array_equal(store.gather(np.array([3, MIN_CAPACITY + 5])), rows[[3, MIN_CAPACITY + 5]])
    size = store.path.stat().st_size
    store.remove(np.arange(100))
    store.add(np.arange(5000, 5100), unit_rows(100, seed=1))
    assert store.ntotal == len(rows) and store.path.stat().st_size == size
    np.testing.assert_array_equal(store.gather(np.array([5099])), unit_rows(100, seed=1)[[99]])
    store.close()
    assert not store.path.exists()


def test_search_is_exact_filtered_and_padded(monkeypatch):
    import search.mapped_vectors as module

    monkeypatch.setattr(module, "SEARCH_BLOCK_ROWS", 64)  # several blocks merged
    rows = unit_rows(500)
    store = MappedVectors(16)
    store.add(np.arange(1000, 1500), rows)
    queries = unit_rows(3, seed=2)
    scores, ids = store.search(queries, 10, None)
    expected = np.argsort(-(queries @ rows.T), axis=1, kind="stable")[:, :10] + 1000
    np.testing.assert_array_equal(ids, expected)
    np.testing.assert_allclose(scores, np.take_along_axis(queries @ rows.T, expected - 1000, axis=1), atol=1e-6)
    allowed = np.array([1001, 1400, 1200])
    scores, ids = store.search(queries, 5, allowed)
    assert set(ids[:, :3].ravel()) <= set(allowed.tolist()) and (ids[:, 3:] == -1).all()
