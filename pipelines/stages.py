"""Ray Data stages of the batch ingestion job: thin shells over ``pipelines.document``.

Rows carry a few summary columns plus ``payload`` (the step's pydantic output as JSON) and
``vectors`` (float32 bytes), so every block has the same simple Arrow schema whatever the
document. A document that fails is marked ``failed`` in MongoDB with its reason, and its row
flows on with ``status = "failed"`` so the job can count it; the other rows are unaffected.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import ray

from lexray.metrics import record_document
from lexray.models import ProcessingStatus
from lexray.settings import Settings, settings_from_json
from lexray.store import INCOMPLETE_STATUSES, get_store
from pipelines.document import (
    CaseText,
    DocumentOutcome,
    EnrichedCase,
    display_name,
    document_deadline,
    enrich_case,
    extract_case_text,
    failure_reason,
    register_document,
    retry_transient,
    store_and_index,
)
from pipelines.embed import Embedder
from pipelines.ocr_tasks import ray_ocr_runner

PENDING = "pending"
SUMMARY_COLUMNS = ["case_id", "filename", "status", "reason", "message", "pages", "ocr_pages", "chunks",
                   "resumed"]


def outcome_row(outcome: DocumentOutcome, *, payload: str = "", vectors: bytes = b"",
                resumed: bool = False) -> dict[str, Any]:
    return {
        "case_id": outcome.case_id or "",
        "filename": outcome.filename,
        "status": outcome.status,
        "reason": outcome.reason,
        "message": outcome.message,
        "pages": outcome.pages,
        "ocr_pages": outcome.ocr_pages,
        "chunks": outcome.chunks,
        "resumed": resumed,
        "payload": payload,
        "vectors": vectors,
    }


def _fail(row: dict[str, Any], exc: Exception, settings: Settings) -> dict[str, Any]:
    reason, message = failure_reason(exc)
    get_store(settings.mongodb).mark_failed(row["case_id"], reason, message)
    record_document("batch", "failed", reason=reason)
    return {**row, "status": ProcessingStatus.FAILED.value, "reason": reason, "message": message,
            "payload": "", "vectors": b""}


def _progress(settings: Settings, job_id: str, stage: str, documents: int) -> None:
    if job_id:
        get_store(settings.mongodb).record_stage_progress(job_id, stage, documents)


def _one_document(stage: str, work, row: dict[str, Any], settings_json: str, job_id: str) -> dict[str, Any]:
    """``work(row, settings)``, counted in the job's progress of ``stage``."""
    settings = settings_from_json(settings_json)
    result = work(row, settings)
    _progress(settings, job_id, stage, 1)
    return result


def extract_stage(row: dict[str, Any], settings_json: str, job_id: str = "") -> dict[str, Any]:
    """bytes -> registered case -> page texts (OCR fanned out) -> cleaned text."""
    return _one_document("extract", _extract, row, settings_json, job_id)


def _extract(row: dict[str, Any], settings: Settings) -> dict[str, Any]:
    store = get_store(settings.mongodb)
    data: bytes = row["bytes"]
    filename = display_name(row["path"])
    registration = register_document(data, row["path"], store, settings,
                                     tenant_id=settings.ingest.tenant)
    if registration.duplicate:
        record_document("batch", "duplicate")
        return outcome_row(DocumentOutcome(registration.case_id, filename, "duplicate"))
    # A case registered before but left half-done (a killed job) is finished now.
    resumed = registration.previous_status in INCOMPLETE_STATUSES
    pending = outcome_row(DocumentOutcome(registration.case_id, filename, PENDING), resumed=resumed)
    def extract() -> CaseText:
        store.set_status(registration.case_id, ProcessingStatus.PROCESSING, "extracting text")
        # One limit from the start of extraction, shared by the text layer and the OCR tasks.
        deadline = document_deadline(settings.limits)
        case_text = extract_case_text(data, settings, ray_ocr_runner(settings, deadline), deadline=deadline)
        store.set_status(registration.case_id, ProcessingStatus.OCR_COMPLETE,
                         f"{len(case_text.pages)} pages, {case_text.ocr_pages} OCR'd")
        return case_text

    try:
        case_text = retry_transient(extract, settings)
    except Exception as exc:  # noqa: BLE001 - recorded on the case, the batch carries on
        return _fail(pending, exc, settings)
    return {**pending, "pages": len(case_text.pages), "ocr_pages": case_text.ocr_pages,
            "payload": case_text.model_dump_json()}


