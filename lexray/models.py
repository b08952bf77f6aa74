"""Domain models: what a case, its pages, sections and chunks hold.

Field names follow the seed's ``LegalCaseDocument`` so stored documents stay compatible.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


DEFAULT_TENANT = "default"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ProcessingStatus(str, Enum):
    UPLOADED = "uploaded"
    PROCESSING = "processing"
    OCR_COMPLETE = "ocr_complete"
    EMBEDDING_COMPLETE = "embedding_complete"
    INDEXED = "indexed"
    FAILED = "failed"


class PageText(BaseModel):
    """Text of one PDF page (1-based ``number``) and where it came from."""

    number: int
    text: str
    source: Literal["text_layer", "ocr"]
    ocr_confidence: float | None = Field(None, description="Mean word confidence 0-100 (OCR only).")


class PageSpan(BaseModel):
    """Where one page lies in a case's ``cleaned_content``: [char_start, char_end)."""

    page: int
    char_start: int
    char_end: int


class CaseSection(BaseModel):
    """A recognised part of an opinion, e.g. syllabus, facts, analysis, holding, order."""

    name: str
    heading: str
    char_start: int
    char_end: int
    page_start: int
    page_end: int


class CaseMetadata(BaseModel):
    case_number: str | None = None
    title: str | None = None
    court: str | None = None
    jurisdiction: str | None = None
    case_type: str | None = None
    date_filed: date | None = None
    date_decided: date | None = None
    plaintiffs: list[str] = Field(default_factory=list)
    defendants: list[str] = Field(default_factory=list)
    judges: list[str] = Field(default_factory=list)
    attorneys: list[str] = Field(default_factory=list)
    legal_issues: list[str] = Field(default_factory=list)
    citations: list[str] = Field(default_factory=list)
    precedents: list[str] = Field(default_factory=list)
    statutes: list[str] = Field(default_factory=list)
    page_count: int = 0
    word_count: int = 0
    language: str = "en"
    ocr_confidence: float | None = None


class ProcessingLogEntry(BaseModel):
    status: ProcessingStatus
    message: str
    at: datetime = Field(default_factory=utcnow)


class LegalCaseDocument(BaseModel):
    """One stored case (collection ``cases``)."""

    case_id: str
    tenant_id: str = Field(DEFAULT_TENANT, description="Owner; no request reads another tenant's data.")
    document_hash: str = Field(description="sha256 of the uploaded bytes, hex.")
    title: str | None = None
    content: str = ""
    cleaned_content: str = ""
    sections: list[CaseSection] = Field(default_factory=list)
    page_spans: list[PageSpan] = Field(default_factory=list)
    metadata: CaseMetadata = Field(default_factory=CaseMetadata)
    processing_status: ProcessingStatus = ProcessingStatus.UPLOADED
    processing_log: list[ProcessingLogEntry] = Field(default_factory=list)
    failure_reason: str | None = Field(None, description="Machine-readable code when failed.")
    attempts: int = Field(0, description="Upload path: dispatches to a worker that did not come "
                                         "back (a worker that died on it); see uploads.max_worker_crashes.")
    transient_retries: int = Field(0, description="Upload path: retries after transient failures.")
    retry_after: datetime | None = Field(None, description="Upload path: not retried before this.")
    processing_deadline: datetime | None = Field(
        None, description="Upload path: when the running attempt must end (limits.document_timeout_s).")
    original_filename: str | None = None
    source: str = Field("batch", description="'upload' (HTTP) or 'batch' (Ray Data job).")
    metadata_overrides: dict[str, str] = Field(
        default_factory=dict, description="Metadata the uploader supplied (wins over extraction)."
    )
    file_size: int = 0
    mime_type: str = "application/pdf"
    embedding_model: str | None = None
    embedding_dimension: int | None = None
    chunk_count: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    processed_at: datetime | None = None


class Chunk(BaseModel):
    """A page-aware piece of a case's ``cleaned_content`` (collection ``chunks``)."""

    chunk_id: str = Field(description="'<case_id>:<chunk_index>'.")
    vector_id: int = Field(description="Stable int64 id of the chunk's vector in FAISS.")
    case_id: str
    tenant_id: str = DEFAULT_TENANT
    chunk_index: int
    text: str
    page_numbers: list[int]
    char_start: int
    char_end: int


class CaseFilters(BaseModel):
    """Metadata a search is restricted to before ranking (all given fields must match).

    ``court``, ``case_type`` and ``jurisdiction`` match whole values, case-insensitively;
    ``judge`` matches any judge whose name contains it; dates bound ``date_decided``
    (``date_filed`` when no decision date was found), inclusive.

    >>> CaseFilters(court="Supreme Court of India").is_empty()
    False
    >>> CaseFilters().is_empty()
    True
    """

    model_config = ConfigDict(extra="forbid")

    court: str | None = Field(None, min_length=1, max_length=200)
    case_type: str | None = Field(None, min_length=1, max_length=200)
    jurisdiction: str | None = Field(None, min_length=1, max_length=200)
    judge: str | None = Field(None, min_length=1, max_length=200)
    date_from: date | None = None
    date_to: date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> CaseFilters:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from must not be after date_to")
        return self

    def is_empty(self) -> bool:
        return not any(value is not None for value in self.model_dump().values())
