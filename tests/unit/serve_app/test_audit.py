"""The audit trail's writer on a stand-in store: batches of ``audit.write_batch``, a retry after
``audit.retry_wait_s`` (the MongoDB side is tested in tests/integration/api/test_audit.py)."""

import threading
import time
from datetime import datetime, timezone

from lexray.settings import AuditSettings
from serve_app.audit import AuditTrail


class FlakyStore:
    """Refuses the first insert, then keeps each batch it is given."""

    def __init__(self) -> None:
        self.batches: list[list[dict]] = []
        self.attempts = 0
        self.done = threading.Event()

    def ensure_audit_log(self, size_bytes: int) -> None:
        pass

    def record_audit(self, batch: list[dict]) -> None:
        self.attempts += 1
        if self.attempts == 1:
            raise ConnectionError("MongoDB is down")
        self.batches.append(list(batch))
        if sum(len(batch) for batch in self.batches) >= 5:
            self.done.set()


def test_the_writer_inserts_in_batches_and_retries_after_the_wait():
    store = FlakyStore()
    trail = AuditTrail(store, AuditSettings(write_batch=2, retry_wait_s=0.2))
    for number in range(5):  # queued before the writer starts: it takes them in batches
        trail.pending.put_nowait({"n": number, "at": datetime.now(timezone.utc)})
    started = time.monotonic()
    trail._ensure_writer()
    assert store.done.wait(10)
    assert time.monotonic() - started >= 0.2  # the refused batch waited before its retry
    assert [len(batch) for batch in store.batches] == [2, 2, 1]
    assert [entry["n"] for batch in store.batches for entry in batch] == list(range(5))
