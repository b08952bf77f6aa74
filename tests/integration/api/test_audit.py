"""The audit trail over HTTP on the real stack (Ray Serve, the MongoDB-protocol server, vLLM on
CPU): every data access is an entry (tenant, key id, route template, case ids, status, request
id) in the capped ``audit_log`` collection and a JSON log line of the Gateway replica;
``GET /api/v1/audit`` gives a tenant its own entries only, newest first, paged; no entry or
log line holds an API key.
"""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from tests.conftest import SAMPLES, wait_until
from tests.deployed_app import assert_error
from tests.integration.api.shared_app import tenant_keys

KEYS = tenant_keys("audit-a", "audit-b")
RUN = uuid.uuid4().hex[:8]


def http(api, tenant: str) -> httpx.Client:
    return httpx.Client(base_url=api["url"], headers={"Authorization": f"Bearer {KEYS[tenant]}"}, timeout=300)


def rid(name: str) -> dict[str, str]:
    return {"X-Request-ID": f"audit-{RUN}-{name}"}


@pytest.fixture(scope="module")
def accesses(api) -> dict:
    """Tenant A uploads, searches, reads and deletes a case; tenant B searches and tries A's case."""
    pdf = (SAMPLES / "doctor__missouri.pdf").read_bytes()
    with http(api, "audit-a") as a, http(api, "audit-b") as b:
        upload = a.post("/api/v1/ingestion/upload", files={"file": ("missouri.pdf", pdf, "application/pdf")},
                        headers=rid("upload"))
        assert upload.status_code == 202, upload.text
        case_id = upload.json()["case_id"]
        wait_until(lambda: a.get(f"/api/v1/ingestion/status/{case_id}").json()["processing_status"]
                   in ("indexed", "failed"), 300, "the upload indexed")
        search = a.post("/api/v1/retrieval/search", json={"query": "plea counsel guilty plea", "limit": 5},
                        headers=rid("search"))
        assert search.status_code == 200 and case_id in {hit["case_id"] for hit in search.json()["results"]}
        assert a.get(f"/api/v1/retrieval/case/{case_id}", headers=rid("read")).status_code == 200
        assert_error(b.get(f"/api/v1/retrieval/case/{case_id}", headers=rid("b-read")), 404)
        assert_error(b.delete(f"/api/v1/cases/{case_id}", headers=rid("b-delete")), 404)
        assert b.post("/api/v1/retrieval/search", json={"query": "plea counsel"},
                      headers=rid("b-search")).status_code == 200
        assert a.delete(f"/api/v1/cases/{case_id}", headers=rid("delete")).status_code == 200
    return {"case_id": case_id}


def entries_of(api, tenant: str, limit: int = 200) -> list[dict]:
    with http(api, tenant) as client:
        response = client.get("/api/v1/audit", params={"limit": limit})
    assert response.status_code == 200, response.text
    return response.json()["entries"]


def by_request(entries: list[dict]) -> dict[str, dict]:
    return {entry["request_id"]: entry for entry in entries if entry["request_id"].startswith(f"audit-{RUN}-")}


