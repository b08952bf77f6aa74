"""Request bodies the routes read themselves: a model validated from JSON bytes or form
fields (422 in the one error shape), and a multipart form carrying a PDF."""

from __future__ import annotations

from typing import TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile

from serve_app.errors import ApiError
from serve_app.ingestion import safe_filename

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
ModelT = TypeVar("ModelT", bound=BaseModel)


def content_type_of(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def validated(model: type[ModelT], raw: bytes | dict) -> ModelT:
    """``raw`` (JSON bytes or form fields) as ``model``; a 422 in the one error shape if invalid."""
    try:
        return model.model_validate_json(raw) if isinstance(raw, bytes) else model.model_validate(raw)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from exc


async def read_capped(upload: UploadFile, limit: int) -> bytes:
    """The uploaded file's bytes; 413 past ``limit`` (reads at most one byte more)."""
    pdf_bytes = await upload.read(limit + 1)
    if len(pdf_bytes) > limit:
        raise ApiError("payload_too_large", f"upload larger than {limit} bytes")
    return pdf_bytes


def upload_filename(upload: UploadFile) -> str:
    return safe_filename(upload.filename or "")


async def pdf_form(request: Request, form_model: type[ModelT], limit: int) -> tuple[bytes, str, ModelT]:
    """A multipart form's PDF ``file`` (at most ``limit`` bytes), its file name, and its other
    fields as ``form_model`` (``focus_areas`` may repeat; other fields: the last)."""
    if content_type_of(request) not in FORM_TYPES:
        raise ApiError("unsupported_media_type", "send a multipart form with a PDF file")
    async with request.form(max_files=1) as form:
        upload = form.get("file")
        fields: dict[str, list[str]] = {}
        for name, value in form.multi_items():
            if name != "file":
                fields.setdefault(name, []).append(value)
        options = validated(form_model, {
            name: values if name == "focus_areas" else values[-1] for name, values in fields.items()})
        if upload is None or isinstance(upload, str):
            raise ApiError("validation_error", "file: a PDF file is required")
        pdf_bytes = await upload.read(limit + 1)
    if len(pdf_bytes) > limit:
        raise ApiError("payload_too_large", f"upload larger than {limit} bytes")
    return pdf_bytes, upload_filename(upload), options
