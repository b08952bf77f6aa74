"""Uploads, their status, ingestion stats and batch jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


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


class StageProgress(BaseModel):
    stage: Literal["extract", "enrich", "embed", "index"]
    done: int = Field(description="Documents that have left this stage (any outcome).")
    total: int | None = Field(None, description="Documents in the job (known once it runs).")
    rate_per_s: float | None = Field(None, description="Documents per second since the stage's first one.")
    eta_s: float | None = Field(None, description="Seconds left for this stage at that rate.")


class BatchJobResponse(BaseModel):
    job_id: str
    status: Literal["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "STOPPED", "UNKNOWN"]
    folder: str
    total: int | None = None
    done: int = Field(0, description="Documents finished (indexed, duplicate or failed).")
    ingested: int = 0
    duplicates: int = Field(0, description="Already stored (a resubmitted job skips them).")
    failed: int = 0
    resumed: int = Field(0, description="Half-done documents of an interrupted run, finished now.")
    attempts: int = Field(0, description="Runs of this job (a killed job resubmitted runs again).")
    stages: list[StageProgress] = Field(default_factory=list, description="Per-stage progress.")
    summary: dict | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