def test_each_access_is_recorded_with_who_what_and_outcome(api, accesses):
    case_id = accesses["case_id"]
    names = ("upload", "search", "read", "delete")
    mine = wait_until(lambda: (found := by_request(entries_of(api, "audit-a")))
                      and all(f"audit-{RUN}-{n}" in found for n in names) and found, 60, "tenant A's entries")
    expected = {
        "upload": ("POST", "/api/v1/ingestion/upload", 202),
        "search": ("POST", "/api/v1/retrieval/search", 200),
        "read": ("GET", "/api/v1/retrieval/case/{case_id}", 200),
        "delete": ("DELETE", "/api/v1/cases/{case_id}", 200),
    }
    key_ids = set()
    for name, (method, route, status) in expected.items():
        entry = mine[f"audit-{RUN}-{name}"]
        assert (entry["method"], entry["route"], entry["status"]) == (method, route, status), entry
        assert entry["tenant_id"] == "audit-a"
        assert case_id in entry["case_ids"], entry  # path parameter, or named by the response
        assert entry["duration_ms"] >= 0
        key_ids.add(entry["key_id"])
    assert len(key_ids) == 1 and "anonymous" not in key_ids
    # Newest first: the delete came last.
    order = [entry["request_id"] for entry in entries_of(api, "audit-a")]
    assert order.index(f"audit-{RUN}-delete") < order.index(f"audit-{RUN}-read") < order.index(f"audit-{RUN}-upload")
    # Paging walks the same list (reading it adds entries on top, so a page may repeat the
    # previous page's last entries, but none is skipped).
    tagged = [request_id for request_id in order if request_id.startswith(f"audit-{RUN}-")]
    paged: list[str] = []
    with http(api, "audit-a") as a:
        skip = 0
        while True:  # each read adds at most one entry on top: pages of 2 get to the end
            page = a.get("/api/v1/audit", params={"skip": skip, "limit": 2}).json()
            assert page["limit"] == 2 and page["skip"] == skip and page["total"] >= len(order)
            if not page["entries"]:
                break
            paged += [e["request_id"] for e in page["entries"] if e["request_id"].startswith(f"audit-{RUN}-")]
            skip += 2
            assert skip <= 4 * len(order) + 100, "paging never reaches the end"
    assert list(dict.fromkeys(paged)) == tagged


def test_tenants_see_only_their_own_entries(api, accesses):
    theirs = wait_until(lambda: (found := by_request(entries_of(api, "audit-b")))
                        and f"audit-{RUN}-b-delete" in found and found, 60, "tenant B's entries")
    everything = entries_of(api, "audit-b")
    assert everything and all(entry["tenant_id"] == "audit-b" for entry in everything)
    assert not {f"audit-{RUN}-{n}" for n in ("upload", "search", "read", "delete")} & {
        entry["request_id"] for entry in everything}
    # B's refused attempts on A's case are recorded as such, without naming the case back to B.
    for name, route in (("b-read", "/api/v1/retrieval/case/{case_id}"), ("b-delete", "/api/v1/cases/{case_id}")):
        entry = theirs[f"audit-{RUN}-{name}"]
        assert (entry["route"], entry["status"], entry["case_ids"]) == (route, 404, [])
    assert accesses["case_id"] not in json.dumps(everything)
    a_key_ids = {entry["key_id"] for entry in entries_of(api, "audit-a")}
    assert not a_key_ids & {entry["key_id"] for entry in everything}


def test_no_entry_or_log_line_holds_a_key(api, accesses, ray_head):
    wait_until(lambda: f"audit-{RUN}-delete" in by_request(entries_of(api, "audit-a")), 60, "the entries")
    # The package's other modules write their own entries to the shared log: these are ours.
    stored = list(api["store"].db["audit_log"].find({"tenant_id": {"$in": list(KEYS)}}, {"_id": 0}))
    assert len(stored) >= 7
    text = json.dumps(stored, default=str)
    for key in KEYS.values():
        assert key not in text and key[7:] not in text
    assert {entry["tenant_id"] for entry in stored} == {"audit-a", "audit-b"}
    # The same entries as JSON log lines of the Gateway replica (found by their request ids).
    logs = "\n".join(path.read_text(errors="replace")
                     for path in (ray_head["session_dir"] / "logs" / "serve").glob("*Gateway*.log"))
    logged = {entry["request_id"]: entry for entry in logged_entries(logs)}
    for name in ("upload", "search", "read", "delete", "b-delete"):
        entry = logged[f"audit-{RUN}-{name}"]
        assert entry["tenant_id"] == ("audit-b" if name.startswith("b-") else "audit-a"), entry
    assert logged[f"audit-{RUN}-delete"]["case_ids"] == [accesses["case_id"]]
    for key in KEYS.values():
        assert key not in logs


def logged_entries(logs: str) -> list[dict]:
    """Audit entries in log text: each a JSON log line whose message is ``{"audit": {...}}``."""
    entries = []
    for line in logs.splitlines():
        try:
            message = json.loads(line).get("message", "")
        except (ValueError, AttributeError):
            message = line[line.find('{"audit"'):] if '{"audit"' in line else ""
        if message.startswith('{"audit"'):
            entries.append(json.loads(message)["audit"])
    return entries
