"""Per-stage progress arithmetic of batch jobs (pipelines.progress)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pipelines.progress import STAGES, format_progress, stage_report

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


def test_a_job_not_started_has_no_rate_or_eta():
    rows = stage_report({"total": None, "progress": {}}, now=T0)
    assert [row["stage"] for row in rows] == list(STAGES)
    assert all(row["done"] == 0 and row["rate_per_s"] is None and row["eta_s"] is None for row in rows)
    assert format_progress(rows) == "extract 0/? | enrich 0/? | embed 0/? | index 0/?"


def test_rate_and_eta_per_stage_from_its_own_start():
    job = {"total": 20, "progress": {
        "extract": {"done": 20, "first_at": T0},
        "embed": {"done": 6, "first_at": T0 + timedelta(seconds=10)},
    }}
    rows = {row["stage"]: row for row in stage_report(job, now=T0 + timedelta(seconds=40))}
    assert rows["extract"]["rate_per_s"] == 0.5 and rows["extract"]["eta_s"] == 0.0
    # 6 documents in the 30 s since embedding began: 0.2/s, 14 left -> 70 s.
    assert rows["embed"]["rate_per_s"] == 0.2 and rows["embed"]["eta_s"] == 70.0
    assert rows["enrich"]["rate_per_s"] is None
    line = format_progress(list(rows.values()))
    assert "extract 20/20 0.50 doc/s |" in line and "embed 6/20 0.20 doc/s ETA 70s" in line


def test_naive_bson_datetimes_are_read_as_utc():
    naive = T0.replace(tzinfo=None)
    row = stage_report({"total": 4, "progress": {"index": {"done": 2, "first_at": naive}}},
                       now=T0 + timedelta(seconds=4))[3]
    assert row["rate_per_s"] == 0.5 and row["eta_s"] == 4.0
