"""VectorShard's index types (flat, IVF, HNSW, IVF-PQ) on real FAISS with seeded synthetic vectors:
the switch by size, recall against exact search, removal, re-adding, filters, snapshots and
the CPU fallback of use_gpu."""

import logging

import numpy as np
import pytest

import search.vector_shard as shard_module
from search.vector_shard import VectorShard, gpu_count
from lexray.settings import IndexSettings

DIMENSION = 32
CHUNKS_PER_CASE = 20
FORCED = {
    "flat": IndexSettings(index_type="flat"),
    "ivf": IndexSettings(index_type="ivf", ivf_nlist=16, ivf_nprobe=8),
    "hnsw": IndexSettings(index_type="hnsw", hnsw_m=16),
    # 5-bit codes: 32 centroids per sub-quantizer train on these tests' 2,000 vectors.
    "ivfpq": IndexSettings(index_type="ivfpq", ivf_nlist=16, ivf_nprobe=8, pq_m=8, pq_nbits=5),
}


def clustered_unit_rows(count, dimension=DIMENSION, seed=0, clusters=50):
    """Rows around random centres (like embeddings: neighbours exist), L2-normalised."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(12345).normal(size=(clusters, dimension)).astype(np.float32)
    rows = centres[rng.integers(0, clusters, count)] + rng.normal(size=(count, dimension)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def case_of(vector_id):
    return f"case-{vector_id // CHUNKS_PER_CASE}"


def tenant_of(case_id):
    return "t-even" if int(case_id.split("-")[1]) % 2 == 0 else "t-odd"


def filled_shard(settings, count=2000, seed=0):
    shard = VectorShard(DIMENSION, settings)
    add_rows(shard, np.arange(count), clustered_unit_rows(count, seed=seed))
    return shard


def add_rows(shard, vector_ids, vectors):
    cases = [case_of(v) for v in vector_ids.tolist()]
    shard.add(vector_ids, cases, [tenant_of(case) for case in cases], vectors)


def hit_ids(hits):
    return [hit.vector_id for hit in hits]


def exact_top_ids(vectors_by_id, query, k):
    ids = np.fromiter(vectors_by_id, dtype=np.int64)
    scores = np.vstack([vectors_by_id[i] for i in ids.tolist()]) @ query
    return ids[np.argsort(-scores, kind="stable")[:k]].tolist()


@pytest.mark.parametrize("approximate_type", ["ivf", "hnsw"])
def test_auto_switches_to_the_approximate_type_past_the_threshold_and_back(approximate_type):
    settings = IndexSettings(approximate_type=approximate_type, approximate_threshold=1000)
    shard = filled_shard(settings, count=900)
    assert shard.index_kind == "flat"
    add_rows(shard, np.arange(900, 1100), clustered_unit_rows(200, seed=1))
    assert shard.index_kind == approximate_type and shard.count == 1100
    query = clustered_unit_rows(1, seed=2)
    assert len(shard.search(query, 10)[0]) == 10
    # Kept down to half the threshold, then exact again.
    shard.remove_ids(range(0, 550))
    assert shard.index_kind == approximate_type
    shard.remove_ids(range(550, 700))
    assert shard.index_kind == "flat" and shard.count == 400
    assert all(hit.vector_id >= 700 for hit in shard.search(query, 50)[0])


def test_explicit_ivf_stays_exact_until_there_are_enough_vectors_to_train():
    shard = filled_shard(IndexSettings(index_type="ivf", ivf_nlist=16), count=16 * 39 - 1)
    assert shard.index_kind == "flat"
    add_rows(shard, np.array([10_000]), clustered_unit_rows(1, seed=5))
    assert shard.index_kind == "ivf"


@pytest.fixture(scope="module")
def recall_set():
    """20k clustered 384-dim vectors, 100 queries, and exact Flat's top 10 for each."""
    count, dimension = 20_000, 384
    vectors = clustered_unit_rows(count, dimension, seed=7, clusters=1000)
    queries = clustered_unit_rows(100, dimension, seed=8, clusters=1000)
    exact = VectorShard(dimension, FORCED["flat"])
    add_rows(exact, np.arange(count), vectors)
    return vectors, queries, [hit_ids(hits) for hits in exact.search(queries, 10)]


