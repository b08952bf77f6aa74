"""Chat sessions (collection ``chat_sessions``): one document per session with its messages (the
newest ``max_messages``), so a turn is one atomic update."""

from __future__ import annotations

from typing import Any

from pymongo.errors import DuplicateKeyError

from lexray.store.connection import CHAT_SESSIONS
from lexray.store.documents import tenant_scope, to_bson
from lexray.store.erasures import ErasureReceipts

# What an erased case's citation in a stored chat message becomes, and the answer that cited it.
ERASED_CITATION = {"case_id": None, "erased": True, "title": None, "page": None, "pages": [],
                   "char_start": 0, "char_end": 0, "chunk_id": "", "snippet": ""}
ERASED_ANSWER = "[This answer cited a case that has since been erased.]"


class ChatSessions(ErasureReceipts):
    def _ensure_chat_session_indexes(self) -> None:
        self.db[CHAT_SESSIONS].create_index("session_id", unique=True)
        self.db[CHAT_SESSIONS].create_index([("tenant_id", 1), ("updated_at", -1)])

    def create_session(self, session: dict[str, Any]) -> None:
        """Store a new session (``session_id``, ``tenant_id``, ``messages``, timestamps ...)."""
        self.db[CHAT_SESSIONS].insert_one(to_bson(dict(session)))

    def get_session(self, session_id: str, *, tenant_id: str) -> dict | None:
        return self.db[CHAT_SESSIONS].find_one(tenant_scope({"session_id": session_id}, tenant_id), {"_id": 0})

    def append_turn(self, session: dict[str, Any], messages: list[dict[str, Any]], *, max_messages: int,
                    create: bool = False) -> bool:
        """Add a turn's ``messages`` to the stored ``session``, keeping its newest ``max_messages``;
        with ``create`` (a session whose id no client has seen yet) it is stored by this call.

        Never an upsert of a stored session: one deleted while its message was being answered
        stays deleted (False: nothing was written).
        """
        stored = self._store_turn(session, messages, max_messages=max_messages, create=create)
        # A case erased while this turn was answered must not stay cited (nor its text quoted).
        cited = {citation.get("case_id") for message in messages for citation in message.get("citations") or []}
        for case_id in sorted(filter(None, cited)):
            if self.was_erased(case_id):
                self._erase_citations(case_id, session["tenant_id"])
        return stored

    def _store_turn(self, session: dict[str, Any], messages: list[dict[str, Any]], *, max_messages: int,
                    create: bool) -> bool:
        now = messages[-1]["timestamp"]
        sessions = self.db[CHAT_SESSIONS]
        if create:
            new_fields = {key: value for key, value in session.items()
                          if key not in ("messages", "updated_at", "message_count")}
            try:
                sessions.insert_one(to_bson({**new_fields, "messages": messages[-max_messages:],
                                             "updated_at": now, "message_count": len(messages)}))
                return True
            except DuplicateKeyError:
                pass  # stored by now after all: append as to any stored session
        return sessions.update_one(
            {"session_id": session["session_id"], "tenant_id": session["tenant_id"]},
            {"$push": {"messages": {"$each": to_bson(messages), "$slice": -max_messages}},
             "$set": {"updated_at": now},
             "$inc": {"message_count": len(messages)}},
        ).matched_count == 1

    def list_sessions(self, *, tenant_id: str, skip: int = 0, limit: int = 20) -> tuple[int, list[dict]]:
        """How many sessions the tenant has, and one page of them without their messages, most
        recently used first (on the ``tenant_id, updated_at`` index)."""
        sessions = self.db[CHAT_SESSIONS]
        query = {"tenant_id": tenant_id}
        rows = sessions.find(query, {"_id": 0, "messages": 0, "tenant_id": 0}).sort(
            [("updated_at", -1), ("session_id", 1)]).skip(skip).limit(limit)
        return sessions.count_documents(query), list(rows)

    def delete_session(self, session_id: str, *, tenant_id: str) -> bool:
        return self.db[CHAT_SESSIONS].delete_one(tenant_scope({"session_id": session_id}, tenant_id)).deleted_count == 1

    def _erase_citations(self, case_id: str, tenant_id: str) -> tuple[int, int]:
        """Tombstone ``case_id``'s citations in the tenant's chat sessions and blank the answers
        that cited it, by updates in place (a turn appended meanwhile is kept); (citations,
        sessions) changed."""
        sessions = self.db[CHAT_SESSIONS]
        query = {"tenant_id": tenant_id, "messages.citations.case_id": case_id}
        citations = sum(
            1 for session in sessions.find(query, {"_id": 0, "messages.citations.case_id": 1})
            for message in session.get("messages", []) for citation in message.get("citations") or []
            if citation.get("case_id") == case_id)
        if not citations:
            return 0, 0
        # The case id goes last, in its own update: every earlier one finds the citations by it.
        sessions.update_many(query, {"$set": {"messages.$[cited].content": ERASED_ANSWER}},
                             array_filters=[{"cited.citations.case_id": case_id}])
        for fields in ({key: value for key, value in ERASED_CITATION.items() if key != "case_id"},
                       {"case_id": None}):
            changed = sessions.update_many(
                query, {"$set": {f"messages.$[].citations.$[erased].{key}": value for key, value in fields.items()}},
                array_filters=[{"erased.case_id": case_id}]).modified_count
        return citations, changed
