"""Requests cannot exhaust the service and public routes do not leak, over HTTP on the deployed
app, with MongoDB at a closed port behind a URI that carries a password: chunked bodies refused
with 413 on several routes, every PDF route counted as an upload, sync PDF reads bounded, /health
cached and limited per address, public routes without internal detail, the operator route, no
password in any response or log line, and failed logins limited per address. The pure parts:
tests/unit/serve_app/test_http_limits.py.
"""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from lexray.local_stack import free_port
from tests.openapi_routes import PDF_ROUTES, routes_taking_a_file
from tests.pdf_factory import image_only_pdf, text_pdf

# Over HTTP: one deployed app whose MongoDB is unreachable behind a URI with a password.

KEYS = {"ops": "key-ops-" + uuid.uuid4().hex, "tenant-a": "key-la-" + uuid.uuid4().hex}
PASSWORD = "s3cretpw" + uuid.uuid4().hex[:10]
MAX_BODY_BYTES = 64 * 1024
MAX_UPLOAD_BYTES = 4 * 1024 * 1024
UPLOAD_LIMIT_PER_MINUTE = 777
HEALTH_LIMIT_PER_MINUTE = 20
FAILED_AUTH_PER_MINUTE = 5
CHUNK = 64 * 1024


@pytest.fixture(scope="module")
def api(ray_address, tmp_path_factory):
    from tests.deployed_app import deployed_app

    mongo_port = free_port()  # nothing listens there
    uri = f"mongodb://lexray:{PASSWORD}@127.0.0.1:{mongo_port}/?authSource=admin"
    with deployed_app(
        "limits", uri, tmp_path_factory, KEYS, mongodb={"timeout_ms": 500}, llm={"max_tokens": 16},
        api={"max_body_bytes": MAX_BODY_BYTES, "max_upload_bytes": MAX_UPLOAD_BYTES,
             "upload_rate_limit_per_minute": UPLOAD_LIMIT_PER_MINUTE,
             "failed_auth_per_minute": FAILED_AUTH_PER_MINUTE,
             "health_rate_limit_per_minute": HEALTH_LIMIT_PER_MINUTE, "health_cache_s": 600,
             "operator_tenants": ["ops"], "sync_pdf_max_pages": 2, "sync_pdf_timeout_s": 0.01},
    ) as app:
        yield {**app, "mongo_port": mongo_port}


def _client(api, tenant: str | None = "ops") -> httpx.Client:
    headers = {"Authorization": f"Bearer {KEYS[tenant]}"} if tenant else {}
    return httpx.Client(base_url=api["url"], headers=headers, timeout=120)


def _chunks(total_bytes: int, prefix: bytes = b""):
    """A body sent chunked (a generator: httpx declares no Content-Length)."""
    yield prefix
    sent = len(prefix)
    while sent < total_bytes:
        yield b"x" * CHUNK
        sent += CHUNK


