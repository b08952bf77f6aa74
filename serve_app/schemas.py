"""Request and response models of the HTTP API (one module, shared by gateway and client)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    code: str = Field(description="Machine-readable error code, e.g. 'not_pdf', 'rate_limited'.")
    message: str
    request_id: str
    timestamp: datetime


class ErrorResponse(BaseModel):
    """The one error shape of every non-2xx response."""

    error: ErrorDetail


class UploadResponse(BaseModel):
    case_id: str
    duplicate: bool
    processing_status: str
    original_filename: str


class ProcessingLogItem(BaseModel):
    status: str
    message: str
    at: datetime


class CaseStatusResponse(BaseModel):
    case_id: str
    processing_status: str
    failure_reason: str | None = None
    original_filename: str | None = None
    title: str | None = None
    page_count: int = 0
    chunk_count: int = 0
    processing_log: list[ProcessingLogItem] = Field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None


class IngestionStatsResponse(BaseModel):
    tenant_id: str
    total_cases: int
    by_status: dict[str, int]
    total_chunks: int
    indexed_vectors: int | None = Field(None, description="Vectors in the index for all tenants.")


class BatchRequest(BaseModel):
    folder: str = Field(
        min_length=1, max_length=4096,
        description="Folder of PDFs, relative to the server's batch root (LEXRAY_API_BATCH_ROOT).",
    )
    retry_failed: bool = False


class BatchJobResponse(BaseModel):
    job_id: str
    status: Literal["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "STOPPED", "UNKNOWN"]
    folder: str
    total: int | None = None
    done: int = 0
    ingested: int = 0
    duplicates: int = 0
    failed: int = 0
    summary: dict | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class ComponentHealth(BaseModel):
    status: Literal["healthy", "unhealthy"]
    detail: str


class HealthResponse(BaseModel):
    status: Literal["healthy", "degraded"]
    version: str
    components: dict[str, ComponentHealth]


class RootResponse(BaseModel):
    name: str
    version: str
    links: dict[str, str]
