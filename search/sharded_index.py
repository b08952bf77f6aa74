"""The sharded index: N shards of chunk vectors (FAISS), each with the same chunks' lexical
index (BM25) beside it. A plain object, no Ray or MongoDB in it: the index actor
(``actors.index_actor``) serves one, and ``bench.retrieval`` builds one in process.

Chunks go to shards by a stable hash of their case id; searches fan out to every shard and
merge by score; snapshots go to ``Settings.index_snapshot_uri`` (a local folder by default, or any
``pyarrow.fs`` URI every node can read) through ``search.snapshot_file.SnapshotStore``, written
atomically and restored on start;
``reconcile`` makes the index hold exactly the chunks a ``ChunkSource`` (MongoDB's ``chunks``
collection, the source of truth) holds.
"""

from __future__ import annotations

import heapq
import logging
import time
from collections.abc import Iterable
from typing import Protocol

import numpy as np

from lexray.ids import shard_for
from lexray.settings import Settings
from search.lexical_shard import LexicalHit, LexicalShard
from search.snapshot_file import SnapshotStore
from search.vector_shard import VectorHit, VectorShard

logger = logging.getLogger(__name__)


class ChunkSource(Protocol):
    """Where the chunks of record live (``lexray.store.CaseStore``)."""

    def chunk_vector_ids(self) -> list[int]: ...

    def iter_chunk_vectors(
        self, vector_ids: list[int]
    ) -> Iterable[tuple[list[int], list[str], list[str], np.ndarray, list[str]]]: ...


