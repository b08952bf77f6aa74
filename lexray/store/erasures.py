"""Erasure receipts (collection ``erasures``): who erased which case and when, and what went.
Writers of anything derived from a case check them (``was_erased``) so an erased case cannot
come back. Erasing a case across the collections is ``CaseStore.erase_case``."""

from __future__ import annotations

from datetime import datetime

from pymongo.errors import DuplicateKeyError

from lexray.errors import LexRayError
from lexray.models import utcnow
from lexray.store.connection import ERASURES, StoreConnection


class CaseErasedError(LexRayError):
    """The case was erased (or never existed) while a worker was still processing it: its
    results must not be written, or they would bring the erased case back."""

    code = "case_erased"


class ErasureReceipts(StoreConnection):
    def _ensure_erasure_indexes(self) -> None:
        self.db[ERASURES].create_index("case_id", unique=True)
        self.db[ERASURES].create_index([("tenant_id", 1), ("erased_at", -1)])

    def was_erased(self, case_id: str) -> bool:
        return self.db[ERASURES].count_documents({"case_id": case_id}, limit=1) == 1

    def _start_erasure(self, case_id: str, *, tenant_id: str, key_id: str, request_id: str) -> bool:
        """Write the receipt of an erasure that begins now; False when the case has one already
        (erased, or being erased by a concurrent request: the index is unique per case id)."""
        try:
            self.db[ERASURES].insert_one({"case_id": case_id, "tenant_id": tenant_id, "key_id": key_id,
                                          "request_id": request_id, "started_at": utcnow(),
                                          "erased_at": None, "removed": None})
        except DuplicateKeyError:
            return False
        return True

    def finish_erasure(self, case_id: str, removed: dict[str, int | None]) -> datetime:
        """Complete an erasure's receipt with what was removed; returns when it finished."""
        erased_at = utcnow()
        self.db[ERASURES].update_one({"case_id": case_id}, {"$set": {"erased_at": erased_at, "removed": removed}})
        return erased_at

    def erasures_of(self, *, tenant_id: str, limit: int = 100) -> list[dict]:
        return list(self.db[ERASURES].find({"tenant_id": tenant_id}, {"_id": 0})
                    .sort("erased_at", -1).limit(limit))
