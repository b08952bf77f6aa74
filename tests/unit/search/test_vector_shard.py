import numpy as np
import pytest

from search.vector_shard import VectorShard


def _unit_rows(count: int, dimension: int = 8, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(count, dimension)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_search_returns_exact_top_k_in_order():
    vectors = _unit_rows(50)
    shard = VectorShard(8)
    shard.add(np.arange(50), [f"case-{i % 5}" for i in range(50)], ["t"] * 50, vectors)
    hits = shard.search(vectors[7:8], 3)[0]
    assert hits[0].vector_id == 7 and hits[0].case_id == "case-2"
    expected = np.argsort(-(vectors @ vectors[7]))[:3]
    assert [hit.vector_id for hit in hits] == expected.tolist()
    assert hits[0].score >= hits[1].score >= hits[2].score


def test_re_adding_ids_replaces_instead_of_duplicating():
    vectors = _unit_rows(10)
    shard = VectorShard(8)
    shard.add(np.arange(10), ["a"] * 10, ["t"] * 10, vectors)
    shard.add(np.arange(10), ["a"] * 10, ["t"] * 10, vectors)
    assert shard.count == 10


def test_remove_case_removes_only_its_vectors():
    shard = VectorShard(8)
    shard.add(np.arange(6), ["a", "a", "b", "b", "b", "c"], ["t"] * 6, _unit_rows(6))
    assert shard.remove_case("b") == 3
    assert shard.count == 3
    assert {hit.case_id for hit in shard.search(_unit_rows(1, seed=3), 10)[0]} == {"a", "c"}
    assert shard.remove_case("missing") == 0


def test_snapshot_round_trip(tmp_path):
    shard = VectorShard(8)
    vectors = _unit_rows(20)
    shard.add(np.arange(100, 120), [f"c{i}" for i in range(20)], ["t1", "t2"] * 10, vectors)
    path = tmp_path / "shard.npz"
    shard.save(path)
    restored = VectorShard.load(path)
    assert restored.count == 20
    assert restored.search(vectors[3:4], 1)[0][0].vector_id == 103
    assert restored.search(vectors[3:4], 1)[0][0].case_id == "c3"
    assert not list(tmp_path.glob("*.tmp"))
    assert [hit.case_id for hit in restored.search(vectors[3:4], 20, tenant_id="t1")[0]] == [
        hit.case_id for hit in shard.search(vectors[3:4], 20, tenant_id="t1")[0]]
    assert len(restored.search(vectors[3:4], 20, tenant_id="t1")[0]) == 10


def test_wrong_dimension_is_rejected():
    with pytest.raises(ValueError):
        VectorShard(8).add(np.arange(2), ["a", "b"], ["t", "t"], _unit_rows(2, dimension=4))


def test_snapshot_of_an_older_layout_is_refused_with_value_error(tmp_path):
    path = tmp_path / "old.npz"
    np.savez(path, ids=np.arange(2), dimension=np.int64(8))
    with pytest.raises(ValueError):
        VectorShard.load(path)


def test_case_ids_filter_combines_with_the_tenant_filter():
    shard = VectorShard(8)
    shard.add(np.arange(6), ["a", "a", "b", "b", "c", "c"], ["t1", "t1", "t1", "t1", "t2", "t2"],
              _unit_rows(6))
    query = _unit_rows(1, seed=3)
    assert {hit.case_id for hit in shard.search(query, 10, case_ids=["a", "c"])[0]} == {"a", "c"}
    assert {hit.case_id for hit in shard.search(query, 10, tenant_id="t1", case_ids=["a", "c"])[0]} == {"a"}
    assert shard.search(query, 10, tenant_id="t2", case_ids=["a"]) == [[]]
    assert shard.search(query, 10, case_ids=[]) == [[]]
    assert len(shard.search(query, 10, case_ids=None)[0]) == 6
    with pytest.raises(TypeError):
        shard.search(query, 10, case_ids="a")


def test_an_id_repeated_in_one_call_keeps_its_last_vector():
    vectors = _unit_rows(3)
    shard = VectorShard(8)
    shard.add(np.array([1, 2, 1]), ["a", "b", "c"], ["t", "t", "t"], vectors)
    assert shard.count == 2 and shard.vector_ids() == {1, 2}
    hit = shard.search(vectors[2:3], 1)[0][0]
    assert (hit.vector_id, hit.case_id) == (1, "c") and "a" not in shard.vectors_of_case


def test_a_default_shard_is_exact():
    shard = VectorShard(8)
    shard.add(np.arange(50), ["a"] * 50, ["t"] * 50, _unit_rows(50))
    assert shard.index_kind == "flat"


def test_a_tenant_owning_the_whole_shard_searches_it_unfiltered():
    shard = VectorShard(dimension=2)
    vectors = np.array([[1.0, 0.0], [0.6, 0.8]], dtype=np.float32)
    shard.add(np.array([1, 2]), ["a", "b"], ["t1", "t1"], vectors)
    assert shard.matching_vector_ids("t1") is None
    assert shard.search(vectors[:1], 2, tenant_id="t1") == shard.search(vectors[:1], 2)
    shard.add(np.array([3]), ["c"], ["t2"], vectors[1:])
    assert sorted(shard.matching_vector_ids("t1").tolist()) == [1, 2]
    assert {hit.case_id for hit in shard.search(vectors[1:], 3, tenant_id="t1")[0]} == {"a", "b"}
