"""Chunks (collection ``chunks``): each case's text pieces with their vectors, the store of record
the index is rebuilt from."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pymongo

from lexray.models import DEFAULT_TENANT, Chunk
from lexray.store.documents import tenant_scope, vector_from_bytes, vector_to_bytes
from lexray.store.erasures import CaseErasedError, ErasureReceipts


class ChunkRecords(ErasureReceipts):
    def _ensure_chunk_indexes(self) -> None:
        self.chunks.create_index("chunk_id", unique=True)
        self.chunks.create_index("vector_id", unique=True)
        self.chunks.create_index([("case_id", pymongo.ASCENDING), ("chunk_index", pymongo.ASCENDING)])
        self.chunks.create_index("tenant_id")

    def replace_chunks(self, chunks: list[Chunk], vectors: np.ndarray, *, case_id: str) -> None:
        """Store a case's chunks with their vectors, replacing any earlier ones.

        CaseErasedError when the case was erased (while a worker processed it). Checked before
        writing and again after: an erasure records its receipt before it deletes the chunks, so
        either it deletes these chunks too or this call sees the receipt and deletes them
        itself; no chunk of an erased case stays behind.
        """
        if self.was_erased(case_id):
            raise CaseErasedError(f"case {case_id} was erased: its chunks are not written")
        self._delete_chunks_of(case_id)
        if not chunks:
            return
        documents = [
            {**chunk.model_dump(mode="python"), "embedding": vector_to_bytes(vector)}
            for chunk, vector in zip(chunks, vectors, strict=True)
        ]
        self.chunks.insert_many(documents, ordered=False)
        if self.was_erased(case_id):
            self._delete_chunks_of(case_id)
            raise CaseErasedError(f"case {case_id} was erased while its chunks were written")

    def _delete_chunks_of(self, case_id: str) -> int:
        """Remove a case's chunks; how many were removed."""
        return self.chunks.delete_many({"case_id": case_id}).deleted_count

    def count_chunks(self, *, tenant_id: str | None = None) -> int:
        return self.chunks.count_documents(tenant_scope({}, tenant_id))

    def chunk_vector_ids(self) -> dict[int, str]:
        """vector_id -> case_id of every stored chunk (what the index must hold)."""
        return {
            row["vector_id"]: row["case_id"]
            for row in self.chunks.find({}, {"_id": 0, "vector_id": 1, "case_id": 1})
        }

    def iter_chunk_vectors(
        self, vector_ids: list[int] | None = None, *, batch_size: int = 1000
    ) -> Iterator[tuple[list[int], list[str], list[str], np.ndarray, list[str]]]:
        """Yield (vector_ids, case_ids, tenant_ids, vectors, texts) batches, to rebuild the index."""
        query: dict = {} if vector_ids is None else {"vector_id": {"$in": vector_ids}}
        fields = {"_id": 0, "vector_id": 1, "case_id": 1, "tenant_id": 1, "embedding": 1, "text": 1}
        batch: list[dict] = []
        for row in self.chunks.find(query, fields).batch_size(batch_size):
            batch.append(row)
            if len(batch) >= batch_size:
                yield _columns(batch)
                batch = []
        if batch:
            yield _columns(batch)

    def chunks_by_vector_id(self, vector_ids: list[int], *, tenant_id: str, with_vectors: bool = False) -> list[dict]:
        """The stored chunks with these ``vector_ids`` that ``tenant_id`` owns; their ``embedding``
        (bytes: ``vector_from_bytes``) only ``with_vectors``."""
        query = tenant_scope({"vector_id": {"$in": vector_ids}}, tenant_id)
        return list(self.chunks.find(query, {"_id": 0} if with_vectors else {"_id": 0, "embedding": 0}))


def _columns(rows: list[dict]) -> tuple[list[int], list[str], list[str], np.ndarray, list[str]]:
    return (
        [row["vector_id"] for row in rows],
        [row["case_id"] for row in rows],
        [row.get("tenant_id", DEFAULT_TENANT) for row in rows],
        np.vstack([vector_from_bytes(row["embedding"]) for row in rows]),
        [row["text"] for row in rows],
    )
