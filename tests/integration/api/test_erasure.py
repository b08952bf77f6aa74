"""Erasure over HTTP on the real stack (Ray Serve, the MongoDB-protocol server, the index actor's
FAISS and BM25 shards with snapshots on disk, vLLM on CPU): ``DELETE /api/v1/cases/{case_id}``
leaves no text or id of the case in any MongoDB collection (GridFS included), index shard,
snapshot file or search result; chat sessions keep tombstones in place of its citations;
another tenant's DELETE answers like a missing case and removes nothing; a case erased while
its upload is being processed is not brought back by the worker.

Tenant A holds a case with a made-up word that occurs nowhere else (the erased one) and a
sample opinion (kept); tenant B holds nothing.
"""

from __future__ import annotations

import random
import string
import uuid

import bson
import httpx
import pytest
import ray

from search.tokens import legal_tokens
from serve_app.client import LexRayAPIError, LexRayClient
from tests import pdf_factory
from tests.conftest import SAMPLES, wait_until
from tests.deployed_app import assert_error
from tests.integration.api.shared_app import tenant_keys
from tests.upload_workers import busy_upload_workers

KEYS = tenant_keys("erasure-a", "erasure-b")
# A made-up party name: any trace of it after the erasure is a leak.
WORD = "Zel" + "".join(random.Random(uuid.uuid4().int).choices(string.ascii_lowercase, k=9))
PARAGRAPH = (f"{WORD} Orchards leased the farmland to the appellant for ten years. The landlord {WORD} "
             f"Orchards later refused to renew the farmland lease. The court held that equitable estoppel "
             f"barred {WORD} Orchards from denying the renewal it had promised in writing, because the "
             f"tenant relied on that promise when it planted the orchards. The judgment is affirmed.")
QUESTION = "Did equitable estoppel bar the landlord from refusing to renew the farmland lease?"
# Collections that keep case ids by design (never text): the audit trail and erasure receipts.
ID_RECORDS = {"audit_log", "erasures"}


def client_for(api, tenant: str) -> LexRayClient:
    return LexRayClient(api["url"], api_key=KEYS[tenant], timeout=300)


def http(api, tenant: str) -> httpx.Client:
    return httpx.Client(base_url=api["url"], headers={"Authorization": f"Bearer {KEYS[tenant]}"}, timeout=300)


def index_actor(api):
    settings = api["settings"]
    return ray.get_actor(settings.index.actor_name, namespace=settings.ray.namespace)


def traces(api, needles: list[str]) -> dict[str, list[str]]:
    """Where in MongoDB each needle (case-insensitive) still occurs: needle -> collections
    (every collection of the app's database, GridFS's files and chunks too)."""
    db = api["store"].db
    found: dict[str, list[str]] = {needle: [] for needle in needles}
    for name in db.list_collection_names():
        for document in db[name].find({}):
            raw = bson.encode(document).lower()
            for needle in needles:
                if needle.lower().encode() in raw and name not in found[needle]:
                    found[needle].append(name)
    return found


def files_holding(api, needles: list[str]) -> dict[str, list[str]]:
    """Files under the data directory (index snapshots ...) whose bytes hold each needle, in
    UTF-8 or in UTF-32 (numpy's string arrays in the .npz snapshots)."""
    found: dict[str, list[str]] = {needle: [] for needle in needles}
    for path in api["settings"].data_dir.rglob("*"):
        if path.is_file():
            raw = path.read_bytes().lower()
            for needle in needles:
                encodings = (needle.lower().encode(), needle.lower().encode("utf-32-le"))
                if any(encoded in raw for encoded in encodings):
                    found[needle].append(str(path))
    return found


