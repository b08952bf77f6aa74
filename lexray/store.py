"""MongoDB repository for cases and chunks (pymongo).

Only features real MongoDB also has are used (no ``$text``): keyword search lives in the index
actor. Dates are stored as BSON datetimes (BSON has no plain date type).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any

import gridfs
import numpy as np
import pymongo
from bson import Binary
from bson import ObjectId
from pymongo.errors import CollectionInvalid, DuplicateKeyError, OperationFailure, PyMongoError

from lexray.errors import LexRayError, StoreUnavailableError
from lexray.redaction import redact_text, redact_uri
from lexray.models import (
    DEFAULT_TENANT,
    CaseFilters,
    Chunk,
    LegalCaseDocument,
    ProcessingLogEntry,
    ProcessingStatus,
    utcnow,
)
from lexray.settings import MongoSettings

CASES = "cases"
CHUNKS = "chunks"
UPLOADS = "uploads"
JOBS = "ingest_jobs"
SUMMARIES = "summaries"
QUESTIONS = "questions"
CHAT_SESSIONS = "chat_sessions"
AUDIT_LOG = "audit_log"
ERASURES = "erasures"
# Keep case ids by design: the audit trail and the erasure receipts (never a case's text).
CASE_ID_RECORDS = {AUDIT_LOG, ERASURES}
# What an erased case's citation in a stored chat message becomes, and the answer that cited it.
ERASED_CITATION = {"case_id": None, "erased": True, "title": None, "page": None, "pages": [],
                   "char_start": 0, "char_end": 0, "chunk_id": "", "snippet": ""}
ERASED_ANSWER = "[This answer cited a case that has since been erased.]"

# A case in one of these states was interrupted mid-way (e.g. a killed job): resume it.
INCOMPLETE_STATUSES = {
    ProcessingStatus.UPLOADED.value,
    ProcessingStatus.PROCESSING.value,
    ProcessingStatus.OCR_COMPLETE.value,
    ProcessingStatus.EMBEDDING_COMPLETE.value,
}


class CaseErasedError(LexRayError):
    """The case was erased (or never existed) while a worker was still processing it: its
    results must not be written, or they would bring the erased case back."""

    code = "case_erased"


@dataclass(frozen=True)
class Registration:
    """Outcome of registering an incoming document by its sha256."""

    case_id: str
    duplicate: bool
    previous_status: str | None = None


def tenant_scope(query: dict, tenant_id: str | None) -> dict:
    """``query`` restricted to one tenant's documents (unchanged when ``tenant_id`` is None)."""
    return query if tenant_id is None else {**query, "tenant_id": tenant_id}


def filter_query(filters: CaseFilters | None, tenant_id: str | None) -> dict:
    """The MongoDB query for indexed cases of ``tenant_id`` that match ``filters``.

    >>> filter_query(CaseFilters(court="SC"), "t1")["metadata.court"]
    {'$regex': '^SC$', '$options': 'i'}
    """
    query: dict = {"processing_status": ProcessingStatus.INDEXED.value}
    filters = filters or CaseFilters()
    for field in ("court", "case_type", "jurisdiction"):
        value = getattr(filters, field)
        if value is not None:
            query[f"metadata.{field}"] = {"$regex": f"^{re.escape(value.strip())}$", "$options": "i"}
    if filters.judge is not None:
        query["metadata.judges"] = {"$regex": re.escape(filters.judge.strip()), "$options": "i"}
    if filters.date_from is not None or filters.date_to is not None:
        bounds: dict = {}
        if filters.date_from is not None:
            bounds["$gte"] = to_bson(filters.date_from)
        if filters.date_to is not None:
            bounds["$lte"] = to_bson(filters.date_to)
        query["$or"] = [
            {"metadata.date_decided": bounds},
            {"metadata.date_decided": None, "metadata.date_filed": bounds},
        ]
    return tenant_scope(query, tenant_id)


def to_bson(value: Any) -> Any:
    """Convert pydantic-dumped values into BSON-encodable ones (date -> datetime)."""
    if isinstance(value, dict):
        return {key: to_bson(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_bson(item) for item in value]
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time.min, tzinfo=timezone.utc)
    return value


def vector_to_bytes(vector: np.ndarray) -> Binary:
    return Binary(np.ascontiguousarray(vector, dtype=np.float32).tobytes())


def vector_from_bytes(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, dtype=np.float32)


