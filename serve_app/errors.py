"""One error shape for every non-2xx response: ``{"error": {"code", "message", "request_id",
"timestamp"}}``. Core exceptions are translated here, once, to their HTTP status."""

from __future__ import annotations

import traceback
from datetime import datetime, timezone

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pymongo.errors import PyMongoError
from ray.exceptions import RayActorError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from lexray.errors import LexRayError
from lexray.redaction import redact_text
from serve_app.logs import replica_logger

logger = replica_logger(__name__)

# Status of each machine-readable code raised by the core or the API layer.
STATUS_OF_CODE: dict[str, int] = {
    "empty_file": 400,
    "corrupt_pdf": 400,
    "encrypted_pdf": 400,
    "no_text": 400,
    "invalid_path": 400,
    "bad_request": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "case_erased": 404,
    "not_retryable": 409,
    "payload_too_large": 413,
    "document_too_large": 413,
    "not_pdf": 415,
    "unsupported_media_type": 415,
    "validation_error": 422,
    "document_too_complex": 422,
    "rate_limited": 429,
    "too_many_jobs": 429,
    "not_implemented": 501,
    "store_unavailable": 503,
    "service_unavailable": 503,
}

CODE_OF_HTTP_STATUS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                       405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type",
                       422: "validation_error", 429: "rate_limited", 503: "service_unavailable"}


class ApiError(LexRayError):
    """An error raised by the API layer itself, with the code that fixes its status."""

    def __init__(self, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message, code=code)
        self.headers = headers or {}


def unwrapped(error: BaseException) -> BaseException:
    """The LexRayError a handle call raised in another deployment, else ``error`` itself."""
    cause = getattr(error, "cause", None)
    return cause if isinstance(cause, LexRayError) else error


async def reraised(awaitable):
    """``awaitable``'s result (a handle call); an error another deployment raised as a
    LexRayError is re-raised as itself, so callers and the gateway see its code and status
    rather than Ray's wrapper."""
    try:
        return await awaitable
    except Exception as exc:  # noqa: BLE001 - re-raised, unwrapped when it can be
        error = unwrapped(exc)
        if error is exc:
            raise
        raise error from None


def status_for(error: LexRayError) -> int:
    return getattr(error, "http_status", None) or STATUS_OF_CODE.get(error.code, 500)


def request_id_of(request: Request) -> str:
    return getattr(request.state, "request_id", "") or ""


def error_response(request: Request, status: int, code: str, message: str,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body = {
        "error": {
            "code": code,
            # No credential reaches a client, whatever an error's text quoted (a URI, a DSN).
            "message": redact_text(message),
            "request_id": request_id_of(request),
            "timestamp": datetime.now(timezone.utc).isoformat(),
        }
    }
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LexRayError)
    async def lexray_error(request: Request, exc: LexRayError) -> JSONResponse:
        cause = getattr(exc, "cause", None)  # errors raised in another deployment arrive wrapped
        error = cause if isinstance(cause, LexRayError) else exc
        headers = getattr(error, "headers", None)
        return error_response(request, status_for(error), error.code, error.message, headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item.get('loc', ()))}: {item.get('msg')}"
            for item in exc.errors()
        )
        return error_response(request, 422, "validation_error", problems or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = CODE_OF_HTTP_STATUS.get(exc.status_code, f"http_{exc.status_code}")
        return error_response(request, exc.status_code, code, str(exc.detail), exc.headers)

    @app.exception_handler(ClientDisconnect)
    async def body_ended(request: Request, exc: ClientDisconnect) -> JSONResponse:
        # The client went away, or the body passed its limit (serve_app.http.BodySizeLimit,
        # which answers 413 in place of this): nothing went wrong here, nothing to log.
        return error_response(request, 400, "bad_request", "the request body ended early")

    @app.exception_handler(PyMongoError)
    async def store_error(request: Request, exc: PyMongoError) -> JSONResponse:
        logger.warning("MongoDB error on %s: %s", request.url.path, redact_text(str(exc)))
        return error_response(request, 503, "store_unavailable", "the database is unavailable")

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, LexRayError):
            return await lexray_error(request, cause)
        if isinstance(cause, PyMongoError):
            return await store_error(request, cause)
        if isinstance(exc, RayActorError) or isinstance(cause, RayActorError):
            # The replica serving the request died (killed, node lost); Serve is replacing it.
            logger.warning("replica lost on %s: %s", request.url.path, type(exc).__name__)
            return error_response(request, 503, "service_unavailable",
                                  "the service restarted while handling the request; retry",
                                  {"Retry-After": "1"})
        # The traceback as text, redacted: driver errors quote URIs with their passwords.
        logger.error("unhandled error on %s: %s", request.url.path,
                     redact_text("".join(traceback.format_exception(exc)).rstrip()))
        return error_response(request, 500, "internal_error", "internal server error")
