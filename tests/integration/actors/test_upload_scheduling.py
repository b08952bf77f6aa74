"""The upload path under hostile load, on the real Ray head and MongoDB-protocol server: a
tenant-fair, bounded pool of warm worker actors, one time limit per document that kills the work,
quarantine of documents that kill their worker, and the index's periodic upkeep.

A "slow document" here is a 1,500-page text-layer PDF (~4 M characters, a few thousand chunks
to embed): nothing a limit refuses up front, but minutes of work on this machine.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pymupdf
import ray

from actors.index_actor import get_index_actor
from actors.upload_processor import get_upload_processor
from lexray.ids import sha256_hex, vector_id_for
from lexray.models import Chunk, utcnow
from tests.conftest import PROJECT_ROOT, wait_until
from tests.mongo_server import MongoServer
from tests.pdf_factory import text_pdf
from tests.upload_workers import busy_upload_workers

TEXTS = PROJECT_ROOT / "tests" / "data" / "texts"


def slow_pdf(seed: int, pages: int = 1500) -> bytes:
    """A long born-digital PDF (small type, ~3,000 characters a page): 25 distinct pages
    repeated, the first naming ``seed`` so each copy has bytes of its own."""
    words = (TEXTS / "scotus_tarrant.txt").read_text().split()
    with pymupdf.open() as pattern:
        for number in range(25):
            start = (number * 397) % (len(words) - 500)
            pattern.new_page().insert_textbox(
                pymupdf.Rect(36, 36, 576, 756),
                f"Copy {seed}, part {number}. " + " ".join(words[start:start + 480]), fontsize=7)
        with pymupdf.open() as pdf:
            while pdf.page_count < pages:
                pdf.insert_pdf(pattern, to_page=min(24, pages - pdf.page_count - 1))
            return pdf.tobytes()


def normal_pdf() -> bytes:
    text = (TEXTS / "ca1_calvary.txt").read_text()
    return text_pdf([text[start:start + 1500] for start in range(1500, 7500, 1500)])


def register_upload(store, tenant: str, data: bytes, name: str) -> str:
    document_hash = sha256_hex(data)
    store.save_upload(tenant_id=tenant, document_hash=document_hash, data=data, filename=name)
    return store.register_document(document_hash=document_hash, tenant_id=tenant, original_filename=name,
                                   file_size=len(data), source="upload").case_id


def status_of(store, case_id: str) -> dict:
    return store.get_case(case_id, with_content=False)


def with_uploads(settings, document_timeout_s: float, **uploads):
    return settings.model_copy(update={
        "uploads": settings.uploads.model_copy(update={"max_concurrent": 2, "max_concurrent_per_tenant": 1,
                                                       "poll_interval_s": 0.5, **uploads}),
        "limits": settings.limits.model_copy(update={"document_timeout_s": document_timeout_s}),
    })


# The queue in MongoDB


def test_queue_counts_per_tenant_oldest_first_and_honours_backoff(store):
    first = register_upload(store, "a", b"%PDF-a1", "a1.pdf")
    second = register_upload(store, "a", b"%PDF-a2", "a2.pdf")
    other = register_upload(store, "b", b"%PDF-b1", "b1.pdf")
    store.register_document(document_hash="batch", tenant_id="a", original_filename="x.pdf", file_size=1)

    assert store.queued_uploads_by_tenant(running=[]) == {"a": 2, "b": 1}
    assert store.next_queued_upload("a", running=[])["case_id"] == first
    assert store.next_queued_upload("a", running=[first])["case_id"] == second
    assert store.queued_uploads_by_tenant(running=[first, other]) == {"a": 1}

    # A transient failure gives its attempt back and waits out its backoff.
    assert store.start_upload_attempt(first) == 1
    store.schedule_transient_retry(first, retry_at=utcnow() + timedelta(seconds=60), message="store_unavailable")
    case = status_of(store, first)
    assert (case["attempts"], case["transient_retries"]) == (0, 1)
    assert store.next_queued_upload("a", running=[])["case_id"] == second
    store.schedule_transient_retry(first, retry_at=utcnow() - timedelta(seconds=1), message="again")
    assert store.next_queued_upload("a", running=[])["case_id"] == first


def test_giving_up_never_overwrites_an_indexed_case_and_retry_requeues_a_failed_one(store):
    from lexray.models import ProcessingStatus

    done = register_upload(store, "a", b"%PDF-done", "done.pdf")
    store.set_status(done, ProcessingStatus.INDEXED, "indexed")
    assert not store.mark_unfinished_failed(done, "document_too_complex", "late")
    assert status_of(store, done)["processing_status"] == "indexed"

    stuck = register_upload(store, "a", b"%PDF-stuck", "stuck.pdf")
    store.start_upload_attempt(stuck)
    assert store.mark_unfinished_failed(stuck, "worker_crashed", "died twice")
    assert status_of(store, stuck)["failure_reason"] == "worker_crashed"
    assert store.queued_uploads_by_tenant(running=[]) == {}

    assert not store.requeue_failed_upload(stuck, tenant_id="b")  # another tenant's case
    assert store.requeue_failed_upload(stuck, tenant_id="a")
    case = status_of(store, stuck)
    assert (case["processing_status"], case["attempts"], case["failure_reason"]) == ("uploaded", 0, None)
    assert store.queued_uploads_by_tenant(running=[]) == {"a": 1}
    assert not store.requeue_failed_upload(done, tenant_id="a")  # not failed


# The scheduler on Ray


def test_another_tenants_upload_is_indexed_while_slow_documents_run_and_are_cancelled(ray_address, settings, store):
    settings = with_uploads(settings, document_timeout_s=30, cancel_grace_s=1)
    slow = [register_upload(store, "tenant-a", slow_pdf(seed), f"slow-{seed}.pdf") for seed in range(2)]
    processor = get_upload_processor(settings)
    processor.submit.remote("")
    wait_until(lambda: status_of(store, slow[0])["processing_status"] != "uploaded", 60, "the first slow document")

    normal = register_upload(store, "tenant-b", normal_pdf(), "normal.pdf")
    processor.submit.remote(normal)
    wait_until(lambda: status_of(store, normal)["processing_status"] in ("indexed", "failed"), 120,
               "tenant B's upload")
    assert status_of(store, normal)["processing_status"] == "indexed", status_of(store, normal)["processing_log"]
    # Tenant A's second document was still waiting for its turn or running: B did not queue behind A.
    assert status_of(store, slow[1])["processing_status"] not in ("indexed", "failed")

    for case_id in slow:
        wait_until(lambda case_id=case_id: status_of(store, case_id)["processing_status"] == "failed", 150,
                   "the slow document to pass its limit")
        case = status_of(store, case_id)
        assert case["failure_reason"] == "document_too_complex", case["processing_log"]
        assert store.count_chunks(tenant_id="tenant-a") == 0
    stats = wait_until(lambda: (lambda stats: stats if not stats["running"] else None)(
        ray.get(processor.stats.remote())), 30, "the cancelled tasks to be reaped")
    assert stats["processed"] >= 1
    # Embedding thousands of chunks has no checkpoint inside it: the scheduler killed the task.
    assert stats["timed_out"] >= 1
    assert any("cancelled" in entry["message"] for case_id in slow
               for entry in status_of(store, case_id)["processing_log"])
    indexed_cases = {hit.case_id for hit in ray.get(get_index_actor(settings).search.remote(
        np.ones((1, 384), dtype=np.float32) / np.sqrt(384), 50))[0]}
    assert indexed_cases == {normal}
    ray.kill(processor, no_restart=True)


def test_a_document_that_kills_its_worker_twice_is_quarantined(ray_address, settings, store):
    settings = with_uploads(settings, document_timeout_s=600, max_worker_crashes=2)
    poison = register_upload(store, "tenant-a", slow_pdf(seed=7, pages=600), "poison.pdf")
    processor = get_upload_processor(settings)
    processor.submit.remote(poison)

    # Each attempt after a kill runs on a replacement worker: a new process that first imports
    # torch and loads the embedding model (a minute or more on 2 busy cores), hence the bounds.
    for attempt in (1, 2):
        workers = wait_until(lambda attempt=attempt: status_of(store, poison)["attempts"] == attempt
                             and busy_upload_workers(), 180, f"the worker of attempt {attempt}")
        for worker in workers:
            worker.kill()
    wait_until(lambda: status_of(store, poison)["processing_status"] == "failed", 180, "the quarantine")
    case = status_of(store, poison)
    assert case["failure_reason"] == "worker_crashed", case["processing_log"]
    assert "died 2 times" in case["processing_log"][-1]["message"]
    assert ray.get(processor.stats.remote())["quarantined"] == 1
    assert busy_upload_workers() == []

    # Requeued (what the retry endpoint does), it runs again with fresh counters.
    assert store.requeue_failed_upload(poison, tenant_id="tenant-a")
    processor.submit.remote(poison)
    wait_until(lambda: status_of(store, poison)["attempts"] == 1 and busy_upload_workers(), 180,
               "the worker of the retry")
    ray.kill(processor, no_restart=True)  # its task goes with it: nothing keeps running
    wait_until(lambda: not busy_upload_workers(), 60, "the retry's worker to stop")


def test_a_transient_database_failure_is_retried_with_backoff_not_failed(ray_address, settings, tmp_path):
    mongo = MongoServer(tmp_path)
    mongo.start()
    try:
        # Without the driver's own single retry of a write, the failure reaches LexRay.
        settings = with_uploads(settings.model_copy(update={"mongodb": settings.mongodb.model_copy(
            update={"uri": mongo.uri + "/?retryWrites=false"})}), document_timeout_s=300, retry_backoff_s=1.0)
        from lexray.store import CaseStore

        store = CaseStore(settings.mongodb)
        store.ensure_indexes()
        case_id = register_upload(store, "tenant-a", normal_pdf(), "normal.pdf")
        # The chunks' insert fails once as if the server were shutting down (a retryable error).
        mongo.fail_point({"times": 1}, failCommands=["insert"], errorCode=91)
        processor = get_upload_processor(settings)
        processor.submit.remote(case_id)
        wait_until(lambda: status_of(store, case_id)["processing_status"] in ("indexed", "failed"), 180,
                   "the upload")
        case = status_of(store, case_id)
        assert case["processing_status"] == "indexed", case["processing_log"]
        retries = [entry["message"] for entry in case["processing_log"] if entry["message"].startswith("retry scheduled")]
        # The failed insert, and possibly the driver's first call after it (it rediscovers the server).
        assert 1 <= case["transient_retries"] == len(retries) <= 2, case["processing_log"]
        assert case["attempts"] == 1  # a transient failure gives its attempt back
        assert ray.get(processor.stats.remote())["transient_retries"] == len(retries)
        ray.kill(processor, no_restart=True)
    finally:
        mongo.stop()


# The index actor's upkeep


def test_index_snapshots_after_the_last_change_and_reconciles_while_running(ray_address, settings, store):
    settings = settings.model_copy(update={"index": settings.index.model_copy(update={
        "snapshot_interval_s": 2.0, "reconcile_interval_s": 2.0, "maintenance_tick_s": 0.2})})
    actor = get_index_actor(settings)
    rows = np.eye(4, 16, dtype=np.float32)
    ids = [vector_id_for(f"kept:{i}") for i in range(4)]
    chunks = [Chunk(chunk_id=f"kept:{i}", vector_id=ids[i], case_id="kept", chunk_index=i, text=f"chunk {i}",
                    page_numbers=[1], char_start=0, char_end=1) for i in range(4)]
    store.replace_chunks(chunks, rows, case_id="kept")
    ray.get(actor.add.remote(ids, ["kept"] * 4, ["default"] * 4, rows, [c.text for c in chunks]))
    # A change, then nothing: it is on disk within the interval anyway.
    wait_until(lambda: not ray.get(actor.stats.remote())["dirty"], 30, "a snapshot after the last change")
    assert list(settings.index_dir.glob("shard-*.npz"))

    # Chunks written to MongoDB behind the actor's back (a worker that died before indexing)
    # are indexed by the periodic reconcile, without a restart.
    extra = [Chunk(chunk_id=f"late:{i}", vector_id=vector_id_for(f"late:{i}"), case_id="late", chunk_index=i,
                   text=f"late {i}", page_numbers=[1], char_start=0, char_end=1) for i in range(3)]
    store.replace_chunks(extra, np.eye(3, 16, k=5, dtype=np.float32), case_id="late")
    started = ray.get(actor.stats.remote())["started_at"]
    wait_until(lambda: ray.get(actor.count.remote()) == 7, 30, "the periodic reconcile")
    assert ray.get(actor.stats.remote())["started_at"] == started
    store.chunks.delete_many({"case_id": "kept"})
    wait_until(lambda: ray.get(actor.count.remote()) == 3, 30, "stale vectors dropped")