@pytest.fixture(scope="module")
def corpus(api) -> dict:
    """Tenant A's two cases; the erased one summarised (stored, by case and by its bytes) and
    cited in a chat session."""
    a = client_for(api, "erasure-a")
    pdf = pdf_factory.text_pdf([PARAGRAPH, PARAGRAPH.replace("ten years", "twelve years")])
    with http(api, "erasure-a") as raw:
        response = raw.post("/api/v1/ingestion/upload", files={"file": ("orchards.pdf", pdf, "application/pdf")})
        assert response.status_code == 202, response.text
        erased_id = response.json()["case_id"]
    kept = a.upload(SAMPLES / "doctor__missouri.pdf")
    for case_id in (erased_id, kept.case_id):
        assert a.wait_until_processed(case_id, timeout_s=300).processing_status == "indexed"
    summary = a.summarize_case(erased_id, length="short", mode="extractive")
    with http(api, "erasure-a") as raw:
        by_bytes = raw.post("/api/v1/summarization/summarize-uploaded",
                            files={"file": ("orchards.pdf", pdf, "application/pdf")},
                            data={"mode": "extractive", "length": "short", "store": "true"})
        assert by_bytes.status_code == 200, by_bytes.text
    reply = a.chat(QUESTION)
    store = api["store"]
    case = store.get_case(erased_id)
    return {"erased": erased_id, "kept": kept.case_id, "hash": case["document_hash"],
            "vector_ids": [row["vector_id"] for row in store.chunks.find({"case_id": erased_id})],
            "summary": summary, "reply": reply, "session_id": reply.session_id}


def test_the_case_is_everywhere_before_its_erasure(api, corpus):
    """The checks after the erasure can fail: before it, each of them finds the case."""
    found = traces(api, [WORD, corpus["erased"], corpus["hash"]])
    assert {"cases", "chunks", "summaries", "uploads.files"} <= set(found[corpus["erased"]]) | set(found[corpus["hash"]])
    assert {"cases", "chunks", "summaries"} <= set(found[WORD])
    assert any(citation.case_id == corpus["erased"] for citation in corpus["reply"].citations), corpus["reply"]
    assert "chat_sessions" in found[corpus["erased"]]
    on_disk = files_holding(api, [legal_tokens(WORD)[0], corpus["erased"]])
    assert on_disk[legal_tokens(WORD)[0]] and on_disk[corpus["erased"]], on_disk
    held = set(ray.get(index_actor(api).vector_ids.remote()))
    assert set(corpus["vector_ids"]) <= held
    hits = client_for(api, "erasure-a").search(f"{WORD} Orchards farmland lease", limit=10).results
    assert corpus["erased"] in {hit.case_id for hit in hits}


def test_another_tenant_cannot_erase_it(api, corpus):
    store = api["store"]
    chunks_before = store.chunks.count_documents({"case_id": corpus["erased"]})
    with http(api, "erasure-b") as b:
        theirs = assert_error(b.delete(f"/api/v1/cases/{corpus['erased']}"), 404, "not_found")
        missing_id = uuid.uuid4().hex
        missing = assert_error(b.delete(f"/api/v1/cases/{missing_id}"), 404, "not_found")
    # The same answer as for a case that does not exist: existence does not leak.
    assert theirs["message"].replace(corpus["erased"], "ID") == missing["message"].replace(missing_id, "ID")
    assert store.get_case(corpus["erased"])["processing_status"] == "indexed"
    assert store.chunks.count_documents({"case_id": corpus["erased"]}) == chunks_before
    assert store.load_upload(tenant_id="erasure-a", document_hash=corpus["hash"]) is not None
    assert set(corpus["vector_ids"]) <= set(ray.get(index_actor(api).vector_ids.remote()))
    assert store.db["erasures"].count_documents({"tenant_id": {"$in": list(KEYS)}}) == 0


