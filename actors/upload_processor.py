"""The upload processor: a named, detached Ray actor that turns uploaded PDFs into indexed cases.

MongoDB is its work queue. The ingestion endpoint stores the bytes (GridFS) and registers the
case as ``uploaded`` before answering 202, then nudges this actor; the actor also sweeps
MongoDB on start and every few seconds for uploaded cases that are not finished. So an upload
survives a Serve replica restart (nothing lives in the request) and this actor's own crash
(``max_restarts=-1``: the restarted actor finds the case still incomplete and redoes it). The
work itself is ``pipelines.document.process_registered_case``, the same steps the batch job runs.
"""

from __future__ import annotations

import logging
import threading

import ray

from lexray.metrics import record_document, set_upload_queue_depth
from lexray.settings import Settings
from lexray.store import CaseStore

logger = logging.getLogger(__name__)


@ray.remote(num_cpus=0, max_restarts=-1, max_task_retries=-1)
class UploadProcessor:
    """``num_cpus=0``: it mostly waits; OCR runs in Ray tasks that reserve their own CPUs."""

    def __init__(self, settings_json: str, sweep_interval_s: float = 5.0) -> None:
        self.settings = Settings.model_validate_json(settings_json)
        self.store = CaseStore(self.settings.mongodb)
        self.embedder = None
        self.lock = threading.Lock()
        self.processed = 0
        self.stopping = threading.Event()
        self.sweeper = threading.Thread(
            target=self._sweep_forever, args=(sweep_interval_s,), daemon=True, name="upload-sweeper"
        )
        self.sweeper.start()

    def _embedder(self):
        if self.embedder is None:
            from pipelines.embed import Embedder

            self.embedder = Embedder(self.settings.embedding)
        return self.embedder

    def _sweep_forever(self, interval_s: float) -> None:
        while not self.stopping.is_set():
            try:
                self.sweep()
            except Exception:  # noqa: BLE001 - MongoDB may be down for a while; keep sweeping
                logger.exception("upload sweep failed")
            self.stopping.wait(interval_s)

    def submit(self, case_id: str) -> None:
        """A new upload is registered: process what is pending now rather than at the next sweep."""
        self.sweep()

    def sweep(self) -> int:
        """Process every unfinished uploaded case, oldest first; returns how many were done."""
        from actors.index_actor import get_index_actor
        from pipelines.document import process_registered_case
        from pipelines.stages import ray_ocr_runner

        done = 0
        with self.lock:
            pending = self.store.pending_uploads()
            for position, case in enumerate(pending):
                set_upload_queue_depth(len(pending) - position)
                data = self.store.load_upload(
                    tenant_id=case["tenant_id"], document_hash=case["document_hash"]
                )
                if data is None:
                    self.store.mark_failed(case["case_id"], "upload_missing",
                                           "the uploaded bytes are not stored")
                    record_document("upload", "failed", reason="upload_missing")
                    continue
                outcome = process_registered_case(
                    case["case_id"], data, settings=self.settings, store=self.store,
                    embedder=self._embedder(), index_actor=get_index_actor(self.settings),
                    tenant_id=case["tenant_id"], filename=case.get("original_filename") or "",
                    ocr_runner=ray_ocr_runner(self.settings),
                    metadata_overrides=case.get("metadata_overrides"),
                )
                logger.info("upload %s: %s %s", outcome.case_id, outcome.status, outcome.reason)
                record_document("upload", outcome.status, reason=outcome.reason, pages=outcome.pages,
                                ocr_pages=outcome.ocr_pages)
                done += 1
            set_upload_queue_depth(0)
        self.processed += done
        return done

    def stats(self) -> dict:
        return {"processed": self.processed, "sweeper_alive": self.sweeper.is_alive()}


UPLOAD_PROCESSOR_SUFFIX = "-uploads"


def get_upload_processor(settings: Settings):
    """The named detached upload processor (one per index actor name), created on first use."""
    return UploadProcessor.options(
        name=settings.index.actor_name + UPLOAD_PROCESSOR_SUFFIX,
        namespace=settings.ray.namespace,
        lifetime="detached",
        get_if_exists=True,
    ).remote(settings.model_dump_json())
