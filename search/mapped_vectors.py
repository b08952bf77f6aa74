"""Exact float vectors in a memory-mapped file, for shards whose index holds compressed ones.

An IVF-PQ shard keeps ``pq_m`` bytes per vector in RAM, and its exact float32 vectors here: a
local file of rows the page cache holds as far as memory allows (the rows re-ranking touches
are a few hundred per query). Rows of removed vectors are reused by later ones. The file is
scratch, not a snapshot: the shard's snapshot holds the vectors, and the file is deleted with
the object (or rebuilt from the snapshot after a restart).

>>> vectors = MappedVectors(dimension=2)
>>> vectors.add(np.array([7, 9]), np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32))
>>> vectors.gather(np.array([9])).tolist(), vectors.ntotal
([[0.0, 1.0]], 2)
>>> vectors.search(np.array([[0.6, 0.8]], dtype=np.float32), 1, None)[1].tolist()
[[9]]
"""

from __future__ import annotations

import os
import tempfile
import weakref
from pathlib import Path

import numpy as np

MIN_CAPACITY = 1024
# Rows scored per block of an exhaustive search: bounds the floats copied into RAM at once.
SEARCH_BLOCK_ROWS = 65_536


class MappedVectors:
    """Float32 vectors by int64 id, in a memory-mapped scratch file under ``directory``."""

    def __init__(self, dimension: int, directory: str | None = None) -> None:
        self.dimension = dimension
        handle, name = tempfile.mkstemp(prefix="lexray-vectors-", suffix=".f32", dir=directory)
        os.close(handle)
        self.path = Path(name)
        self._finalizer = weakref.finalize(self, _delete, self.path)
        self.capacity = 0
        self.rows: np.memmap | None = None
        self.row_of: dict[int, int] = {}
        self.free_rows: list[int] = []
        self.next_row = 0

    @property
    def ntotal(self) -> int:
        return len(self.row_of)

    def _grow(self, needed: int) -> None:
        if needed <= self.capacity:
            return
        capacity = max(needed, 2 * self.capacity, MIN_CAPACITY)
        if self.rows is not None:
            self.rows.flush()
        with open(self.path, "r+b") as handle:
            handle.truncate(capacity * self.dimension * 4)
        self.rows = np.memmap(self.path, dtype=np.float32, mode="r+", shape=(capacity, self.dimension))
        self.capacity = capacity

    def add(self, vector_ids: np.ndarray, vectors: np.ndarray) -> None:
        """Store vectors under ids this store does not hold yet."""
        reused = [self.free_rows.pop() for _ in range(min(len(self.free_rows), len(vector_ids)))]
        fresh = list(range(self.next_row, self.next_row + len(vector_ids) - len(reused)))
        self.next_row += len(fresh)
        self._grow(self.next_row)
        rows = np.asarray(reused + fresh, dtype=np.int64)
        self.rows[rows] = vectors
        self.row_of.update(zip(np.asarray(vector_ids).tolist(), rows.tolist(), strict=True))

    def remove(self, vector_ids: np.ndarray) -> None:
        for vector_id in np.asarray(vector_ids).tolist():
            row = self.row_of.pop(int(vector_id), None)
            if row is not None:
                self.free_rows.append(row)

    def ids(self) -> np.ndarray:
        return np.fromiter(self.row_of, dtype=np.int64, count=len(self.row_of))

    def gather(self, vector_ids: np.ndarray) -> np.ndarray:
        rows = [self.row_of[int(v)] for v in np.asarray(vector_ids).tolist()]
        if not rows:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.asarray(self.rows[rows])

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Exact inner-product top-``k`` among ``allowed`` ids (all when None), padded with -1."""
        candidates = self.ids() if allowed is None else np.asarray(allowed, dtype=np.int64)
        best_scores = np.full((len(queries), 0), -np.inf, dtype=np.float32)
        best_ids = np.zeros((len(queries), 0), dtype=np.int64)
        for start in range(0, len(candidates), SEARCH_BLOCK_ROWS):
            block = candidates[start:start + SEARCH_BLOCK_ROWS]
            scores = np.hstack([best_scores, queries @ self.gather(block).T])
            ids = np.hstack([best_ids, np.broadcast_to(block, (len(queries), len(block)))])
            keep = np.argsort(-scores, axis=1, kind="stable")[:, :k]
            best_scores = np.take_along_axis(scores, keep, axis=1)
            best_ids = np.take_along_axis(ids, keep, axis=1)
        short = k - best_ids.shape[1]
        if short > 0:
            best_scores = np.hstack([best_scores, np.full((len(queries), short), -np.inf, dtype=np.float32)])
            best_ids = np.hstack([best_ids, np.full((len(queries), short), -1, dtype=np.int64)])
        return best_scores.astype(np.float32), best_ids

    def close(self) -> None:
        """Delete the scratch file now (also done when the object is collected)."""
        self.rows = None
        self._finalizer()


def _delete(path: Path) -> None:
    path.unlink(missing_ok=True)
