"""The upload queue: MongoDB is the queue (uploaded cases not yet finished), the upload scheduler
its only consumer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pymongo

from lexray.models import ProcessingLogEntry, ProcessingStatus, utcnow
from lexray.store.cases import INCOMPLETE_STATUSES, CaseRecords
from lexray.store.documents import tenant_scope


def _pending_upload_query(*, exclude: list[str] = (), now: datetime | None = None) -> dict:
    query: dict[str, Any] = {"source": "upload", "processing_status": {"$in": sorted(INCOMPLETE_STATUSES)}}
    if exclude:
        query["case_id"] = {"$nin": list(exclude)}
    if now is not None:
        # Missing or null retry_after: no backoff to wait out.
        query["$or"] = [{"retry_after": None}, {"retry_after": {"$lte": now}}]
    return query


class UploadQueue(CaseRecords):
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
