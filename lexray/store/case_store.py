"""``CaseStore``: LexRay's MongoDB repository, every collection's queries (one module each in
``lexray.store``) over one connection, and what spans collections: indexes and erasure."""

from __future__ import annotations

from lexray.settings import MongoSettings
from lexray.store.audit import AuditLog
from lexray.store.cases import CaseRecords
from lexray.store.chat_sessions import ChatSessions
from lexray.store.chunks import ChunkRecords
from lexray.store.citations import CitationRecords
from lexray.store.connection import (
    AUDIT_LOG,
    CASES,
    CHAT_SESSIONS,
    CHUNKS,
    CITABLE_CASES,
    CITATIONS,
    ERASURES,
    QUESTIONS,
    SUMMARIES,
    UPLOADS,
)
from lexray.store.erasures import ErasureReceipts
from lexray.store.generated import GeneratedRecords
from lexray.store.jobs import JobRecords
from lexray.store.upload_queue import UploadQueue
from lexray.store.uploads import UploadFiles

# Keep case ids by design: the audit trail and the erasure receipts (never a case's text).
CASE_ID_RECORDS = {AUDIT_LOG, ERASURES}


class CaseStore(UploadQueue, CaseRecords, CitationRecords, ChunkRecords, GeneratedRecords, ChatSessions,
                ErasureReceipts, UploadFiles, JobRecords, AuditLog):
    """Cases, chunks, processing status and what was made of them, in MongoDB. Each base holds one
    collection's queries; a part that uses another derives from it (the upload queue marks cases
    failed, a failed or deleted case drops its chunks and citator records, chunk and citation
    writers check the erasure receipts)."""

    def ensure_indexes_once(self) -> CaseStore:
        """``ensure_indexes`` on this store's first use (deployments start before MongoDB may be
        reachable: until it is, this raises and the next call tries again); returns the store."""
        if not self.indexes_ready:
            self.ensure_indexes()
            self.indexes_ready = True
        return self

    def ensure_indexes(self) -> None:
        """The seed's indexes: unique ids and hash, and the metadata fields filters use."""
        self._ensure_case_indexes()
        self._ensure_chunk_indexes()
        self._ensure_citation_indexes()
        self._ensure_job_indexes()
        self._ensure_generated_indexes()
        self._ensure_chat_session_indexes()
        self._ensure_erasure_indexes()
        self._ensure_upload_index()

    def erase_case(self, case_id: str, *, tenant_id: str, key_id: str, request_id: str) -> dict[str, int] | None:
        """Delete ``tenant_id``'s case and what MongoDB holds of it: chunks (with vectors), the
        uploaded bytes (GridFS), summaries and question sets of the case or of its bytes, its
        citator records (other cases' citations of it resolve again: dangling, or to another
        case), any other record keyed by the case id; the case's citations in chat sessions become
        ``ERASED_CITATION`` and the answers that cited it ``ERASED_ANSWER``. Counts of what was
        removed, or None when the tenant has no such case (another tenant's: the same None).

        The receipt in ``erasures`` (who, when, case id; counts once done: ``finish_erasure``)
        is written first, unique per case id (of two concurrent erasures one gets None), then the
        case document goes: from then on a worker still processing the case can write nothing
        back (``replace_chunks`` refuses, status updates match nothing). The index is the
        caller's (the index actor's ``erase_case``). Needs ``ensure_indexes``.
        """
        case = self._case_identity(case_id, tenant_id=tenant_id)
        if case is None:
            return None
        if not self._start_erasure(case_id, tenant_id=case["tenant_id"], key_id=key_id, request_id=request_id):
            return None  # erased already, or being erased by a concurrent request
        self._delete_case_document(case_id)
        owner, document_hash = case["tenant_id"], case.get("document_hash")
        removed = {
            "cases": 1,
            "chunks": self._delete_chunks_of(case_id),
            **self._delete_generated(tenant_id=owner, case_id=case_id, document_hash=document_hash),
            "uploads": self.delete_uploads(tenant_id=owner, document_hash=document_hash) if document_hash else 0,
        }
        removed["chat_citations"], removed["chat_sessions"] = self._erase_citations(case_id, owner)
        removed["citator_records"] = self._delete_citations_of(case_id)
        removed["other_records"] = self._delete_other_records(case_id)
        return removed

    def _delete_other_records(self, case_id: str) -> int:
        """Remove what any other collection holds keyed by the case id (not the GridFS bucket:
        ``delete_uploads`` removed the bytes); how many records."""
        known = {CASES, CHUNKS, SUMMARIES, QUESTIONS, CHAT_SESSIONS, CITATIONS, CITABLE_CASES, *CASE_ID_RECORDS}
        others = 0
        for name in self.db.list_collection_names():
            if name not in known and not name.startswith((f"{UPLOADS}.", "system.")):
                others += self.db[name].delete_many({"case_id": case_id}).deleted_count
        return others


_stores: dict[tuple[str, str], CaseStore] = {}


def get_store(settings: MongoSettings) -> CaseStore:
    """One store (one connection pool) per process and database."""
    key = (settings.uri, settings.db)
    if key not in _stores:
        _stores[key] = CaseStore(settings)
    return _stores[key]
