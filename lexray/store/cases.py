"""Cases (collection ``cases``): registration by sha256, processing status, extracted content,
and the reads behind listings, facets and hits. The upload queue over the same documents is
``upload_queue``.

Only features real MongoDB also has are used (no ``$text``): keyword search lives in the index
actor. Dates are stored as BSON datetimes (BSON has no plain date type).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import pymongo
from pymongo.errors import DuplicateKeyError

from lexray.models import (
    DEFAULT_TENANT,
    CaseFilters,
    LegalCaseDocument,
    ProcessingLogEntry,
    ProcessingStatus,
    utcnow,
)
from lexray.store.chunks import ChunkRecords
from lexray.store.citations import CitationRecords
from lexray.store.documents import tenant_scope, to_bson

# A case in one of these states was interrupted mid-way (e.g. a killed job): resume it.
INCOMPLETE_STATUSES = {
    ProcessingStatus.UPLOADED.value,
    ProcessingStatus.PROCESSING.value,
    ProcessingStatus.OCR_COMPLETE.value,
    ProcessingStatus.EMBEDDING_COMPLETE.value,
}

# What a listing or a search hit shows of a case: no texts, logs or page spans.
CASE_SUMMARY_FIELDS = {"case_id": 1, "title": 1, "original_filename": 1, "processing_status": 1,
                       "chunk_count": 1, "metadata": 1, "created_at": 1, "processed_at": 1}


@dataclass(frozen=True)
class Registration:
    """Outcome of registering an incoming document by its sha256."""

    case_id: str
    duplicate: bool
    previous_status: str | None = None


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


class CaseRecords(CitationRecords, ChunkRecords):
    """A failed or deleted case loses its chunks and its citator records, hence their queries beneath."""

    def _ensure_case_indexes(self) -> None:
        self.cases.create_index("case_id", unique=True)
        # The same bytes may be stored once per tenant: tenants never learn of each other.
        self.cases.create_index([("tenant_id", 1), ("document_hash", 1)], unique=True)
        self.cases.create_index("document_hash")
        self.cases.create_index([("tenant_id", 1), ("created_at", -1)])
        self.cases.create_index("processing_status")
        self.cases.create_index([("created_at", pymongo.DESCENDING)])
        for field in ("court", "case_type", "jurisdiction", "date_decided", "judges", "case_number"):
            self.cases.create_index(f"metadata.{field}")

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
        """Record a failure with its machine-readable reason and drop any partial chunks and
        citator records; an indexed case (a late duplicate run failing) keeps its status, chunks
        and citations."""
        if self.set_status(
            case_id,
            ProcessingStatus.FAILED,
            f"{reason_code}: {message}",
            failure_reason=reason_code,
            chunk_count=0,
        ):
            self._delete_chunks_of(case_id)
            self._delete_citations_of(case_id)

    # Content

    def set_source(self, case_id: str, source: str) -> None:
        self.cases.update_one({"case_id": case_id}, {"$set": {"source": source, "updated_at": utcnow()}})

    def save_case_content(self, case_id: str, case_fields: dict[str, Any]) -> None:
        """Store extracted text, sections, metadata etc. (keys are LegalCaseDocument fields)."""
        self.cases.update_one(
            {"case_id": case_id}, {"$set": to_bson({**case_fields, "updated_at": utcnow()})}
        )

    def delete_case(self, case_id: str) -> bool:
        self._delete_chunks_of(case_id)
        self._delete_citations_of(case_id)
        return self._delete_case_document(case_id)

    def _delete_case_document(self, case_id: str) -> bool:
        return self.cases.delete_one({"case_id": case_id}).deleted_count == 1

    # Reads

    def get_case(
        self, case_id: str, *, tenant_id: str | None = None, with_content: bool = True
    ) -> dict | None:
        """The case, or None; with ``tenant_id``, None also when another tenant owns it."""
        projection = {"_id": 0} if with_content else {"_id": 0, "content": 0, "cleaned_content": 0}
        return self.cases.find_one(tenant_scope({"case_id": case_id}, tenant_id), projection)

    def _case_identity(self, case_id: str, *, tenant_id: str) -> dict | None:
        """The case's id, owner and document hash, or None as ``get_case``."""
        return self.cases.find_one(tenant_scope({"case_id": case_id}, tenant_id),
                                   {"_id": 0, "case_id": 1, "tenant_id": 1, "document_hash": 1})

    def count_cases(self, status: ProcessingStatus | None = None, *, tenant_id: str | None = None) -> int:
        query = {} if status is None else {"processing_status": status.value}
        return self.cases.count_documents(tenant_scope(query, tenant_id))

    def status_counts(self, *, tenant_id: str | None = None) -> dict[str, int]:
        """Number of cases per processing status."""
        pipeline = [{"$match": tenant_scope({}, tenant_id)},
                    {"$group": {"_id": "$processing_status", "count": {"$sum": 1}}}]
        return {row["_id"]: row["count"] for row in self.cases.aggregate(pipeline)}

    def case_ids_matching(self, filters: CaseFilters | None, *, tenant_id: str | None) -> list[str]:
        """Ids of the indexed cases of ``tenant_id`` that match ``filters``."""
        return [row["case_id"] for row in
                self.cases.find(self.matching_query(filters, tenant_id), {"_id": 0, "case_id": 1})]

    def matching_query(self, filters: CaseFilters | None, tenant_id: str | None) -> dict:
        """``filter_query``, and with ``filters.cites`` the ids of the cases citing that case
        (read from the citator's records: the one filter that is not a field of the case)."""
        query = filter_query(filters, tenant_id)
        if filters is not None and filters.cites is not None:
            query["case_id"] = {"$in": self.cases_citing(tenant_id=tenant_id, case_id=filters.cites)}
        return query

    # Reads for retrieval: listings, facets, hits

    def list_cases(
        self, filters: CaseFilters | None, *, tenant_id: str, skip: int = 0, limit: int = 20
    ) -> list[dict]:
        """One page of the indexed cases of ``tenant_id`` matching ``filters``, newest decision
        first (``date_decided``, else ``date_filed``; undated last), without their texts."""
        pipeline = [
            {"$match": self.matching_query(filters, tenant_id)},
            {"$addFields": {"decision_date": {"$ifNull": ["$metadata.date_decided", "$metadata.date_filed"]}}},
            {"$sort": {"decision_date": -1, "created_at": -1, "case_id": 1}},
            {"$skip": skip},
            {"$limit": limit},
            {"$project": {"_id": 0, **CASE_SUMMARY_FIELDS}},
        ]
        return list(self.cases.aggregate(pipeline))

    def count_matching(self, filters: CaseFilters | None, *, tenant_id: str) -> int:
        """How many indexed cases of ``tenant_id`` match ``filters``."""
        return self.cases.count_documents(self.matching_query(filters, tenant_id))

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

    def decision_dates(self, case_ids: list[str], *, tenant_id: str) -> dict[str, object]:
        """case_id -> the date the case was decided (else filed), for those of ``tenant_id``
        that have one (what ranking's precedent prior reads)."""
        fields = {"_id": 0, "case_id": 1, "metadata.date_decided": 1, "metadata.date_filed": 1}
        rows = self.cases.find(tenant_scope({"case_id": {"$in": case_ids}}, tenant_id), fields)
        dates = {}
        for row in rows:
            metadata = row.get("metadata") or {}
            decided = metadata.get("date_decided") or metadata.get("date_filed")
            if decided is not None:
                dates[row["case_id"]] = decided
        return dates
