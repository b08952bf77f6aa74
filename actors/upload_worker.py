"""A worker of the upload pool: a Ray actor that processes uploaded documents, one at a time.

The upload scheduler (``actors.upload_processor``) keeps one ``UploadWorker`` per slot and hands
each a document when it is free. A worker is a process of its own that stays warm: it loads the
embedding model once, when it starts, so a tenant's upload never waits for a new process to
import torch and read the model (measured by ``bench.fairness``: a task on a fresh worker
process waited 8-11 s to start). A document that hangs is cancelled by killing its worker,
and the scheduler starts a fresh one in its place; one that crashes the process takes nothing
else down. The work is
``pipelines.document.process_registered_case``, the same steps the batch job runs.
"""

from __future__ import annotations

import time
from datetime import timedelta

import ray

from lexray.models import utcnow
from lexray.settings import settings_from_json
from lexray.store import get_store


# No restarts: the scheduler replaces a dead worker with a new actor, so nothing is sent to a
# process on its way out; a document whose worker died is the scheduler's to count
# (``uploads.max_worker_crashes``), not Ray's to run again blindly.
@ray.remote(max_restarts=0, max_task_retries=0)
class UploadWorker:
    def __init__(self, settings_json: str) -> None:
        from pipelines.embed import Embedder

        self.settings = settings_from_json(settings_json)
        self.store = get_store(self.settings.mongodb)
        self.embedder = Embedder(self.settings.embedding)

    def process(self, case_id: str) -> dict:
        """Process one registered upload; returns the outcome's fields.

        The document's time limit starts now (the worker is warm); the deadline goes to
        MongoDB, where the scheduler reads it to kill this worker if the document's own checks
        between stages do not stop it.
        """
        from actors.index_actor import get_index_actor
        from pipelines.document import DocumentOutcome, process_registered_case
        from pipelines.ocr_tasks import ray_ocr_runner

        settings, store = self.settings, self.store
        deadline = time.monotonic() + settings.limits.document_timeout_s
        store.set_processing_deadline(case_id, utcnow() + timedelta(seconds=settings.limits.document_timeout_s))
        case = store.get_case(case_id, with_content=False)
        if case is None:  # erased while queued
            return DocumentOutcome(case_id, "", "failed", "not_found", "the case no longer exists").__dict__
        data = store.load_upload(tenant_id=case["tenant_id"], document_hash=case["document_hash"])
        if data is None:
            store.mark_failed(case_id, "upload_missing", "the uploaded bytes are not stored")
            return DocumentOutcome(case_id, "", "failed", "upload_missing").__dict__
        outcome = process_registered_case(
            case_id, data, settings=settings, store=store, embedder=self.embedder,
            index_actor=get_index_actor(settings), tenant_id=case["tenant_id"],
            filename=case.get("original_filename") or "", ocr_runner=ray_ocr_runner(settings, deadline),
            metadata_overrides=case.get("metadata_overrides"), deadline=deadline,
        )
        return outcome.__dict__
