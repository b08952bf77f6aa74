"""Which cases wait in the upload queue: unfinished uploads, not running, not backing off."""

from datetime import datetime, timezone

from lexray.store.upload_queue import _pending_upload_query


def test_the_queue_is_unfinished_uploads():
    assert _pending_upload_query() == {
        "source": "upload",
        "processing_status": {"$in": ["embedding_complete", "ocr_complete", "processing", "uploaded"]}}


def test_running_cases_and_those_backing_off_are_left_out():
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    query = _pending_upload_query(exclude=["c1", "c2"], now=now)
    assert query["case_id"] == {"$nin": ["c1", "c2"]}
    assert query["$or"] == [{"retry_after": None}, {"retry_after": {"$lte": now}}]
