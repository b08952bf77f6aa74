"""What was generated from a case: summaries (collection ``summaries``) and question sets
(collection ``questions``). Only ever inserted, so a later failing request cannot lose one; each
names its ``tenant_id`` and ``case_id`` or ``document_hash`` (an upload's bytes)."""

from __future__ import annotations

from typing import Any

from lexray.store.connection import QUESTIONS, SUMMARIES
from lexray.store.documents import tenant_scope, to_bson
from lexray.store.erasures import CaseErasedError, ErasureReceipts


class GeneratedRecords(ErasureReceipts):
    def _ensure_generated_indexes(self) -> None:
        self.db[SUMMARIES].create_index([("tenant_id", 1), ("case_id", 1), ("created_at", -1)])
        self.db[QUESTIONS].create_index([("tenant_id", 1), ("case_id", 1), ("created_at", -1)])

    def save_summary(self, summary: dict[str, Any]) -> None:
        """Store one summary record; it names its ``tenant_id`` and ``case_id`` or ``document_hash``."""
        self._insert_unless_erased(SUMMARIES, summary)

    def summaries_of(self, *, tenant_id: str, case_id: str | None = None, document_hash: str | None = None,
                     limit: int = 50) -> list[dict]:
        """The tenant's summaries of a case or of those bytes (either key matches), newest first."""
        return self._records_of(SUMMARIES, tenant_id, case_id, document_hash, limit)

    def save_question_set(self, question_set: dict[str, Any]) -> None:
        """Store one question set; it names its ``tenant_id`` and ``case_id`` or ``document_hash``."""
        self._insert_unless_erased(QUESTIONS, question_set)

    def question_sets_of(self, *, tenant_id: str, case_id: str | None = None, document_hash: str | None = None,
                         limit: int = 50) -> list[dict]:
        """The tenant's question sets of a case or of those bytes (either key matches), newest first."""
        return self._records_of(QUESTIONS, tenant_id, case_id, document_hash, limit)

    def _insert_unless_erased(self, collection: str, record: dict[str, Any]) -> None:
        """Insert a record generated from a case, unless the case was erased meanwhile (a summary
        written while its case was being erased would keep its text): CaseErasedError then.
        Checked after the insert too, as ``replace_chunks`` does, so an erasure between the
        check and the insert cannot leave the record behind."""
        case_id = record.get("case_id")
        if case_id and self.was_erased(case_id):
            raise CaseErasedError(f"case {case_id} was erased")
        inserted = self.db[collection].insert_one(to_bson(dict(record)))
        if case_id and self.was_erased(case_id):
            self.db[collection].delete_one({"_id": inserted.inserted_id})
            raise CaseErasedError(f"case {case_id} was erased")

    def _records_of(self, collection: str, tenant_id: str, case_id: str | None, document_hash: str | None,
                    limit: int) -> list[dict]:
        """Generated records (summaries, question sets) of a case or of an upload's bytes."""
        keys = [{"case_id": case_id}] if case_id else []
        keys += [{"document_hash": document_hash}] if document_hash else []
        if not keys:
            return []
        query = tenant_scope(keys[0] if len(keys) == 1 else {"$or": keys}, tenant_id)
        return list(self.db[collection].find(query, {"_id": 0}).sort("created_at", -1).limit(limit))

    def _delete_generated(self, *, tenant_id: str, case_id: str, document_hash: str | None) -> dict[str, int]:
        """Remove the tenant's summaries and question sets of a case or of its bytes; how many."""
        of_case = {"tenant_id": tenant_id,
                   "$or": [{"case_id": case_id}] + ([{"document_hash": document_hash}] if document_hash else [])}
        return {"summaries": self.db[SUMMARIES].delete_many(of_case).deleted_count,
                "question_sets": self.db[QUESTIONS].delete_many(of_case).deleted_count}
