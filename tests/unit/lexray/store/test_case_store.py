"""CaseStore composes every collection's queries, and lexray.store keeps every name callers import."""

import lexray.store
from lexray.settings import MongoSettings
from lexray.store import CaseStore, get_store
from lexray.store.audit import AuditLog
from lexray.store.cases import CaseRecords
from lexray.store.chat_sessions import ChatSessions
from lexray.store.chunks import ChunkRecords
from lexray.store.citations import CitationRecords
from lexray.store.erasures import ErasureReceipts
from lexray.store.generated import GeneratedRecords
from lexray.store.jobs import JobRecords
from lexray.store.upload_queue import UploadQueue
from lexray.store.uploads import UploadFiles

# What other modules import from lexray.store.
CALLERS_IMPORT = ("CaseStore", "get_store", "INCOMPLETE_STATUSES", "Registration", "vector_from_bytes",
                  "vector_to_bytes", "to_bson", "tenant_scope", "CaseErasedError", "ERASED_ANSWER", "ERASED_CITATION")


def test_every_name_callers_import_is_in_the_package():
    assert all(hasattr(lexray.store, name) for name in CALLERS_IMPORT)
    assert set(CALLERS_IMPORT) <= set(lexray.store.__all__)


def test_the_store_is_every_collections_queries():
    parts = (UploadQueue, CaseRecords, CitationRecords, ChunkRecords, GeneratedRecords, ChatSessions,
             ErasureReceipts, UploadFiles, JobRecords, AuditLog)
    assert all(issubclass(CaseStore, part) for part in parts)


def test_one_store_per_database_without_connecting():
    # pymongo connects lazily: no server is needed to build a store (nothing listens on port 9).
    settings, other = (MongoSettings(uri="mongodb://127.0.0.1:9", db=name) for name in ("lexray_unit", "lexray_other"))
    store, other_store = get_store(settings), get_store(other)
    try:
        assert get_store(settings) is store and other_store is not store
        assert store.cases.name == "cases" and store.jobs.name == "ingest_jobs" and not store.indexes_ready
    finally:
        store.close()
        other_store.close()
