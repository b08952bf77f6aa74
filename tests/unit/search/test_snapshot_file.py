"""SnapshotStore through pyarrow.fs on the local file system (the same calls an s3:// or shared
mount URI takes): round trip, no half-written snapshot visible, missing -> None, and a restore
from a folder other than the writer's data directory, as a shard restarted on another node does."""

import numpy as np
import pytest

from lexray.settings import Settings
from search.sharded_index import IndexService
from search.snapshot_file import SnapshotStore, write_atomically


def test_round_trip_through_a_file_uri(tmp_path):
    store = SnapshotStore(f"file://{tmp_path}/snapshots")
    store.write("shard-0-of-1.npz", b"first")
    store.write("shard-0-of-1.npz", b"second")
    assert SnapshotStore(str(tmp_path / "snapshots")).read("shard-0-of-1.npz") == b"second"
    assert store.names() == ["shard-0-of-1.npz"]
    # One data object per snapshot: the replaced version is gone (erased text must not linger).
    assert len(list((tmp_path / "snapshots").glob("shard-0-of-1.npz.*.data"))) == 1
    assert not list((tmp_path / "snapshots").glob("*.tmp"))


def test_a_missing_snapshot_is_none(tmp_path):
    assert SnapshotStore(str(tmp_path / "never-written")).read("shard-0-of-1.npz") is None
    store = SnapshotStore(str(tmp_path))
    store.write("lexical-0-of-1.npz", b"x")
    assert store.read("shard-0-of-1.npz") is None


def test_a_crash_between_data_and_manifest_leaves_the_previous_snapshot(tmp_path, monkeypatch):
    store = SnapshotStore(str(tmp_path))
    store.write("shard-0-of-1.npz", b"complete old snapshot")

    def crash(*args):
        raise OSError("node lost power")

    monkeypatch.setattr(SnapshotStore, "_point_manifest", crash)
    with pytest.raises(OSError):
        store.write("shard-0-of-1.npz", b"new snapshot whose manifest never got written")
    monkeypatch.undo()
    # The new data object exists, but no manifest names it: readers keep the old snapshot.
    assert len(list(tmp_path.glob("shard-0-of-1.npz.*.data"))) == 2
    assert SnapshotStore(str(tmp_path)).read("shard-0-of-1.npz") == b"complete old snapshot"
    # The first snapshot ever, crashed the same way: nothing to read, not half of something.
    monkeypatch.setattr(SnapshotStore, "_point_manifest", crash)
    with pytest.raises(OSError):
        store.write("lexical-0-of-1.npz", b"never pointed at")
    monkeypatch.undo()
    assert store.read("lexical-0-of-1.npz") is None
    # The next good write removes the orphan.
    store.write("shard-0-of-1.npz", b"newer")
    assert store.read("shard-0-of-1.npz") == b"newer"
    assert len(list(tmp_path.glob("shard-0-of-1.npz.*.data"))) == 1


def test_a_plain_snapshot_file_of_the_older_layout_is_read(tmp_path):
    write_atomically(tmp_path / "shard-0-of-1.npz", b"PK old npz bytes")
    assert SnapshotStore(str(tmp_path)).read("shard-0-of-1.npz") == b"PK old npz bytes"


def test_delete_removes_manifest_and_data(tmp_path):
    store = SnapshotStore(str(tmp_path))
    store.write("shard-0-of-4.npz", b"old layout")
    store.delete("shard-0-of-4.npz")
    assert store.read("shard-0-of-4.npz") is None and not list(tmp_path.iterdir())


def _unit_rows(count, seed):
    rows = np.random.default_rng(seed).normal(size=(count, 8)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_an_index_restores_from_a_uri_outside_its_data_dir(tmp_path):
    """The writer and the restarted reader have different data directories (different nodes);
    both name the same shared snapshot URI."""
    shared = f"file://{tmp_path}/shared/lexray-index"
    writer = IndexService(Settings(data_dir=tmp_path / "node-a", index={"shards": 2, "snapshot_uri": shared}))
    rows = _unit_rows(6, seed=1)
    writer.add(list(range(6)), ["case-a"] * 3 + ["case-b"] * 3, ["t"] * 6, rows,
               ["contract breach"] * 3 + ["negligent driving"] * 3)
    writer.snapshot()
    assert not (tmp_path / "node-a").exists()  # nothing went to the writer's local disk
    reader = IndexService(Settings(data_dir=tmp_path / "node-b", index={"shards": 2, "snapshot_uri": shared}))
    assert reader.count() == 6 and reader.vector_ids() == set(range(6))
    assert reader.search(rows[4], 1)[0][0].vector_id == 4
    assert [hit.case_id for hit in reader.search_lexical("negligent", 3)] == ["case-b"] * 3
    # Without the URI the other node's local folder is empty: it would rebuild from MongoDB.
    assert IndexService(Settings(data_dir=tmp_path / "node-b", index={"shards": 2})).count() == 0


def test_an_unreadable_snapshot_is_rebuilt_not_fatal(tmp_path):
    shared = str(tmp_path / "shared")
    SnapshotStore(shared).write("shard-0-of-1.npz", b"not an npz")
    assert IndexService(Settings(data_dir=tmp_path, index={"snapshot_uri": shared})).count() == 0


def test_the_same_code_on_a_file_system_that_is_not_local():
    """Arrow's in-memory mock file system stands in for an object store: no fsync, a move that
    is not a local rename; the same write and read."""
    store = SnapshotStore("mock:///bucket/lexray-index")
    store.write("shard-0-of-1.npz", b"first")
    store.write("shard-0-of-1.npz", b"second")
    assert store.read("shard-0-of-1.npz") == b"second" and store.names() == ["shard-0-of-1.npz"]
    assert [info.base_name.endswith(".data") for info in store._listing()].count(True) == 1
    store.delete("shard-0-of-1.npz")
    assert store.read("shard-0-of-1.npz") is None and not store._listing()
