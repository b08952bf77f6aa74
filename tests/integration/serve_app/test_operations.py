"""Operations of the deployed app: LexRay's metrics on the head's Prometheus endpoint, JSON
replica logs carrying request ids, and database faults (failCommand fail points, then the
MongoDB-protocol server stopped and restarted under the running app).

The module runs its own MongoDB-protocol server (on disk, with `--enable-test-commands` for
`configureFailPoint`) so stopping it disturbs no other test.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest

from serve_app.client import LexRayClient
from tests.conftest import wait_until
from tests.deployed_app import assert_error, deployed_app, serve_log_records, wait_indexed
from tests.mongo_server import MongoServer

SAMPLES = Path(__file__).resolve().parents[3] / "samples" / "pdfs"
KEYS = {"ops": "ops-key-" + uuid.uuid4().hex}
HEADERS = {"Authorization": f"Bearer {KEYS['ops']}"}
STORE_TIMEOUT_MS = 1500
# A request to a deployment whose database is gone waits at most a few store timeouts.
FAULT_ANSWER_LIMIT_S = 30


@pytest.fixture(scope="module")
def mongo(tmp_path_factory):
    server = MongoServer(tmp_path_factory.mktemp("ops-mongo"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def api(ray_address, mongo, tmp_path_factory):
    with deployed_app("ops", mongo.uri, tmp_path_factory, KEYS, mongodb={"timeout_ms": STORE_TIMEOUT_MS},
                      llm={"max_tokens": 16}) as app:
        client = LexRayClient(app["url"], api_key=KEYS["ops"], timeout=120)
        upload = client.upload((SAMPLES / "doctor__missouri.pdf").read_bytes(), filename="missouri.pdf")
        wait_indexed([(client, upload)])
        yield {**app, "client": client, "case_id": upload.case_id}


def _get(api, path: str, **kwargs) -> httpx.Response:
    return httpx.get(api["url"] + path, headers={**HEADERS, **kwargs.pop("headers", {})}, timeout=120, **kwargs)


def _search(api, request_id: str | None = None) -> httpx.Response:
    headers = {**HEADERS, **({"X-Request-ID": request_id} if request_id else {})}
    return httpx.post(api["url"] + "/api/v1/retrieval/search", headers=headers, timeout=120,
                      json={"query": "guilty plea counsel advice", "limit": 3})


def test_metrics_reach_the_prometheus_endpoint(api, ray_head):
    assert _search(api).status_code == 200
    completion = httpx.post(api["url"] + "/v1/chat/completions", headers=HEADERS, timeout=120, json={
        "messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 8})
    assert completion.status_code == 200, completion.text
    # A document that is a PDF but has no text anywhere fails after it was accepted.
    blank = api["client"].upload(_blank_pdf(), filename="blank.pdf")
    assert api["client"].wait_until_processed(blank.case_id, timeout_s=300).processing_status == "failed"

    url = f"http://127.0.0.1:{ray_head['metrics_port']}/metrics"

    def exported() -> str | None:
        text = httpx.get(url, timeout=10).text
        wanted = ('ray_lexray_documents', 'status="indexed"', 'ray_lexray_search_latency_ms_bucket',
                  'ray_lexray_llm_tokens', 'ray_lexray_ingest_failures', 'reason="no_text"',
                  'ray_lexray_pages', 'ray_lexray_upload_queue_depth')
        return text if all(name in text for name in wanted) else None

    text = wait_until(exported, 120, "LexRay's metrics on the Prometheus endpoint")
    samples = [line for line in text.splitlines() if line.startswith("ray_lexray_llm_tokens")]
    assert any('kind="completion"' in line and float(line.rsplit(" ", 1)[1]) >= 1 for line in samples)
    indexed = [line for line in text.splitlines()
               if line.startswith("ray_lexray_documents") and 'source="upload"' in line and 'status="indexed"' in line]
    assert indexed and float(indexed[0].rsplit(" ", 1)[1]) >= 1


def _blank_pdf() -> bytes:
    import pymupdf

    pdf = pymupdf.open()
    pdf.new_page()
    return pdf.tobytes()


def test_replica_logs_are_json_lines_with_the_request_id(api, ray_head):
    request_id = "ops-" + uuid.uuid4().hex
    response = _search(api, request_id)
    assert response.status_code == 200 and response.headers["x-request-id"] == request_id

    def deployments_that_logged_it() -> set[str]:
        # Serve names each deployment "<app>_<deployment>"; both replicas the request went through log it.
        records = [record for record in serve_log_records(ray_head) if record.get("request_id") == request_id]
        assert all({"levelname", "message", "deployment", "replica"} <= set(record) for record in records)
        logged = {record["deployment"].rsplit("_", 1)[-1] for record in records}
        return logged if logged >= {"Gateway", "Retrieval"} else None

    wait_until(deployments_that_logged_it, 60, "JSON log lines of the request from Gateway and Retrieval")


def test_uploads_survive_the_ingestion_replica_killed_under_load(api, ray_address):
    """Uploads keep coming while the Ingestion replica is killed: each request is acknowledged
    (202) or fails cleanly (503 in the error shape, Retry-After) and is retried as a client
    would; every acknowledged upload ends indexed, exactly once."""
    import ray
    from ray.util.state import list_actors

    from tests import pdf_factory

    documents = [pdf_factory.text_pdf([f"Opinion {n} of the Court of Appeals on the replica fault test. "
                                       f"The judgment below is affirmed in case number {uuid.uuid4().hex}. " * 3])
                 for n in range(12)]
    before = _get(api, "/api/v1/ingestion/stats").json()["total_cases"]
    outcomes: dict[int, list[int]] = {n: [] for n in range(len(documents))}
    case_ids: dict[int, str] = {}

    def upload(n: int) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                response = httpx.post(api["url"] + "/api/v1/ingestion/upload", headers=HEADERS, timeout=60,
                                      files={"file": (f"fault-{n}.pdf", documents[n], "application/pdf")})
            except httpx.TransportError:
                outcomes[n].append(0)
                time.sleep(1)
                continue
            outcomes[n].append(response.status_code)
            if response.status_code == 202:
                case_ids[n] = response.json()["case_id"]
                return
            assert_error(response, 503, "service_unavailable")
            time.sleep(float(response.headers.get("retry-after", "1")))

    def ingestion_replicas():
        return [actor for actor in list_actors(address=ray_address, filters=[("state", "=", "ALIVE")])
                if "#Ingestion#" in (actor.name or "")]

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(upload, n) for n in range(len(documents))]
        wait_until(lambda: len(case_ids) >= 2, 60, "the first acknowledged uploads")
        killed = ingestion_replicas()
        assert killed
        for replica in killed:
            ray.kill(ray.get_actor(replica.name, namespace=replica.ray_namespace), no_restart=True)
        for future in futures:
            future.result()

    assert len(case_ids) == len(documents), outcomes
    assert all(codes[-1] == 202 for codes in outcomes.values())
    for case_id in case_ids.values():
        assert api["client"].wait_until_processed(case_id, timeout_s=300).processing_status == "indexed"
    assert _get(api, "/api/v1/ingestion/stats").json()["total_cases"] == before + len(documents)
    alive = {actor.actor_id for actor in ingestion_replicas()}
    assert alive and not alive & {replica.actor_id for replica in killed}


def test_failed_database_commands_answer_503_and_then_recover(api, mongo, ray_head):
    case_path = f"/api/v1/retrieval/case/{api['case_id']}"
    mongo.fail_point({"times": 1000}, failCommands=["find", "aggregate", "count", "ping"], errorCode=91)
    try:
        request_id = "ops-fp-" + uuid.uuid4().hex
        started = time.monotonic()
        response = _get(api, case_path, headers={"X-Request-ID": request_id})
        assert time.monotonic() - started < FAULT_ANSWER_LIMIT_S
        assert_error(response, 503, "store_unavailable")
        assert_error(_search(api), 503, "store_unavailable")
        health = _get(api, "/health").json()
        assert health["status"] == "degraded" and health["components"]["mongodb"]["status"] == "unhealthy"
        assert_error(_get(api, "/health/ready"), 503)
    finally:
        mongo.fail_point("off")
    # The driver marked the server unknown ("shutting down" errors); it finds it again by itself.
    wait_until(lambda: _get(api, case_path).status_code == 200, 60, "the case to be served again")
    # /health reports recovery too, within a bound: each gateway replica's monitor and driver
    # find the server again on their own, so one replica may still say unhealthy for a moment
    # after another served the case (this asserted it on the first call, and failed that way).
    wait_until(lambda: _get(api, "/health").json()["components"]["mongodb"]["status"] == "healthy", 60,
               "/health to report MongoDB healthy again")
    # The warning the gateway logged for the failed request carries its request id.
    logged = wait_until(lambda: [r for r in serve_log_records(ray_head) if r.get("request_id") == request_id
                                  and "MongoDB error" in r.get("message", "")], 30, "the store error log line")
    assert logged[0]["levelname"] == "WARNING"


def test_database_stopped_then_restarted_loses_nothing(api, mongo):
    client = api["client"]
    before = _get(api, "/api/v1/ingestion/stats").json()
    # An upload acknowledged just before the outage.
    acknowledged = client.upload((SAMPLES / "doctor__ca5_00516242060.pdf").read_bytes(), filename="ca5.pdf")
    wait_indexed([(client, acknowledged)])

    mongo.stop()
    try:
        for call in (lambda: _get(api, f"/api/v1/retrieval/case/{api['case_id']}"), lambda: _search(api),
                     lambda: _get(api, "/api/v1/ingestion/stats")):
            started = time.monotonic()
            response = call()
            assert time.monotonic() - started < FAULT_ANSWER_LIMIT_S
            assert_error(response, 503, "store_unavailable")
        upload = httpx.post(api["url"] + "/api/v1/ingestion/upload", headers=HEADERS, timeout=120,
                            files={"file": ("vector.pdf", (SAMPLES / "doctor__vector-pdf.pdf").read_bytes(),
                                            "application/pdf")})
        assert_error(upload, 503, "store_unavailable")
        health = _get(api, "/health")
        assert health.status_code == 200 and health.json()["status"] == "degraded"
    finally:
        mongo.start()

    # The running app recovers by itself (no restart of LexRay).
    wait_until(lambda: _get(api, "/health/ready").status_code == 200, 120, "the app to be ready again")
    after = _get(api, "/api/v1/ingestion/stats").json()
    assert after["total_cases"] == before["total_cases"] + 1
    assert after["total_chunks"] > before["total_chunks"]
    assert client.status(acknowledged.case_id).processing_status == "indexed"
    again = client.upload((SAMPLES / "doctor__vector-pdf.pdf").read_bytes(), filename="vector.pdf")
    wait_indexed([(client, again)])
    results = _search(api).json()["results"]
    assert api["case_id"] in {result["case_id"] for result in results}
