from datetime import date

import numpy as np
import pytest

from lexray.models import CaseFilters, CaseMetadata, Chunk, ProcessingStatus
from lexray.store import vector_from_bytes




def _register(store, digest="a" * 64, **kwargs):
    return store.register_document(document_hash=digest, original_filename="x.pdf", file_size=3, **kwargs)


def test_register_then_duplicate_by_hash(store):
    first = _register(store)
    assert not first.duplicate
    store.set_status(first.case_id, ProcessingStatus.INDEXED, "done")
    again = _register(store)
    assert again.duplicate and again.case_id == first.case_id
    assert store.count_cases() == 1


def test_interrupted_case_is_resumed_not_duplicated(store):
    first = _register(store)
    store.set_status(first.case_id, ProcessingStatus.OCR_COMPLETE, "half way")
    again = _register(store)
    assert not again.duplicate and again.case_id == first.case_id
    assert again.previous_status == "ocr_complete"


def test_failed_case_is_duplicate_unless_retry_requested(store):
    first = _register(store)
    store.mark_failed(first.case_id, "corrupt_pdf", "broken xref")
    assert _register(store).duplicate
    assert not _register(store, retry_failed=True).duplicate
    case = store.get_case(first.case_id)
    assert case["processing_status"] == "failed"
    assert case["failure_reason"] == "corrupt_pdf"
    assert [entry["status"] for entry in case["processing_log"]] == ["uploaded", "failed"]


def test_a_late_stage_run_never_moves_an_indexed_case_back(store):
    # A Ray task retried after its node died may finish after the first run indexed the case.
    case_id = _register(store).case_id
    chunk = Chunk(chunk_id=f"{case_id}:0", vector_id=7, case_id=case_id, chunk_index=0, text="t",
                  page_numbers=[1], char_start=0, char_end=1)
    store.replace_chunks([chunk], np.ones((1, 4), dtype=np.float32), case_id=case_id)
    assert store.set_status(case_id, ProcessingStatus.INDEXED, "1 chunks indexed")
    assert not store.set_status(case_id, ProcessingStatus.EMBEDDING_COMPLETE, "late embed")
    store.mark_failed(case_id, "internal_error", "late failure")
    case = store.get_case(case_id)
    assert case["processing_status"] == "indexed" and case.get("failure_reason") is None
    assert [entry["status"] for entry in case["processing_log"]] == ["uploaded", "indexed"]
    assert store.count_chunks() == 1
    # Indexed again (the same chunks stored again) is still recorded.
    assert store.set_status(case_id, ProcessingStatus.INDEXED, "1 chunks indexed")


def test_unique_indexes_are_real(store):
    from pymongo.errors import DuplicateKeyError

    _register(store)
    with pytest.raises(DuplicateKeyError):
        store.cases.insert_one({"case_id": "other", "tenant_id": "default", "document_hash": "a" * 64})


def test_chunks_round_trip_with_vectors_and_replace(store):
    case_id = _register(store).case_id
    chunks = [Chunk(chunk_id=f"{case_id}:{i}", vector_id=1000 + i, case_id=case_id, chunk_index=i,
                    text=f"text {i}", page_numbers=[1], char_start=i, char_end=i + 1) for i in range(3)]
    vectors = np.arange(12, dtype=np.float32).reshape(3, 4)
    store.replace_chunks(chunks, vectors, case_id=case_id)
    store.replace_chunks(chunks[:2], vectors[:2], case_id=case_id)
    assert store.count_chunks() == 2
    ids, cases, tenants, stored, texts = next(store.iter_chunk_vectors())
    assert sorted(texts) == ["text 0", "text 1"]
    assert set(tenants) == {"default"}
    assert sorted(ids) == [1000, 1001] and set(cases) == {case_id}
    assert np.array_equal(stored[np.argsort(ids)], vectors[:2])
    assert store.chunk_vector_ids() == {1000: case_id, 1001: case_id}
    # Chunks by vector id come without their vectors unless asked for (chat reads them).
    bare = store.chunks_by_vector_id([1001], tenant_id="default")
    assert [chunk["text"] for chunk in bare] == ["text 1"] and "embedding" not in bare[0]
    [full] = store.chunks_by_vector_id([1001], tenant_id="default", with_vectors=True)
    assert np.array_equal(vector_from_bytes(full["embedding"]), vectors[1])
    assert store.chunks_by_vector_id([1001], tenant_id="other") == []


