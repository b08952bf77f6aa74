"""A worker node lost in the middle of a batch job, on a real two-node local Ray cluster
(``ray.cluster_utils.Cluster``: a head and a worker node, each its own raylet and object store).

The batch job runs as `python -m jobs.ingest` against that cluster; once it has indexed a
document, the worker node is killed without warning. Every document must still end indexed,
none lost and none processed twice, and the index must hold exactly MongoDB's chunks.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid

import pytest

from lexray.local_stack import RAY_ENV
from tests.conftest import PROJECT_ROOT, SAMPLES, settings_env, wait_until
from tests.pdf_factory import text_pdf

TEXTS = PROJECT_ROOT / "tests" / "data" / "texts"
NODE_MEMORY = 200 * 1024 * 1024


@pytest.fixture
def two_node_cluster(monkeypatch):
    from ray.cluster_utils import Cluster

    for key, value in RAY_ENV.items():
        os.environ.setdefault(key, value)
    temp_dir = tempfile.mkdtemp(prefix="lxn-", dir="/tmp")  # Ray's socket paths must stay short
    # Cluster notes its address in <RAY_TMPDIR>/ray: here, not in a folder another stack reads.
    monkeypatch.setenv("RAY_TMPDIR", temp_dir)
    os.makedirs(os.path.join(temp_dir, "ray"))
    cluster = Cluster(initialize_head=True, connect=False, head_node_args={
        "num_cpus": 1, "node_ip_address": "127.0.0.1", "include_dashboard": False,
        "object_store_memory": NODE_MEMORY, "temp_dir": temp_dir})
    worker = cluster.add_node(num_cpus=2, node_ip_address="127.0.0.1", object_store_memory=NODE_MEMORY)
    cluster.wait_for_nodes()
    try:
        yield cluster, worker
    finally:
        cluster.shutdown()
        shutil.rmtree(temp_dir, ignore_errors=True)


def corpus(folder):
    """The sample opinions (scans among them) and eight more text opinions: ~17 documents."""
    folder.mkdir()
    for pdf in SAMPLES.glob("*.pdf"):
        shutil.copy(pdf, folder / pdf.name)
    for number, path in enumerate(sorted(TEXTS.glob("*.txt")) * 2):
        text = " ".join(path.read_text().split())  # flowing text: every page fits its text box
        pages = [f"Copy {number}. " + text[start:start + 1400] for start in range(0, min(len(text), 8400), 1400)]
        (folder / f"extra-{number}-{path.stem}.pdf").write_bytes(text_pdf(pages))
    return sorted(folder.glob("*.pdf"))


def index_vector_ids(settings, address: str) -> list[int]:
    """The index actor's ids, read by a driver of that cluster (this process serves another)."""
    script = ("import json, ray; ray.init(address=%r, namespace=%r, logging_level='ERROR');"
              "actor = ray.get_actor(%r, namespace=%r); print(json.dumps(ray.get(actor.vector_ids.remote())))"
              % (address, settings.ray.namespace, settings.index.actor_name, settings.ray.namespace))
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, env=settings_env(settings, address),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_batch_job_loses_a_worker_node_and_nothing_is_lost_or_doubled(two_node_cluster, settings, store, tmp_path):
    cluster, worker = two_node_cluster
    files = corpus(tmp_path / "corpus")
    job_id = "node-loss-" + uuid.uuid4().hex[:8]
    env = {**settings_env(settings, cluster.address), "LEXRAY_INGEST_EMBED_BATCH_DOCS": "1"}
    job = subprocess.Popen([sys.executable, "-m", "jobs.ingest", str(tmp_path / "corpus"), "--job-id", job_id],
                           cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def indexed_some():
            record = store.get_job(job_id) or {}
            return ((record.get("progress") or {}).get("index") or {}).get("done", 0) >= 1

        wait_until(indexed_some, 600, "the job's first indexed document")
        cluster.remove_node(worker, allow_graceful=False)
        stdout, stderr = job.communicate(timeout=900)
    finally:
        if job.poll() is None:
            job.kill()
    assert job.returncode == 0, stderr[-4000:]
    summary = json.loads(stdout.strip().splitlines()[-1])
    failures = {case["original_filename"]: case["processing_log"][-1]["message"]
                for case in store.cases.find({"processing_status": "failed"})}
    assert summary["ingested"] + summary["duplicates"] == len(files), (summary, failures)
    assert summary["failed"] == 0, summary

    cases = list(store.cases.find())
    assert len(cases) == len(files)  # none lost, none registered twice
    for case in cases:
        assert case["processing_status"] == "indexed", (case["original_filename"], case.get("failure_reason"))
        log = [entry["status"] for entry in case["processing_log"]]
        assert log.count("indexed") == 1, (case["original_filename"], log)  # none processed twice
        assert case["chunk_count"] == store.chunks.count_documents({"case_id": case["case_id"]}) > 0
    stored_ids = sorted(chunk["vector_id"] for chunk in store.chunks.find({}, {"vector_id": 1}))
    assert len(stored_ids) == len(set(stored_ids))
    assert index_vector_ids(settings, cluster.address) == stored_ids
