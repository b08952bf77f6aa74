"""Stable identifiers derived from content, the same on every machine and run.

>>> vector_id_for("abc:0") == vector_id_for("abc:0")
True
>>> 0 <= shard_for("abc", 4) < 4
True
"""

from __future__ import annotations

import hashlib
import uuid


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def chunk_id_for(case_id: str, chunk_index: int) -> str:
    return f"{case_id}:{chunk_index}"


def vector_id_for(chunk_id: str) -> int:
    """FAISS needs int64 ids: the first 63 bits of blake2b(chunk_id)."""
    digest = hashlib.blake2b(chunk_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & (2**63 - 1)


def shard_for(case_id: str, shard_count: int) -> int:
    """All chunks of one case live in one shard, chosen by a hash Python does not salt."""
    digest = hashlib.blake2b(case_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shard_count


def new_job_id() -> str:
    """Id of a batch ingestion job (also its Ray submission id when the API starts it)."""
    return f"ingest-{uuid.uuid4().hex[:16]}"
