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
    store.append_turn(session, [_message("user", "q1", 1), _message("assistant", "a1", 2)], max_messages=5)
    store.append_turn(session, [_message("user", "q2", 3), _message("assistant", "a2", 4)], max_messages=5)
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
