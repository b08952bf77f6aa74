"""The root and the health reports."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class ComponentHealth(BaseModel):
    status: Literal["healthy", "unhealthy"]
    detail: str


class HealthResponse(BaseModel):
    status: Literal["healthy", "degraded"]
    version: str
    components: dict[str, ComponentHealth]


class ComponentStatus(BaseModel):
    status: Literal["healthy", "unhealthy"]


class PublicHealthResponse(BaseModel):
    """``GET /health``: statuses only; the detail is on ``GET /api/v1/operator/health``."""

    status: Literal["healthy", "degraded"]
    version: str
    components: dict[str, ComponentStatus]


class RootResponse(BaseModel):
    name: str
    version: str
    links: dict[str, str]