class CaseStore:
    """Cases, chunks and processing status in MongoDB."""

    def __init__(self, settings: MongoSettings) -> None:
        self.settings = settings
        self.client = pymongo.MongoClient(
            settings.uri,
            serverSelectionTimeoutMS=settings.timeout_ms,
            connectTimeoutMS=settings.timeout_ms,
            tz_aware=True,
        )
        self.db = self.client[settings.db]
        self.cases = self.db[CASES]
        self.chunks = self.db[CHUNKS]
        # Uploaded PDFs live in GridFS, so any node of a cluster can process them.
        self.uploads = gridfs.GridFS(self.db, collection=UPLOADS)
        self.indexes_ready = False
        self.jobs = self.db[JOBS]

    def close(self) -> None:
        self.client.close()

    def ping(self) -> None:
        try:
            self.client.admin.command("ping")
        except PyMongoError as exc:
            # The URI's password and the driver's text (which may quote the URI) stay out.
            raise StoreUnavailableError(
                f"MongoDB at {redact_uri(self.settings.uri)} is unreachable: {redact_text(str(exc))}") from exc

    def ensure_indexes_once(self) -> CaseStore:
        """``ensure_indexes`` on this store's first use (deployments start before MongoDB may be
        reachable: until it is, this raises and the next call tries again); returns the store."""
        if not self.indexes_ready:
            self.ensure_indexes()
            self.indexes_ready = True
        return self

    def ensure_indexes(self) -> None:
        """The seed's indexes: unique ids and hash, and the metadata fields filters use."""
        self.cases.create_index("case_id", unique=True)
        # The same bytes may be stored once per tenant: tenants never learn of each other.
        self.cases.create_index([("tenant_id", 1), ("document_hash", 1)], unique=True)
        self.cases.create_index("document_hash")
        self.cases.create_index([("tenant_id", 1), ("created_at", -1)])
        self.cases.create_index("processing_status")
        self.cases.create_index([("created_at", pymongo.DESCENDING)])
        for field in ("court", "case_type", "jurisdiction", "date_decided", "judges", "case_number"):
            self.cases.create_index(f"metadata.{field}")
        self.chunks.create_index("chunk_id", unique=True)
        self.chunks.create_index("vector_id", unique=True)
        self.chunks.create_index([("case_id", pymongo.ASCENDING), ("chunk_index", pymongo.ASCENDING)])
        self.chunks.create_index("tenant_id")
        self.jobs.create_index("job_id", unique=True)
        self.db[SUMMARIES].create_index([("tenant_id", 1), ("case_id", 1), ("created_at", -1)])
        self.db[QUESTIONS].create_index([("tenant_id", 1), ("case_id", 1), ("created_at", -1)])
        self.db[CHAT_SESSIONS].create_index("session_id", unique=True)
        self.db[CHAT_SESSIONS].create_index([("tenant_id", 1), ("updated_at", -1)])
        self.db[ERASURES].create_index("case_id", unique=True)
        self.db[ERASURES].create_index([("tenant_id", 1), ("erased_at", -1)])
        self._ensure_upload_index()

    def _ensure_upload_index(self) -> None:
        """Uploaded bytes are unique per (tenant, sha256): the index both finds them and makes a
        concurrent second copy fail (``save_upload``). Copies stored before it existed are
        dropped first, keeping the oldest."""
        files = self.db[f"{UPLOADS}.files"]
        keys = [("tenant_id", 1), ("document_hash", 1)]
        try:
            files.create_index(keys, unique=True, name="tenant_hash_unique")
        except OperationFailure:
            duplicates = files.aggregate([
                {"$group": {"_id": {"tenant_id": "$tenant_id", "document_hash": "$document_hash"},
                            "ids": {"$push": "$_id"}, "count": {"$sum": 1}}},
                {"$match": {"count": {"$gt": 1}}},
            ])
            for group in duplicates:
                for file_id in sorted(group["ids"])[1:]:
                    self.uploads.delete(file_id)
            files.create_index(keys, unique=True, name="tenant_hash_unique")

    # Registration and status

    def register_document(
        self,
        *,
        document_hash: str,
        tenant_id: str = DEFAULT_TENANT,
        original_filename: str | None,
        file_size: int,
        mime_type: str = "application/pdf",
        retry_failed: bool = False,
        source: str = "batch",
        metadata_overrides: dict | None = None,
    ) -> Registration:
        """Insert a new case in status ``uploaded``, or report the stored one.

        A stored case that finished (indexed) or failed is a duplicate; one left half-done by an
        interrupted job is handed back for reprocessing under the same ``case_id``.
        """
        identity = {"tenant_id": tenant_id, "document_hash": document_hash}
        existing = self.cases.find_one(identity, {"case_id": 1, "processing_status": 1})
        if existing is not None:
            return self._registration_for_existing(existing, retry_failed)
        case = LegalCaseDocument(
            case_id=uuid.uuid4().hex,
            tenant_id=tenant_id,
            document_hash=document_hash,
            original_filename=original_filename,
            file_size=file_size,
            mime_type=mime_type,
            source=source,
            metadata_overrides=metadata_overrides or {},
            processing_log=[ProcessingLogEntry(status=ProcessingStatus.UPLOADED, message="received")],
        )
        try:
            self.cases.insert_one(to_bson(case.model_dump(mode="python")))
        except DuplicateKeyError:
            # Same bytes registered concurrently by another worker: that one owns the case.
            existing = self.cases.find_one(identity)
            return Registration(existing["case_id"], True, existing["processing_status"])
        return Registration(case.case_id, False, None)

    def _registration_for_existing(self, existing: dict, retry_failed: bool) -> Registration:
        status = existing["processing_status"]
        if status in INCOMPLETE_STATUSES or (retry_failed and status == ProcessingStatus.FAILED.value):
            return Registration(existing["case_id"], False, status)
        return Registration(existing["case_id"], True, status)

    def set_status(
        self, case_id: str, status: ProcessingStatus, message: str, **fields: Any
    ) -> bool:
        """Record a status change; False when the case is not stored (erased meanwhile) or is
        already indexed. An update, never an upsert, so a late worker cannot bring an erased case
        back; and only ``indexed`` is written over ``indexed``, so a late duplicate run of a stage
        (a Ray task retried after its node died, whose first run had finished) cannot move a
        finished case back to an earlier status or to failed."""
        entry = ProcessingLogEntry(status=status, message=message)
        now = utcnow()
        update_fields = {"processing_status": status.value, "updated_at": now, **fields}
        query: dict[str, Any] = {"case_id": case_id}
        if status is ProcessingStatus.INDEXED:
            update_fields["processed_at"] = now
        else:
            query["processing_status"] = {"$ne": ProcessingStatus.INDEXED.value}
        return self.cases.update_one(
            query,
            {"$set": to_bson(update_fields), "$push": {"processing_log": entry.model_dump(mode="python")}},
        ).matched_count == 1

    def mark_failed(self, case_id: str, reason_code: str, message: str) -> None:
        """Record a failure with its machine-readable reason and drop any partial chunks; an
        indexed case (a late duplicate run failing) keeps its status and chunks."""
        if self.set_status(
            case_id,
            ProcessingStatus.FAILED,
            f"{reason_code}: {message}",
            failure_reason=reason_code,
            chunk_count=0,
        ):
            self.chunks.delete_many({"case_id": case_id})

    # Content

    def set_source(self, case_id: str, source: str) -> None:
        self.cases.update_one({"case_id": case_id}, {"$set": {"source": source, "updated_at": utcnow()}})

    def save_case_content(self, case_id: str, case_fields: dict[str, Any]) -> None:
        """Store extracted text, sections, metadata etc. (keys are LegalCaseDocument fields)."""
        self.cases.update_one(
            {"case_id": case_id}, {"$set": to_bson({**case_fields, "updated_at": utcnow()})}
        )

    def replace_chunks(self, chunks: list[Chunk], vectors: np.ndarray, *, case_id: str) -> None:
        """Store a case's chunks with their vectors, replacing any earlier ones.

        CaseErasedError when the case was erased (while a worker processed it). Checked before
        writing and again after: an erasure records its receipt before it deletes the chunks, so
        either it deletes these chunks too or this call sees the receipt and deletes them
        itself; no chunk of an erased case stays behind.
        """
        if self.was_erased(case_id):
            raise CaseErasedError(f"case {case_id} was erased: its chunks are not written")
        self.chunks.delete_many({"case_id": case_id})
        if not chunks:
            return
        documents = [
            {**chunk.model_dump(mode="python"), "embedding": vector_to_bytes(vector)}
            for chunk, vector in zip(chunks, vectors, strict=True)
        ]
        self.chunks.insert_many(documents, ordered=False)
        if self.was_erased(case_id):
            self.chunks.delete_many({"case_id": case_id})
            raise CaseErasedError(f"case {case_id} was erased while its chunks were written")

    # Reads

    def get_case(
        self, case_id: str, *, tenant_id: str | None = None, with_content: bool = True
    ) -> dict | None:
        """The case, or None; with ``tenant_id``, None also when another tenant owns it."""
        projection = {"_id": 0} if with_content else {"_id": 0, "content": 0, "cleaned_content": 0}
        return self.cases.find_one(tenant_scope({"case_id": case_id}, tenant_id), projection)

    def count_cases(self, status: ProcessingStatus | None = None, *, tenant_id: str | None = None) -> int:
        query = {} if status is None else {"processing_status": status.value}
        return self.cases.count_documents(tenant_scope(query, tenant_id))

    def count_chunks(self, *, tenant_id: str | None = None) -> int:
        return self.chunks.count_documents(tenant_scope({}, tenant_id))

    def status_counts(self, *, tenant_id: str | None = None) -> dict[str, int]:
        """Number of cases per processing status."""
        pipeline = [{"$match": tenant_scope({}, tenant_id)},
                    {"$group": {"_id": "$processing_status", "count": {"$sum": 1}}}]
        return {row["_id"]: row["count"] for row in self.cases.aggregate(pipeline)}

    def case_ids_matching(self, filters: CaseFilters | None, *, tenant_id: str | None) -> list[str]:
        """Ids of the indexed cases of ``tenant_id`` that match ``filters``."""
        return [row["case_id"] for row in
                self.cases.find(filter_query(filters, tenant_id), {"_id": 0, "case_id": 1})]

    def chunk_vector_ids(self) -> dict[int, str]:
        """vector_id -> case_id of every stored chunk (what the index must hold)."""
        return {
            row["vector_id"]: row["case_id"]
            for row in self.chunks.find({}, {"_id": 0, "vector_id": 1, "case_id": 1})
        }

    def iter_chunk_vectors(
        self, vector_ids: list[int] | None = None, *, batch_size: int = 1000
    ) -> Iterator[tuple[list[int], list[str], list[str], np.ndarray, list[str]]]:
        """Yield (vector_ids, case_ids, tenant_ids, vectors, texts) batches, to rebuild the index."""
        query: dict = {} if vector_ids is None else {"vector_id": {"$in": vector_ids}}
        fields = {"_id": 0, "vector_id": 1, "case_id": 1, "tenant_id": 1, "embedding": 1, "text": 1}
        batch: list[dict] = []
        for row in self.chunks.find(query, fields).batch_size(batch_size):
            batch.append(row)
            if len(batch) >= batch_size:
                yield _columns(batch)
                batch = []
        if batch:
            yield _columns(batch)

    def delete_case(self, case_id: str) -> bool:
        self.chunks.delete_many({"case_id": case_id})
        return self.cases.delete_one({"case_id": case_id}).deleted_count == 1

    # Batch jobs (progress of `jobs.ingest` runs started over the API)

    def create_job(self, *, job_id: str, tenant_id: str, folder: str) -> dict:
        job = {**_new_job(job_id, tenant_id, folder), "updated_at": utcnow()}
        self.jobs.insert_one(dict(job))
        return job

    def ensure_job(self, *, job_id: str, tenant_id: str, folder: str) -> None:
        """The job's record, created unless it exists (a job started by the API has one)."""
        self.jobs.update_one({"job_id": job_id}, {"$setOnInsert": _new_job(job_id, tenant_id, folder),
                                                  "$set": {"updated_at": utcnow()}}, upsert=True)

    def start_job(self, job_id: str, total: int) -> None:
        """A run of the job begins (again, when a killed job is resubmitted): counters restart."""
        now = utcnow()
        self.jobs.update_one({"job_id": job_id}, {
            "$set": {"status": "RUNNING", "total": total, "done": 0, "ingested": 0, "duplicates": 0,
                     "failed": 0, "resumed": 0, "progress": {}, "summary": None,
                     "started_at": now, "updated_at": now},
            "$inc": {"attempts": 1},
        })

    def record_stage_progress(self, job_id: str, stage: str, documents: int) -> None:
        """``documents`` left ``stage`` (see pipelines.progress); the first call stamps its start."""
        if documents <= 0:
            return
        now = utcnow()
        self.jobs.update_one({"job_id": job_id, f"progress.{stage}.first_at": {"$exists": False}},
                             {"$set": {f"progress.{stage}.first_at": now}})
        self.jobs.update_one({"job_id": job_id}, {"$inc": {f"progress.{stage}.done": documents},
                                                  "$set": {"updated_at": now}})

    def record_job_outcome(self, job_id: str, status: str, *, resumed: bool = False) -> None:
        counter = {"indexed": "ingested", "duplicate": "duplicates", "failed": "failed"}.get(status)
        increments = {"done": 1, **({counter: 1} if counter else {}), **({"resumed": 1} if resumed else {})}
        self.jobs.update_one({"job_id": job_id}, {"$inc": increments, "$set": {"updated_at": utcnow()}})

    def finish_job(self, job_id: str, summary: dict, status: str = "SUCCEEDED") -> None:
        self.jobs.update_one({"job_id": job_id}, {"$set": {
            "status": status, "summary": summary, "updated_at": utcnow()}})

    def get_job(self, job_id: str, *, tenant_id: str | None = None) -> dict | None:
        return self.jobs.find_one(tenant_scope({"job_id": job_id}, tenant_id), {"_id": 0})

    def unfinished_jobs(self) -> list[dict]:
        """Jobs recorded as pending or running, every tenant's (for the concurrent-job limits)."""
        return list(self.jobs.find({"status": {"$in": ["PENDING", "RUNNING"]}},
                                   {"_id": 0, "job_id": 1, "tenant_id": 1, "status": 1, "created_at": 1}))

    def delete_job(self, job_id: str) -> None:
        """Forget a job that never started (refused before it was submitted)."""
        self.jobs.delete_one({"job_id": job_id})

    # Uploaded files

    def save_upload(self, *, tenant_id: str, document_hash: str, data: bytes, filename: str) -> bool:
        """Keep an upload's bytes until and after it is processed, once per tenant and hash even
        when the same bytes arrive concurrently: the unique (tenant_id, document_hash) index
        lets one copy in (needs ``ensure_indexes``). True when this call stored them."""
        identity = {"tenant_id": tenant_id, "document_hash": document_hash}
        if self.uploads.exists(identity):
            return False
        file_id = ObjectId()
        try:
            self.uploads.put(data, _id=file_id, filename=filename, **identity)
        except gridfs.errors.FileExists:
            # Another request stored the same bytes first; GridFS leaves this copy's chunks.
            self.db[f"{UPLOADS}.chunks"].delete_many({"files_id": file_id})
            return False
        return True

    def delete_uploads(self, *, tenant_id: str, document_hash: str) -> int:
        """Remove the stored bytes (files and chunks); how many files were removed."""
        file_ids = [stored._id for stored in
                    self.uploads.find({"tenant_id": tenant_id, "document_hash": document_hash})]
        for file_id in file_ids:
            self.uploads.delete(file_id)
        return len(file_ids)

    def has_upload(self, *, tenant_id: str, document_hash: str) -> bool:
        return self.uploads.exists({"tenant_id": tenant_id, "document_hash": document_hash})

    def load_upload(self, *, tenant_id: str, document_hash: str) -> bytes | None:
        stored = self.uploads.find_one({"tenant_id": tenant_id, "document_hash": document_hash})
        return stored.read() if stored is not None else None

    # The upload queue: MongoDB is the queue, the upload scheduler its only consumer.

    def queued_uploads_by_tenant(self, *, running: list[str]) -> dict[str, int]:
        """Documents waiting per tenant: unfinished uploads not running now and not waiting out
        a transient retry's backoff."""
        rows = self.cases.aggregate([
            {"$match": _pending_upload_query(exclude=running, now=utcnow())},
            {"$group": {"_id": "$tenant_id", "count": {"$sum": 1}}},
        ])
        return {row["_id"]: row["count"] for row in rows}

    def next_queued_upload(self, tenant_id: str, *, running: list[str]) -> dict | None:
        """The tenant's oldest waiting upload (fields the scheduler needs), or None."""
        query = {**_pending_upload_query(exclude=running, now=utcnow()), "tenant_id": tenant_id}
        fields = {"_id": 0, "case_id": 1, "tenant_id": 1, "attempts": 1, "transient_retries": 1}
        found = list(self.cases.find(query, fields).sort("created_at", 1).limit(1))
        return found[0] if found else None

    def start_upload_attempt(self, case_id: str) -> int:
        """Count a dispatch of the case to a worker; returns the count including this one.

        A transient failure gives its attempt back (``schedule_transient_retry``), so what is
        left counts the dispatches that never came back: workers that died on the document.
        """
        case = self.cases.find_one_and_update(
            {"case_id": case_id},
            {"$inc": {"attempts": 1},
             "$set": {"updated_at": utcnow(), "dispatched_at": utcnow(), "processing_deadline": None}},
            projection={"attempts": 1}, return_document=pymongo.ReturnDocument.AFTER,
        )
        return int(case["attempts"]) if case else 0

    def set_processing_deadline(self, case_id: str, deadline_at: datetime) -> None:
        """When the document's processing, started now, must end (the scheduler enforces it)."""
        self.cases.update_one({"case_id": case_id},
                              {"$set": {"processing_deadline": deadline_at, "processing_started_at": utcnow()}})

    def processing_deadlines(self, case_ids: list[str]) -> dict[str, datetime]:
        rows = self.cases.find({"case_id": {"$in": list(case_ids)}, "processing_deadline": {"$ne": None}},
                               {"_id": 0, "case_id": 1, "processing_deadline": 1})
        return {row["case_id"]: row["processing_deadline"] for row in rows}

    def schedule_transient_retry(self, case_id: str, *, retry_at: datetime, message: str) -> None:
        self.cases.update_one({"case_id": case_id}, {
            "$inc": {"attempts": -1, "transient_retries": 1},
            "$set": {"retry_after": retry_at, "updated_at": utcnow()},
            "$push": {"processing_log": ProcessingLogEntry(
                status=ProcessingStatus.UPLOADED, message=f"retry scheduled: {message}"[:500],
            ).model_dump(mode="python")},
        })

    def mark_unfinished_failed(self, case_id: str, reason_code: str, message: str) -> bool:
        """``mark_failed`` unless the case got indexed meanwhile (a worker finishing as the
        scheduler gives up on it); True when it was marked."""
        marked = self.cases.update_one(
            {"case_id": case_id, "processing_status": {"$in": sorted(INCOMPLETE_STATUSES)}},
            {"$set": {"processing_status": ProcessingStatus.FAILED.value}},
        ).modified_count == 1
        if marked:
            self.mark_failed(case_id, reason_code, message)
        return marked

    def requeue_failed_upload(self, case_id: str, *, tenant_id: str) -> bool:
        """Put a failed uploaded case back in the queue with fresh attempt counters; False
        when the tenant has no such failed case."""
        entry = ProcessingLogEntry(status=ProcessingStatus.UPLOADED, message="retry requested")
        return self.cases.update_one(
            tenant_scope({"case_id": case_id, "processing_status": ProcessingStatus.FAILED.value}, tenant_id),
            {"$set": {"processing_status": ProcessingStatus.UPLOADED.value, "source": "upload",
                      "attempts": 0, "transient_retries": 0, "retry_after": None,
                      "failure_reason": None, "updated_at": utcnow()},
             "$push": {"processing_log": entry.model_dump(mode="python")}},
        ).modified_count == 1

    # Reads for retrieval: listings, facets, hits

    def list_cases(
        self, filters: CaseFilters | None, *, tenant_id: str, skip: int = 0, limit: int = 20
    ) -> list[dict]:
        """One page of the indexed cases of ``tenant_id`` matching ``filters``, newest decision
        first (``date_decided``, else ``date_filed``; undated last), without their texts."""
        pipeline = [
            {"$match": filter_query(filters, tenant_id)},
            {"$addFields": {"decision_date": {"$ifNull": ["$metadata.date_decided", "$metadata.date_filed"]}}},
            {"$sort": {"decision_date": -1, "created_at": -1, "case_id": 1}},
            {"$skip": skip},
            {"$limit": limit},
            {"$project": {"_id": 0, **CASE_SUMMARY_FIELDS}},
        ]
        return list(self.cases.aggregate(pipeline))

    def count_matching(self, filters: CaseFilters | None, *, tenant_id: str) -> int:
        """How many indexed cases of ``tenant_id`` match ``filters``."""
        return self.cases.count_documents(filter_query(filters, tenant_id))

    def metadata_value_counts(self, field: str, *, tenant_id: str) -> list[tuple[str, int]]:
        """(value, number of indexed cases) of one metadata field, most frequent first;
        cases without a value are not counted."""
        pipeline = [
            {"$match": filter_query(None, tenant_id)},
            {"$group": {"_id": f"$metadata.{field}", "count": {"$sum": 1}}},
            {"$sort": {"count": -1, "_id": 1}},
        ]
        return [(row["_id"], row["count"]) for row in self.cases.aggregate(pipeline)
                if row["_id"] not in (None, "")]

    def cases_by_id(
        self, case_ids: list[str], *, tenant_id: str, with_sections: bool = False
    ) -> dict[str, dict]:
        """case_id -> the case's summary fields (and sections), for those of ``tenant_id``."""
        fields = {"_id": 0, **CASE_SUMMARY_FIELDS, **({"sections": 1} if with_sections else {})}
        rows = self.cases.find(tenant_scope({"case_id": {"$in": case_ids}}, tenant_id), fields)
        return {row["case_id"]: row for row in rows}

    def chunks_by_vector_id(self, vector_ids: list[int], *, tenant_id: str, with_vectors: bool = False) -> list[dict]:
        """The stored chunks with these ``vector_ids`` that ``tenant_id`` owns; their ``embedding``
        (bytes: ``vector_from_bytes``) only ``with_vectors``."""
        query = tenant_scope({"vector_id": {"$in": vector_ids}}, tenant_id)
        return list(self.chunks.find(query, {"_id": 0} if with_vectors else {"_id": 0, "embedding": 0}))

    # Summaries (collection ``summaries``): only ever inserted, so a later failing request
    # cannot lose one.

    def save_summary(self, summary: dict[str, Any]) -> None:
        """Store one summary record; it names its ``tenant_id`` and ``case_id`` or ``document_hash``."""
        self._insert_unless_erased(SUMMARIES, summary)

    def summaries_of(self, *, tenant_id: str, case_id: str | None = None, document_hash: str | None = None,
                     limit: int = 50) -> list[dict]:
        """The tenant's summaries of a case or of those bytes (either key matches), newest first."""
        return self._records_of(SUMMARIES, tenant_id, case_id, document_hash, limit)

    # Questions (collection ``questions``): generated question sets, only ever inserted like summaries.

    def save_question_set(self, question_set: dict[str, Any]) -> None:
        """Store one question set; it names its ``tenant_id`` and ``case_id`` or ``document_hash``."""
        self._insert_unless_erased(QUESTIONS, question_set)

    def _insert_unless_erased(self, collection: str, record: dict[str, Any]) -> None:
        """Insert a record generated from a case, unless the case was erased meanwhile (a summary
        written while its case was being erased would keep its text): CaseErasedError then.
        Checked after the insert too, as ``replace_chunks`` does, so an erasure between the
        check and the insert cannot leave the record behind."""
        case_id = record.get("case_id")
        if case_id and self.was_erased(case_id):
            raise CaseErasedError(f"case {case_id} was erased")
        inserted = self.db[collection].insert_one(to_bson(dict(record)))
        if case_id and self.was_erased(case_id):
            self.db[collection].delete_one({"_id": inserted.inserted_id})
            raise CaseErasedError(f"case {case_id} was erased")

    def question_sets_of(self, *, tenant_id: str, case_id: str | None = None, document_hash: str | None = None,
                         limit: int = 50) -> list[dict]:
        """The tenant's question sets of a case or of those bytes (either key matches), newest first."""
        return self._records_of(QUESTIONS, tenant_id, case_id, document_hash, limit)

    def _records_of(self, collection: str, tenant_id: str, case_id: str | None, document_hash: str | None,
                    limit: int) -> list[dict]:
        """Generated records (summaries, question sets) of a case or of an upload's bytes."""
        keys = [{"case_id": case_id}] if case_id else []
        keys += [{"document_hash": document_hash}] if document_hash else []
        if not keys:
            return []
        query = tenant_scope(keys[0] if len(keys) == 1 else {"$or": keys}, tenant_id)
        return list(self.db[collection].find(query, {"_id": 0}).sort("created_at", -1).limit(limit))

    # Chat sessions (collection ``chat_sessions``): one document per session with its messages
    # (the newest ``max_messages``), so a turn is one atomic update.

    def create_session(self, session: dict[str, Any]) -> None:
        """Store a new session (``session_id``, ``tenant_id``, ``messages``, timestamps ...)."""
        self.db[CHAT_SESSIONS].insert_one(to_bson(dict(session)))

    def get_session(self, session_id: str, *, tenant_id: str) -> dict | None:
        return self.db[CHAT_SESSIONS].find_one(tenant_scope({"session_id": session_id}, tenant_id), {"_id": 0})

    def append_turn(self, session: dict[str, Any], messages: list[dict[str, Any]], *, max_messages: int,
                    create: bool = False) -> bool:
        """Add a turn's ``messages`` to the stored ``session``, keeping its newest ``max_messages``;
        with ``create`` (a session whose id no client has seen yet) it is stored by this call.

        Never an upsert of a stored session: one deleted while its message was being answered
        stays deleted (False: nothing was written).
        """
        stored = self._store_turn(session, messages, max_messages=max_messages, create=create)
        # A case erased while this turn was answered must not stay cited (nor its text quoted).
        cited = {citation.get("case_id") for message in messages for citation in message.get("citations") or []}
        for case_id in sorted(filter(None, cited)):
            if self.was_erased(case_id):
                self._erase_citations(case_id, session["tenant_id"])
        return stored

    def _store_turn(self, session: dict[str, Any], messages: list[dict[str, Any]], *, max_messages: int,
                    create: bool) -> bool:
        now = messages[-1]["timestamp"]
        sessions = self.db[CHAT_SESSIONS]
        if create:
            new_fields = {key: value for key, value in session.items()
                          if key not in ("messages", "updated_at", "message_count")}
            try:
                sessions.insert_one(to_bson({**new_fields, "messages": messages[-max_messages:],
                                             "updated_at": now, "message_count": len(messages)}))
                return True
            except DuplicateKeyError:
                pass  # stored by now after all: append as to any stored session
        return sessions.update_one(
            {"session_id": session["session_id"], "tenant_id": session["tenant_id"]},
            {"$push": {"messages": {"$each": to_bson(messages), "$slice": -max_messages}},
             "$set": {"updated_at": now},
             "$inc": {"message_count": len(messages)}},
        ).matched_count == 1

    def delete_session(self, session_id: str, *, tenant_id: str) -> bool:
        return self.db[CHAT_SESSIONS].delete_one(tenant_scope({"session_id": session_id}, tenant_id)).deleted_count == 1

    # Erasure: a tenant's case and everything stored of it, with a receipt in ``erasures``.

    def was_erased(self, case_id: str) -> bool:
        return self.db[ERASURES].count_documents({"case_id": case_id}, limit=1) == 1

    def erase_case(self, case_id: str, *, tenant_id: str, key_id: str, request_id: str) -> dict[str, int] | None:
        """Delete ``tenant_id``'s case and what MongoDB holds of it: chunks (with vectors), the
        uploaded bytes (GridFS), summaries and question sets of the case or of its bytes, any
        other record keyed by the case id; the case's citations in chat sessions become
        ``ERASED_CITATION`` and the answers that cited it ``ERASED_ANSWER``. Counts of what was
        removed, or None when the tenant has no such case (another tenant's: the same None).

        The receipt in ``erasures`` (who, when, case id; counts once done: ``finish_erasure``)
        is written first, unique per case id (of two concurrent erasures one gets None), then the
        case document goes: from then on a worker still processing the case can write nothing
        back (``replace_chunks`` refuses, status updates match nothing). The index is the
        caller's (the index actor's ``erase_case``). Needs ``ensure_indexes``.
        """
        case = self.cases.find_one(tenant_scope({"case_id": case_id}, tenant_id),
                                   {"_id": 0, "case_id": 1, "tenant_id": 1, "document_hash": 1})
        if case is None:
            return None
        try:
            self.db[ERASURES].insert_one({"case_id": case_id, "tenant_id": case["tenant_id"], "key_id": key_id,
                                          "request_id": request_id, "started_at": utcnow(),
                                          "erased_at": None, "removed": None})
        except DuplicateKeyError:
            return None  # erased already, or being erased by a concurrent request
        self.cases.delete_one({"case_id": case_id})
        owner, document_hash = case["tenant_id"], case.get("document_hash")
        of_case = {"tenant_id": owner,
                   "$or": [{"case_id": case_id}] + ([{"document_hash": document_hash}] if document_hash else [])}
        removed = {
            "cases": 1,
            "chunks": self.chunks.delete_many({"case_id": case_id}).deleted_count,
            "summaries": self.db[SUMMARIES].delete_many(of_case).deleted_count,
            "question_sets": self.db[QUESTIONS].delete_many(of_case).deleted_count,
            "uploads": self.delete_uploads(tenant_id=owner, document_hash=document_hash) if document_hash else 0,
        }
        removed["chat_citations"], removed["chat_sessions"] = self._erase_citations(case_id, owner)
        known = {CASES, CHUNKS, SUMMARIES, QUESTIONS, CHAT_SESSIONS, *CASE_ID_RECORDS}
        others = 0
        for name in self.db.list_collection_names():
            if name not in known and not name.startswith((f"{UPLOADS}.", "system.")):
                others += self.db[name].delete_many({"case_id": case_id}).deleted_count
        removed["other_records"] = others
        return removed

    def _erase_citations(self, case_id: str, tenant_id: str) -> tuple[int, int]:
        """Tombstone ``case_id``'s citations in the tenant's chat sessions and blank the answers
        that cited it, by updates in place (a turn appended meanwhile is kept); (citations,
        sessions) changed."""
        sessions = self.db[CHAT_SESSIONS]
        query = {"tenant_id": tenant_id, "messages.citations.case_id": case_id}
        citations = sum(
            1 for session in sessions.find(query, {"_id": 0, "messages.citations.case_id": 1})
            for message in session.get("messages", []) for citation in message.get("citations") or []
            if citation.get("case_id") == case_id)
        if not citations:
            return 0, 0
        # The case id goes last, in its own update: every earlier one finds the citations by it.
        sessions.update_many(query, {"$set": {"messages.$[cited].content": ERASED_ANSWER}},
                             array_filters=[{"cited.citations.case_id": case_id}])
        for fields in ({key: value for key, value in ERASED_CITATION.items() if key != "case_id"},
                       {"case_id": None}):
            changed = sessions.update_many(
                query, {"$set": {f"messages.$[].citations.$[erased].{key}": value for key, value in fields.items()}},
                array_filters=[{"erased.case_id": case_id}]).modified_count
        return citations, changed

    def finish_erasure(self, case_id: str, removed: dict[str, int | None]) -> datetime:
        """Complete an erasure's receipt with what was removed; returns when it finished."""
        erased_at = utcnow()
        self.db[ERASURES].update_one({"case_id": case_id}, {"$set": {"erased_at": erased_at, "removed": removed}})
        return erased_at

    def erasures_of(self, *, tenant_id: str, limit: int = 100) -> list[dict]:
        return list(self.db[ERASURES].find({"tenant_id": tenant_id}, {"_id": 0})
                    .sort("erased_at", -1).limit(limit))

    # Audit trail (collection ``audit_log``, capped: the oldest entries go first)

    def ensure_audit_log(self, size_bytes: int) -> None:
        """Create the capped audit collection (``size_bytes``) unless it exists, and its index."""
        if AUDIT_LOG not in self.db.list_collection_names(filter={"name": AUDIT_LOG}):
            try:
                self.db.create_collection(AUDIT_LOG, capped=True, size=size_bytes)
            except CollectionInvalid:
                pass  # created concurrently by another replica
        self.db[AUDIT_LOG].create_index([("tenant_id", 1), ("at", -1)])

    def record_audit(self, entries: list[dict[str, Any]]) -> None:
        if entries:
            self.db[AUDIT_LOG].insert_many([to_bson(dict(entry)) for entry in entries], ordered=False)

    def audit_entries(self, *, tenant_id: str, skip: int = 0, limit: int = 50) -> list[dict]:
        """One page of the tenant's audit entries, newest first."""
        return list(self.db[AUDIT_LOG].find({"tenant_id": tenant_id}, {"_id": 0})
                    .sort([("at", -1), ("_id", -1)]).skip(skip).limit(limit))

    def count_audit_entries(self, *, tenant_id: str) -> int:
        return self.db[AUDIT_LOG].count_documents({"tenant_id": tenant_id})


