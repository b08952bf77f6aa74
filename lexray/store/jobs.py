"""Batch jobs (collection ``ingest_jobs``): progress of ``jobs.ingest`` runs started over the API."""

from __future__ import annotations

from lexray.models import utcnow
from lexray.store.connection import StoreConnection
from lexray.store.documents import tenant_scope


def _new_job(job_id: str, tenant_id: str, folder: str) -> dict:
    return {"job_id": job_id, "tenant_id": tenant_id, "folder": folder, "status": "PENDING",
            "total": None, "done": 0, "ingested": 0, "duplicates": 0, "failed": 0, "resumed": 0,
            "attempts": 0, "progress": {}, "summary": None, "created_at": utcnow()}


class JobRecords(StoreConnection):
    def _ensure_job_indexes(self) -> None:
        self.jobs.create_index("job_id", unique=True)

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