@pytest.mark.parametrize("index_type", ["ivf", "hnsw"])
def test_recall_at_10_of_approximate_indexes_against_exact_search(recall_set, index_type):
    vectors, queries, exact_top = recall_set
    shard = VectorShard(vectors.shape[1], IndexSettings(index_type=index_type))  # default tuning
    add_rows(shard, np.arange(len(vectors)), vectors)
    assert shard.index_kind == index_type
    approximate_top = [hit_ids(hits) for hits in shard.search(queries, 10)]
    assert all(len(top) == 10 for top in approximate_top)
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approximate_top, exact_top, strict=True)])
    # Measured here: IVF (512 lists, nprobe 16) about 0.99, HNSW (M 32, efSearch 128) about 1.0.
    assert recall >= 0.9, f"{index_type} recall@10 = {recall:.3f}"


@pytest.fixture(scope="module")
def ivfpq_shard(recall_set):
    """The recall set in an IVF-PQ shard at the default tuning (48 sub-quantizers of 8 bits,
    512 lists); built once, it is the slow part (about 25 s on two shared cores)."""
    vectors, _, _ = recall_set
    shard = VectorShard(vectors.shape[1], IndexSettings(index_type="ivfpq"))
    add_rows(shard, np.arange(len(vectors)), vectors)
    assert shard.index_kind == "ivfpq"
    return shard


def recall_at_10(shard, queries, exact_top):
    found = [hit_ids(hits) for hits in shard.search(queries, 10)]
    assert all(len(top) == 10 for top in found)
    return np.mean([len(set(a) & set(e)) / 10 for a, e in zip(found, exact_top, strict=True)])


def test_ivfpq_recall_at_10_with_re_ranking_beats_the_compressed_scores(recall_set, ivfpq_shard):
    _, queries, exact_top = recall_set
    recalls = {}
    for factor in (0, 4):
        ivfpq_shard.settings = ivfpq_shard.settings.model_copy(update={"rerank_factor": factor})
        recalls[factor] = recall_at_10(ivfpq_shard, queries, exact_top)
    ivfpq_shard.settings = ivfpq_shard.settings.model_copy(update={"rerank_factor": 4})
    # Measured here: about 0.73 on the compressed scores alone, 0.99 re-ranking 40 candidates.
    assert recalls[4] >= 0.95, recalls
    assert recalls[4] > recalls[0], recalls
    # Re-ranked scores are exact inner products.
    vectors = recall_set[0]
    hit = ivfpq_shard.search(queries[:1], 1)[0][0]
    assert hit.score == pytest.approx(float(vectors[hit.vector_id] @ queries[0]), abs=1e-5)


def test_ivfpq_keeps_its_exact_vectors_in_a_memory_mapped_file_not_in_ram(recall_set, ivfpq_shard):
    vectors = recall_set[0]
    assert ivfpq_shard.exact_index.ntotal == 0  # the in-memory flat copy is empty
    assert ivfpq_shard.mapped.ntotal == len(vectors)
    assert ivfpq_shard.mapped.path.stat().st_size >= vectors.nbytes
    np.testing.assert_array_equal(ivfpq_shard.exact_vectors(np.array([5, 19_999])), vectors[[5, 19_999]])


def test_ivfpq_vectors_move_back_into_ram_when_the_shard_leaves_ivfpq(tmp_path):
    settings = IndexSettings(index_type="ivfpq", ivf_nlist=16, pq_m=8, pq_nbits=5, vector_file_dir=str(tmp_path))
    shard = filled_shard(settings)
    assert shard.mapped is not None and list(tmp_path.iterdir()) == [shard.mapped.path]
    path = tmp_path / "shard.npz"
    shard.save(path)
    flat = VectorShard.load(path, FORCED["flat"])
    assert flat.mapped is None and flat.exact_index.ntotal == 2000
    query = clustered_unit_rows(2000)[7]
    assert flat.search(query, 1)[0][0].vector_id == 7
    shard.settings = FORCED["hnsw"]
    shard.remove_ids([0])  # any change fits the index to the settings
    assert shard.index_kind == "hnsw" and shard.mapped is None and shard.exact_index.ntotal == 1999
    assert not list(tmp_path.glob("*.f32"))  # its scratch file is deleted with the mapping


def test_ivfpq_stores_a_fraction_of_a_float_vector(recall_set, ivfpq_shard):
    import faiss

    bytes_per_vector = len(faiss.serialize_index(ivfpq_shard.approximate.index)) / len(recall_set[0])
    # 48 code bytes + 8 id bytes + the id hashtable, centroids and codebooks spread over 20k
    # vectors: about 131 here, against 1,536 for 384 float32s (and falling as the shard grows).
    assert bytes_per_vector < 384 * 4 / 8, bytes_per_vector


