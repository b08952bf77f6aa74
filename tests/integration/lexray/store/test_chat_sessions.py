"""Chat sessions (lexray.store.chat_sessions) in a real database: atomic turns, tenant scope, deletion."""

from tests.integration.lexray.store.records import chat_message


def test_chat_session_turns_append_atomically_and_are_tenant_scoped(store):
    session = {"session_id": "s1", "tenant_id": "t1", "title": "Bail",
               "created_at": chat_message("user", "", 0)["timestamp"]}
    assert store.append_turn(session, [chat_message("user", "q1", 1), chat_message("assistant", "a1", 2)],
                             max_messages=5, create=True)
    assert store.append_turn(session, [chat_message("user", "q2", 3), chat_message("assistant", "a2", 4)],
                             max_messages=5)
    stored = store.get_session("s1", tenant_id="t1")
    assert [m["content"] for m in stored["messages"]] == ["q1", "a1", "q2", "a2"]
    assert stored["message_count"] == 4 and stored["title"] == "Bail"
    assert stored["updated_at"].replace(tzinfo=None) == chat_message("x", "", 4)["timestamp"].replace(tzinfo=None)
    assert store.get_session("s1", tenant_id="t2") is None
    # Only the newest max_messages stay; the count says how many were ever added.
    store.append_turn(session, [chat_message("user", "q3", 5), chat_message("assistant", "a3", 6)], max_messages=5)
    stored = store.get_session("s1", tenant_id="t1")
    assert [m["content"] for m in stored["messages"]] == ["a1", "q2", "a2", "q3", "a3"]
    assert stored["message_count"] == 6
    assert not store.delete_session("s1", tenant_id="t2")
    assert store.delete_session("s1", tenant_id="t1")
    assert store.get_session("s1", tenant_id="t1") is None


def test_a_turn_for_a_deleted_session_does_not_bring_it_back(store):
    created_at = chat_message("user", "", 0)["timestamp"]
    session = {"session_id": "s2", "tenant_id": "t1", "title": "Bail", "created_at": created_at}
    assert store.append_turn(session, [chat_message("user", "q1", 1), chat_message("assistant", "a1", 2)],
                             max_messages=5, create=True)
    # The client deletes the session while its next message is being answered; the answer's
    # turn then arrives (chat.py: create only for a session no client has seen yet).
    assert store.delete_session("s2", tenant_id="t1")
    assert not store.append_turn(session, [chat_message("user", "q2", 3), chat_message("assistant", "a2", 4)],
                                 max_messages=5)
    assert store.get_session("s2", tenant_id="t1") is None
    assert store.db["chat_sessions"].count_documents({"session_id": "s2"}) == 0
    # Another tenant's turn for a stored session's id never lands in it, nor creates it for itself.
    store.append_turn(session, [chat_message("user", "q1", 1)], max_messages=5, create=True)
    assert not store.append_turn({**session, "tenant_id": "t2"}, [chat_message("user", "x", 2)], max_messages=5)
    assert [m["content"] for m in store.get_session("s2", tenant_id="t1")["messages"]] == ["q1"]
    assert store.get_session("s2", tenant_id="t2") is None
