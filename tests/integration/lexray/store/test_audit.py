"""The audit trail (lexray.store.audit) in a real database: capped, read per tenant, newest first."""


def test_audit_log_is_capped_and_read_per_tenant_newest_first(store):
    from datetime import datetime, timedelta, timezone

    store.ensure_audit_log(64 * 1024)
    store.ensure_audit_log(64 * 1024)  # idempotent
    assert store.db["audit_log"].options().get("capped")
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    store.record_audit([{"at": start + timedelta(seconds=i), "tenant_id": "t1" if i % 2 else "t2",
                         "request_id": f"r{i}", "key_id": "k", "method": "GET", "route": "/x",
                         "case_ids": [], "status": 200, "duration_ms": 1.0} for i in range(10)])
    page = store.audit_entries(tenant_id="t1", skip=1, limit=2)
    assert [entry["request_id"] for entry in page] == ["r7", "r5"]
    assert store.count_audit_entries(tenant_id="t1") == 5
    assert all(entry["tenant_id"] == "t1" for entry in store.audit_entries(tenant_id="t1", limit=100))
    # Capped: past its size the oldest entries go.
    store.record_audit([{"at": start, "tenant_id": "t3", "pad": "x" * 1000} for _ in range(200)])
    assert store.db["audit_log"].count_documents({}) < 210
