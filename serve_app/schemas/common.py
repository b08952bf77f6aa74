"""What several concerns' models share: the one error shape, validators of text and form fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    code: str = Field(description="Machine-readable error code, e.g. 'not_pdf', 'rate_limited'.")
    message: str
    request_id: str
    timestamp: datetime


class ErrorResponse(BaseModel):
    """The one error shape of every non-2xx response."""

    error: ErrorDetail


def not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must contain a non-space character")
    return text


def comma_separated(value: Any) -> Any:
    """A form's list field: comma-separated, the field repeated, or both.

    >>> comma_separated(["facts, holding", "relief"])
    ['facts', 'holding', 'relief']
    """
    values = [value] if isinstance(value, str) else value
    if isinstance(values, list) and all(isinstance(item, str) for item in values):
        return [item.strip() for value in values for item in value.split(",") if item.strip()]
    return value
