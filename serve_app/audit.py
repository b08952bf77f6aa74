"""The audit trail: one entry per authenticated request to a data route (``/api/...``, ``/v1/...``).

An entry says who (tenant, key id; never the key), what (method, route template, the case ids
in the path and those the response named: search hits, similar cases, citations; none for a
refused request), how it ended
(status) and which request it was (request id, the one in the response's X-Request-ID), with
its time and duration. Each entry is logged at once as a JSON line (logger ``ray.serve.
lexray.audit``) and queued for MongoDB's capped ``audit_log`` collection, written by a
background thread in batches: a slow or unreachable MongoDB never delays a response, and past
``audit.queue_size`` waiting entries new ones reach the log only (counted, warned).

``AuditMiddleware`` is plain ASGI so it can read a response's first bytes for case ids without
buffering the response; the gateway installs it inside the HTTP layer, which has already
authenticated the caller (``request.state.principal``) and named the request
(``request.state.request_id``) by the time it runs.
"""

from __future__ import annotations

import json
import logging
import queue
import re
import threading
import time
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from lexray.settings import AuditSettings
from lexray.store import CaseStore

logger = logging.getLogger("ray.serve.lexray.audit")

AUDITED_PREFIXES = ("/api/", "/v1/")
# Linear-time: a quoted key followed by a bounded quoted value without quotes or escapes.
CASE_ID_FIELD = re.compile(rb'"case_id"\s*:\s*"([^"\\]{1,128})"')
SCANNED_TYPES = (b"application/json", b"text/event-stream")


def case_ids_in(body: bytes, limit: int) -> list[str]:
    """The distinct ``case_id`` values a JSON (or SSE) body names, in order, at most ``limit``.

    >>> case_ids_in(b'{"results": [{"case_id": "a1"}, {"case_id": "b2"}, {"case_id": "a1"}]}', 10)
    ['a1', 'b2']
    >>> case_ids_in(b'{"case_id": null, "erased": true}', 10)
    []
    """
    found: dict[str, None] = {}
    for match in CASE_ID_FIELD.finditer(body):
        found.setdefault(match.group(1).decode("utf-8", "replace"), None)
        if len(found) >= limit:
            break
    return list(found)


def merged(first: Iterable[str], second: Iterable[str], limit: int) -> list[str]:
    """``first`` then ``second`` without repeats, at most ``limit``.

    >>> merged(["a"], ["b", "a", "c"], 2)
    ['a', 'b']
    """
    return list(dict.fromkeys([*first, *second]))[:limit]


class AuditTrail:
    """Entries to the JSON log now and to MongoDB from a background thread (bounded queue)."""

    def __init__(self, store: CaseStore, settings: AuditSettings) -> None:
        self.store = store
        self.settings = settings
        self.pending: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=settings.queue_size)
        self.dropped = 0
        self._collection_ready = False
        self._writer: threading.Thread | None = None
        self._writer_lock = threading.Lock()

    def record(self, entry: dict[str, Any]) -> None:
        logger.info(json.dumps({"audit": {**entry, "at": entry["at"].isoformat()}}, separators=(",", ":")))
        self._ensure_writer()
        try:
            self.pending.put_nowait(entry)
        except queue.Full:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                logger.warning("audit queue full: %d entries reached the JSON log only", self.dropped)

    def _ensure_writer(self) -> None:
        if self._writer is None:
            with self._writer_lock:
                if self._writer is None:
                    self._writer = threading.Thread(target=self._write_forever, name="audit-writer", daemon=True)
                    self._writer.start()

    def _write_forever(self) -> None:
        while True:
            batch = [self.pending.get()]
            while len(batch) < self.settings.write_batch:
                try:
                    batch.append(self.pending.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)

    def _write(self, batch: list[dict[str, Any]]) -> None:
        """Insert ``batch``, retrying while MongoDB is down; entries still queue meanwhile
        (bounded), and those past the bound were logged anyway."""
        while True:
            try:
                if not self._collection_ready:
                    self.store.ensure_audit_log(self.settings.collection_bytes)
                    self._collection_ready = True
                self.store.record_audit(batch)
                return
            except Exception as exc:  # noqa: BLE001 - never let the writer die
                logger.warning("could not write %d audit entries (%s); retrying in %g s",
                               len(batch), type(exc).__name__, self.settings.retry_wait_s)
                time.sleep(self.settings.retry_wait_s)


class AuditMiddleware:
    """ASGI middleware recording each authenticated request to a data route in ``trail``."""

    def __init__(self, app, trail: AuditTrail) -> None:
        self.app = app
        self.trail = trail

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(AUDITED_PREFIXES):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        settings = self.trail.settings
        outcome = {"status": 500, "scan": False}
        body = bytearray()

        async def watching_send(message) -> None:
            if message["type"] == "http.response.start":
                outcome["status"] = message["status"]
                content_type = dict(message.get("headers") or []).get(b"content-type", b"")
                outcome["scan"] = (settings.scan_bytes > 0 and 200 <= message["status"] < 300
                                   and content_type.startswith(SCANNED_TYPES))
            elif message["type"] == "http.response.body" and outcome["scan"] and len(body) < settings.scan_bytes:
                body.extend(message.get("body", b"")[:settings.scan_bytes - len(body)])
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        finally:
            self._record(scope, outcome["status"], bytes(body), started)

    def _record(self, scope, status: int, body: bytes, started: float) -> None:
        state = scope.get("state") or {}
        principal = state.get("principal")
        if principal is None:  # refused before authentication: no tenant to file it under
            return
        try:
            route = scope.get("route")
            template = getattr(route, "path_format", None) or getattr(route, "path", None) or "(no route)"
            path_params = scope.get("path_params") or {}
            limit = self.trail.settings.max_case_ids
            # A refused request touched no case: its entry names none (the tenant sees its own
            # entries, and another tenant's id it tried must not come back to it as a record).
            in_path = [str(path_params["case_id"])] if "case_id" in path_params and status < 400 else []
            self.trail.record({
                "at": datetime.now(timezone.utc),
                "request_id": str(state.get("request_id", "")),
                "tenant_id": principal.tenant,
                "key_id": principal.key_id,
                "method": scope["method"],
                "route": template,
                "case_ids": merged(in_path, case_ids_in(body, limit), limit),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 3),
            })
        except Exception:  # noqa: BLE001 - auditing must never fail the request
            logger.exception("could not record an audit entry")


def install_audit(app, store: CaseStore, settings: AuditSettings) -> AuditTrail:
    """Add ``AuditMiddleware`` to ``app``; call it before the HTTP layer is installed, so the
    audit runs inside it (after authentication, with the request id)."""
    trail = AuditTrail(store, settings)
    app.add_middleware(AuditMiddleware, trail=trail)
    return trail
