"""The citator: a stored case's citations both ways, and a text's citations checked against the
tenant's cases (read by the Retrieval deployment: eyecite never runs on this event loop)."""

from __future__ import annotations

from fastapi import APIRouter

from serve_app import schemas
from serve_app.errors import ApiError
from serve_app.routes.context import Gateway, Tenant
from serve_app.routes.openapi import ERRORS

router = APIRouter(prefix="/api/v1/citator")


@router.get("/case/{case_id}", response_model=schemas.CitatorCaseResponse, responses=ERRORS)
async def citator_case(case_id: str, tenant: Tenant, gateway: Gateway) -> schemas.CitatorCaseResponse:
    return await gateway.retrieval.citator_case.remote(case_id, tenant)


@router.post("/verify", response_model=schemas.VerifyResponse, responses=ERRORS)
async def verify(verify: schemas.VerifyRequest, tenant: Tenant, gateway: Gateway) -> schemas.VerifyResponse:
    max_chars = gateway.settings.citator.max_verify_chars
    if len(verify.text) > max_chars:
        raise ApiError("validation_error", f"text: at most {max_chars} characters, got {len(verify.text)}")
    return await gateway.retrieval.verify_citations.remote(verify.text, tenant)