# What a listing or a search hit shows of a case: no texts, logs or page spans.
CASE_SUMMARY_FIELDS = {"case_id": 1, "title": 1, "original_filename": 1, "processing_status": 1,
                       "chunk_count": 1, "metadata": 1, "created_at": 1, "processed_at": 1}


def _pending_upload_query(*, exclude: list[str] = (), now: datetime | None = None) -> dict:
    query: dict[str, Any] = {"source": "upload", "processing_status": {"$in": sorted(INCOMPLETE_STATUSES)}}
    if exclude:
        query["case_id"] = {"$nin": list(exclude)}
    if now is not None:
        # Missing or null retry_after: no backoff to wait out.
        query["$or"] = [{"retry_after": None}, {"retry_after": {"$lte": now}}]
    return query


def _new_job(job_id: str, tenant_id: str, folder: str) -> dict:
    return {"job_id": job_id, "tenant_id": tenant_id, "folder": folder, "status": "PENDING",
            "total": None, "done": 0, "ingested": 0, "duplicates": 0, "failed": 0, "resumed": 0,
            "attempts": 0, "progress": {}, "summary": None, "created_at": utcnow()}


def _columns(rows: list[dict]) -> tuple[list[int], list[str], list[str], np.ndarray, list[str]]:
    return (
        [row["vector_id"] for row in rows],
        [row["case_id"] for row in rows],
        [row.get("tenant_id", DEFAULT_TENANT) for row in rows],
        np.vstack([vector_from_bytes(row["embedding"]) for row in rows]),
        [row["text"] for row in rows],
    )


_stores: dict[tuple[str, str], CaseStore] = {}


def get_store(settings: MongoSettings) -> CaseStore:
    """One store (one connection pool) per process and database."""
    key = (settings.uri, settings.db)
    if key not in _stores:
        _stores[key] = CaseStore(settings)
    return _stores[key]
