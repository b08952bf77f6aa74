"""The Serve application over HTTP and through a DeploymentHandle, on real Ray, the real
MongoDB-protocol server, tesseract and the bundled model."""

import shutil
import time
import uuid

import httpx
import pytest
import ray
from ray import serve

from actors.upload_processor import get_upload_processor
from serve_app.client import LexRayAPIError, LexRayClient
from tests import pdf_factory
from tests.deployed_app import assert_error as assert_api_error, deployed_app
from tests.conftest import SAMPLES

KEYS = {"tenant-a": "key-a-" + uuid.uuid4().hex, "tenant-b": "key-b-" + uuid.uuid4().hex,
        "tenant-c": "key-c-" + uuid.uuid4().hex}
UPLOAD_LIMIT_PER_MINUTE = 12
# Keys of one more tenant for the hostile-corpus upload test: each key has its own upload
# budget, so ~250 uploads pass the per-key limit within a minute without lifting it.
HOSTILE_KEYS = [f"key-hostile-{index}-" + uuid.uuid4().hex for index in range(22)]
MAX_UPLOAD_BYTES = 1_500_000
MISSOURI = (SAMPLES / "doctor__missouri.pdf").read_bytes()


@pytest.fixture(scope="module")
def api(ray_address, mongo_uri, tmp_path_factory):
    """The whole application deployed once for this module, with three tenants' keys."""

    data_dir = tmp_path_factory.mktemp("api-data")
    batch_root = data_dir / "batch"
    (batch_root / "tenant-b" / "corpus").mkdir(parents=True)  # tenant B's own batch folder
    for name in ("doctor__ca5_00516242060.pdf", "doctor__image-pdf-2.pdf"):
        shutil.copy(SAMPLES / name, batch_root / "tenant-b" / "corpus")
    with deployed_app("api", mongo_uri, tmp_path_factory, KEYS, data_dir=data_dir,
                      api={"max_upload_bytes": MAX_UPLOAD_BYTES, "batch_root": str(batch_root),
                           "upload_rate_limit_per_minute": UPLOAD_LIMIT_PER_MINUTE,
                           "keys": ",".join([f"{key}:{tenant}" for tenant, key in KEYS.items()]
                                            + [f"{key}:tenant-hostile" for key in HOSTILE_KEYS])}) as app:
        yield app


def client_for(api, tenant: str | None) -> LexRayClient:
    return LexRayClient(api["url"], api_key=KEYS[tenant] if tenant else None, timeout=120)


