"""Cross-cutting HTTP behaviour of the gateway: request ids, timing, security headers, API-key
auth with tenants, shared rate limits (per key; per client address for failed logins and
health checks), body-size limits counted as the body streams in, GZip, CORS and trusted hosts."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.utils import get_openapi
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lexray.errors import LexRayError
from lexray.settings import ApiSettings
from lexray.api_keys import ANONYMOUS_KEY_ID, AuthError, KeyRing, Principal
from serve_app.errors import error_response, status_for
from serve_app.rate_limit import rate_limit_headers

PUBLIC_PATHS = {"/", "/health", "/health/ready", "/health/live", "/docs", "/docs/oauth2-redirect",
                "/redoc", "/openapi.json"}
# The web app's page shells and static files (serve_app.web): public, they hold no tenant data;
# their scripts call /api/v1 with the key like any client.
WEB_PREFIX = "/app"
# Public but not free: each asks MongoDB, Ray and the index (limited per client address).
HEALTH_PATHS = {"/health", "/health/ready"}
# Multipart framing (boundaries, part headers, form fields) on top of the file itself.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
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
# JSON answers load nothing.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
# The web app's pages: everything from the app's own origin, no inline script or style; blob:
# workers and images for PDF.js.
APP_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
           "font-src 'self'; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; "
           "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# /docs and /redoc (vendored Swagger UI and Redoc): their inline scripts are allowed by hash
# (``docs_csp``), never 'unsafe-inline'; both libraries set inline styles, Redoc runs its search
# in a blob: worker.
DOCS_CSP = ("default-src 'none'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self' blob:; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def is_public(path: str) -> bool:
    """Whether ``path`` is served without a key: the root, health, docs, and the web app's
    shells and static files (not the API under /api/v1).

    >>> [is_public(p) for p in ("/app/", "/app/static/app.css", "/app", "/health", "/docs")]
    [True, True, True, True, True]
    >>> [is_public(p) for p in ("/api/v1/retrieval/stats", "/application", "/app/../api/v1/audit")]
    [False, False, False]
    """
    if path in PUBLIC_PATHS:
        return True
    in_app = path == WEB_PREFIX or path.startswith(WEB_PREFIX + "/")
    return in_app and ".." not in path.split("/")


def csp_for(path: str) -> str:
    """The Content-Security-Policy of a response the route did not set one on: the web app's
    for /app/, the docs' (no inline script) for /docs and /redoc, else the API's.

    >>> csp_for("/api/v1/retrieval/stats") == API_CSP, csp_for("/app/chat") == APP_CSP
    (True, True)
    """
    if path == WEB_PREFIX or path.startswith(WEB_PREFIX + "/"):
        return APP_CSP
    if path in ("/docs", "/docs/oauth2-redirect", "/redoc"):
        return DOCS_CSP.format(hashes="")
    return API_CSP


def docs_csp(html: str) -> str:
    """``DOCS_CSP`` allowing exactly the inline scripts of ``html`` (the docs page about to be
    sent), each by its sha256.

    >>> docs_csp("<script>go()</script><script src='/a.js'></script>").split("; ")[1]
    "script-src 'self' 'sha256-5KYv+PUboo5h+0+YAtGRPbwv5d/QxzHslP4YGnUaxRw='"
    """
    hashes = "".join(f" 'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
                     for body in _INLINE_SCRIPT.findall(html))
    return DOCS_CSP.format(hashes=hashes)


def principal_of(request: Request) -> Principal:
    """The caller (tenant and key id) the middleware authenticated."""
    return request.state.principal


def upload_paths(app: FastAPI) -> frozenset[str]:
    """Paths whose POST takes a multipart form, read from the routes' own OpenAPI (a ``File``
    parameter or an ``openapi_extra`` request body): they get the upload size limit and the
    upload rate limit, and a new upload route cannot be forgotten here."""
    spec = get_openapi(title=app.title, version=app.version, routes=app.routes)
    return frozenset(
        path for path, operations in spec.get("paths", {}).items()
        if "multipart/form-data" in operations.get("post", {}).get("requestBody", {}).get("content", {}))


def body_limit(path: str, api: ApiSettings, uploads: frozenset[str]) -> int:
    """Most request body bytes a route accepts: an upload's file plus its form's framing, else
    ``api.max_body_bytes``."""
    return api.max_upload_bytes + MULTIPART_OVERHEAD_BYTES if path in uploads else api.max_body_bytes


class BodySizeLimit:
    """Pure ASGI middleware: counts request body bytes as they arrive, whatever the framing
    (a chunked body declares no length), and stops reading at the route's limit with a 413.

    Past the limit, whoever reads the body (FastAPI's JSON parsing, a form parser, an endpoint)
    is told the client went away, so nothing past it is read or held; the answer the app makes
    of that is replaced by the 413. (Raising instead would not do: BaseHTTPMiddleware reads the
    body in a task group, which wraps the exception.)"""

    def __init__(self, app: ASGIApp, limit_of: Callable[[str], int]) -> None:
        self.app = app
        self.limit_of = limit_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_of(scope["path"])
        received = 0
        too_large = False
        response_started = False

        async def counted_receive() -> Message:
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if too_large and not response_started:
                return  # the app's answer to the 'disconnect': the 413 goes instead
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not too_large or response_started:
                raise
        if too_large and not response_started:
            await _send_too_large(scope, send, f"request body larger than {limit} bytes")


async def _send_too_large(scope: Scope, send: Send, message: str) -> None:
    # The id request_context gave the request (it runs before any body is read), else the client's.
    request_id = scope.get("state", {}).get("request_id") or next(
        (value.decode("latin-1") for name, value in scope.get("headers", []) if name.lower() == b"x-request-id"), "")
    body = json.dumps({"error": {"code": "payload_too_large", "message": message,
                                 "request_id": request_id if _REQUEST_ID.match(request_id) else "",
                                 "timestamp": datetime.now(timezone.utc).isoformat()}}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"),
                            *((name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items())]})
    await send({"type": "http.response.body", "body": body})


def install_http_layer(app: FastAPI, api: ApiSettings, key_ring: KeyRing, rate_limiter) -> None:
    """Add the middleware stack; ``rate_limiter`` is a RateLimiterActor handle."""
    uploads = upload_paths(app)
    app.state.upload_paths = uploads

    @app.middleware("http")
    async def request_context(request: Request, call_next):
        started = time.perf_counter()
        sent_id = request.headers.get("x-request-id", "")
        request.state.request_id = sent_id if _REQUEST_ID.match(sent_id) else uuid.uuid4().hex
        extra_headers: dict[str, str] = {}
        try:
            path = request.url.path
            if not is_public(path):
                request.state.principal = await _authenticate(request, api, key_ring, rate_limiter)
                decision = await _hit_rate_limit(request, api, rate_limiter, uploads, key_ring.auth_enabled)
                extra_headers = rate_limit_headers(decision)
                if not decision.allowed:
                    raise _RateLimited(extra_headers)
                _check_declared_size(request, body_limit(path, api, uploads))
            else:
                request.state.principal = Principal(key_ring.default_tenant, ANONYMOUS_KEY_ID)
                if path in HEALTH_PATHS:
                    decision = await rate_limiter.hit.remote(
                        f"health:ip:{_client_host(request)}", api.health_rate_limit_per_minute, RATE_WINDOW_S)
                    if not decision.allowed:
                        raise _RateLimited(rate_limit_headers(decision))
            response = await call_next(request)
        except _RateLimited as limited:
            response = error_response(request, 429, "rate_limited", limited.message, limited.headers)
        except AuthError as exc:
            response = error_response(request, 401, exc.code, exc.message,
                                      {"WWW-Authenticate": 'Bearer realm="lexray"'})
        except LexRayError as exc:
            response = error_response(request, status_for(exc), exc.code, exc.message)
        for name, value in {**SECURITY_HEADERS, **extra_headers}.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", csp_for(request.url.path))
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
    # Outermost, so every reader of the body, middleware or route, reads through the count.
    app.add_middleware(BodySizeLimit, limit_of=lambda path: body_limit(path, api, uploads))


class _RateLimited(Exception):
    def __init__(self, headers: dict[str, str],
                 message: str = "rate limit exceeded; retry after the Retry-After seconds") -> None:
        super().__init__(message)
        self.headers = headers
        self.message = message


def _failed_auth_bucket(request: Request, api: ApiSettings) -> tuple[str, int, float]:
    return f"auth-failures:ip:{_client_host(request)}", api.failed_auth_per_minute, RATE_WINDOW_S


async def _authenticate(request: Request, api: ApiSettings, key_ring: KeyRing, rate_limiter) -> Principal:
    """The caller, or AuthError; a failed attempt counts against the client address, and an
    address over ``api.failed_auth_per_minute`` gets 429 (for any key, see ``_hit_rate_limit``)."""
    try:
        return key_ring.tenant_for(request.headers.get("authorization"))
    except AuthError:
        decision = await rate_limiter.hit.remote(*_failed_auth_bucket(request, api))
        if not decision.allowed:
            raise _RateLimited(rate_limit_headers(decision), "too many failed authentication attempts from "
                               "this address; retry after the Retry-After seconds") from None
        raise


async def _hit_rate_limit(request: Request, api: ApiSettings, rate_limiter, uploads: frozenset[str],
                          auth_enabled: bool):
    principal: Principal = request.state.principal
    # Without keys, callers are told apart by address.
    who = principal.key_id if principal.key_id != ANONYMOUS_KEY_ID else f"ip:{_client_host(request)}"
    # An address that used up its failed attempts is refused even with a valid key, so guessing
    # cannot go on at full speed until a guess succeeds; one actor call either way.
    unless_full = _failed_auth_bucket(request, api) if auth_enabled else None
    if request.url.path in uploads and request.method == "POST":
        bucket, limit = f"upload:{who}", api.upload_rate_limit_per_minute
    else:
        bucket, limit = f"api:{who}", api.rate_limit_per_minute
    return await rate_limiter.hit.remote(bucket, limit, RATE_WINDOW_S, unless_full)


def _client_host(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _check_declared_size(request: Request, limit: int) -> None:
    """Refuse an oversized body from its Content-Length, before reading it (``BodySizeLimit``
    counts the bytes of bodies that declare no length, or a false one)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise LexRayError(f"request body larger than {limit} bytes", code="payload_too_large")
