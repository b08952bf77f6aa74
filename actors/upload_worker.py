"""One uploaded document, processed in a Ray task of its own.

The upload scheduler (``actors.upload_processor``) starts one ``process_upload`` task per
document. A task runs in its own worker process, so a document that hangs can be cancelled by
killing that process, and one that crashes it takes nothing else down. The work is
``pipelines.document.process_registered_case``, the same steps the batch job runs.
"""

from __future__ import annotations

import time
from datetime import timedelta

import ray

from lexray.models import utcnow
from lexray.settings import EmbeddingSettings, Settings
from lexray.store import get_store

# Ray reuses a worker process for later tasks, so the model loads once per process.
_embedders: dict[str, object] = {}


def _embedder(settings: EmbeddingSettings):
    key = settings.model_dump_json()
    if key not in _embedders:
        from pipelines.embed import Embedder

        _embedders[key] = Embedder(settings)
    return _embedders[key]


@ray.remote(max_retries=0)
def process_upload(case_id: str, settings_json: str) -> dict:
    """Process one registered upload; returns the outcome's fields.

    The document's time limit starts once the worker is ready (a new worker process first
    loads the embedding model); the deadline goes to MongoDB, where the scheduler reads it to
    cancel the task if the task's own checks do not stop it. ``max_retries=0``: a worker that
    died on a document is the scheduler's to count (``uploads.max_worker_crashes``), not Ray's
    to retry blindly.
    """
    from actors.index_actor import get_index_actor
    from pipelines.document import DocumentOutcome, process_registered_case
    from pipelines.stages import ray_ocr_runner

    settings = Settings.model_validate_json(settings_json)
    store = get_store(settings.mongodb)
    embedder = _embedder(settings.embedding)
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
        case_id, data, settings=settings, store=store, embedder=embedder,
        index_actor=get_index_actor(settings), tenant_id=case["tenant_id"],
        filename=case.get("original_filename") or "", ocr_runner=ray_ocr_runner(settings, deadline),
        metadata_overrides=case.get("metadata_overrides"), deadline=deadline,
    )
    return outcome.__dict__
