"""Per-stage progress of a batch ingestion job: documents done, rate and ETA.

Each Ray Data stage adds the documents that left it to its counter on the job's MongoDB
record (``progress.<stage>.done``, an atomic ``$inc`` from whichever worker ran it), so the
job's driver, ``GET /api/v1/ingestion/batch/{job_id}`` and anyone reading MongoDB see the same
figures while the job runs. The rate is documents per second since the stage's first document
(which the first increment stamps), the ETA the documents left at that rate.

>>> from datetime import datetime, timedelta, timezone
>>> t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
>>> job = {"total": 10, "progress": {"extract": {"done": 4, "first_at": t0}}}
>>> row = stage_report(job, now=t0 + timedelta(seconds=8))[0]
>>> row["stage"], row["done"], row["rate_per_s"], row["eta_s"]
('extract', 4, 0.5, 12.0)
>>> format_progress(stage_report(job, now=t0 + timedelta(seconds=8)))
'extract 4/10 0.50 doc/s ETA 12s | enrich 0/10 | embed 0/10 | index 0/10'
"""

from __future__ import annotations

from datetime import datetime, timezone

STAGES = ("extract", "enrich", "embed", "index")


def _aware(moment: datetime) -> datetime:
    # BSON datetimes come back naive (UTC) unless the client is tz-aware.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def stage_report(job: dict, now: datetime | None = None) -> list[dict]:
    """One row per stage: ``{stage, done, total, rate_per_s, eta_s}`` (rate/ETA None until known)."""
    now = _aware(now or datetime.now(timezone.utc))
    total = job.get("total")
    progress = job.get("progress") or {}
    rows = []
    for stage in STAGES:
        entry = progress.get(stage) or {}
        done = int(entry.get("done", 0))
        rate = eta = None
        first_at = entry.get("first_at")
        if done and first_at is not None:
            elapsed = (now - _aware(first_at)).total_seconds()
            if elapsed > 0:
                rate = round(done / elapsed, 3)
        if rate and total is not None:
            eta = round(max(total - done, 0) / rate, 1)
        rows.append({"stage": stage, "done": done, "total": total, "rate_per_s": rate, "eta_s": eta})
    return rows


def format_progress(rows: list[dict]) -> str:
    """One line for a log: ``extract 4/10 0.50 doc/s ETA 12s | enrich 0/10 | ...``."""
    parts = []
    for row in rows:
        total = "?" if row["total"] is None else row["total"]
        part = f"{row['stage']} {row['done']}/{total}"
        if row["rate_per_s"]:
            part += f" {row['rate_per_s']:.2f} doc/s"
        if row["eta_s"] is not None and row["total"] is not None and row["done"] < row["total"]:
            part += f" ETA {row['eta_s']:.0f}s"
        parts.append(part)
    return " | ".join(parts)