def enrich_stage(row: dict[str, Any], settings_json: str, job_id: str = "") -> dict[str, Any]:
    """cleaned text -> metadata, sections, page-aware chunks (stored on the case)."""
    return _one_document("enrich", _enrich, row, settings_json, job_id)


def _enrich(row: dict[str, Any], settings: Settings) -> dict[str, Any]:
    if row["status"] != PENDING:
        return row
    try:
        case_text = CaseText.model_validate_json(row["payload"])
        enriched = enrich_case(row["case_id"], case_text, settings, tenant_id=settings.ingest.tenant)
        retry_transient(lambda: get_store(settings.mongodb).save_case_content(
            row["case_id"], enriched.case_fields()), settings)
    except Exception as exc:  # noqa: BLE001
        return _fail(row, exc, settings)
    return {**row, "chunks": len(enriched.chunks), "payload": enriched.model_dump_json()}


class EmbedStage:
    """Actor-pool stage: loads the embedding model once per actor."""

    def __init__(self, settings_json: str, job_id: str = "") -> None:
        self.settings = settings_from_json(settings_json)
        self.job_id = job_id
        self.embedder = Embedder(self.settings.embedding)
        self.store = get_store(self.settings.mongodb)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        rows = self._embed(_rows_of(batch))
        _progress(self.settings, self.job_id, "embed", len(rows))
        return _batch_of(rows)

    def _embed(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        pending = [i for i, row in enumerate(rows) if row["status"] == PENDING]
        enriched = {i: EnrichedCase.model_validate_json(rows[i]["payload"]) for i in pending}
        texts = [chunk.text for i in pending for chunk in enriched[i].chunks]
        try:
            vectors = self.embedder.encode(texts)
        except Exception as exc:  # noqa: BLE001
            for i in pending:
                rows[i] = _fail(rows[i], exc, self.settings)
            return rows
        offset = 0
        for i in pending:
            count = len(enriched[i].chunks)
            rows[i]["vectors"] = vectors[offset:offset + count].tobytes()
            offset += count
            self.store.set_status(rows[i]["case_id"], ProcessingStatus.EMBEDDING_COMPLETE,
                                  f"{count} chunks embedded")
        return rows


def index_stage(batch: dict[str, np.ndarray], settings_json: str, job_id: str = "") -> dict[str, np.ndarray]:
    """chunks + vectors -> MongoDB, then the index actor; the case becomes ``indexed``."""
    settings = settings_from_json(settings_json)
    store = get_store(settings.mongodb)
    index_actor = ray.get_actor(settings.index.actor_name, namespace=settings.ray.namespace)
    rows = _rows_of(batch)
    for i, row in enumerate(rows):
        if row["status"] != PENDING:
            continue
        try:
            enriched = EnrichedCase.model_validate_json(row["payload"])
            vectors = (np.frombuffer(row["vectors"], dtype=np.float32).reshape(len(enriched.chunks), -1)
                       if enriched.chunks else np.zeros((0, 0), dtype=np.float32))
            retry_transient(lambda: store_and_index(row["case_id"], settings.ingest.tenant, enriched,
                                                    vectors, store, index_actor, settings), settings)
            rows[i] = {**row, "status": ProcessingStatus.INDEXED.value}
            record_document("batch", "indexed", pages=row["pages"], ocr_pages=row["ocr_pages"])
        except Exception as exc:  # noqa: BLE001
            rows[i] = _fail(row, exc, settings)
    _progress(settings, job_id, "index", len(rows))
    return _batch_of(rows, SUMMARY_COLUMNS)


def _rows_of(batch: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    columns = list(batch)
    size = len(batch[columns[0]]) if columns else 0
    return [{column: _plain(batch[column][i]) for column in columns} for i in range(size)]


def _batch_of(rows: list[dict[str, Any]], columns: list[str] | None = None) -> dict[str, np.ndarray]:
    return {column: np.array([row[column] for row in rows], dtype=object)
            for column in (columns or rows[0])}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