def http(api, tenant: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {KEYS[tenant]}"} if tenant else {}
    return httpx.Client(base_url=api["url"], headers=headers, timeout=120)


def assert_error(response: httpx.Response, status: int, code: str) -> dict:
    """The shared check, and the error names the response's request id."""
    error = assert_api_error(response, status, code)
    assert error["request_id"] == response.headers["x-request-id"]
    return error


def upload(client: httpx.Client, content: bytes, filename: str = "case.pdf", **form) -> httpx.Response:
    return client.post("/api/v1/ingestion/upload", files={"file": (filename, content, "application/pdf")},
                       data=form)


def unique_pdf(text: str) -> bytes:
    return pdf_factory.text_pdf([f"IN THE COURT OF APPEALS. {text}", "The judgment is affirmed."])


def test_public_routes_and_health(api):
    with http(api) as client:
        root = client.get("/")
        assert root.status_code == 200 and root.json()["name"] == "LexRay"
        assert client.get("/openapi.json").json()["info"]["title"] == "LexRay"
        assert client.get("/docs").status_code == 200
        assert client.get("/health/live").json() == {"status": "alive"}
        health = client.get("/health").json()
        assert health["status"] == "healthy", health
        assert set(health["components"]) == {"mongodb", "ray", "index", "llm"}
        assert client.get("/health/ready").status_code == 200


def test_every_protected_route_needs_a_valid_key(api):
    spec = httpx.get(api["url"] + "/openapi.json").json()
    public = {"/", "/health", "/health/ready", "/health/live"}
    with http(api) as anonymous, httpx.Client(base_url=api["url"],
                                              headers={"Authorization": "Bearer wrong"}) as wrong:
        checked = 0
        for path, methods in spec["paths"].items():
            if path in public:
                continue
            concrete = path.replace("{case_id}", "x").replace("{job_id}", "x")
            for method in methods:
                assert_error(anonymous.request(method.upper(), concrete), 401, "unauthorized")
                error = assert_error(wrong.request(method.upper(), concrete), 401, "unauthorized")
                assert error["message"] == "invalid API key"
                checked += 1
    assert checked >= 10


def test_upload_is_indexed_then_duplicate_with_headers(api):
    client = client_for(api, "tenant-a")
    with http(api, "tenant-a") as raw:
        response = upload(raw, MISSOURI, "doctor__missouri.pdf", title="Jagels v. State",
                          court="Missouri Court of Appeals")
        assert response.status_code == 202, response.text
        for header in ("x-process-time", "x-ratelimit-limit", "x-ratelimit-remaining",
                       "x-ratelimit-reset", "x-content-type-options", "x-frame-options"):
            assert header in response.headers
        assert response.headers["x-ratelimit-limit"] == str(UPLOAD_LIMIT_PER_MINUTE)
        body = response.json()
        assert body["duplicate"] is False and body["processing_status"] == "uploaded"
    status = client.wait_until_processed(body["case_id"], timeout_s=300)
    assert status.processing_status == "indexed", status
    assert [entry.status for entry in status.processing_log] == [
        "uploaded", "processing", "ocr_complete", "embedding_complete", "indexed"]
    assert status.title == "Jagels v. State" and status.chunk_count > 0

    again = client.upload(MISSOURI, filename="other-name.pdf")
    assert again.duplicate and again.case_id == body["case_id"] and again.processing_status == "indexed"
    stored = api["store"].get_case(body["case_id"])
    assert stored["tenant_id"] == "tenant-a"
    assert stored["metadata"]["court"] == "Missouri Court of Appeals"

    for mode in ("bm25", "dense", "hybrid"):
        results = client_search(api, "tenant-a", "post-conviction relief guilty plea counsel", mode)
        assert results[0]["case_id"] == body["case_id"], mode
        chunk = results[0]["chunks"][0]
        assert stored["cleaned_content"][chunk["char_start"]:chunk["char_end"]] == chunk["text"]
    # A long query (a whole page of the opinion) is searched passage by passage.
    long_query = stored["cleaned_content"][:5000]
    assert client_search(api, "tenant-a", long_query, "bm25")[0]["case_id"] == body["case_id"]


def client_search(api, tenant, query, mode="hybrid"):
    with http(api, tenant) as raw:
        response = raw.post("/api/v1/retrieval/search", json={"query": query, "limit": 5, "mode": mode})
        assert response.status_code == 200, response.text
        return response.json()["results"]


def test_tenants_never_see_each_other(api):
    a, b = client_for(api, "tenant-a"), client_for(api, "tenant-b")
    content = unique_pdf("Tenant isolation opinion about riparian water rights " + uuid.uuid4().hex)
    a_case = a.upload(content, filename="a.pdf")
    a.wait_until_processed(a_case.case_id, timeout_s=300)
    with http(api, "tenant-b") as raw_b:
        hidden = assert_error(raw_b.get(f"/api/v1/ingestion/status/{a_case.case_id}"), 404, "not_found")
        missing = assert_error(raw_b.get("/api/v1/ingestion/status/does-not-exist"), 404, "not_found")
        assert hidden["message"].replace(a_case.case_id, "X") == missing["message"].replace("does-not-exist", "X")
    b_case = b.upload(content, filename="b.pdf")
    assert not b_case.duplicate and b_case.case_id != a_case.case_id
    b.wait_until_processed(b_case.case_id, timeout_s=300)
    assert all(hit["case_id"] != a_case.case_id
               for hit in client_search(api, "tenant-b", "riparian water rights"))
    assert b.stats().total_cases == 1 and a.stats().total_cases >= 1


def test_bad_uploads_get_4xx_and_change_nothing(api):
    store = api["store"]
    cases_before, chunks_before = store.count_cases(), store.count_chunks()
    valid = unique_pdf("Bad input batch " + uuid.uuid4().hex)
    with http(api, "tenant-c") as client:
        assert_error(upload(client, b""), 400, "empty_file")
        assert_error(upload(client, pdf_factory.png_bytes(), "scan.pdf"), 415, "not_pdf")
        assert_error(upload(client, b"%PDF-1.7\n" + b"0" * (MAX_UPLOAD_BYTES + 10)), 413, "payload_too_large")
        assert_error(upload(client, pdf_factory.with_garbage_body(valid)), 400, "corrupt_pdf")
        assert_error(upload(client, pdf_factory.encrypted_pdf(valid)), 400, "encrypted_pdf")
        assert_error(client.post("/api/v1/ingestion/upload", data={"title": "no file"}), 422, "validation_error")
        assert_error(upload(client, valid, process_immediately="maybe"), 422, "validation_error")
        assert_error(client.get("/api/v1/ingestion/batch/unknown-job"), 404, "not_found")
        assert_error(client.post("/api/v1/ingestion/batch", content=b"{not json",
                                 headers={"Content-Type": "application/json"}), 422, "validation_error")
        assert_error(client.post("/api/v1/ingestion/batch", json={"folder": "../../etc"}), 400, "invalid_path")
        assert_error(client.post("/api/v1/ingestion/batch", json={"folder": "no-such"}), 404, "not_found")
        assert_error(client.post("/api/v1/retrieval/search", json={"query": ""}), 422, "validation_error")
        assert_error(client.post("/api/v1/retrieval/search", json={"query": "x", "mode": "magic"}),
                     422, "validation_error")
        assert_error(client.post("/api/v1/retrieval/search", json={"query": "x", "limit": 0}),
                     422, "validation_error")
        assert_error(client.post("/api/v1/chat/message", json={"message": "hi", "session_id": "no-such"}),
                     404, "not_found")
    assert (store.count_cases(), store.count_chunks()) == (cases_before, chunks_before)

    with http(api, "tenant-c") as client:
        traversal = upload(client, valid, "../../../etc/passwd.pdf")
        assert traversal.status_code == 202, traversal.text
        assert traversal.json()["original_filename"] == "passwd.pdf"
    assert store.count_cases() == cases_before + 1


def test_hostile_corpus_uploads_end_in_4xx_or_failed_and_change_nothing(api):
    from bench.hostile_pdfs import OK, build_corpus

    store = api["store"]
    # Other tenants' finished cases (an earlier test's upload may still be in the queue).
    finished = {"tenant_id": {"$ne": "tenant-hostile"}, "processing_status": {"$in": ["indexed", "failed"]}}

    def finished_cases() -> dict:
        return {case["case_id"]: (case["processing_status"], case.get("chunk_count"),
                                  store.chunks.count_documents({"case_id": case["case_id"]}))
                for case in store.cases.find(finished)}

    cases_before = finished_cases()
    corpus = build_corpus()
    assert len(corpus) >= 200
    clients = [httpx.Client(base_url=api["url"], headers={"Authorization": f"Bearer {key}"}, timeout=120)
               for key in HOSTILE_KEYS]
    accepted = []
    try:
        for index, file in enumerate(corpus):
            response = upload(clients[index % len(clients)], file.data, file.name)
            if response.status_code == 202:
                accepted.append((file, response.json()))
                continue
            assert 400 <= response.status_code < 500 and response.status_code != 429, (file.name, response.text)
            error = assert_error(response, response.status_code, response.json()["error"]["code"])
            assert error["code"] in file.expected, (file.name, error)
    finally:
        for client in clients:
            client.close()
    assert len(accepted) < len(corpus) // 2  # most are refused before anything is stored

    poller = LexRayClient(api["url"], api_key=HOSTILE_KEYS[0], timeout=120)
    for file, body in accepted:
        status = poller.wait_until_processed(body["case_id"], timeout_s=600)
        if status.processing_status == "failed":
            assert status.failure_reason in file.expected, (file.name, status)
        else:
            assert status.processing_status == "indexed" and OK in file.expected, (file.name, status)

    # The upload processor survived them all: a valid PDF is still indexed.
    valid = poller.upload(unique_pdf("After the hostile corpus " + uuid.uuid4().hex), filename="valid.pdf")
    assert poller.wait_until_processed(valid.case_id, timeout_s=300).processing_status == "indexed"
    cases_after = finished_cases()
    assert {case_id: cases_after.get(case_id) for case_id in cases_before} == cases_before


def test_upload_burst_is_limited_per_key_with_headers(api):
    key_tenant = "tenant-c"
    with http(api, key_tenant) as client:
        statuses = [upload(client, b"").status_code for _ in range(UPLOAD_LIMIT_PER_MINUTE + 3)]
        limited = upload(client, b"")
    assert 429 in statuses and statuses.index(429) <= UPLOAD_LIMIT_PER_MINUTE
    assert_error(limited, 429, "rate_limited")
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.headers["x-ratelimit-remaining"] == "0"
    assert limited.headers["x-ratelimit-limit"] == str(UPLOAD_LIMIT_PER_MINUTE)
    # Other keys have their own windows.
    with http(api, "tenant-b") as other:
        assert upload(other, b"").status_code == 400


def test_request_id_is_echoed(api):
    with http(api, "tenant-a") as client:
        response = client.get("/api/v1/ingestion/status/nope", headers={"X-Request-ID": "req-42"})
    assert response.headers["x-request-id"] == "req-42"
    assert response.json()["error"]["request_id"] == "req-42"
    assert float(response.headers["x-process-time"]) >= 0


def test_deployment_handle_ingests_for_a_tenant(api):
    handle = serve.get_app_handle("lexray")
    content = unique_pdf("Handle upload " + uuid.uuid4().hex)
    result = handle.ingest_pdf.remote(content, "handle.pdf", "tenant-h").result()
    assert result["duplicate"] is False
    deadline = time.monotonic() + 300
    while (status := handle.case_status.remote(result["case_id"], "tenant-h").result())[
            "processing_status"] not in ("indexed", "failed"):
        assert time.monotonic() < deadline
        time.sleep(1)
    assert status["processing_status"] == "indexed"
    with pytest.raises(Exception, match="no case"):
        handle.case_status.remote(result["case_id"], "tenant-a").result()


def test_upload_survives_a_crash_of_the_upload_processor(api):
    client = client_for(api, "tenant-a")
    content = pdf_factory.image_only_pdf("ORDER ON THE MOTION TO DISMISS " + uuid.uuid4().hex[:8])
    case = client.upload(content, filename="scan.pdf")
    ray.kill(get_upload_processor(api["settings"]), no_restart=False)
    status = client.wait_until_processed(case.case_id, timeout_s=300)
    assert status.processing_status == "indexed", status


def test_a_failed_upload_can_be_retried_by_its_tenant_only(api):
    with http(api, "tenant-a") as client:
        blank = upload(client, pdf_factory.blank_pdf(1 + len(uuid.uuid4().hex) % 3), "blank.pdf")
        assert blank.status_code == 202, blank.text
        case_id = blank.json()["case_id"]
        failed = client_for(api, "tenant-a").wait_until_processed(case_id, timeout_s=300)
        assert (failed.processing_status, failed.failure_reason) == ("failed", "no_text")

        with http(api, "tenant-b") as other:
            assert_error(other.post(f"/api/v1/ingestion/retry/{case_id}"), 404, "not_found")
        assert_error(client.post("/api/v1/ingestion/retry/no-such-case"), 404, "not_found")
        retried = client_for(api, "tenant-a").retry(case_id)
        assert retried.processing_status in ("uploaded", "processing", "ocr_complete", "failed")
        again = client_for(api, "tenant-a").wait_until_processed(case_id, timeout_s=300)
        assert (again.processing_status, again.failure_reason) == ("failed", "no_text")
        log = [entry["message"] for entry in client.get(f"/api/v1/ingestion/status/{case_id}").json()["processing_log"]]
        assert "retry requested" in log and sum(message.startswith("no_text") for message in log) == 2

        indexed = upload(client, unique_pdf("Retry of an indexed case " + uuid.uuid4().hex))
        assert client_for(api, "tenant-a").wait_until_processed(
            indexed.json()["case_id"], timeout_s=300).processing_status == "indexed"
        assert_error(client.post(f"/api/v1/ingestion/retry/{indexed.json()['case_id']}"), 409, "not_retryable")


def test_batch_job_through_the_api(api):
    client = client_for(api, "tenant-b")
    job = client.start_batch("corpus")
    assert job.status in ("PENDING", "RUNNING")
    finished = client.wait_for_batch(job.job_id, timeout_s=600, poll_s=2)
    assert finished.status == "SUCCEEDED", finished
    assert finished.total == 2 and finished.done == 2 and finished.ingested == 2
    assert finished.summary["chunks"] > 0 and finished.summary["ocr_pages"] >= 1
    with pytest.raises(LexRayAPIError) as hidden:
        client_for(api, "tenant-a").batch_status(job.job_id)
    assert hidden.value.status_code == 404