class IndexService:
    """Sharded vector index with snapshots; the Ray actor below wraps one of these."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.shard_count = settings.index.shards
        self.snapshots = SnapshotStore(settings.index_snapshot_uri)
        restored = [self._restore_shard(number) for number in range(self.shard_count)]
        dimensions = {shard.dimension for shard in restored if shard is not None}
        # The vector size is learnt from the snapshot or the first vectors added, so the index
        # follows whatever embedding model is configured.
        self.dimension: int | None = dimensions.pop() if len(dimensions) == 1 else None
        self.shards: list[VectorShard | None] = (
            restored if self.dimension is not None else [None] * self.shard_count
        )
        self.lexical = [self._restore_lexical(number) for number in range(self.shard_count)]
        self.dirty = False
        self.last_snapshot_at = time.monotonic()
        # Cases erased while this actor runs: a worker that was still processing one must not
        # add it back. Memory only (a snapshot holds no trace of them); after a restart the
        # reconcile with MongoDB, where the case's chunks are gone, does the same job.
        self.erased_cases: set[str] = set()

    def _shard_name(self, number: int) -> str:
        return f"shard-{number}-of-{self.shard_count}.npz"

    def _lexical_name(self, number: int) -> str:
        return f"lexical-{number}-of-{self.shard_count}.npz"

    def _restore_lexical(self, number: int) -> LexicalShard:
        return self._load_snapshot(self._lexical_name(number), LexicalShard.from_bytes) or LexicalShard()

    def _restore_shard(self, number: int) -> VectorShard | None:
        return self._load_snapshot(
            self._shard_name(number),
            lambda snapshot, source: VectorShard.from_bytes(snapshot, self.settings.index, source=source))

    def _load_snapshot(self, name: str, from_bytes):
        """``from_bytes(snapshot, source=...)``, or None when the snapshot is missing or
        unreadable (then MongoDB rebuilds it)."""
        source = f"{self.snapshots.uri}/{name}"
        try:
            snapshot = self.snapshots.read(name)
            return None if snapshot is None else from_bytes(snapshot, source=source)
        except (OSError, ValueError, RuntimeError) as exc:
            logger.warning("snapshot %s unreadable (%s): rebuilding from MongoDB", source, exc)
            return None

    def _ready_shards(self) -> list[VectorShard]:
        return [shard for shard in self.shards if shard is not None]

    def _shard_of(self, case_id: str) -> VectorShard | None:
        return self.shards[shard_for(case_id, self.shard_count)]

    def add(
        self,
        vector_ids: list[int],
        case_ids: list[str],
        tenant_ids: list[str],
        vectors: np.ndarray,
        texts: list[str],
    ) -> int:
        if not len(vector_ids):
            return 0
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(vector_ids), -1)
        if self.erased_cases.intersection(case_ids):
            rows = [row for row, case_id in enumerate(case_ids) if case_id not in self.erased_cases]
            vector_ids, case_ids, tenant_ids, texts = ([column[row] for row in rows] for column in (
                vector_ids, case_ids, tenant_ids, texts))
            vectors = vectors[rows]
            if not rows:
                return 0
        if self.dimension is None:
            self.dimension = int(vectors.shape[1])
        elif vectors.shape[1] != self.dimension:
            raise ValueError(f"vectors have dimension {vectors.shape[1]}, index has {self.dimension}")
        self.shards = [shard or VectorShard(self.dimension, self.settings.index) for shard in self.shards]
        by_shard: dict[int, list[int]] = {}
        for row, case_id in enumerate(case_ids):
            by_shard.setdefault(shard_for(case_id, self.shard_count), []).append(row)
        for number, rows in by_shard.items():
            self.shards[number].add(
                np.asarray([vector_ids[r] for r in rows], dtype=np.int64),
                [case_ids[r] for r in rows],
                [tenant_ids[r] for r in rows],
                vectors[rows],
            )
            self.lexical[number].add(
                [vector_ids[r] for r in rows],
                [case_ids[r] for r in rows],
                [tenant_ids[r] for r in rows],
                [texts[r] for r in rows],
            )
        self._changed()
        return len(vector_ids)

    def remove_case(self, case_id: str) -> int:
        shard = self._shard_of(case_id)
        removed = shard.remove_case(case_id) if shard is not None else 0
        removed_lexical = self.lexical[shard_for(case_id, self.shard_count)].remove_case(case_id)
        if removed or removed_lexical:
            self._changed()
        return removed

    def erase_case(self, case_id: str) -> dict[str, int]:
        """Remove a case for good: its vectors and BM25 rows from every shard, the terms only it
        used, an HNSW graph's dead copies; then snapshot at once and delete snapshot files of
        other shard layouts, so no file under the index directory keeps its text or ids. Later
        ``add`` calls for the case are ignored (a worker finishing it after the erasure)."""
        self.erased_cases.add(case_id)
        vectors = lexical = 0
        for shard in self._ready_shards():
            vectors += shard.remove_case(case_id)
            shard.purge_removed()
        for lexical_shard in self.lexical:
            lexical += lexical_shard.erase_case(case_id)
        self.snapshot()
        current = {self._shard_name(number) for number in range(self.shard_count)}
        current |= {self._lexical_name(number) for number in range(self.shard_count)}
        for name in self.snapshots.names():
            if name.startswith(("shard-", "lexical-")) and name not in current:
                self.snapshots.delete(name)
        return {"vectors": vectors, "lexical_chunks": lexical}

    def search(
        self, query_vectors: np.ndarray, k: int, *, tenant_id: str | None = None,
        case_ids: list[str] | None = None,
    ) -> list[list[VectorHit]]:
        """Global top-``k`` per query: each shard's top-``k``, merged by score.

        With ``tenant_id`` only that tenant's chunks are candidates, with ``case_ids`` only those
        cases' chunks (both filtered inside FAISS, before ranking).
        """
        shards = self._ready_shards()
        if not shards:
            return [[] for _ in range(len(np.atleast_2d(query_vectors)))]
        per_shard = [shard.search(query_vectors, k, tenant_id=tenant_id, case_ids=case_ids)
                     for shard in shards]
        return [
            heapq.nlargest(k, (hit for shard_hits in per_query for hit in shard_hits),
                           key=lambda hit: hit.score)
            for per_query in zip(*per_shard, strict=True)
        ]

    def search_lexical(
        self, query_text: str, k: int, *, tenant_id: str | None = None, case_ids: list[str] | None = None
    ) -> list[LexicalHit]:
        """Global BM25 top-``k``: each shard's top-``k``, merged by score. BM25 statistics are
        per shard and per tenant (another tenant's documents never move a tenant's scores); with
        the stable case hash, a tenant's shards hold statistically similar samples."""
        hits = (hit for shard in self.lexical
                for hit in shard.search(query_text, k, tenant_id=tenant_id, case_ids=case_ids))
        return heapq.nlargest(k, hits, key=lambda hit: hit.score)

    def count(self) -> int:
        return sum(shard.count for shard in self._ready_shards())

    def shard_counts(self) -> list[int]:
        return [shard.count if shard is not None else 0 for shard in self.shards]

    def _dense_ids(self) -> set[int]:
        return set().union(*(shard.vector_ids() for shard in self._ready_shards()))

    def _lexical_ids(self) -> set[int]:
        return set().union(*(shard.vector_ids() for shard in self.lexical))

    def vector_ids(self) -> set[int]:
        """Ids held by both the vector and the lexical side (one without the other is missing)."""
        return self._dense_ids() & self._lexical_ids()

    def snapshot(self) -> int:
        for number, shard in enumerate(self.shards):
            if shard is not None:
                self.snapshots.write(self._shard_name(number), shard.to_bytes())
        for number, lexical in enumerate(self.lexical):
            self.snapshots.write(self._lexical_name(number), lexical.to_bytes())
        self.dirty = False
        self.last_snapshot_at = time.monotonic()
        return self.count()

    def _changed(self) -> None:
        self.dirty = True
        if time.monotonic() - self.last_snapshot_at >= self.settings.index.snapshot_interval_s:
            self.snapshot()

    def reconcile(self, store: ChunkSource) -> dict[str, int]:
        """Make the index hold exactly the chunks MongoDB holds."""
        stored = store.chunk_vector_ids()
        stale = (self._dense_ids() | self._lexical_ids()) - set(stored)
        for shard in self._ready_shards():
            shard.remove_ids([vector_id for vector_id in stale if vector_id in shard.case_of_vector])
        for lexical in self.lexical:
            held = lexical.vector_ids()
            lexical.remove_ids([vector_id for vector_id in stale if vector_id in held])
        missing = sorted(set(stored) - self.vector_ids())
        added = 0
        for start in range(0, len(missing), 1000):
            for ids, cases, tenants, vectors, texts in store.iter_chunk_vectors(missing[start:start + 1000]):
                added += self.add(ids, cases, tenants, vectors, texts)
        if stale or added:
            self.snapshot()
        return {"added": added, "removed": len(stale), "count": self.count()}


class TenantView:
    """An ``IndexService`` as one tenant's searches see it (optionally only ``case_ids``): the
    ``search.ranking.CandidateIndex`` that ranks in process (benchmarks, unit tests)."""

    def __init__(self, service: IndexService, tenant_id: str, case_ids: list[str] | None = None) -> None:
        self.service, self.tenant_id, self.case_ids = service, tenant_id, case_ids

    def dense(self, passage_vectors: np.ndarray, k: int) -> list[list[VectorHit]]:
        return self.service.search(passage_vectors, k, tenant_id=self.tenant_id, case_ids=self.case_ids)

    def lexical(self, passage_texts: list[str], k: int) -> list[list[LexicalHit]]:
        return [self.service.search_lexical(text, k, tenant_id=self.tenant_id, case_ids=self.case_ids)
                for text in passage_texts]