def test_erasure_leaves_no_text_or_id_anywhere(api, corpus):
    a = client_for(api, "erasure-a")
    erased, kept = corpus["erased"], corpus["kept"]
    receipt = a.delete_case(erased)
    removed = receipt.removed
    assert receipt.case_id == erased and receipt.erased
    chunk_count = len(corpus["vector_ids"])
    assert (removed.cases, removed.chunks, removed.vectors, removed.lexical_chunks, removed.uploads) == (
        1, chunk_count, chunk_count, chunk_count, 1)
    assert removed.summaries == 2 and removed.chat_citations >= 1 and removed.chat_sessions == 1

    # MongoDB: no collection holds its text, its id or its hash (the receipt and the audit
    # trail keep the id by design, never the text or the hash).
    found = traces(api, [WORD, erased, corpus["hash"]])
    assert found[WORD] == [], found
    assert found[corpus["hash"]] == [], found
    assert set(found[erased]) <= ID_RECORDS, found
    store = api["store"]
    # The kept case's PDF only (the package's other modules keep theirs in the shared database).
    assert store.db["uploads.files"].count_documents({"tenant_id": {"$in": list(KEYS)}}) == 1
    assert set(store.db["uploads.chunks"].distinct("files_id")) == set(store.db["uploads.files"].distinct("_id"))
    stored_receipt = store.db["erasures"].find_one({"case_id": erased})
    assert stored_receipt["tenant_id"] == "erasure-a" and stored_receipt["erased_at"] is not None
    assert stored_receipt["removed"]["chunks"] == chunk_count and len(stored_receipt["key_id"]) >= 8
    assert KEYS["erasure-a"] not in str(stored_receipt)

    # The index: no vector or BM25 row of it in any shard, and no snapshot file with its words or id.
    actor = index_actor(api)
    assert not set(corpus["vector_ids"]) & set(ray.get(actor.vector_ids.remote()))
    assert erased not in {hit.case_id for hit in ray.get(actor.search_lexical.remote(f"{WORD} orchards", 50))}
    assert ray.get(actor.search_lexical.remote(WORD, 50)) == []
    on_disk = files_holding(api, [*legal_tokens(WORD), erased, corpus["hash"]])
    assert not any(on_disk.values()), on_disk

    # The API: gone from search, reads and stored records; the kept case is untouched.
    hits = a.search(f"{WORD} Orchards farmland lease equitable estoppel", limit=20).results
    assert erased not in {hit.case_id for hit in hits}
    assert not any(WORD.lower() in hit.model_dump_json().lower() for hit in hits)
    with http(api, "erasure-a") as raw:
        assert_error(raw.get(f"/api/v1/retrieval/case/{erased}"), 404)
        assert_error(raw.get(f"/api/v1/ingestion/status/{erased}"), 404)
        assert_error(raw.delete(f"/api/v1/cases/{erased}"), 404)  # erased already: like a missing case
        stored = raw.get(f"/api/v1/summarization/summary/{erased}")
        assert stored.status_code == 404 or stored.json()["summaries"] == [], stored.text
        similar = raw.post("/api/v1/retrieval/similar", json={"case_id": kept, "limit": 10})
        assert similar.status_code == 200 and erased not in similar.text
    assert a.case(kept).processing_status == "indexed"
    assert kept in {hit.case_id for hit in a.search("plea counsel coerced guilty plea", limit=5).results}

    # The chat session is kept; the erased case's citation is a tombstone, the answer that cited it gone.
    session = a.conversation(corpus["session_id"])
    assert [message.role for message in session.messages] == ["user", "assistant"]
    assert session.messages[0].content == QUESTION
    citations = session.messages[1].citations
    tombstones = [citation for citation in citations if citation.erased]
    assert len(tombstones) == removed.chat_citations
    assert all(t.case_id is None and t.snippet == "" and t.title is None for t in tombstones)
    assert all(citation.case_id == kept for citation in citations if not citation.erased)
    assert WORD.lower() not in session.model_dump_json().lower()
    a.suggestions(corpus["session_id"])  # still answers with a tombstone in the last turn


