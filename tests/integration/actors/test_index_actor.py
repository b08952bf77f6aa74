"""The detached index actor on a real Ray head, reconciling with a real MongoDB-protocol server."""

import time

import numpy as np
import pytest
import ray

from actors.index_actor import get_index_actor
from lexray.ids import vector_id_for
from lexray.models import Chunk


def _unit_rows(count, dimension=16, seed=0):
    rows = np.random.default_rng(seed).normal(size=(count, dimension)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _store_case(store, case_id, vectors):
    chunks = [
        Chunk(chunk_id=f"{case_id}:{i}", vector_id=vector_id_for(f"{case_id}:{i}"), case_id=case_id,
              chunk_index=i, text=f"chunk {i}", page_numbers=[1], char_start=0, char_end=1)
        for i in range(len(vectors))
    ]
    store.replace_chunks(chunks, vectors, case_id=case_id)
    return chunks




def _kill_and_wait_restarted(actor, timeout_s=60):
    """Kill the actor (Ray restarts it) and return its count once the new instance answers."""
    started_before = ray.get(actor.stats.remote())["started_at"]
    ray.kill(actor, no_restart=False)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            stats = ray.get(actor.stats.remote(), timeout=10)
            if stats["started_at"] != started_before:
                return stats["count"]
        except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError):
            if time.monotonic() > deadline:
                raise
        time.sleep(0.3)


def test_add_search_remove_and_restart_restores(ray_address, settings, store):
    settings = settings.model_copy(update={"index": settings.index.model_copy(update={"shards": 3})})
    actor = get_index_actor(settings)
    vectors = {f"case-{n}": _unit_rows(5, seed=n) for n in range(4)}
    for case_id, rows in vectors.items():
        chunks = _store_case(store, case_id, rows)
        ray.get(actor.add.remote([c.vector_id for c in chunks], [case_id] * 5, ["default"] * 5, rows,
                                 [c.text for c in chunks]))
    assert ray.get(actor.count.remote()) == 20
    stats = ray.get(actor.stats.remote())
    assert sum(stats["shards"]) == 20 and len(stats["shards"]) == 3 and stats["dimension"] == 16

    hits = ray.get(actor.search.remote(vectors["case-2"][1:2], 3))[0]
    assert hits[0].case_id == "case-2" and hits[0].vector_id == vector_id_for("case-2:1")
    assert hits[0].score == pytest.approx(1.0, abs=1e-5)

    assert ray.get(actor.remove_case.remote("case-3")) == 5
    store.delete_case("case-3")
    ray.get(actor.snapshot.remote())

    assert _kill_and_wait_restarted(actor) == 15
    after = ray.get(actor.search.remote(vectors["case-2"][1:2], 1))[0]
    assert after[0].vector_id == vector_id_for("case-2:1")
    ray.kill(actor, no_restart=True)


def test_restart_without_snapshot_rebuilds_from_mongodb(ray_address, settings, store):
    actor = get_index_actor(settings)
    rows = _unit_rows(7, seed=11)
    chunks = _store_case(store, "case-a", rows)
    ray.get(actor.add.remote([c.vector_id for c in chunks], ["case-a"] * 7, ["default"] * 7, rows,
                             [c.text for c in chunks]))
    ray.get(actor.snapshot.remote())
    # MongoDB moves on past the snapshot: one more case stored, and the snapshot is lost.
    _store_case(store, "case-b", _unit_rows(4, seed=12))
    for path in settings.index_dir.glob("*.npz"):
        path.unlink()
    assert _kill_and_wait_restarted(actor) == 11 == store.count_chunks()
    ray.kill(actor, no_restart=True)


def test_reconcile_drops_vectors_mongodb_no_longer_has(ray_address, settings, store):
    actor = get_index_actor(settings)
    rows = _unit_rows(3, seed=5)
    chunks = _store_case(store, "case-gone", rows)
    ray.get(actor.add.remote([c.vector_id for c in chunks], ["case-gone"] * 3, ["default"] * 3, rows,
                             [c.text for c in chunks]))
    store.delete_case("case-gone")
    report = ray.get(actor.reconcile.remote())
    assert report == {"added": 0, "removed": 3, "count": 0}
    ray.kill(actor, no_restart=True)


def test_search_is_filtered_by_tenant_before_ranking(ray_address, settings, store):
    actor = get_index_actor(settings)
    rows = _unit_rows(12, seed=21)
    # Tenant b's vectors are the nearest to the query; tenant a still gets its own top 3.
    ray.get(actor.add.remote(list(range(1, 7)), ["a1"] * 6, ["tenant-a"] * 6, rows[:6],
                             [f"water rights compact {i}" for i in range(6)]))
    ray.get(actor.add.remote(list(range(7, 13)), ["b1"] * 6, ["tenant-b"] * 6, rows[6:],
                             [f"water rights appeal {i}" for i in range(6)]))
    query = rows[6:7]
    unfiltered = ray.get(actor.search.remote(query, 3))[0]
    assert unfiltered[0].case_id == "b1"
    only_a = ray.get(actor.search.remote(query, 3, "tenant-a"))[0]
    assert len(only_a) == 3 and {hit.case_id for hit in only_a} == {"a1"}
    assert ray.get(actor.search.remote(query, 3, "tenant-c"))[0] == []
    # The lexical side is tenant-filtered too: "compact" only occurs in tenant a's chunks.
    assert ray.get(actor.search_lexical.remote("compact", 3, "tenant-b")) == []
    assert {hit.case_id for hit in ray.get(actor.search_lexical.remote("compact", 10, "tenant-a"))} == {"a1"}
    ray.kill(actor, no_restart=True)
