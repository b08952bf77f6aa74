"""Extractive and abstractive (map-reduce on the LLM) summaries, comparisons, stored summaries."""

from __future__ import annotations

from fastapi import APIRouter, Request

from serve_app import schemas
from serve_app.routes.context import Gateway, Tenant
from serve_app.routes.forms import pdf_form
from serve_app.routes.openapi import ERRORS, GENERATION_ERRORS, upload_form_body

router = APIRouter(prefix="/api/v1/summarization")


@router.post("/summarize1", response_model=schemas.SummaryResponse, responses=GENERATION_ERRORS)
async def summarize_case(summarize: schemas.SummarizeCaseRequest, tenant: Tenant,
                         gateway: Gateway) -> schemas.SummaryResponse:
    """Summarise a stored case; the summary is stored (GET /summary/{case_id})."""
    return await gateway.summarization.summarize_case.remote(summarize, tenant)


@router.post("/summarize-many", response_model=schemas.ComparisonResponse, responses=GENERATION_ERRORS)
async def summarize_many(summarize: schemas.SummarizeManyRequest, tenant: Tenant,
                         gateway: Gateway) -> schemas.ComparisonResponse:
    """Summarise 2 to 10 cases, then compare them; not stored."""
    return await gateway.summarization.summarize_many.remote(summarize, tenant)


@router.post("/summarize-uploaded", response_model=schemas.SummaryResponse, responses=GENERATION_ERRORS,
             openapi_extra=upload_form_body(schemas.SummarizeUploadForm, "The PDF to summarise."))
async def summarize_uploaded(request: Request, tenant: Tenant, gateway: Gateway) -> schemas.SummaryResponse:
    """Summarise a PDF (multipart ``file`` and the options as form fields). It is read like an
    upload but neither stored nor ingested; with ``store=true`` the summary is kept, keyed by
    the file's sha256."""
    pdf_bytes, filename, options = await pdf_form(request, schemas.SummarizeUploadForm,
                                                  gateway.settings.api.max_upload_bytes)
    return await gateway.summarization.summarize_upload.remote(pdf_bytes, filename, options, tenant)


@router.post("/summarize-text", response_model=schemas.SummaryResponse, responses=GENERATION_ERRORS)
async def summarize_text(summarize: schemas.SummarizeTextRequest, tenant: Tenant,
                         gateway: Gateway) -> schemas.SummaryResponse:
    """Summarise plain text; not stored, and without pages."""
    return await gateway.summarization.summarize_text.remote(summarize, tenant)


@router.get("/summary/{case_id}", response_model=schemas.StoredSummariesResponse, responses=ERRORS)
async def stored_summaries(case_id: str, tenant: Tenant, gateway: Gateway) -> schemas.StoredSummariesResponse:
    """Stored summaries of a case, or of an upload by its sha256; newest first."""
    return await gateway.summarization.stored.remote(case_id, tenant)


@router.get("/supported-lengths", response_model=schemas.SupportedLengthsResponse, responses=ERRORS)
async def supported_lengths(gateway: Gateway) -> schemas.SupportedLengthsResponse:
    return await gateway.summarization.supported_lengths.remote()


@router.get("/focus-areas", response_model=schemas.FocusAreasResponse, responses=ERRORS)
async def summary_focus_areas(gateway: Gateway) -> schemas.FocusAreasResponse:
    return await gateway.summarization.focus_areas.remote()
