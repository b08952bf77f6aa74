"""The root, the public health probes and the operators' detailed health."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from serve_app import schemas
from serve_app.errors import ApiError, error_response
from serve_app.health import VERSION
from serve_app.http import principal_of
from serve_app.routes.context import Gateway
from serve_app.routes.openapi import ERRORS
from serve_app.web.pages import prefers_html

router = APIRouter()


@router.get("/", response_model=schemas.RootResponse,
            responses={307: {"description": "A browser (Accept: text/html first) is sent to the web app, /app/."}})
async def root(request: Request):
    if prefers_html(request.headers.get("accept")):
        return RedirectResponse("/app/", status_code=307)
    return {"name": "LexRay", "version": VERSION,
            "links": {"app": "/app/", "docs": "/docs", "openapi": "/openapi.json", "health": "/health",
                      "upload": "/api/v1/ingestion/upload", "search": "/api/v1/retrieval/search"}}


@router.get("/health/live")
async def live() -> dict:
    return {"status": "alive"}


@router.get("/health", response_model=schemas.PublicHealthResponse, responses={429: {"model": schemas.ErrorResponse}})
async def health(gateway: Gateway) -> dict:
    """Each component's status and nothing more (public: no hosts, counts, models or error
    text; operators read those on GET /api/v1/operator/health, and in the logs)."""
    report = await gateway.health.cached()
    return {"status": report["status"], "version": VERSION,
            "components": {name: {"status": component["status"]}
                           for name, component in report["components"].items()}}


@router.get("/health/ready", responses={503: {"model": schemas.ErrorResponse}, 429: {"model": schemas.ErrorResponse}})
async def ready(request: Request, gateway: Gateway):
    components = (await gateway.health.cached())["components"]
    down = [name for name in ("mongodb", "index") if components[name]["status"] != "healthy"]
    if not down:
        return {"status": "ready"}
    return error_response(request, 503, "service_unavailable", f"not ready: {' and '.join(down)} unavailable")


@router.get("/api/v1/operator/health", response_model=schemas.HealthResponse,
            responses={**ERRORS, 403: {"model": schemas.ErrorResponse}})
async def operator_health(request: Request, gateway: Gateway) -> dict:
    """The components' detail (node and CPU counts, vectors, model, error text with
    credentials masked), checked now; for the tenants in ``api.operator_tenants`` (any caller
    when auth is off)."""
    tenant = principal_of(request).tenant
    if gateway.auth_enabled and tenant not in gateway.settings.api.operator_tenants:
        raise ApiError("forbidden", "this route is for operators (api.operator_tenants)")
    return await gateway.health.check()
