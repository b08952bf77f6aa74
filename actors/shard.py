"""One FAISS shard of chunk vectors: a plain object, no Ray in it.

Vectors are L2-normalised, so inner product is cosine similarity. Ids are the chunks'
``vector_id`` (int64); the shard also remembers each vector's case and each case's tenant,
for ``remove_case`` and for tenant-filtered search (the filter is applied inside FAISS, before
ranking, so a tenant always gets its own top-k, never someone else's hits filtered away).
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from actors.snapshot_file import write_atomically


@dataclass(frozen=True)
class VectorHit:
    vector_id: int
    case_id: str
    score: float


class VectorShard:
    """Exact inner-product search over the chunks of the cases hashed to this shard.

    >>> shard = VectorShard(dimension=2)
    >>> shard.add(np.array([7]), ["case-a"], ["t1"], np.array([[1.0, 0.0]], dtype=np.float32))
    >>> [hit.case_id for hit in shard.search(np.array([[1.0, 0.0]], dtype=np.float32), 5)[0]]
    ['case-a']
    >>> shard.search(np.array([[1.0, 0.0]], dtype=np.float32), 5, tenant_id="t2")
    [[]]
    """

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        self.case_of_vector: dict[int, str] = {}
        self.vectors_of_case: dict[str, set[int]] = defaultdict(set)
        self.tenant_of_case: dict[str, str] = {}

    @property
    def count(self) -> int:
        return int(self.index.ntotal)

    def vector_ids(self) -> set[int]:
        return set(self.case_of_vector)

    def add(
        self, vector_ids: np.ndarray, case_ids: list[str], tenant_ids: list[str], vectors: np.ndarray
    ) -> None:
        """Add (or replace) vectors; adding an id twice keeps one copy."""
        vector_ids = np.asarray(vector_ids, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if (vectors.shape != (len(vector_ids), self.dimension)
                or not len(case_ids) == len(tenant_ids) == len(vector_ids)):
            raise ValueError(
                f"expected {len(vector_ids)} vectors of dimension {self.dimension}, got {vectors.shape}"
            )
        self.remove_ids([int(v) for v in vector_ids if int(v) in self.case_of_vector])
        self.index.add_with_ids(vectors, vector_ids)
        for vector_id, case_id, tenant_id in zip(vector_ids.tolist(), case_ids, tenant_ids, strict=True):
            self.case_of_vector[vector_id] = case_id
            self.vectors_of_case[case_id].add(vector_id)
            self.tenant_of_case[case_id] = tenant_id

    def remove_ids(self, vector_ids: list[int]) -> int:
        if not vector_ids:
            return 0
        removed = int(self.index.remove_ids(faiss.IDSelectorBatch(np.asarray(vector_ids, dtype=np.int64))))
        for vector_id in vector_ids:
            case_id = self.case_of_vector.pop(vector_id, None)
            if case_id is not None:
                self.vectors_of_case[case_id].discard(vector_id)
                if not self.vectors_of_case[case_id]:
                    del self.vectors_of_case[case_id]
                    self.tenant_of_case.pop(case_id, None)
        return removed

    def remove_case(self, case_id: str) -> int:
        return self.remove_ids(sorted(self.vectors_of_case.get(case_id, ())))

    def tenant_vector_ids(self, tenant_id: str) -> np.ndarray:
        ids = [
            vector_id
            for case_id, tenant in self.tenant_of_case.items() if tenant == tenant_id
            for vector_id in self.vectors_of_case[case_id]
        ]
        return np.asarray(ids, dtype=np.int64)

    def search(
        self, query_vectors: np.ndarray, k: int, *, tenant_id: str | None = None
    ) -> list[list[VectorHit]]:
        """Top-``k`` hits per query row, best first; only ``tenant_id``'s vectors when given."""
        query_vectors = np.ascontiguousarray(np.atleast_2d(query_vectors), dtype=np.float32)
        empty = [[] for _ in range(len(query_vectors))]
        if self.count == 0 or k <= 0:
            return empty
        params = None
        candidates = self.count
        if tenant_id is not None:
            allowed = self.tenant_vector_ids(tenant_id)
            if not len(allowed):
                return empty
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
            candidates = len(allowed)
        scores, ids = self.index.search(query_vectors, min(k, candidates), params=params)
        return [
            [
                VectorHit(int(vector_id), self.case_of_vector[int(vector_id)], float(score))
                for score, vector_id in zip(row_scores, row_ids, strict=True)
                if vector_id != -1
            ]
            for row_scores, row_ids in zip(scores, ids, strict=True)
        ]

    def save(self, path: Path) -> None:
        """Write index and id maps to one file, atomically (tmp file, then rename)."""
        ids = np.fromiter(self.case_of_vector.keys(), dtype=np.int64, count=len(self.case_of_vector))
        cases = [self.case_of_vector[int(i)] for i in ids]
        buffer = io.BytesIO()
        np.savez(
            buffer,
            index=faiss.serialize_index(self.index),
            ids=ids,
            cases=np.array(cases, dtype=np.str_),
            tenants=np.array([self.tenant_of_case[case] for case in cases], dtype=np.str_),
            dimension=np.int64(self.dimension),
        )
        write_atomically(path, buffer.getvalue())

    @classmethod
    def load(cls, path: Path) -> VectorShard:
        """Read a snapshot; ValueError when it is damaged or of an older layout."""
        try:
            return cls._load(path)
        except KeyError as exc:
            raise ValueError(f"snapshot {path} lacks {exc}") from exc

    @classmethod
    def _load(cls, path: Path) -> VectorShard:
        with np.load(path, allow_pickle=False) as saved:
            shard = cls(int(saved["dimension"]))
            shard.index = faiss.deserialize_index(saved["index"])
            for vector_id, case_id, tenant_id in zip(
                saved["ids"].tolist(), saved["cases"].tolist(), saved["tenants"].tolist(), strict=True
            ):
                shard.case_of_vector[vector_id] = case_id
                shard.vectors_of_case[case_id].add(vector_id)
                shard.tenant_of_case[case_id] = tenant_id
        if shard.count != len(shard.case_of_vector):
            raise ValueError(f"snapshot {path} is inconsistent: {shard.count} vectors, "
                             f"{len(shard.case_of_vector)} ids")
        return shard
