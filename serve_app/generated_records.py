"""Generated results kept in MongoDB (summaries, question sets): inserted only, so a later
failing request never loses one, and read back per case or per uploaded file.

A record names its ``tenant_id`` and its ``case_id`` (a stored case) or ``document_hash``
(the sha256 of an upload kept with ``store``). Reading by a case id also returns the records
of uploads of the same bytes; reading by a sha256 returns an upload's.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable

from lexray.store import CaseStore

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class GeneratedRecords:
    def __init__(self, store: CaseStore, *, insert: Callable[[dict], None],
                 records_of: Callable[..., list[dict]], id_field: str) -> None:
        self.store = store
        self.insert = insert          # e.g. store.save_summary
        self.records_of = records_of  # e.g. store.summaries_of
        self.id_field = id_field      # e.g. "summary_id"

    async def save(self, record: dict, tenant_id: str) -> dict:
        """``record`` with a new id and ``stored: true``, once inserted for ``tenant_id``."""
        record = {**record, self.id_field: uuid.uuid4().hex, "stored": True}
        await asyncio.to_thread(self._insert, {**record, "tenant_id": tenant_id})
        return record

    async def of(self, case_id: str, tenant_id: str) -> list[dict]:
        """The tenant's records of a case (with those of uploads of its bytes), or of an upload by
        its sha256; newest first. Another tenant's case reads like a missing one: no records."""
        case = await asyncio.to_thread(self.store.get_case, case_id, tenant_id=tenant_id, with_content=False)
        if case is not None:
            return await asyncio.to_thread(self.records_of, tenant_id=tenant_id, case_id=case_id,
                                           document_hash=case.get("document_hash"))
        if SHA256_HEX.match(case_id):
            return await asyncio.to_thread(self.records_of, tenant_id=tenant_id, document_hash=case_id)
        return []

    def _insert(self, document: dict) -> None:
        self.store.ensure_indexes_once()
        self.insert(document)
