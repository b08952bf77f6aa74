"""Requests cannot exhaust the service (the pure parts): the body counter on a bare ASGI app,
the upload-route set, the limits of a PDF read while its request waits. Over HTTP on the
deployed app: tests/integration/serve_app/test_http_limits.py."""

from __future__ import annotations

import asyncio
import json

import pytest
from fastapi import FastAPI, Request
from pydantic import BaseModel

from lexray.errors import DocumentTooLargeError
from lexray.settings import Settings
from serve_app.errors import install_error_handlers
from serve_app.http import BodySizeLimit, body_limit, upload_paths
from tests.openapi_routes import PDF_ROUTES, routes_taking_a_file
from tests.pdf_factory import text_pdf

class Query(BaseModel):
    query: str


def _bare_app() -> FastAPI:
    app = FastAPI()

    @app.post("/json")
    async def json_route(query: Query) -> dict:
        return {"chars": len(query.query)}

    @app.post("/form")
    async def form_route(request: Request) -> dict:
        async with request.form() as form:
            return {"fields": len(form)}

    install_error_handlers(app)
    return app


def _call(app, path: str, chunks, content_type: str) -> tuple[int, dict, int]:
    """POST ``chunks`` as a chunked body (no Content-Length) straight over ASGI: the status,
    the JSON body, and how many chunks the app pulled."""
    pulled = 0
    chunk_iter = iter(chunks)
    sent: list[dict] = []

    async def receive():
        nonlocal pulled
        chunk = next(chunk_iter, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "client": ("127.0.0.1", 1234), "server": ("testserver", 80),
             "headers": [(b"host", b"testserver"), (b"content-type", content_type.encode()),
                         (b"transfer-encoding", b"chunked")]}
    asyncio.run(app(scope, receive, send))
    start = next(message for message in sent if message["type"] == "http.response.start")
    body = b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")
    return start["status"], json.loads(body), pulled


def _endless(chunk: bytes):
    while True:
        yield chunk


@pytest.mark.parametrize(("path", "content_type", "chunk"), [
    ("/json", "application/json", b'{"query": "' + b"x" * 1000),
    ("/json", "application/json", b" " * 1000),
    ("/form", "multipart/form-data; boundary=b", b"--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n"
                                                 + b"y" * 1000),
])
def test_a_chunked_body_is_refused_once_past_the_limit_and_read_no_further(path, content_type, chunk):
    app = BodySizeLimit(_bare_app(), limit_of=lambda _: 10_000)
    status, body, pulled = _call(app, path, _endless(chunk), content_type)
    assert status == 413, body
    assert body["error"]["code"] == "payload_too_large"
    assert set(body["error"]) == {"code", "message", "request_id", "timestamp"}
    assert pulled <= 10_000 // len(chunk) + 1


def test_a_chunked_body_within_the_limit_passes():
    app = BodySizeLimit(_bare_app(), limit_of=lambda _: 10_000)
    chunks = [b'{"query": "', b"z" * 5000, b'"}']
    assert _call(app, "/json", chunks, "application/json")[:2] == (200, {"chars": 5000})


def test_every_route_taking_a_pdf_is_an_upload_route():
    from serve_app.gateway import app

    uploads = upload_paths(app)
    assert uploads == PDF_ROUTES
    assert routes_taking_a_file(app.openapi()) == uploads
    settings = Settings()
    assert body_limit("/api/v1/questions/generate-from-upload", settings.api, uploads) > settings.api.max_upload_bytes
    assert body_limit("/api/v1/retrieval/search", settings.api, uploads) == settings.api.max_body_bytes


def test_a_pdf_read_while_the_request_waits_is_capped():
    from pipelines.document import extract_case_text

    bounded = Settings(api={"sync_pdf_max_pages": 2, "sync_pdf_timeout_s": 5}).for_request_pdf()
    assert bounded.limits.max_pages == 2 and bounded.limits.document_timeout_s == 5
    with pytest.raises(DocumentTooLargeError, match="3 pages, limit 2"):
        extract_case_text(text_pdf(["one", "two", "three"]), bounded)
    # The document limits stay the stricter of the two.
    assert Settings(limits={"max_pages": 1}).for_request_pdf().limits.max_pages == 1
