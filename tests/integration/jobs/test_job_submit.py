"""Bulk ingestion the documented way: `ray job submit --working-dir . -- python -m
jobs.ingest ...` against the stack `make up` starts (LocalStack: its MongoDB-protocol
server and Ray head, here on free ports and with Ray token authentication on), then a job
stopped half-way and resubmitted, with the index actor killed while the resubmitted job runs.

Afterwards MongoDB and the index must agree exactly: every chunk stored is indexed once, none
is lost or duplicated, and no document was processed twice.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest

from lexray.local_stack import LocalStack, free_port, venv_bin
from lexray.models import ProcessingStatus
from lexray.settings import Settings
from lexray.store import CaseStore
from tests.conftest import wait_until

PROJECT_ROOT = Path(__file__).resolve().parents[3]
# Starts a stack of its own (no service fixture to mark it by).
pytestmark = pytest.mark.integration

SAMPLE_COUNT = len(list((PROJECT_ROOT / "samples" / "pdfs").glob("*.pdf")))


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """`make up`'s services (no Serve app) with token auth, as `RAY_AUTH_MODE=token make up`."""
    root = tmp_path_factory.mktemp("stack")
    token_file = root / "ray_token"
    token_file.write_text(secrets.token_hex(16))
    ports = {"head": free_port(), "dashboard": free_port(), "metrics": free_port(), "mongo": free_port()}
    values = {
        "LEXRAY_DATA_DIR": str(root / "data"),
        "LEXRAY_MONGODB_URI": f"mongodb://127.0.0.1:{ports['mongo']}",
        "LEXRAY_RAY_HEAD_PORT": str(ports["head"]),
        "LEXRAY_RAY_DASHBOARD_PORT": str(ports["dashboard"]),
        "LEXRAY_RAY_METRICS_EXPORT_PORT": str(ports["metrics"]),
        "LEXRAY_INGEST_PROGRESS_INTERVAL_S": "2",
        # One document per embedding batch: documents reach the index one by one, so the job
        # can be stopped with some indexed and others not.
        "LEXRAY_INGEST_EMBED_BATCH_DOCS": "1",
    }
    auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token_file)}
    settings = Settings(
        data_dir=root / "data", mongodb={"uri": values["LEXRAY_MONGODB_URI"]},
        ray={"head_port": ports["head"], "dashboard_port": ports["dashboard"],
             "metrics_export_port": ports["metrics"]},
    )
    local = LocalStack(settings, environ={**values, **auth}, private_ports=True)
    local.run_dir.mkdir(parents=True, exist_ok=True)
    try:
        local._up_mongo()
        local._up_ray()
        yield {"settings": settings, "store": CaseStore(settings.mongodb), "auth": auth,
               "dashboard": f"http://127.0.0.1:{ports['dashboard']}",
               "address": f"127.0.0.1:{ports['head']}"}
    finally:
        local.down()


