"""Grounded questions with answers and source spans, typed shortcuts, stored question sets."""

from __future__ import annotations

from fastapi import APIRouter, Request

from serve_app import schemas
from serve_app.routes.context import Gateway, GatewayContext, Tenant
from serve_app.routes.forms import pdf_form
from serve_app.routes.openapi import ERRORS, GENERATION_ERRORS, upload_form_body

router = APIRouter(prefix="/api/v1/questions")


@router.post("/generate", response_model=schemas.QuestionSetResponse, responses=GENERATION_ERRORS)
async def generate_questions(generate: schemas.QuestionRequest, tenant: Tenant,
                             gateway: Gateway) -> schemas.QuestionSetResponse:
    """Questions about a stored case (``case_id``; stored, GET /case/{case_id}/questions) or
    about plain ``text`` (not stored); exactly ``num_questions``, or a 422."""
    return await gateway.questions.generate.remote(generate, tenant)


@router.post("/qa-common", response_model=schemas.QuestionSetResponse, responses=GENERATION_ERRORS)
async def common_questions(generate: schemas.TypedQuestionRequest, tenant: Tenant,
                           gateway: Gateway) -> schemas.QuestionSetResponse:
    """``POST /generate`` with ``question_type`` common: the judgement's main points."""
    return await _typed_questions(gateway, generate, "common", tenant)


@router.post("/qa-rare", response_model=schemas.QuestionSetResponse, responses=GENERATION_ERRORS)
async def rare_questions(generate: schemas.TypedQuestionRequest, tenant: Tenant,
                         gateway: Gateway) -> schemas.QuestionSetResponse:
    """``POST /generate`` with ``question_type`` rare: specific details."""
    return await _typed_questions(gateway, generate, "rare", tenant)


@router.post("/qa-unexpected", response_model=schemas.QuestionSetResponse, responses=GENERATION_ERRORS)
async def unexpected_questions(generate: schemas.TypedQuestionRequest, tenant: Tenant,
                               gateway: Gateway) -> schemas.QuestionSetResponse:
    """``POST /generate`` with ``question_type`` unexpected: asides and outliers."""
    return await _typed_questions(gateway, generate, "unexpected", tenant)


async def _typed_questions(gateway: GatewayContext, generate: schemas.TypedQuestionRequest, question_type: str,
                           tenant: str) -> schemas.QuestionSetResponse:
    request = schemas.QuestionRequest.model_validate({**generate.model_dump(), "question_type": question_type})
    return await gateway.questions.generate.remote(request, tenant)


@router.post("/generate-from-upload", response_model=schemas.QuestionSetResponse, responses=GENERATION_ERRORS,
             openapi_extra=upload_form_body(schemas.QuestionUploadForm, "The PDF to ask about."))
async def questions_from_upload(request: Request, tenant: Tenant, gateway: Gateway) -> schemas.QuestionSetResponse:
    """Questions about a PDF (multipart ``file`` and the options as form fields), read like an
    upload but neither stored nor ingested; with ``store=true`` the questions are kept, keyed
    by the file's sha256."""
    pdf_bytes, filename, options = await pdf_form(request, schemas.QuestionUploadForm,
                                                  gateway.settings.api.max_upload_bytes)
    return await gateway.questions.generate_upload.remote(pdf_bytes, filename, options, tenant)


@router.get("/case/{case_id}/questions", response_model=schemas.StoredQuestionSetsResponse, responses=ERRORS)
async def stored_questions(case_id: str, tenant: Tenant, gateway: Gateway) -> schemas.StoredQuestionSetsResponse:
    """Stored question sets of a case, or of an upload by its sha256; newest first."""
    return await gateway.questions.stored.remote(case_id, tenant)


@router.get("/types", response_model=schemas.QuestionTypesResponse, responses=ERRORS)
async def question_types(gateway: Gateway) -> schemas.QuestionTypesResponse:
    return await gateway.questions.types.remote()


@router.get("/focus-areas", response_model=schemas.FocusAreasResponse, responses=ERRORS)
async def question_focus_areas(gateway: Gateway) -> schemas.FocusAreasResponse:
    return await gateway.questions.focus_areas.remote()
