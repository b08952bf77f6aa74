"""Erasing a case across the collections (CaseStore.erase_case) in a real database: nothing of it
stays, and late writers (chunks, summaries, question sets, chat turns) bring nothing back."""

import numpy as np
import pytest

from lexray.models import ProcessingStatus
from tests.integration.lexray.store.records import chat_message, chunks_of, register_case


def test_erase_case_removes_every_record_and_stops_late_writers(store):
    from lexray.store import ERASED_ANSWER, CaseErasedError

    kept = register_case(store, "b" * 64, tenant_id="t1").case_id
    erased = register_case(store, "c" * 64, tenant_id="t1").case_id
    store.replace_chunks(chunks_of(kept, "t1", "kept"), np.ones((2, 4), np.float32), case_id=kept)
    store.replace_chunks(chunks_of(erased, "t1"), np.ones((2, 4), np.float32), case_id=erased)
    store.save_upload(tenant_id="t1", document_hash="c" * 64, data=b"%PDF- erased bytes", filename="e.pdf")
    store.save_summary({"tenant_id": "t1", "case_id": erased, "summary": "zyzzogeton"})
    store.save_summary({"tenant_id": "t1", "document_hash": "c" * 64, "summary": "zyzzogeton"})
    store.save_summary({"tenant_id": "t1", "case_id": kept, "summary": "kept"})
    store.save_question_set({"tenant_id": "t1", "case_id": erased, "questions": ["zyzzogeton?"]})
    store.db["other_records"].insert_one({"case_id": erased, "note": "zyzzogeton"})
    citation = {"marker": 1, "title": "T", "page": 1, "pages": [1], "char_start": 0, "char_end": 5,
                "chunk_id": "c:0", "snippet": "zyzzogeton"}
    session = {"session_id": "s3", "tenant_id": "t1", "title": "t", "created_at": chat_message("u", "", 0)["timestamp"]}
    answer = {**chat_message("assistant", "zyzzogeton [1] and [2]", 2),
              "citations": [{**citation, "case_id": erased},
                            {**citation, "marker": 2, "case_id": kept, "snippet": "kept"}]}
    store.append_turn(session, [chat_message("user", "what about it?", 1), answer], max_messages=10, create=True)

    assert store.erase_case(erased, tenant_id="t2", key_id="k2", request_id="r0") is None  # another tenant's
    assert store.get_case(erased) is not None
    removed = store.erase_case(erased, tenant_id="t1", key_id="k1", request_id="r1")
    assert removed == {"cases": 1, "chunks": 2, "summaries": 2, "question_sets": 1, "uploads": 1,
                       "chat_citations": 1, "chat_sessions": 1, "citator_records": 0, "other_records": 1}
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
        store.replace_chunks(chunks_of(erased, "t1"), np.ones((2, 4), np.float32), case_id=erased)
    assert not store.set_status(erased, ProcessingStatus.INDEXED, "done")
    store.mark_failed(erased, "internal_error", "late")
    store.save_case_content(erased, {"content": "zyzzogeton"})
    assert store.get_case(erased) is None and store.chunks.count_documents({"case_id": erased}) == 0


def test_chunks_written_while_a_case_is_erased_are_removed_by_the_writer(store):
    from lexray.store import CaseErasedError

    case_id = register_case(store, "e" * 64, tenant_id="t1").case_id
    original_insert = store.chunks.insert_many

    def insert_then_erase(documents, **kwargs):
        result = original_insert(documents, **kwargs)
        # The erasure runs between the writer's insert and its second check.
        store.erase_case(case_id, tenant_id="t1", key_id="k", request_id="r")
        return result

    store.chunks.insert_many = insert_then_erase
    with pytest.raises(CaseErasedError):
        store.replace_chunks(chunks_of(case_id, "t1"), np.ones((2, 4), np.float32), case_id=case_id)
    assert store.chunks.count_documents({"case_id": case_id}) == 0


def test_summaries_questions_and_chat_turns_finished_after_an_erasure_keep_nothing_of_it(store):
    from lexray.store import ERASED_ANSWER, CaseErasedError

    case_id = register_case(store, "f" * 64, tenant_id="t1").case_id
    session = {"session_id": "s-late", "tenant_id": "t1", "title": "t",
               "created_at": chat_message("u", "", 0)["timestamp"]}
    store.append_turn(session, [chat_message("user", "first", 1)], max_messages=10, create=True)
    assert store.erase_case(case_id, tenant_id="t1", key_id="k", request_id="r") is not None

    # Generated while the erasure ran, written after it: refused, nothing stored.
    with pytest.raises(CaseErasedError):
        store.save_summary({"tenant_id": "t1", "case_id": case_id, "summary": "zyzzogeton"})
    with pytest.raises(CaseErasedError):
        store.save_question_set({"tenant_id": "t1", "case_id": case_id, "questions": ["zyzzogeton?"]})
    citation = {"marker": 1, "title": "T", "page": 1, "pages": [1], "char_start": 0, "char_end": 5,
                "chunk_id": f"{case_id}:0", "snippet": "zyzzogeton", "case_id": case_id}
    answer = {**chat_message("assistant", "zyzzogeton [1]", 2), "citations": [citation]}
    assert store.append_turn(session, [chat_message("user", "and then?", 2), answer], max_messages=10)
    late = store.get_session("s-late", tenant_id="t1")["messages"][-1]
    assert late["content"] == ERASED_ANSWER and late["citations"][0]["case_id"] is None
    for name in ("summaries", "questions", "chat_sessions"):
        for document in store.db[name].find({}, {"_id": 0}):
            assert "zyzzogeton" not in repr(document) and case_id not in repr(document), (name, document)
