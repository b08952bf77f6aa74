"""Cross-cutting HTTP behaviour of the gateway: request ids, timing, security headers, API-key
auth with tenants, shared rate limits, body-size limits, GZip, CORS and trusted hosts."""

from __future__ import annotations

import re
import time
import uuid

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from lexray.errors import LexRayError
from lexray.settings import ApiSettings
from serve_app.auth import ANONYMOUS_KEY_ID, AuthError, KeyRing, Principal
from serve_app.errors import error_response, status_for
from serve_app.rate_limit import rate_limit_headers

PUBLIC_PATHS = {"/", "/health", "/health/ready", "/health/live", "/docs", "/docs/oauth2-redirect",
                "/redoc", "/openapi.json"}
UPLOAD_PATHS = {"/api/v1/ingestion/upload", "/api/v1/retrieval/similar",
                "/api/v1/summarization/summarize-uploaded"}
RATE_WINDOW_S = 60.0
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-XSS-Protection": "1; mode=block",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# The docs pages load Swagger UI's scripts and styles; everything else is JSON.
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def principal_of(request: Request) -> Principal:
    """The caller (tenant and key id) the middleware authenticated."""
    return request.state.principal


def install_http_layer(app: FastAPI, api: ApiSettings, key_ring: KeyRing, rate_limiter) -> None:
    """Add the middleware stack; ``rate_limiter`` is a RateLimiterActor handle."""

    @app.middleware("http")
    async def request_context(request: Request, call_next):
        started = time.perf_counter()
        sent_id = request.headers.get("x-request-id", "")
        request.state.request_id = sent_id if _REQUEST_ID.match(sent_id) else uuid.uuid4().hex
        extra_headers: dict[str, str] = {}
        try:
            if request.url.path not in PUBLIC_PATHS:
                request.state.principal = key_ring.tenant_for(request.headers.get("authorization"))
                decision = await _hit_rate_limit(request, api, rate_limiter)
                extra_headers = rate_limit_headers(decision)
                if not decision.allowed:
                    raise _RateLimited(extra_headers)
                _check_declared_size(request, api)
            else:
                request.state.principal = Principal(key_ring.default_tenant, ANONYMOUS_KEY_ID)
            response = await call_next(request)
        except _RateLimited as limited:
            response = error_response(request, 429, "rate_limited",
                                      "rate limit exceeded; retry after the Retry-After seconds",
                                      limited.headers)
        except AuthError as exc:
            response = error_response(request, 401, exc.code, exc.message,
                                      {"WWW-Authenticate": 'Bearer realm="lexray"'})
        except LexRayError as exc:
            response = error_response(request, status_for(exc), exc.code, exc.message)
        for name, value in {**SECURITY_HEADERS, **extra_headers}.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith(("/docs", "/redoc")):
            response.headers.setdefault("Content-Security-Policy", API_CSP)
        # No X-Request-ID here: the Serve proxy puts the request id (the client's X-Request-ID,
        # else a new one) into the request headers, where it was read above, and on the response.
        response.headers["X-Process-Time"] = f"{time.perf_counter() - started:.6f}"
        return response

    app.add_middleware(GZipMiddleware, minimum_size=1000)
    if api.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=api.cors_origins, allow_methods=["*"],
                           allow_headers=["*"], expose_headers=["X-Request-ID", "X-Process-Time"])
    if "*" not in api.trusted_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=api.trusted_hosts)


class _RateLimited(Exception):
    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__("rate limited")
        self.headers = headers


async def _hit_rate_limit(request: Request, api: ApiSettings, rate_limiter):
    principal: Principal = request.state.principal
    # Without keys, callers are told apart by address.
    who = principal.key_id if principal.key_id != ANONYMOUS_KEY_ID else f"ip:{_client_host(request)}"
    if request.url.path in UPLOAD_PATHS and request.method == "POST":
        return await rate_limiter.hit.remote(f"upload:{who}", api.upload_rate_limit_per_minute, RATE_WINDOW_S)
    return await rate_limiter.hit.remote(f"api:{who}", api.rate_limit_per_minute, RATE_WINDOW_S)


def _client_host(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _check_declared_size(request: Request, api: ApiSettings) -> None:
    """Refuse an oversized upload from its Content-Length, before reading the body."""
    declared = request.headers.get("content-length")
    if not (declared and declared.isdigit()):
        return
    if request.url.path in UPLOAD_PATHS:
        # Multipart framing adds a little; the file itself is checked again once read.
        if int(declared) > api.max_upload_bytes + 64 * 1024:
            raise LexRayError(f"upload larger than {api.max_upload_bytes} bytes", code="payload_too_large")
    elif int(declared) > api.max_body_bytes:
        raise LexRayError(f"request body larger than {api.max_body_bytes} bytes", code="payload_too_large")
