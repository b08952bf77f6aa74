"""Batch jobs get their settings without the MongoDB password: the API submits them with the
URI stripped of it (Ray logs a job's runtime_env), and the job takes the password from the
head's environment (``LEXRAY_MONGODB_URI``, which ``make up`` hands the head).

The integration test runs a MongoDB-protocol server with SCRAM authentication: the job that
Ray starts from the API's submission (on the test head, whose environment has no URI) cannot
log in, and the same entrypoint with the submission's environment plus the head's
``LEXRAY_MONGODB_URI`` (what a ``make up`` head has) ingests its folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import pymongo
import pytest
import ray
from ray.job_submission import JobStatus, JobSubmissionClient

from lexray.local_stack import RAY_ENV, free_port, mongo_command, port_open, start_detached, stop_group, wait_for
from lexray.ray_connect import dashboard_url
from lexray.settings import SETTINGS_JSON_ENV, Settings, uri_without_password
from tests import pdf_factory
from tests.conftest import PROJECT_ROOT, wait_until


PASSWORD = "pw-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def auth_mongo(services_dir: Path) -> str:
    """A MongoDB-protocol server that requires SCRAM authentication; its URI with the password."""
    port = free_port()
    storage = services_dir / f"mongodb-auth-{port}"
    command = mongo_command("127.0.0.1", port, str(storage))
    proc = start_detached(command, services_dir / "mongodb-auth-setup.log")
    try:
        wait_for(lambda: port_open("127.0.0.1", port), 60, "MongoDB-protocol server", proc)
        with pymongo.MongoClient(f"mongodb://127.0.0.1:{port}") as client:
            client.admin.command("createUser", "lexray", pwd=PASSWORD, roles=[{"role": "root", "db": "admin"}])
    finally:
        stop_group(proc.pid, timeout_s=10)
    proc = start_detached(command + ["--auth"], services_dir / "mongodb-auth.log")
    try:
        wait_for(lambda: port_open("127.0.0.1", port), 60, "MongoDB-protocol server with --auth", proc)
        yield f"mongodb://lexray:{PASSWORD}@127.0.0.1:{port}/?authSource=admin"
    finally:
        stop_group(proc.pid, timeout_s=10)


def test_a_batch_job_gets_no_password_and_still_connects_with_the_heads(ray_address, auth_mongo, tmp_path):
    from actors.index_actor import get_index_actor
    from actors.upload_processor import get_upload_processor
    from serve_app.ingestion import Ingestion

    with pymongo.MongoClient(auth_mongo.replace(PASSWORD, "wrong"), serverSelectionTimeoutMS=3000) as client:
        with pytest.raises(pymongo.errors.OperationFailure):
            client.admin.command("listDatabases")  # the server does check passwords
    unique = uuid.uuid4().hex[:8]
    settings = Settings(
        data_dir=tmp_path / "data", mongodb={"uri": auth_mongo, "db": f"lexray_creds_{unique}"},
        index={"actor_name": f"lexray-index-creds-{unique}", "snapshot_interval_s": 0},
        ray={"namespace": "lexray-tests"},
    )
    folder = settings.data_dir / "batch" / "tenant-p" / "docs"
    folder.mkdir(parents=True)
    (folder / "order.pdf").write_bytes(pdf_factory.text_pdf(["IN THE COURT OF APPEALS. An order on credentials."]))
    ingestion = Ingestion.func_or_class(settings.model_dump_json())
    try:
        job = ingestion.start_batch("docs", "tenant-p", False)
        jobs = JobSubmissionClient(dashboard_url())
        info = jobs.get_job_info(job.job_id)
        submitted = json.dumps({"runtime_env": info.runtime_env, "entrypoint": info.entrypoint,
                                "metadata": info.metadata})
        assert PASSWORD not in submitted
        env_vars = info.runtime_env["env_vars"]
        assert "LEXRAY_MONGODB_URI" not in env_vars
        assert json.loads(env_vars[SETTINGS_JSON_ENV])["mongodb"]["uri"] == uri_without_password(auth_mongo)

        # The test head's environment has no URI: the job Ray runs cannot log in.
        status = wait_until(lambda: (s := jobs.get_job_status(job.job_id)).is_terminal() and s, 300, "job end")
        assert status == JobStatus.FAILED
        assert PASSWORD not in jobs.get_job_logs(job.job_id)

        # The same entrypoint and runtime_env on a head that has LEXRAY_MONGODB_URI: it connects.
        head_env = {key: value for key, value in os.environ.items() if not key.startswith("LEXRAY_")}
        env = {**head_env, **RAY_ENV, "RAY_ADDRESS": ray_address, "LEXRAY_MONGODB_URI": auth_mongo,
               **env_vars}
        finished = subprocess.run(info.entrypoint, shell=True, env=env, cwd=PROJECT_ROOT, capture_output=True,
                                  text=True, timeout=600)
        assert finished.returncode == 0, finished.stderr[-3000:]
        assert PASSWORD not in finished.stdout + finished.stderr
        summary = json.loads(finished.stdout.strip().splitlines()[-1])
        assert summary["ingested"] == 1, summary
        case = ingestion.store.cases.find_one({"original_filename": "order.pdf"})
        assert case["tenant_id"] == "tenant-p" and case["processing_status"] == "indexed"
        assert ingestion.batch_status(job.job_id, "tenant-p").summary["ingested"] == 1
    finally:
        for actor in (get_upload_processor(settings), get_index_actor(settings)):
            ray.kill(actor, no_restart=True)
        ingestion.store.client.drop_database(settings.mongodb.db)