def test_same_bytes_are_separate_cases_per_tenant(store):
    first = _register(store, tenant_id="tenant-a")
    other = _register(store, tenant_id="tenant-b")
    assert not other.duplicate and other.case_id != first.case_id
    assert store.get_case(first.case_id, tenant_id="tenant-b") is None
    assert store.get_case(first.case_id, tenant_id="tenant-a")["tenant_id"] == "tenant-a"
    assert store.count_cases(tenant_id="tenant-a") == 1
    assert store.status_counts(tenant_id="tenant-b") == {"uploaded": 1}


def _indexed_case(store, digest: str, tenant: str = "t1", **metadata):
    registration = _register(store, digest=digest, tenant_id=tenant)
    store.save_case_content(registration.case_id, {"metadata": CaseMetadata(**metadata).model_dump()})
    store.set_status(registration.case_id, ProcessingStatus.INDEXED, "done")
    return registration.case_id


def test_case_ids_matching_each_filter(store):
    sc = _indexed_case(store, "1" * 64, court="Supreme Court of India", case_type="Criminal Appeal",
                       judges=["K. Ramaswamy", "B. L. Hansaria"], date_decided=date(1996, 3, 5))
    hc = _indexed_case(store, "2" * 64, court="High Court of Delhi", jurisdiction="Delhi",
                       date_filed=date(2004, 1, 9))
    _indexed_case(store, "3" * 64, tenant="t2", court="Supreme Court of India")
    pending = _register(store, digest="4" * 64, tenant_id="t1").case_id

    def matching(**filters):
        return set(store.case_ids_matching(CaseFilters(**filters), tenant_id="t1"))

    assert matching() == {sc, hc}  # indexed cases of this tenant only
    assert pending not in matching()
    assert matching(court="supreme court of india") == {sc}
    assert matching(court="Supreme Court") == set()  # whole values, not prefixes
    assert matching(case_type="criminal appeal") == {sc}
    assert matching(jurisdiction="Delhi") == {hc}
    assert matching(judge="ramaswamy") == {sc}
    assert matching(date_from=date(1990, 1, 1), date_to=date(2000, 1, 1)) == {sc}
    assert matching(date_from=date(2004, 1, 9)) == {hc}  # no decision date: the filing date counts
    assert matching(court="Supreme Court of India", date_from=date(2000, 1, 1)) == set()
    assert matching(court="No Such Court") == set()
    assert matching(judge="(.*") == set()  # taken literally, not as a pattern


def test_case_filters_reject_unknown_keys_and_reversed_dates():
    with pytest.raises(ValueError):
        CaseFilters(courts="x")
    with pytest.raises(ValueError):
        CaseFilters(date_from=date(2020, 2, 1), date_to=date(2020, 1, 1))


def _message(role: str, content: str, minute: int) -> dict:
    from datetime import datetime, timezone

    return {"role": role, "content": content, "timestamp": datetime(2026, 1, 1, 12, minute, tzinfo=timezone.utc)}


def test_chat_session_turns_append_atomically_and_are_tenant_scoped(store):
    session = {"session_id": "s1", "tenant_id": "t1", "title": "Bail", "created_at": _message("user", "", 0)["timestamp"]}
    assert store.append_turn(session, [_message("user", "q1", 1), _message("assistant", "a1", 2)], max_messages=5,
                             create=True)
    assert store.append_turn(session, [_message("user", "q2", 3), _message("assistant", "a2", 4)], max_messages=5)
    stored = store.get_session("s1", tenant_id="t1")
    assert [m["content"] for m in stored["messages"]] == ["q1", "a1", "q2", "a2"]
    assert stored["message_count"] == 4 and stored["title"] == "Bail"
    assert stored["updated_at"].replace(tzinfo=None) == _message("x", "", 4)["timestamp"].replace(tzinfo=None)
    assert store.get_session("s1", tenant_id="t2") is None
    # Only the newest max_messages stay; the count says how many were ever added.
    store.append_turn(session, [_message("user", "q3", 5), _message("assistant", "a3", 6)], max_messages=5)
    stored = store.get_session("s1", tenant_id="t1")
    assert [m["content"] for m in stored["messages"]] == ["a1", "q2", "a2", "q3", "a3"]
    assert stored["message_count"] == 6
    assert not store.delete_session("s1", tenant_id="t2")
    assert store.delete_session("s1", tenant_id="t1")
    assert store.get_session("s1", tenant_id="t1") is None