def test_auto_compresses_from_pq_threshold_and_ivfpq_needs_a_dividing_pq_m():
    settings = IndexSettings(approximate_threshold=500, pq_threshold=1300, pq_m=8, pq_nbits=5,
                             ivf_nlist=16)
    shard = filled_shard(settings, count=1000)
    assert shard.index_kind == "hnsw"
    added = clustered_unit_rows(400, seed=1)
    add_rows(shard, np.arange(1000, 1400), added)
    assert shard.index_kind == "ivfpq"
    assert shard.search(added[200], 1)[0][0].vector_id == 1200
    with pytest.raises(ValueError, match="pq_m"):
        VectorShard(30, IndexSettings(index_type="ivfpq", pq_m=8))


@pytest.mark.parametrize("kind", FORCED)
def test_removed_ids_are_never_returned(kind):
    shard = filled_shard(FORCED[kind])
    vectors = clustered_unit_rows(2000)
    queries = vectors[::97]  # each query's best match is itself
    removed = set()
    # First a few removals (HNSW masks them), then most of the shard (HNSW rebuilds).
    for removing in (range(0, 2000, 7), range(0, 1500)):
        shard.remove_ids(removing)
        removed |= set(removing)
        assert shard.index_kind == kind and shard.count == 2000 - len(removed)
        live = set(range(2000)) - removed
        for filters, matching in (
            ({}, live),
            ({"tenant_id": "t-even"}, {v for v in live if tenant_of(case_of(v)) == "t-even"}),
            ({"case_ids": ["case-1", "case-80"]}, live & (set(range(20, 40)) | set(range(1600, 1620)))),
        ):
            for hits in shard.search(queries, 50, **filters):
                assert set(hit_ids(hits)) <= matching
                assert len(hits) == min(50, len(matching))


@pytest.mark.parametrize("kind", FORCED)
def test_re_adding_an_id_keeps_one_copy(kind):
    shard = filled_shard(FORCED[kind])
    replacement = clustered_unit_rows(200, seed=9)
    add_rows(shard, np.arange(200), replacement)
    add_rows(shard, np.array([5, 5]), np.vstack([replacement[0], replacement[5]]))
    assert shard.count == 2000
    for row in (0, 5, 150):
        hits = shard.search(replacement[row], 30)[0]
        assert hits[0].vector_id == row and hits[0].score == pytest.approx(1.0, abs=1e-4)
        assert len(set(hit_ids(hits))) == len(hits) == 30


@pytest.mark.parametrize("kind", FORCED)
@pytest.mark.parametrize("exact_filter_limit", [shard_module.EXACT_FILTER_LIMIT, 0])
def test_tenant_and_case_filters_return_the_allowed_top_k(kind, exact_filter_limit, monkeypatch):
    """With the default limit these small filters are searched exactly; with 0 every filtered
    search goes through the approximate index with a selector (and its exact fallback)."""
    monkeypatch.setattr(shard_module, "EXACT_FILTER_LIMIT", exact_filter_limit)
    vectors = clustered_unit_rows(2000)
    shard = filled_shard(FORCED[kind])
    by_id = dict(enumerate(vectors))
    queries = clustered_unit_rows(5, seed=3)
    cases = ["case-3", "case-4", "case-10", "case-11", "case-99", "no-such-case"]
    filters = [
        ({"tenant_id": "t-even"}, lambda v: tenant_of(case_of(v)) == "t-even"),
        ({"case_ids": cases}, lambda v: case_of(v) in cases),
        ({"tenant_id": "t-odd", "case_ids": cases}, lambda v: case_of(v) in {"case-3", "case-11", "case-99"}),
        ({"case_ids": ["case-0"]}, lambda v: case_of(v) == "case-0"),  # 20 vectors
    ]
    approximate = kind != "flat" and exact_filter_limit == 0
    overlaps = []
    for search_filter, allowed in filters:
        allowed_vectors = {v: row for v, row in by_id.items() if allowed(v)}
        for k in (10, 25, 100):
            for query, hits in zip(queries, shard.search(queries, k, **search_filter), strict=True):
                assert len(hits) == min(k, len(allowed_vectors))
                assert all(allowed(v) for v in hit_ids(hits))
                assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
                expected = exact_top_ids(allowed_vectors, query, k)
                if approximate:
                    overlaps.append(len(set(hit_ids(hits)) & set(expected)) / len(expected))
                else:
                    assert hit_ids(hits) == expected
    if approximate:
        # Measured here: IVF (8 of 16 lists visited) about 0.91, HNSW about 0.97.
        assert np.mean(overlaps) >= 0.85
    as_generator = shard.search(queries, 10, case_ids=(case for case in ["case-7"]))
    assert as_generator == shard.search(queries, 10, case_ids=["case-7"])
    assert shard.search(queries, 10, tenant_id="t-none") == [[]] * 5
    assert shard.search(queries, 10, tenant_id="t-odd", case_ids=["case-4"]) == [[]] * 5


