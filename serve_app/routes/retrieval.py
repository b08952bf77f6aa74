"""Search, similar cases, a case, the filtered listing, stats and metadata values."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response

from serve_app import schemas
from serve_app.errors import ApiError
from serve_app.routes.context import Gateway, GatewayContext, Tenant
from serve_app.routes.forms import FORM_TYPES, content_type_of, read_capped, upload_filename, validated
from serve_app.routes.openapi import ERRORS, similar_request_body

router = APIRouter(prefix="/api/v1/retrieval")


@router.post("/search", response_model=schemas.SearchResponse, responses=ERRORS)
async def search(search: schemas.SearchRequest, tenant: Tenant, gateway: Gateway) -> schemas.SearchResponse:
    return await gateway.retrieval.search.remote(search.query, tenant, search.search_options())


@router.get("/search/text", response_model=schemas.SearchResponse, responses=ERRORS)
async def search_text(params: Annotated[schemas.TextSearchQuery, Query()], tenant: Tenant,
                      gateway: Gateway) -> schemas.SearchResponse:
    return await gateway.retrieval.search.remote(params.q, tenant, params.search_options())


@router.post("/similar", response_model=schemas.SimilarResponse, responses=ERRORS,
             openapi_extra=similar_request_body())
async def similar(request: Request, tenant: Tenant, gateway: Gateway) -> schemas.SimilarResponse:
    """Cases like a stored case (JSON ``{"case_id": ...}``, itself excluded) or like an
    uploaded PDF (multipart ``file``, read like an upload but not stored)."""
    content_type = content_type_of(request)
    if content_type == "application/json":
        similar = validated(schemas.SimilarRequest, await request.body())
        return await gateway.retrieval.similar_to_case.remote(similar.case_id, tenant, similar.search_options())
    if content_type in FORM_TYPES:
        return await _similar_from_form(request, tenant, gateway)
    raise ApiError("unsupported_media_type", "send JSON with a case_id, or a form with a PDF file")


async def _similar_from_form(request: Request, tenant: str, gateway: GatewayContext) -> schemas.SimilarResponse:
    async with request.form(max_files=1) as form:
        upload = form.get("file")
        fields = {name: value for name, value in form.multi_items() if name != "file"}
        similar = validated(schemas.SimilarForm, fields)
        if (upload is None) == (similar.case_id is None):
            raise ApiError("validation_error", "give exactly one of case_id and file")
        if similar.case_id is not None:
            return await gateway.retrieval.similar_to_case.remote(similar.case_id, tenant, similar.search_options())
        if isinstance(upload, str):
            raise ApiError("validation_error", "file: expected a file, got a text field")
        pdf_bytes = await read_capped(upload, gateway.settings.api.max_upload_bytes)
    return await gateway.retrieval.similar_to_pdf.remote(
        pdf_bytes, upload_filename(upload), tenant, similar.search_options())


@router.get("/case/{case_id}", response_model=schemas.CaseResponse, responses=ERRORS)
async def case(case_id: str, tenant: Tenant, gateway: Gateway, include_content: bool = False) -> schemas.CaseResponse:
    return await gateway.retrieval.case.remote(case_id, tenant, include_content)


@router.get("/case/{case_id}/pdf", response_class=Response, responses={
    **ERRORS, 200: {"description": "The PDF as uploaded.", "content": {"application/pdf": {}}}})
async def case_pdf(case_id: str, tenant: Tenant, gateway: Gateway) -> Response:
    pdf_bytes, filename = await gateway.retrieval.case_pdf.remote(case_id, tenant)
    return Response(pdf_bytes, media_type="application/pdf", headers={
        "Content-Disposition": inline_disposition(filename),
        "Cache-Control": "private, no-store"})


def inline_disposition(filename: str) -> str:
    """``Content-Disposition`` showing a stored file in the browser under its name: an ASCII
    fallback plus the UTF-8 name (RFC 6266), so no name can break or extend the header.

    >>> print(inline_disposition('Ünited "v" Doe.pdf'))
    inline; filename="_nited _v_ Doe.pdf"; filename*=UTF-8''%C3%9Cnited%20%22v%22%20Doe.pdf
    """
    fallback = "".join(char if char.isascii() and char.isprintable() and char not in '"\\' else "_"
                       for char in filename)
    return f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get("/filter", response_model=schemas.CaseListResponse, responses=ERRORS)
async def filter_cases(params: Annotated[schemas.CaseListQuery, Query()], tenant: Tenant,
                       gateway: Gateway) -> schemas.CaseListResponse:
    return await gateway.retrieval.list_cases.remote(params.case_filters(), tenant, params.skip, params.limit)


@router.get("/stats", response_model=schemas.RetrievalStatsResponse, responses=ERRORS)
async def retrieval_stats(tenant: Tenant, gateway: Gateway) -> schemas.RetrievalStatsResponse:
    return await gateway.retrieval.stats.remote(tenant)


@router.get("/metadata/courts", response_model=schemas.MetadataValuesResponse, responses=ERRORS)
async def courts(tenant: Tenant, gateway: Gateway) -> schemas.MetadataValuesResponse:
    return await gateway.retrieval.metadata_values.remote("court", tenant)


@router.get("/metadata/case-types", response_model=schemas.MetadataValuesResponse, responses=ERRORS)
async def case_types(tenant: Tenant, gateway: Gateway) -> schemas.MetadataValuesResponse:
    return await gateway.retrieval.metadata_values.remote("case_type", tenant)