def _ray_cli(stack, *args: str, auth: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, **(stack["auth"] if auth else {"RAY_AUTH_MODE": "disabled"})}
    env.pop("RAY_ADDRESS", None)
    return subprocess.run([venv_bin("ray"), *args], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _submit(stack, submission_id: str, job_id: str, *, wait: bool, auth: bool = True):
    return _ray_cli(stack, "job", "submit", "--address", stack["dashboard"], "--working-dir", ".",
                    "--submission-id", submission_id, *([] if wait else ["--no-wait"]), "--",
                    "python", "-m", "jobs.ingest", "samples/pdfs", "--job-id", job_id, auth=auth)


def _jobs_api(stack, path: str) -> dict:
    """Ray's Jobs REST API on the dashboard, with the token as a bearer header."""
    token = Path(stack["auth"]["RAY_AUTH_TOKEN_PATH"]).read_text().strip()
    response = httpx.get(f"{stack['dashboard']}/api/jobs/{path}",
                         headers={"Authorization": f"Bearer {token}"}, timeout=30)
    response.raise_for_status()
    return response.json()


def _job_state(stack, submission_id: str) -> str:
    return _jobs_api(stack, submission_id)["status"]


def _job_logs(stack, submission_id: str) -> str:
    return _jobs_api(stack, f"{submission_id}/logs")["logs"]


def _driver(stack, script: str) -> dict:
    """Run ``script`` as a Ray driver on the stack (with the token); it prints one JSON line."""
    import os

    settings = stack["settings"]
    prelude = (f"import json, ray; ray.init(address={stack['address']!r}, "
               f"namespace={settings.ray.namespace!r}, log_to_driver=False); "
               f"index = ray.get_actor({settings.index.actor_name!r}); ")
    env = {**os.environ, **stack["auth"]}
    env.pop("RAY_ADDRESS", None)
    result = subprocess.run([venv_bin("python"), "-c", prelude + script], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_submission_without_the_token_is_refused(stack):
    result = _submit(stack, f"no-token-{uuid.uuid4().hex[:6]}", "never", wait=False, auth=False)
    assert result.returncode != 0
    assert "token authentication is enabled" in result.stderr, result.stderr[-2000:]
    assert stack["store"].get_job("never") is None


def test_job_submit_stop_resubmit_with_index_actor_killed(stack):
    store: CaseStore = stack["store"]
    job_id = f"ingest-test-{uuid.uuid4().hex[:8]}"

    # 1. Submit, and stop the job once some documents are indexed and others are not.
    first = f"lexray-{uuid.uuid4().hex[:8]}"
    result = _submit(stack, first, job_id, wait=False)
    assert result.returncode == 0, result.stderr[-3000:]
    wait_until(lambda: store.count_cases(ProcessingStatus.INDEXED) >= 1, 600, "a first indexed case")
    job = store.get_job(job_id)
    assert job["status"] == "RUNNING" and job["total"] == SAMPLE_COUNT
    assert job["progress"]["extract"]["done"] >= 1  # per-stage progress while it runs
    stop = _ray_cli(stack, "job", "stop", "--address", stack["dashboard"], first)
    assert stop.returncode == 0, stop.stderr[-2000:]
    wait_until(lambda: _job_state(stack, first) in ("STOPPED", "SUCCEEDED", "FAILED"), 180, "the job to stop")
    assert _job_state(stack, first) == "STOPPED", _job_logs(stack, first)[-3000:]
    time.sleep(3)  # tasks of the stopped driver are torn down with it
    indexed_before = store.count_cases(ProcessingStatus.INDEXED)
    assert 1 <= indexed_before < SAMPLE_COUNT, "the job finished before it could be stopped"

    # 2. Resubmit the same job; kill the index actor while it runs.
    second = f"lexray-{uuid.uuid4().hex[:8]}"
    result = _submit(stack, second, job_id, wait=False)
    assert result.returncode == 0, result.stderr[-3000:]
    wait_until(lambda: store.get_job(job_id).get("attempts") == 2
              and store.get_job(job_id)["progress"].get("index", {}).get("done", 0) >= 1,
              600, "the second run to index a batch")
    assert store.get_job(job_id)["done"] < SAMPLE_COUNT, "the job ended before the index actor was killed"
    killed = _driver(stack, "started = ray.get(index.stats.remote())['started_at']; "
                            "ray.kill(index, no_restart=False); print(json.dumps({'started': started}))")
    wait_until(lambda: _job_state(stack, second) in ("SUCCEEDED", "FAILED"), 900, "the resubmitted job")
    assert _job_state(stack, second) == "SUCCEEDED", _job_logs(stack, second)[-4000:]

    # The job's last log line is the summary; it matches the job record.
    logs = _job_logs(stack, second)
    summary = json.loads(logs.strip().splitlines()[-1])
    assert summary["job_id"] == job_id and summary["failed"] == 0
    assert summary["duplicates"] == indexed_before
    assert summary["ingested"] == SAMPLE_COUNT - indexed_before
    job = store.get_job(job_id)
    assert job["status"] == "SUCCEEDED" and job["attempts"] == 2
    assert job["summary"]["ingested"] == summary["ingested"] and job["done"] == SAMPLE_COUNT
    assert all(job["progress"][stage]["done"] == SAMPLE_COUNT for stage in ("extract", "enrich", "index"))
    assert "ETA" in logs or "doc/s" in logs  # the driver logged its progress lines

    # 3. Nothing lost, nothing duplicated, nothing processed twice.
    assert store.count_cases(ProcessingStatus.INDEXED) == store.count_cases() == SAMPLE_COUNT
    for case in store.cases.find({}, {"processing_log": 1, "case_id": 1}):
        statuses = [entry["status"] for entry in case["processing_log"]]
        assert statuses.count("indexed") == 1, (case["case_id"], statuses)
    stored_ids = sorted(row["vector_id"] for row in store.chunks.find({}, {"vector_id": 1}))
    assert len(stored_ids) == len(set(stored_ids))
    index = _driver(stack, "print(json.dumps({'count': ray.get(index.count.remote()), "
                           "'ids': ray.get(index.vector_ids.remote()), "
                           "'started': ray.get(index.stats.remote())['started_at']}))")
    assert index["started"] != killed["started"], "the index actor was not restarted"
    assert index["count"] == len(stored_ids) and index["ids"] == stored_ids