def test_a_very_selective_filter_on_a_large_hnsw_index_is_complete(recall_set, monkeypatch):
    vectors, queries, _ = recall_set
    shard = VectorShard(vectors.shape[1], IndexSettings(index_type="hnsw", hnsw_m=16))
    add_rows(shard, np.arange(len(vectors)), vectors)
    cases = ["case-17", "case-400", "case-999"]  # 60 of 20k vectors
    allowed = shard.matching_vector_ids(case_ids=cases)
    _, graph_only = shard.approximate.search(queries[:20], 50, allowed, shard.settings)
    assert (graph_only >= 0).sum(axis=1).min() < 50  # the graph alone comes back short
    for limit in (shard_module.EXACT_FILTER_LIMIT, 0):  # exact at once; graph, then exact
        monkeypatch.setattr(shard_module, "EXACT_FILTER_LIMIT", limit)
        for hits in shard.search(queries[:20], 50, case_ids=cases):
            assert len(hits) == 50 and {hit.case_id for hit in hits} <= set(cases)
        for hits in shard.search(queries[:20], 10, tenant_id="t-odd"):
            assert len(hits) == 10 and all(tenant_of(hit.case_id) == "t-odd" for hit in hits)


@pytest.mark.parametrize("kind", FORCED)
def test_snapshot_round_trip_gives_identical_results(kind, tmp_path):
    shard = filled_shard(FORCED[kind])
    shard.remove_ids(range(0, 2000, 9))  # HNSW keeps them masked
    path = tmp_path / "shard.npz"
    shard.save(path)
    restored = VectorShard.load(path, FORCED[kind])
    assert restored.index_kind == kind and restored.count == shard.count
    queries = clustered_unit_rows(10, seed=4)
    for filters in ({}, {"tenant_id": "t-odd"}, {"case_ids": ["case-5", "case-6"]}):
        assert restored.search(queries, 20, **filters) == shard.search(queries, 20, **filters)
    add_rows(restored, np.array([0]), clustered_unit_rows(1, seed=6))  # still writable
    assert restored.count == shard.count + 1


def test_a_snapshot_is_fitted_to_the_settings_it_is_loaded_with(tmp_path):
    path = tmp_path / "shard.npz"
    filled_shard(FORCED["hnsw"]).save(path)
    assert VectorShard.load(path, FORCED["flat"]).index_kind == "flat"
    assert VectorShard.load(path, FORCED["ivf"]).index_kind == "ivf"


def test_an_older_flat_snapshot_still_loads(tmp_path):
    """Snapshots from before index kinds existed: the exact index and the id maps only."""
    path = tmp_path / "old.npz"
    shard = filled_shard(FORCED["flat"], count=100)
    shard.save(path)
    with np.load(path) as saved:
        old_layout = {name: saved[name] for name in ("index", "ids", "cases", "tenants", "dimension")}
    np.savez(path, **old_layout)
    query = clustered_unit_rows(1, seed=3)
    assert VectorShard.load(path).search(query, 5) == shard.search(query, 5)
    assert VectorShard.load(path, IndexSettings(approximate_threshold=50)).index_kind == "hnsw"


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong kind", "inconsistent"])
def test_a_damaged_snapshot_raises_value_error(damage, tmp_path):
    path = tmp_path / "shard.npz"
    filled_shard(FORCED["hnsw"], count=100).save(path)
    if damage == "garbage":
        path.write_bytes(b"not a snapshot at all")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:2000])
    else:
        with np.load(path) as saved:
            fields = {name: saved[name] for name in saved.files}
        if damage == "wrong kind":
            fields["kind"] = np.str_("lsh")
        else:
            fields["position_ids"] = fields["position_ids"][:-1]
        np.savez(path, **fields)
    with pytest.raises(ValueError):
        VectorShard.load(path, FORCED["hnsw"])


@pytest.mark.skipif(gpu_count() > 0, reason="a GPU is present: the fallback cannot happen")
def test_use_gpu_without_a_gpu_searches_on_cpu(caplog):
    shard_module._log_gpu_fallback.cache_clear()
    with caplog.at_level(logging.WARNING, logger="search.vector_shard"):
        shard = filled_shard(IndexSettings(use_gpu=True, approximate_threshold=1500))
    assert not shard.use_gpu and shard.index_kind == "hnsw"
    assert "searching on CPU" in caplog.text
    query = clustered_unit_rows(2000)[0]
    assert shard.search(query, 3)[0][0].vector_id == 0
    assert len(shard.search(query, 3, tenant_id="t-odd")[0]) == 3
