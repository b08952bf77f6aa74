"""The audit trail (collection ``audit_log``, capped: the oldest entries go first)."""

from __future__ import annotations

from typing import Any

from pymongo.errors import CollectionInvalid

from lexray.store.connection import AUDIT_LOG, StoreConnection
from lexray.store.documents import to_bson


class AuditLog(StoreConnection):
    def ensure_audit_log(self, size_bytes: int) -> None:
        """Create the capped audit collection (``size_bytes``) unless it exists, and its index."""
        if AUDIT_LOG not in self.db.list_collection_names(filter={"name": AUDIT_LOG}):
            try:
                self.db.create_collection(AUDIT_LOG, capped=True, size=size_bytes)
            except CollectionInvalid:
                pass  # created concurrently by another replica
        self.db[AUDIT_LOG].create_index([("tenant_id", 1), ("at", -1)])

    def record_audit(self, entries: list[dict[str, Any]]) -> None:
        if entries:
            self.db[AUDIT_LOG].insert_many([to_bson(dict(entry)) for entry in entries], ordered=False)

    def audit_entries(self, *, tenant_id: str, skip: int = 0, limit: int = 50) -> list[dict]:
        """One page of the tenant's audit entries, newest first."""
        return list(self.db[AUDIT_LOG].find({"tenant_id": tenant_id}, {"_id": 0})
                    .sort([("at", -1), ("_id", -1)]).skip(skip).limit(limit))

    def count_audit_entries(self, *, tenant_id: str) -> int:
        return self.db[AUDIT_LOG].count_documents({"tenant_id": tenant_id})