def test_a_case_erased_while_its_upload_is_processed_stays_erased(api, corpus):
    a = client_for(api, "erasure-a")
    word = "Qor" + "".join(random.Random(uuid.uuid4().int).choices(string.ascii_lowercase, k=9))
    # Long enough to be caught mid-processing (text, enrichment, ~100 chunks to embed).
    pdf = pdf_factory.text_pdf([PARAGRAPH.replace(WORD, word) + f" Page {n}." for n in range(60)])
    with http(api, "erasure-a") as raw:
        response = raw.post("/api/v1/ingestion/upload", files={"file": ("inflight.pdf", pdf, "application/pdf")})
        assert response.status_code == 202, response.text
    case_id = response.json()["case_id"]
    status = wait_until(lambda: (s := a.status(case_id).processing_status) != "uploaded" and s, 120,
                        "the upload's worker to start")
    assert status not in ("indexed", "failed"), "the document finished before it could be erased mid-way"
    a.delete_case(case_id)
    # The worker carries on with the document; wait until it has given up or finished.
    wait_until(lambda: not busy_upload_workers() and a.stats().total_cases == 1, 300, "the worker to finish")
    store = api["store"]
    assert store.get_case(case_id) is None
    assert store.chunks.count_documents({"case_id": case_id}) == 0
    assert traces(api, [word]) == {word: []}
    assert not any(files_holding(api, [*legal_tokens(word), case_id]).values())
    assert ray.get(index_actor(api).search_lexical.remote(word, 10)) == []
    assert case_id not in {hit.case_id for hit in a.search(f"{word} Orchards farmland", limit=20).results}
    with pytest.raises(LexRayAPIError) as missing:
        a.status(case_id)
    assert missing.value.status_code == 404
    # Uploading the same bytes again is a new case, processed as usual.
    with http(api, "erasure-a") as raw:
        again = raw.post("/api/v1/ingestion/upload", files={"file": ("inflight.pdf", pdf, "application/pdf")}).json()
    assert again["case_id"] != case_id and not again["duplicate"]
    assert a.wait_until_processed(again["case_id"], timeout_s=300).processing_status == "indexed"
    a.delete_case(again["case_id"])  # answered after the index's snapshot: nothing to wait for
    assert not any(files_holding(api, [*legal_tokens(word)]).values())


def test_the_index_forgets_an_erased_case_in_memory_and_on_disk(tmp_path):
    """``IndexService.erase_case`` without Ray: every shard, BM25 terms, the snapshot files of
    this and of an older shard layout; a late ``add`` of the case (its worker) is ignored."""
    import numpy as np

    from search.sharded_index import IndexService
    from lexray.settings import Settings

    settings = Settings(data_dir=tmp_path, index={"shards": 2, "snapshot_interval_s": 0,
                                                  "index_type": "hnsw"})
    service = IndexService(settings)
    vectors = np.random.default_rng(0).normal(size=(6, 8)).astype(np.float32)
    texts = [f"{WORD} estoppel {i}" for i in range(3)] + [f"plain contract dispute {i}" for i in range(3)]
    service.add(list(range(6)), ["gone"] * 3 + ["kept"] * 3, ["t"] * 6, vectors, texts)
    stale_layout = settings.index_dir / "lexical-0-of-4.npz"
    stale_layout.write_bytes(WORD.lower().encode())  # left by an earlier shard count
    assert files_in(settings.index_dir, WORD.lower()) and files_in(settings.index_dir, "gone")

    assert service.erase_case("gone") == {"vectors": 3, "lexical_chunks": 3}
    assert service.vector_ids() == {3, 4, 5}
    assert service.search_lexical(WORD, 10) == []
    assert not files_in(settings.index_dir, WORD.lower()) and not files_in(settings.index_dir, "gone")
    assert not stale_layout.exists()
    assert all(shard.approximate is None or shard.approximate.dead_count == 0 for shard in service._ready_shards())
    # The worker that was processing the case adds its chunks after the erasure: ignored.
    assert service.add([0, 1], ["gone", "gone"], ["t", "t"], vectors[:2], texts[:2]) == 0
    assert service.vector_ids() == {3, 4, 5}
    # A restart reads the snapshots: still nothing of it.
    assert IndexService(settings).vector_ids() == {3, 4, 5}


def files_in(folder, needle: str) -> list[str]:
    encodings = (needle.encode(), needle.encode("utf-32-le"))
    return [str(path) for path in folder.rglob("*")
            if path.is_file() and any(encoded in path.read_bytes().lower() for encoded in encodings)]