def test_a_turn_for_a_deleted_session_does_not_bring_it_back(store):
    created_at = _message("user", "", 0)["timestamp"]
    session = {"session_id": "s2", "tenant_id": "t1", "title": "Bail", "created_at": created_at}
    assert store.append_turn(session, [_message("user", "q1", 1), _message("assistant", "a1", 2)], max_messages=5,
                             create=True)
    # The client deletes the session while its next message is being answered; the answer's
    # turn then arrives (chat.py: create only for a session no client has seen yet).
    assert store.delete_session("s2", tenant_id="t1")
    assert not store.append_turn(session, [_message("user", "q2", 3), _message("assistant", "a2", 4)],
                                 max_messages=5)
    assert store.get_session("s2", tenant_id="t1") is None
    assert store.db["chat_sessions"].count_documents({"session_id": "s2"}) == 0
    # Another tenant's turn for a stored session's id never lands in it, nor creates it for itself.
    store.append_turn(session, [_message("user", "q1", 1)], max_messages=5, create=True)
    assert not store.append_turn({**session, "tenant_id": "t2"}, [_message("user", "x", 2)], max_messages=5)
    assert [m["content"] for m in store.get_session("s2", tenant_id="t1")["messages"]] == ["q1"]
    assert store.get_session("s2", tenant_id="t2") is None


def test_concurrent_uploads_of_the_same_bytes_store_one_gridfs_file(store):
    from concurrent.futures import ThreadPoolExecutor

    from lexray.store import CaseStore

    data = b"%PDF-1.4 " + bytes(range(256)) * 2000  # several GridFS chunks
    # One store (connection pool) per thread, as separate replicas would have.
    stores = [CaseStore(store.settings) for _ in range(8)]
    try:
        with ThreadPoolExecutor(len(stores)) as pool:
            stored = list(pool.map(lambda s: s.save_upload(tenant_id="t1", document_hash="d" * 64, data=data,
                                                           filename="same.pdf"), stores))
    finally:
        for other in stores:
            other.close()
    assert stored.count(True) == 1
    files = list(store.db["uploads.files"].find({"tenant_id": "t1", "document_hash": "d" * 64}))
    assert len(files) == 1
    # No chunks of the copies that lost the race are left behind.
    assert store.db["uploads.chunks"].distinct("files_id") == [files[0]["_id"]]
    assert store.load_upload(tenant_id="t1", document_hash="d" * 64) == data
    # The same bytes for another tenant are that tenant's own copy.
    assert store.save_upload(tenant_id="t2", document_hash="d" * 64, data=data, filename="same.pdf")
    assert store.db["uploads.files"].count_documents({}) == 2
    index = next(index for index in store.db["uploads.files"].list_indexes() if index["name"] == "tenant_hash_unique")
    assert list(index["key"].items()) == [("tenant_id", 1), ("document_hash", 1)] and index["unique"]


def _chunks_of(case_id: str, tenant_id: str, word: str = "zyzzogeton", count: int = 2) -> list[Chunk]:
    return [Chunk(chunk_id=f"{case_id}:{i}", vector_id=abs(hash((case_id, i))) % 10**12, case_id=case_id,
                  tenant_id=tenant_id, chunk_index=i, text=f"{word} {i}", page_numbers=[1],
                  char_start=0, char_end=1) for i in range(count)]


