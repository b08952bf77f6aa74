"""Records the store's integration tests start from: a registered case, a chat message, a case's chunks."""

from datetime import datetime, timezone

from lexray.models import Chunk
from lexray.store.cases import Registration


def register_case(store, digest="a" * 64, **kwargs) -> Registration:
    return store.register_document(document_hash=digest, original_filename="x.pdf", file_size=3, **kwargs)


def chat_message(role: str, content: str, minute: int) -> dict:
    return {"role": role, "content": content, "timestamp": datetime(2026, 1, 1, 12, minute, tzinfo=timezone.utc)}


def chunks_of(case_id: str, tenant_id: str, word: str = "zyzzogeton", count: int = 2) -> list[Chunk]:
    return [Chunk(chunk_id=f"{case_id}:{i}", vector_id=abs(hash((case_id, i))) % 10**12, case_id=case_id,
                  tenant_id=tenant_id, chunk_index=i, text=f"{word} {i}", page_numbers=[1],
                  char_start=0, char_end=1) for i in range(count)]
