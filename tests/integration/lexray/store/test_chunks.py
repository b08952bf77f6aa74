"""Chunks (lexray.store.chunks) in a real database: stored with their vectors, replaced, read back."""

import numpy as np

from lexray.models import Chunk
from lexray.store import vector_from_bytes
from tests.integration.lexray.store.records import register_case


def test_chunks_round_trip_with_vectors_and_replace(store):
    case_id = register_case(store).case_id
    chunks = [Chunk(chunk_id=f"{case_id}:{i}", vector_id=1000 + i, case_id=case_id, chunk_index=i,
                    text=f"text {i}", page_numbers=[1], char_start=i, char_end=i + 1) for i in range(3)]
    vectors = np.arange(12, dtype=np.float32).reshape(3, 4)
    store.replace_chunks(chunks, vectors, case_id=case_id)
    store.replace_chunks(chunks[:2], vectors[:2], case_id=case_id)
    assert store.count_chunks() == 2
    ids, cases, tenants, stored, texts = next(store.iter_chunk_vectors())
    assert sorted(texts) == ["text 0", "text 1"]
    assert set(tenants) == {"default"}
    assert sorted(ids) == [1000, 1001] and set(cases) == {case_id}
    assert np.array_equal(stored[np.argsort(ids)], vectors[:2])
    assert store.chunk_vector_ids() == {1000: case_id, 1001: case_id}
    # Chunks by vector id come without their vectors unless asked for (chat reads them).
    bare = store.chunks_by_vector_id([1001], tenant_id="default")
    assert [chunk["text"] for chunk in bare] == ["text 1"] and "embedding" not in bare[0]
    [full] = store.chunks_by_vector_id([1001], tenant_id="default", with_vectors=True)
    assert np.array_equal(vector_from_bytes(full["embedding"]), vectors[1])
    assert store.chunks_by_vector_id([1001], tenant_id="other") == []