def test_erase_case_removes_every_record_and_stops_late_writers(store):
    from lexray.store import ERASED_ANSWER, CaseErasedError

    kept = _register(store, "b" * 64, tenant_id="t1").case_id
    erased = _register(store, "c" * 64, tenant_id="t1").case_id
    store.replace_chunks(_chunks_of(kept, "t1", "kept"), np.ones((2, 4), np.float32), case_id=kept)
    store.replace_chunks(_chunks_of(erased, "t1"), np.ones((2, 4), np.float32), case_id=erased)
    store.save_upload(tenant_id="t1", document_hash="c" * 64, data=b"%PDF- erased bytes", filename="e.pdf")
    store.save_summary({"tenant_id": "t1", "case_id": erased, "summary": "zyzzogeton"})
    store.save_summary({"tenant_id": "t1", "document_hash": "c" * 64, "summary": "zyzzogeton"})
    store.save_summary({"tenant_id": "t1", "case_id": kept, "summary": "kept"})
    store.save_question_set({"tenant_id": "t1", "case_id": erased, "questions": ["zyzzogeton?"]})
    store.db["other_records"].insert_one({"case_id": erased, "note": "zyzzogeton"})
    citation = {"marker": 1, "title": "T", "page": 1, "pages": [1], "char_start": 0, "char_end": 5,
                "chunk_id": "c:0", "snippet": "zyzzogeton"}
    session = {"session_id": "s3", "tenant_id": "t1", "title": "t", "created_at": _message("u", "", 0)["timestamp"]}
    answer = {**_message("assistant", "zyzzogeton [1] and [2]", 2),
              "citations": [{**citation, "case_id": erased},
                            {**citation, "marker": 2, "case_id": kept, "snippet": "kept"}]}
    store.append_turn(session, [_message("user", "what about it?", 1), answer], max_messages=10, create=True)

    assert store.erase_case(erased, tenant_id="t2", key_id="k2", request_id="r0") is None  # another tenant's
    assert store.get_case(erased) is not None
    removed = store.erase_case(erased, tenant_id="t1", key_id="k1", request_id="r1")
    assert removed == {"cases": 1, "chunks": 2, "summaries": 2, "question_sets": 1, "uploads": 1,
                       "chat_citations": 1, "chat_sessions": 1, "other_records": 1}
    assert store.erase_case(erased, tenant_id="t1", key_id="k1", request_id="r2") is None  # gone: like missing
    store.finish_erasure(erased, {**removed, "vectors": 2})

    messages = store.get_session("s3", tenant_id="t1")["messages"]
    assert messages[0]["content"] == "what about it?"
    assert messages[1]["content"] == ERASED_ANSWER
    tombstone, other = messages[1]["citations"]
    assert tombstone["case_id"] is None and tombstone["erased"] and tombstone["marker"] == 1
    assert tombstone["snippet"] == "" and tombstone["title"] is None
    assert other["case_id"] == kept and not other.get("erased")
    for name in store.db.list_collection_names():
        for document in store.db[name].find({}, {"_id": 0}):
            text = repr(document)
            if name != "erasures":
                assert erased not in text, (name, document)
            assert "zyzzogeton" not in text, (name, document)
            assert "c" * 64 not in text, (name, document)
    receipt = store.db["erasures"].find_one({"case_id": erased}, {"_id": 0})
    assert receipt["tenant_id"] == "t1" and receipt["key_id"] == "k1" and receipt["removed"]["vectors"] == 2
    assert store.get_case(kept) is not None and store.count_chunks() == 2

    # A worker still processing the erased case: its writes bring nothing back.
    with pytest.raises(CaseErasedError):
        store.replace_chunks(_chunks_of(erased, "t1"), np.ones((2, 4), np.float32), case_id=erased)
    assert not store.set_status(erased, ProcessingStatus.INDEXED, "done")
    store.mark_failed(erased, "internal_error", "late")
    store.save_case_content(erased, {"content": "zyzzogeton"})
    assert store.get_case(erased) is None and store.chunks.count_documents({"case_id": erased}) == 0


def test_chunks_written_while_a_case_is_erased_are_removed_by_the_writer(store):
    from lexray.store import CaseErasedError

    case_id = _register(store, "e" * 64, tenant_id="t1").case_id
    original_insert = store.chunks.insert_many

    def insert_then_erase(documents, **kwargs):
        result = original_insert(documents, **kwargs)
        # The erasure runs between the writer's insert and its second check.
        store.erase_case(case_id, tenant_id="t1", key_id="k", request_id="r")
        return result

    store.chunks.insert_many = insert_then_erase
    with pytest.raises(CaseErasedError):
        store.replace_chunks(_chunks_of(case_id, "t1"), np.ones((2, 4), np.float32), case_id=case_id)
    assert store.chunks.count_documents({"case_id": case_id}) == 0


def test_summaries_questions_and_chat_turns_finished_after_an_erasure_keep_nothing_of_it(store):
    from lexray.store import ERASED_ANSWER, CaseErasedError

    case_id = _register(store, "f" * 64, tenant_id="t1").case_id
    session = {"session_id": "s-late", "tenant_id": "t1", "title": "t",
               "created_at": _message("u", "", 0)["timestamp"]}
    store.append_turn(session, [_message("user", "first", 1)], max_messages=10, create=True)
    assert store.erase_case(case_id, tenant_id="t1", key_id="k", request_id="r") is not None

    # Generated while the erasure ran, written after it: refused, nothing stored.
    with pytest.raises(CaseErasedError):
        store.save_summary({"tenant_id": "t1", "case_id": case_id, "summary": "zyzzogeton"})
    with pytest.raises(CaseErasedError):
        store.save_question_set({"tenant_id": "t1", "case_id": case_id, "questions": ["zyzzogeton?"]})
    citation = {"marker": 1, "title": "T", "page": 1, "pages": [1], "char_start": 0, "char_end": 5,
                "chunk_id": f"{case_id}:0", "snippet": "zyzzogeton", "case_id": case_id}
    answer = {**_message("assistant", "zyzzogeton [1]", 2), "citations": [citation]}
    assert store.append_turn(session, [_message("user", "and then?", 2), answer], max_messages=10)
    late = store.get_session("s-late", tenant_id="t1")["messages"][-1]
    assert late["content"] == ERASED_ANSWER and late["citations"][0]["case_id"] is None
    for name in ("summaries", "questions", "chat_sessions"):
        for document in store.db[name].find({}, {"_id": 0}):
            assert "zyzzogeton" not in repr(document) and case_id not in repr(document), (name, document)


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
