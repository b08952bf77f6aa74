"""What several deployments do alike: check an uploaded PDF, read a stored case that has text,
list the focus areas. One place, so the answers (and their errors) stay the same everywhere."""

from __future__ import annotations

from generation.prompts import FOCUS_PHRASES
from lexray.errors import EmptyDocumentError
from lexray.settings import Settings
from lexray.store import CaseStore
from lexray.summary_options import FOCUS_AREAS
from pipelines.extract import locate_pdf, read_text_layer
from serve_app import schemas
from serve_app.errors import ApiError


def validate_pdf(data: bytes, settings: Settings) -> bytes:
    """Refuse what cannot become a case: empty, too big, not a PDF, corrupt, encrypted."""
    if not data:
        raise EmptyDocumentError("the uploaded file is empty")
    if len(data) > settings.api.max_upload_bytes:
        raise ApiError("payload_too_large", f"upload larger than {settings.api.max_upload_bytes} bytes")
    pdf_bytes = locate_pdf(data, limits=settings.limits)
    read_text_layer(pdf_bytes, limits=settings.limits)
    return pdf_bytes


def case_with_text(store: CaseStore, case_id: str, tenant_id: str) -> dict:
    """The tenant's stored case with its text; 404 when missing (another tenant's case answers
    exactly like a missing one: existence must not leak), 400 while it has no text yet."""
    case = store.get_case(case_id, tenant_id=tenant_id, with_content=True)
    if case is None:
        raise ApiError("not_found", f"no case {case_id!r}")
    if not (case.get("cleaned_content") or "").strip():
        raise ApiError("bad_request", f"case {case_id!r} has no text yet (status {case['processing_status']})")
    return case


def focus_areas_listing() -> schemas.FocusAreasResponse:
    """The focus areas summaries and questions accept, with what each asks for and its keywords."""
    return schemas.FocusAreasResponse(focus_areas=[
        schemas.FocusAreaItem(name=name, description=FOCUS_PHRASES[name], keywords=list(keywords))
        for name, keywords in FOCUS_AREAS.items()])