def _multipart(file_bytes: bytes, boundary: str = "lexray-boundary") -> tuple[bytes, str]:
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode() + file_bytes + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.integration
@pytest.mark.parametrize(("path", "content_type", "total_bytes"), [
    ("/api/v1/retrieval/search", "application/json", 4 * 1024 * 1024),
    ("/v1/chat/completions", "application/json", 1024 * 1024),
    ("/api/v1/chat/message", "application/json", 1024 * 1024),
    ("/api/v1/ingestion/upload", "multipart/form-data; boundary=b", MAX_UPLOAD_BYTES + 512 * 1024),
    ("/api/v1/questions/generate-from-upload", "multipart/form-data; boundary=b", MAX_UPLOAD_BYTES + 512 * 1024),
])
def test_chunked_bodies_past_the_limit_get_413(api, path, content_type, total_bytes):
    prefix = b'{"query": "' if content_type == "application/json" else (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n')
    with _client(api) as client:
        response = client.post(path, content=_chunks(total_bytes, prefix), headers={"Content-Type": content_type})
    from tests.deployed_app import assert_error

    assert "content-length" not in response.request.headers
    assert_error(response, 413, "payload_too_large")


@pytest.mark.integration
def test_a_chunked_body_within_the_limit_reaches_the_route(api):
    body = json.dumps({"prompt": "The court held", "max_tokens": 2}).encode()
    with _client(api) as client:
        response = client.post("/v1/completions", content=iter([body[:7], body[7:]]),
                               headers={"Content-Type": "application/json"})
    assert "content-length" not in response.request.headers
    assert response.status_code == 200, response.text
    assert response.json()["choices"]


@pytest.mark.integration
def test_every_route_taking_a_pdf_gets_the_upload_size_and_rate_limits(api):
    from tests.deployed_app import assert_error

    spec = httpx.get(api["url"] + "/openapi.json").json()
    takes_a_file = routes_taking_a_file(spec)
    assert takes_a_file == PDF_ROUTES
    body, content_type = _multipart(b"not a PDF, but bigger than a JSON body may be. " * 60_000)  # ~2.8 MB
    assert MAX_BODY_BYTES < len(body) < MAX_UPLOAD_BYTES
    with _client(api) as client:
        for path in sorted(takes_a_file):
            response = client.post(path, content=body, headers={"Content-Type": content_type})
            # Past the size gate and read as a PDF, under the upload budget.
            assert_error(response, 415, "not_pdf")
            assert response.headers["x-ratelimit-limit"] == str(UPLOAD_LIMIT_PER_MINUTE), path
        refused = client.post("/api/v1/retrieval/search", content=body, headers={"Content-Type": "application/json"})
        assert_error(refused, 413, "payload_too_large")
        assert refused.headers["x-ratelimit-limit"] != str(UPLOAD_LIMIT_PER_MINUTE)


@pytest.mark.integration
@pytest.mark.parametrize("path", sorted(PDF_ROUTES - {"/api/v1/ingestion/upload"}))
def test_a_pdf_read_while_the_request_waits_is_bounded_in_pages_and_time(api, path):
    from tests.deployed_app import assert_error

    with _client(api) as client:
        three_pages, content_type = _multipart(text_pdf(["First page.", "Second page.", "Third page."]))
        assert_error(client.post(path, content=three_pages, headers={"Content-Type": content_type}),
                     413, "document_too_large")
        # One scanned page: its OCR cannot finish within sync_pdf_timeout_s (10 ms) and is cancelled.
        scan, content_type = _multipart(image_only_pdf("The appellant pleaded guilty on advice of counsel."))
        error = assert_error(client.post(path, content=scan, headers={"Content-Type": content_type}),
                             422, "document_too_complex")
        assert "limit" in error["message"]


def _public_bodies(api) -> dict[str, httpx.Response]:
    with _client(api, tenant=None) as client:
        return {path: client.get(path) for path in ("/", "/health", "/health/ready", "/health/live")}


@pytest.mark.integration
def test_public_routes_reveal_no_internal_detail(api):
    responses = _public_bodies(api)
    health = responses["/health"].json()
    assert responses["/health"].status_code == 200 and health["status"] == "degraded"
    assert health["components"]["mongodb"] == {"status": "unhealthy"}
    assert all(set(component) == {"status"} for component in health["components"].values()), health
    ready = responses["/health/ready"]
    assert ready.status_code == 503 and ready.json()["error"]["message"] == "not ready: mongodb unavailable"
    served_model = api["settings"].llm.served_model_name
    for path, response in responses.items():
        text = response.text
        for detail in (PASSWORD, "mongodb://", "127.0.0.1", str(api["mongo_port"]), "vectors", "node",
                       "CPU", "cpu", served_model, "SmolLM", "Error", "Timeout", "refused"):
            assert detail not in text, (path, detail, text)


@pytest.mark.integration
def test_operators_read_the_detail_without_credentials(api):
    from tests.deployed_app import assert_error

    with _client(api, "ops") as ops:
        report = ops.get("/api/v1/operator/health")
    assert report.status_code == 200, report.text
    components = report.json()["components"]
    assert "***@127.0.0.1" in components["mongodb"]["detail"] and PASSWORD not in report.text
    assert "node" in components["ray"]["detail"]
    with _client(api, "tenant-a") as tenant:
        assert_error(tenant.get("/api/v1/operator/health"), 403, "forbidden")


@pytest.mark.integration
def test_health_is_cached_and_limited_per_address(api, ray_head):
    from tests.conftest import wait_until
    from tests.deployed_app import assert_error, serve_log_records

    marker = uuid.uuid4().hex
    with _client(api, tenant=None) as anonymous, _client(api, "ops") as ops:
        anonymous.get("/health")  # a check is cached now, whatever came before
        cached_ids = [f"health-{marker}-{number}" for number in range(5)]
        for request_id in cached_ids:
            response = anonymous.get("/health", headers={"X-Request-ID": request_id})
            assert response.status_code == 200 and response.json()["status"] == "degraded"
        # The operator route checks afresh, and logs what is unhealthy under its request id.
        operator_id = f"operator-{marker}"
        assert ops.get("/api/v1/operator/health", headers={"X-Request-ID": operator_id}).status_code == 200

        def unhealthy_lines(request_ids):
            return [record for record in serve_log_records(ray_head)
                    if record.get("request_id") in request_ids and "health: mongodb unhealthy" in record.get("message", "")]

        logged = wait_until(lambda: unhealthy_lines({operator_id}), 60, "the operator check's log line")
        assert "***@127.0.0.1" in logged[0]["message"] and PASSWORD not in logged[0]["message"]
        # Logged in order by the one replica: none of the cached answers asked MongoDB.
        assert unhealthy_lines(set(cached_ids)) == []

        statuses = []
        for _ in range(HEALTH_LIMIT_PER_MINUTE + 1):
            response = anonymous.get("/health/ready" if len(statuses) % 2 else "/health")
            statuses.append(response.status_code)
            if response.status_code == 429:
                break
        assert statuses[-1] == 429, statuses
        assert_error(response, 429, "rate_limited")
        assert int(response.headers["Retry-After"]) >= 1
        assert response.headers["X-RateLimit-Limit"] == str(HEALTH_LIMIT_PER_MINUTE)
        assert anonymous.get("/health/live").status_code == 200  # the liveness probe stays free


@pytest.mark.integration
def test_no_response_or_log_line_holds_the_password(api, ray_head):
    # Everything above ran with the password in the URI; the error paths logged it redacted.
    assert PASSWORD not in json.dumps({path: r.text for path, r in _public_bodies(api).items()})
    holders = []
    for path in (ray_head["session_dir"] / "logs").rglob("*"):
        if path.is_file() and PASSWORD.encode() in path.read_bytes():
            holders.append(str(path))
    assert holders == []


@pytest.mark.integration
def test_failed_authentication_is_limited_per_address(api):
    """Last: it leaves this address blocked for a minute."""
    from tests.deployed_app import assert_error

    statuses = []
    with httpx.Client(base_url=api["url"], timeout=120) as client:
        for attempt in range(FAILED_AUTH_PER_MINUTE + 2):
            headers = {"Authorization": f"Bearer wrong-key-{attempt}-{uuid.uuid4().hex}"} if attempt % 2 else {}
            response = client.get("/api/v1/retrieval/stats", headers=headers)
            statuses.append(response.status_code)
        assert statuses[:FAILED_AUTH_PER_MINUTE] == [401] * FAILED_AUTH_PER_MINUTE, statuses
        error = assert_error(response, 429, "rate_limited")
        assert "failed authentication" in error["message"] and int(response.headers["Retry-After"]) >= 1
        # Blocked for any key, so guessing cannot go on until a guess succeeds.
        assert_error(client.get("/api/v1/retrieval/stats", headers={"Authorization": f"Bearer {KEYS['ops']}"}),
                     429, "rate_limited")
        assert client.get("/health/live").status_code == 200
