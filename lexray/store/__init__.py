"""MongoDB repository for cases and chunks (pymongo): one module per collection's queries,
composed by ``CaseStore`` (``case_store``).

Every name callers import is here, so ``from lexray.store import CaseStore`` and the rest stay the
import path whichever module a name lives in.
"""

from lexray.store.case_store import CASE_ID_RECORDS, CaseStore, get_store
from lexray.store.cases import CASE_SUMMARY_FIELDS, INCOMPLETE_STATUSES, Registration, filter_query
from lexray.store.chat_sessions import ERASED_ANSWER, ERASED_CITATION
from lexray.store.connection import (
    AUDIT_LOG,
    CASES,
    CHAT_SESSIONS,
    CHUNKS,
    CITABLE_CASES,
    CITATIONS,
    ERASURES,
    JOBS,
    QUESTIONS,
    SUMMARIES,
    UPLOADS,
)
from lexray.store.documents import tenant_scope, to_bson, vector_from_bytes, vector_to_bytes
from lexray.store.erasures import CaseErasedError

__all__ = [
    "AUDIT_LOG", "CASES", "CASE_ID_RECORDS", "CASE_SUMMARY_FIELDS", "CHAT_SESSIONS", "CHUNKS", "CITABLE_CASES",
    "CITATIONS", "ERASED_ANSWER",
    "ERASED_CITATION", "ERASURES", "INCOMPLETE_STATUSES", "JOBS", "QUESTIONS", "SUMMARIES", "UPLOADS",
    "CaseErasedError", "CaseStore", "Registration", "filter_query", "get_store", "tenant_scope", "to_bson",
    "vector_from_bytes", "vector_to_bytes",
]
