"""The upload processor: a named, detached Ray actor that schedules uploaded PDFs onto a
bounded, tenant-fair pool of warm worker actors (``actors.upload_worker.UploadWorker``).

MongoDB is the work queue. The ingestion endpoint stores the bytes (GridFS) and registers the
case as ``uploaded`` before answering 202, then nudges this actor; the actor's loop also looks
every ``uploads.poll_interval_s`` for finished, overdue and queued work. So an upload survives a
Serve replica restart (nothing lives in the request) and this actor's own crash
(``max_restarts=-1``: the restarted actor finds the case still unfinished and runs it again).

What the loop guarantees, each with its setting in ``UploadSettings``:
- Concurrency: at most ``max_concurrent`` documents run at once (0: the cluster's CPUs), one per
  worker of the pool; the pool follows that size (workers spread over the nodes, each keeping
  its embedding model loaded, so no upload waits for a process to start).
- Fairness: a free slot goes to the tenant with the fewest documents running, then the one served
  longest ago (``lexray.fair_share``), and no tenant holds every slot.
- A time limit per document (``limits.document_timeout_s``) across every stage, from when its
  worker takes it (``worker_start_s`` allowed for a worker still starting): the worker checks it
  between stages; past it plus ``cancel_grace_s`` the work is cancelled by killing the worker
  (a fresh worker takes its place), and the case fails as ``document_too_complex``.
- Poison documents: a dispatch that never comes back (the worker died) counts as an attempt;
  a document whose workers died ``max_worker_crashes`` times fails as ``worker_crashed``.
- Transient failures (MongoDB down, the index actor restarting) are retried with exponential
  backoff, ``transient_retries`` times, before the case fails as ``internal_error``.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

import ray

from lexray.fair_share import backoff_seconds, next_tenant, slot_limits
from lexray.metrics import record_document, set_upload_queue_depth
from lexray.models import utcnow
from lexray.settings import Settings, settings_from_json
from lexray.store import CaseStore

logger = logging.getLogger(__name__)

# Ways a document's call can end without returning: its worker process or node is gone.
WORKER_LOST = (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError,
               ray.exceptions.OutOfMemoryError, ray.exceptions.ObjectLostError)


@dataclass
class RunningDocument:
    case_id: str
    tenant_id: str
    worker: object  # the UploadWorker handle running it
    ref: ray.ObjectRef
    deadline_at: float  # wall clock (time.time()): the task's start allowance until it reports its own
    deadline_known: bool = False
    cancelled: bool = False


@dataclass
class SchedulerState:
    workers: list = field(default_factory=list)  # UploadWorker handles, one per slot
    running: dict[str, RunningDocument] = field(default_factory=dict)
    last_served: dict[str, float] = field(default_factory=dict)
    processed: int = 0
    quarantined: int = 0
    timed_out: int = 0
    transient_retries: int = 0


@ray.remote(num_cpus=0, max_restarts=-1, max_task_retries=-1)
class UploadProcessor:
    """``num_cpus=0``: it only schedules. Its workers reserve ``uploads.worker_cpus`` each (none
    by default: an idle warm pool must not starve a batch job; the OCR page tasks a worker starts
    reserve their own). The workers are its children: they end with it (a restarted scheduler
    starts a new pool)."""

    def __init__(self, settings_json: str) -> None:
        from actors.upload_worker import UploadWorker

        self.settings = settings_from_json(settings_json)
        self.settings_json = settings_json
        self.store = CaseStore(self.settings.mongodb)
        self.worker_class = UploadWorker.options(num_cpus=self.settings.uploads.worker_cpus,
                                                 scheduling_strategy="SPREAD")
        self.state = SchedulerState()
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.loop = threading.Thread(target=self._loop_forever, daemon=True, name="upload-scheduler")
        self.loop.start()

    def submit(self, case_id: str) -> None:
        """A new upload is registered: schedule now rather than at the next poll."""
        self.wake.set()

    def stats(self) -> dict:
        running = list(self.state.running.values())
        return {
            "processed": self.state.processed,
            "running": [{"case_id": doc.case_id, "tenant_id": doc.tenant_id} for doc in running],
            "workers": len(self.state.workers),
            "quarantined": self.state.quarantined,
            "timed_out": self.state.timed_out,
            "transient_retries": self.state.transient_retries,
            "scheduler_alive": self.loop.is_alive(),
        }

    # The loop: the only code that touches ``self.state``.

    def _loop_forever(self) -> None:
        while not self.stopping.is_set():
            try:
                self._reap_finished()
                self._cancel_overdue()
                self._fill_slots()
            except Exception:  # noqa: BLE001 - MongoDB may be down for a while; keep going
                logger.exception("upload scheduling failed; trying again")
            self.wake.wait(self.settings.uploads.poll_interval_s)
            self.wake.clear()

    def _reap_finished(self) -> None:
        refs = [doc.ref for doc in self.state.running.values()]
        if not refs:
            return
        ready, _ = ray.wait(refs, num_returns=len(refs), timeout=0)
        ready_set = set(ready)
        for doc in [doc for doc in self.state.running.values() if doc.ref in ready_set]:
            self._finish(doc)
            del self.state.running[doc.case_id]

    def _finish(self, doc: RunningDocument) -> None:
        try:
            outcome = ray.get(doc.ref)
        except ray.exceptions.TaskCancelledError:
            return  # cancelled by _cancel_overdue, which recorded the failure
        except WORKER_LOST as exc:
            if doc.cancelled:
                return
            self._replace_worker(doc.worker)
            # Counted already (start_upload_attempt); the next dispatch quarantines it if due.
            logger.warning("upload %s: its worker was lost (%s); it goes back in the queue",
                           doc.case_id, type(exc).__name__)
            return
        except ray.exceptions.RayTaskError as exc:
            from pipelines.document import failure_reason, is_transient

            if is_transient(exc):
                self._retry_later(doc.case_id, *failure_reason(exc))
            else:
                reason, message = failure_reason(exc)
                self.store.mark_unfinished_failed(doc.case_id, reason, message)
                record_document("upload", "failed", reason=reason)
            return
        if outcome["status"] == "retry":
            self._retry_later(doc.case_id, outcome["reason"], outcome["message"])
            return
        self.state.processed += 1
        logger.info("upload %s: %s %s", doc.case_id, outcome["status"], outcome["reason"])
        record_document("upload", outcome["status"], reason=outcome["reason"], pages=outcome["pages"],
                        ocr_pages=outcome["ocr_pages"])

    def _retry_later(self, case_id: str, reason: str, message: str) -> None:
        uploads = self.settings.uploads
        case = self.store.get_case(case_id, with_content=False) or {}
        retry = int(case.get("transient_retries") or 0) + 1
        if retry > uploads.transient_retries:
            self.store.mark_unfinished_failed(
                case_id, "internal_error", f"still failing after {uploads.transient_retries} retries: {message}")
            record_document("upload", "failed", reason="internal_error")
            return
        wait_s = backoff_seconds(retry, uploads.retry_backoff_s, uploads.retry_backoff_max_s)
        self.state.transient_retries += 1
        logger.warning("upload %s: transient failure (%s); retry %d in %.0f s", case_id, reason, retry, wait_s)
        self.store.schedule_transient_retry(case_id, retry_at=utcnow() + timedelta(seconds=wait_s),
                                            message=f"{reason}: {message}")

    def _cancel_overdue(self) -> None:
        grace = self.settings.uploads.cancel_grace_s
        starting = [doc.case_id for doc in self.state.running.values() if not doc.deadline_known]
        if starting:
            for case_id, deadline in self.store.processing_deadlines(starting).items():
                doc = self.state.running[case_id]
                doc.deadline_at, doc.deadline_known = deadline.timestamp(), True
        now = time.time()
        for doc in list(self.state.running.values()):
            if doc.cancelled or now < doc.deadline_at + grace:
                continue
            ready, _ = ray.wait([doc.ref], timeout=0)
            if ready:
                continue  # finished just now: reaped on the next pass
            # Killing the worker process (its OCR tasks end with their owner) is the one way to
            # stop pure-Python work such as a regex.
            self._replace_worker(doc.worker)
            doc.cancelled = True
            self.state.timed_out += 1
            limit = self.settings.limits.document_timeout_s
            if self.store.mark_unfinished_failed(
                    doc.case_id, "document_too_complex",
                    f"processing passed the document's {limit:.0f} s limit and was cancelled"):
                record_document("upload", "failed", reason="document_too_complex")
            self._drop_partial_vectors(doc.case_id)

    def _drop_partial_vectors(self, case_id: str) -> None:
        """A task killed while indexing may have left some of the case's vectors behind."""
        from actors.index_actor import get_index_actor

        try:
            get_index_actor(self.settings).remove_case.remote(case_id)
        except Exception:  # noqa: BLE001 - the periodic reconcile removes them anyway
            logger.warning("could not drop the vectors of cancelled case %s", case_id)

    def _fill_slots(self) -> None:
        uploads = self.settings.uploads
        slots, per_tenant = slot_limits(uploads.max_concurrent, uploads.max_concurrent_per_tenant,
                                        ray.cluster_resources().get("CPU", 0.0))
        running_ids = list(self.state.running)
        queued = self.store.queued_uploads_by_tenant(running=running_ids)
        set_upload_queue_depth(sum(queued.values()) + len(running_ids))
        self._size_pool(slots)
        while len(self.state.running) < slots:
            running_by_tenant: dict[str, int] = {}
            for doc in self.state.running.values():
                running_by_tenant[doc.tenant_id] = running_by_tenant.get(doc.tenant_id, 0) + 1
            tenant = next_tenant(queued, running_by_tenant, self.state.last_served, per_tenant)
            if tenant is None:
                return
            case = self.store.next_queued_upload(tenant, running=list(self.state.running))
            queued[tenant] -= 1
            if case is not None:
                self._dispatch(case)

    def _size_pool(self, slots: int) -> None:
        """One worker per slot: start missing ones, stop idle ones beyond ``slots``."""
        workers = self.state.workers
        while len(workers) < slots:
            workers.append(self.worker_class.remote(self.settings_json))
        busy = {id(doc.worker) for doc in self.state.running.values()}
        for worker in [worker for worker in workers[slots:] if id(worker) not in busy]:
            workers.remove(worker)
            ray.kill(worker, no_restart=True)

    def _replace_worker(self, worker) -> None:
        """Kill a worker (if still alive) and start a fresh one in its slot. A new actor rather
        than a restart of the old: a document dispatched next must not reach the dying process."""
        try:
            ray.kill(worker, no_restart=True)
        except Exception:  # noqa: BLE001 - already gone
            pass
        workers = self.state.workers
        for slot, known in enumerate(workers):
            if known is worker:
                workers[slot] = self.worker_class.remote(self.settings_json)

    def _idle_worker(self):
        busy = {id(doc.worker) for doc in self.state.running.values()}
        return next(worker for worker in self.state.workers if id(worker) not in busy)

    def _dispatch(self, case: dict) -> None:
        case_id, tenant_id = case["case_id"], case["tenant_id"]
        uploads = self.settings.uploads
        attempts = self.store.start_upload_attempt(case_id)
        if attempts > uploads.max_worker_crashes:
            self.state.quarantined += 1
            self.store.mark_unfinished_failed(
                case_id, "worker_crashed",
                f"the worker processing this document died {attempts - 1} times; quarantined")
            record_document("upload", "failed", reason="worker_crashed")
            self._drop_partial_vectors(case_id)
            return
        start_by = time.time() + uploads.worker_start_s + self.settings.limits.document_timeout_s
        worker = self._idle_worker()
        ref = worker.process.remote(case_id)
        self.state.running[case_id] = RunningDocument(case_id, tenant_id, worker, ref, start_by)
        self.state.last_served[tenant_id] = time.monotonic()


UPLOAD_PROCESSOR_SUFFIX = "-uploads"


def get_upload_processor(settings: Settings):
    """The named detached upload processor (one per index actor name), created on first use."""
    return UploadProcessor.options(
        name=settings.index.actor_name + UPLOAD_PROCESSOR_SUFFIX,
        namespace=settings.ray.namespace,
        lifetime="detached",
        get_if_exists=True,
    ).remote(settings.model_dump_json())
