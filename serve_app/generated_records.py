"""Generated results kept in MongoDB (summaries, question sets): inserted only, so a later
failing request never loses one, and read back per case or per uploaded file.

A record is the response that showed it (``SummaryResponse``, ``QuestionSetResponse``) stored
with its ``tenant_id``; it names its ``case_id`` (a stored case) or ``document_hash`` (the sha256
of an upload kept with ``store``). Reading by a case id also returns the records of uploads of
the same bytes; reading by a sha256 returns an upload's.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable
from typing import Generic, TypeVar

from pydantic import BaseModel

from lexray.store import CaseStore
from serve_app import schemas
from serve_app.errors import ApiError

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")

Record = TypeVar("Record", bound=BaseModel)


class GeneratedRecords(Generic[Record]):
    def __init__(self, store: CaseStore, *, model: type[Record], insert: Callable[[dict], None],
                 records_of: Callable[..., list[dict]], id_field: str, missing: str) -> None:
        self.store = store
        self.model = model            # e.g. SummaryResponse
        self.insert = insert          # e.g. store.save_summary
        self.records_of = records_of  # e.g. store.summaries_of
        self.id_field = id_field      # e.g. "summary_id"
        self.missing = missing        # e.g. "summaries of": the 404's "no stored summaries of 'x'"

    @classmethod
    def summaries(cls, store: CaseStore) -> GeneratedRecords[schemas.SummaryResponse]:
        return cls(store, model=schemas.SummaryResponse, insert=store.save_summary, records_of=store.summaries_of,
                   id_field="summary_id", missing="summaries of")

    @classmethod
    def question_sets(cls, store: CaseStore) -> GeneratedRecords[schemas.QuestionSetResponse]:
        return cls(store, model=schemas.QuestionSetResponse, insert=store.save_question_set,
                   records_of=store.question_sets_of, id_field="question_set_id", missing="questions about")

    async def save(self, record: Record, tenant_id: str) -> Record:
        """``record`` with a new id and ``stored: true``, once inserted for ``tenant_id``."""
        record = record.model_copy(update={self.id_field: uuid.uuid4().hex, "stored": True})
        await asyncio.to_thread(self._insert, {**record.model_dump(), "tenant_id": tenant_id})
        return record

    async def of(self, case_id: str, tenant_id: str) -> list[Record]:
        """The tenant's records of a case (with those of uploads of its bytes), or of an upload by
        its sha256; newest first. 404 when there are none: another tenant's case reads like a
        missing one."""
        rows = await asyncio.to_thread(self._rows_of, case_id, tenant_id)
        if not rows:
            raise ApiError("not_found", f"no stored {self.missing} {case_id!r}")
        return [self.model.model_validate(row) for row in rows]

    def _rows_of(self, case_id: str, tenant_id: str) -> list[dict]:
        case = self.store.get_case(case_id, tenant_id=tenant_id, with_content=False)
        if case is not None:
            return self.records_of(tenant_id=tenant_id, case_id=case_id, document_hash=case.get("document_hash"))
        if SHA256_HEX.match(case_id):
            return self.records_of(tenant_id=tenant_id, document_hash=case_id)
        return []

    def _insert(self, document: dict) -> None:
        self.store.ensure_indexes_once()
        self.insert(document)
