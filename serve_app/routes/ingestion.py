"""Uploads, their processing status and retries, ingestion stats and batch jobs."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, UploadFile

from serve_app import schemas
from serve_app.routes.context import Gateway, Tenant
from serve_app.routes.forms import read_capped, upload_filename
from serve_app.routes.openapi import ERRORS

router = APIRouter(prefix="/api/v1/ingestion")


@router.post("/upload", status_code=202, response_model=schemas.UploadResponse, responses=ERRORS)
async def upload(
    gateway: Gateway,
    tenant: Tenant,
    file: UploadFile = File(..., description="The PDF (detected by content, not by name)."),
    title: str | None = Form(None, max_length=1000),
    case_type: str | None = Form(None, max_length=200),
    court: str | None = Form(None, max_length=500),
    jurisdiction: str | None = Form(None, max_length=200),
    process_immediately: bool = Form(True),
    extract_metadata: bool = Form(True),
    generate_summary: bool = Form(False),
) -> schemas.UploadResponse:
    data = await read_capped(file, gateway.settings.api.max_upload_bytes)
    options = {"title": title, "case_type": case_type, "court": court, "jurisdiction": jurisdiction,
               "process_immediately": process_immediately, "extract_metadata": extract_metadata,
               "generate_summary": generate_summary}
    return await gateway.ingestion.upload.remote(data, upload_filename(file), tenant, options)


@router.get("/status/{case_id}", response_model=schemas.CaseStatusResponse, responses=ERRORS)
async def status(case_id: str, tenant: Tenant, gateway: Gateway) -> schemas.CaseStatusResponse:
    return await gateway.ingestion.status.remote(case_id, tenant)


@router.post("/retry/{case_id}", status_code=202, response_model=schemas.CaseStatusResponse,
             responses={**ERRORS, 409: {"model": schemas.ErrorResponse}})
async def retry(case_id: str, tenant: Tenant, gateway: Gateway) -> schemas.CaseStatusResponse:
    """Process a failed upload again, e.g. after a transient cause was fixed."""
    return await gateway.ingestion.retry.remote(case_id, tenant)


@router.get("/stats", response_model=schemas.IngestionStatsResponse, responses=ERRORS)
async def stats(tenant: Tenant, gateway: Gateway) -> schemas.IngestionStatsResponse:
    return await gateway.ingestion.stats.remote(tenant)


@router.post("/batch", status_code=202, response_model=schemas.BatchJobResponse, responses=ERRORS)
async def start_batch(batch: schemas.BatchRequest, tenant: Tenant, gateway: Gateway) -> schemas.BatchJobResponse:
    return await gateway.ingestion.start_batch.remote(batch.folder, tenant, batch.retry_failed)


@router.get("/batch/{job_id}", response_model=schemas.BatchJobResponse, responses=ERRORS)
async def batch_status(job_id: str, tenant: Tenant, gateway: Gateway) -> schemas.BatchJobResponse:
    return await gateway.ingestion.batch_status.remote(job_id, tenant)
