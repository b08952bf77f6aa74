"""The connection every collection's queries share: one client, the database, its collections."""

from __future__ import annotations

import gridfs
import pymongo
from pymongo.errors import PyMongoError

from lexray.errors import StoreUnavailableError
from lexray.redaction import redact_text, redact_uri
from lexray.settings import MongoSettings

CASES = "cases"
CHUNKS = "chunks"
UPLOADS = "uploads"
JOBS = "ingest_jobs"
SUMMARIES = "summaries"
QUESTIONS = "questions"
CHAT_SESSIONS = "chat_sessions"
AUDIT_LOG = "audit_log"
ERASURES = "erasures"
CITATIONS = "citations"
CITABLE_CASES = "citable_cases"


class StoreConnection:
    """A MongoDB client and LexRay's database; each collection's queries are a subclass of it
    (``lexray.store.case_store.CaseStore`` composes them)."""

    def __init__(self, settings: MongoSettings) -> None:
        self.settings = settings
        self.client = pymongo.MongoClient(
            settings.uri,
            serverSelectionTimeoutMS=settings.timeout_ms,
            connectTimeoutMS=settings.timeout_ms,
            tz_aware=True,
        )
        self.db = self.client[settings.db]
        self.cases = self.db[CASES]
        self.chunks = self.db[CHUNKS]
        # Uploaded PDFs live in GridFS, so any node of a cluster can process them.
        self.uploads = gridfs.GridFS(self.db, collection=UPLOADS)
        self.indexes_ready = False
        self.jobs = self.db[JOBS]

    def close(self) -> None:
        self.client.close()

    def ping(self) -> None:
        try:
            self.client.admin.command("ping")
        except PyMongoError as exc:
            # The URI's password and the driver's text (which may quote the URI) stay out.
            raise StoreUnavailableError(
                f"MongoDB at {redact_uri(self.settings.uri)} is unreachable: {redact_text(str(exc))}") from exc
