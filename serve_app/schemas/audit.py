"""Erasure receipts and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ErasedCounts(BaseModel):
    """What an erasure removed."""

    cases: int
    chunks: int = Field(description="Chunks (text and vector) in MongoDB.")
    vectors: int | None = Field(description="Vectors removed from the index's shards; None when the "
                                            "index actor was unreachable (its reconcile with MongoDB "
                                            "removes them).")
    lexical_chunks: int | None = Field(description="Chunks removed from the BM25 index (None: as vectors).")
    uploads: int = Field(description="Stored copies of the uploaded PDF (GridFS files).")
    summaries: int = Field(description="Stored summaries of the case or of its bytes.")
    question_sets: int = Field(description="Stored question sets of the case or of its bytes.")
    chat_citations: int = Field(description="Citations of the case in chat sessions, now tombstones.")
    chat_sessions: int = Field(description="Chat sessions those citations were in (kept).")
    citator_records: int = Field(0, description="The case's citator records (what it cites, what it is "
                                                "cited as); other cases' citations of it resolve again.")
    other_records: int = Field(description="Any other record keyed by the case id.")


class CaseErasureResponse(BaseModel):
    case_id: str
    erased: Literal[True] = True
    erased_at: datetime
    removed: ErasedCounts


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skip: int = Field(0, ge=0, le=1_000_000, description="Entries to skip (newest first).")
    limit: int = Field(50, ge=1, le=1000, description="Entries per page (at most `audit.page_max`).")


class AuditEntry(BaseModel):
    """One data access: who (tenant, key id; never the key), what (route, case ids), how it ended."""

    at: datetime
    request_id: str
    tenant_id: str
    key_id: str
    method: str
    route: str = Field(description="The route's path template, e.g. /api/v1/retrieval/case/{case_id}.")
    case_ids: list[str] = Field(description="Case ids in the path, and those the response named "
                                            "(search hits, similar cases, chat citations).")
    status: int = Field(description="The HTTP status answered.")
    duration_ms: float


class AuditLogResponse(BaseModel):
    entries: list[AuditEntry]
    skip: int
    limit: int
    total: int = Field(description="The tenant's entries still kept (the log is capped).")
