"""HTTP latency of the LexRay API on loopback, against a bare uvicorn endpoint in the same run.

    python -m bench.http_latency [--base-url URL] [--api-key K] [--duration S] [--concurrency N]
        [--pdf PATH] [--max-requests N] [--max-uploads N] [--poll-s S] [--upload-timeout S]
        [--skip-uploads]

Needs a running server (``make up``, http://127.0.0.1:8000); only loopback URLs are accepted.
Every phase runs ``--concurrency`` workers, each sending its next request when the previous
one is answered, until ``--duration`` seconds have passed or the phase's request cap is
reached, whichever comes first:

- ``bare uvicorn GET /ping``: the baseline, a FastAPI app returning ``{}`` served by uvicorn
  in a thread of this process on a free loopback port. It shares that process (and its GIL)
  with the load generator, so it is if anything slow and the ratios understate LexRay's
  overhead; on 2 cores, a server as fast as the baseline can come out at 0.5x to 1.2x.
- ``GET /health/live`` and ``GET /health``, capped at ``--max-requests`` each.
- upload round-trips, capped at ``--max-uploads``: POST ``/api/v1/ingestion/upload`` of the
  PDF made unique by a comment line after ``%%EOF`` (PDF readers ignore it; the server
  deduplicates on the sha256 of the bytes, so each round-trip is a real ingestion), then GET
  ``/status/{case_id}`` every ``--poll-s`` until ``indexed`` (ok) or ``failed`` (error). A
  round-trip's latency is upload to the first poll that sees ``indexed``, so it is late by up
  to ``--poll-s``. No round-trip starts after ``--duration``; those in flight run on for up to
  ``--upload-timeout`` seconds each. One that meets a 429 (on its POST or a poll) counts
  under 429 and is abandoned, so no round-trip time includes a rate-limit wait. The POSTs
  and the polls also get rows of their own.
  Each round-trip leaves a case in the store (file name ``bench-<run>-<n>__<pdf name>``).
- duplicate uploads, capped at ``--max-uploads``: the PDF's own bytes, uploaded (and
  processed) once untimed beforehand, then uploaded again and again: the cheap path, a
  lookup by hash that answers ``duplicate: true``.

Before each GET phase, ``--concurrency`` untimed requests open the connections.

Columns: ``requests`` answered (ok + 429 + errors); ``429`` refusals by the rate limiter,
counted apart from errors, after which the worker waits ``Retry-After`` (cut short at the
phase's end); ``errors`` every other failure (non-2xx, transport error, failed case,
timeout); ``req/s`` answered requests per second of the phase; ``p50``/``p99`` latency of
the ok requests only; ``vs bare`` p50 over the bare uvicorn p50 (single requests only).

The health routes are not rate-limited; uploads and status polls are, per key and per
minute (``LEXRAY_API_UPLOAD_RATE_LIMIT_PER_MINUTE``, 30 by default, and
``LEXRAY_API_RATE_LIMIT_PER_MINUTE``, 600). The default caps (12 + 12 + 1 seed uploads,
polls every 0.5 s) are meant to stay under those defaults in one run; for more samples
raise the server's limits, then ``--max-uploads``. The limit each phase saw
(``X-RateLimit-Limit``) is printed under the table, and a warning when any 429 came.

Exit status: 0; 1 when any request failed or the duplicate phase could not run; 2 when no
server answered.

Prints a table and, as its last line, one JSON object with the figures.

Example output line: ``GET /health/live   2345   2345   0   0   234.1   3.10   9.80   2.41x``
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import socket
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import uvicorn
from fastapi import FastAPI

from bench.results import add_json_option, emit_figures
from bench.stats import percentile, rate
from bench.tables import Column, text_table
from serve_app.client import CASE_DONE_STATUSES, LexRayAPIError
from serve_app.schemas import CaseStatusResponse, UploadResponse

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PDF = PROJECT_ROOT / "samples" / "pdfs" / "doctor__missouri.pdf"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
UPLOAD_PATH = "/api/v1/ingestion/upload"
STATUS_PATH = "/api/v1/ingestion/status/{case_id}"
REQUEST_TIMEOUT_S = 60.0
BASELINE_START_TIMEOUT_S = 10.0
# Waited after a 429 without a readable Retry-After.
DEFAULT_RETRY_AFTER_S = 1.0


def loopback_base_url(base_url: str) -> str:
    """The URL without a trailing slash, if its host is loopback; else ``ValueError``.

    >>> loopback_base_url("http://[::1]:8000/")
    'http://[::1]:8000'
    >>> loopback_base_url("http://example.com:8000")
    Traceback (most recent call last):
    ...
    ValueError: refusing http://example.com:8000: only 127.0.0.1, localhost or ::1
    """
    url = httpx.URL(base_url)
    if url.scheme not in ("http", "https") or url.host not in LOOPBACK_HOSTS:
        raise ValueError(f"refusing {base_url}: only 127.0.0.1, localhost or ::1")
    return base_url.rstrip("/")


def unique_pdf_bytes(pdf_bytes: bytes, tag: str) -> bytes:
    """The PDF with a comment line after its end, so its sha256 differs but its pages do not.

    >>> unique_pdf_bytes(b"%PDF-1.4 ... %%EOF", "run1-7")
    b'%PDF-1.4 ... %%EOF\\n%lexray-bench run1-7\\n'
    """
    separator = b"" if pdf_bytes.endswith((b"\n", b"\r")) else b"\n"
    return pdf_bytes + separator + b"%lexray-bench " + tag.encode("ascii") + b"\n"


@dataclass(frozen=True)
class Answer:
    """How one HTTP exchange went, as the table counts it."""

    outcome: str  # "ok" | "rate_limited" | "error"
    error_kind: str | None = None  # e.g. "HTTP 500 internal_error", "ConnectError"
    retry_after_s: float | None = None  # set for "rate_limited"
    rate_limit: str | None = None  # the X-RateLimit-Limit header, when present


def classify(response: httpx.Response | None, failure: str | None = None) -> Answer:
    """Sort an exchange into ok / rate_limited / error; ``failure`` names a transport error.

    >>> classify(httpx.Response(200, headers={"X-RateLimit-Limit": "600"}))
    Answer(outcome='ok', error_kind=None, retry_after_s=None, rate_limit='600')
    >>> classify(httpx.Response(429, headers={"Retry-After": "3"})).retry_after_s
    3.0
    >>> classify(httpx.Response(503, text="Service Unavailable")).error_kind
    'HTTP 503 http_503'
    >>> classify(None, "ReadTimeout").error_kind
    'ReadTimeout'
    """
    if response is None:
        return Answer("error", error_kind=failure or "no response")
    rate_limit = response.headers.get("X-RateLimit-Limit")
    if response.is_success:
        return Answer("ok", rate_limit=rate_limit)
    error = LexRayAPIError.from_response(response)
    if response.status_code == 429:
        retry_after_s = DEFAULT_RETRY_AFTER_S if error.retry_after is None else error.retry_after
        return Answer("rate_limited", retry_after_s=retry_after_s, rate_limit=rate_limit)
    return Answer("error", error_kind=f"HTTP {response.status_code} {error.code}",
                  rate_limit=rate_limit)


@dataclass
class PhaseStats:
    """What one row of the table counts; latencies are of ok requests only."""

    key: str  # name in the JSON line
    label: str  # name in the table
    ok: int = 0
    rate_limited: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    error_kinds: Counter = field(default_factory=Counter)
    rate_limit: str | None = None  # X-RateLimit-Limit of the last response that had one
    single_request: bool = True  # False for round-trips: no "vs bare" ratio

    @property
    def requests(self) -> int:
        return self.ok + self.rate_limited + self.errors

    @property
    def requests_per_s(self) -> float:
        return rate(self.requests, self.seconds)

    @property
    def p50_ms(self) -> float | None:
        return percentile(self.latencies_ms, 50)

    @property
    def p99_ms(self) -> float | None:
        return percentile(self.latencies_ms, 99)

    def add_ok(self, latency_ms: float) -> None:
        self.ok += 1
        self.latencies_ms.append(latency_ms)

    def add_error(self, kind: str) -> None:
        self.errors += 1
        self.error_kinds[kind] += 1

    def add_answer(self, answer: Answer, latency_ms: float) -> float | None:
        """Count one answer; returns the seconds to back off when it was a 429, else ``None``."""
        self.rate_limit = answer.rate_limit or self.rate_limit
        if answer.outcome == "ok":
            self.add_ok(latency_ms)
        elif answer.outcome == "rate_limited":
            self.rate_limited += 1
            return answer.retry_after_s
        else:
            self.add_error(answer.error_kind or "error")
        return None

    def vs_bare(self, baseline: PhaseStats) -> float | None:
        return _ratio(self.p50_ms, baseline.p50_ms) if self.single_request else None

    def figures(self, baseline: PhaseStats) -> dict:
        return {
            "requests": self.requests,
            "ok": self.ok,
            "rate_limited": self.rate_limited,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "requests_per_s": round(self.requests_per_s, 2),
            "p50_ms": _round_or_none(self.p50_ms),
            "p99_ms": _round_or_none(self.p99_ms),
            "p50_vs_bare": _round_or_none(self.vs_bare(baseline), 3),
            "rate_limit": self.rate_limit,
            "error_kinds": dict(self.error_kinds),
        }


def _ratio(value: float | None, reference: float | None) -> float | None:
    return value / reference if value is not None and reference else None


def _round_or_none(value: float | None, digits: int = 2) -> float | None:
    return round(value, digits) if value is not None else None


async def timed_request(
    client: httpx.AsyncClient, method: str, path: str, **kwargs
) -> tuple[httpx.Response | None, Answer, float]:
    """(the response, or None after a transport error; how it went; milliseconds)."""
    started = time.perf_counter()
    try:
        response = await client.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        return None, classify(None, type(exc).__name__), (time.perf_counter() - started) * 1000
    return response, classify(response), (time.perf_counter() - started) * 1000


async def run_bounded(
    send_one: Callable[[], Awaitable[float | None]],
    *,
    concurrency: int,
    duration_s: float,
    max_requests: int,
) -> float:
    """Run ``send_one`` from ``concurrency`` workers until the deadline or the cap; seconds taken.

    ``send_one`` returns seconds to back off (after a 429) or ``None``. A call started before
    the deadline is waited for; back-offs are cut short at the deadline.
    """
    started = time.perf_counter()
    deadline = started + duration_s
    issued = 0

    async def worker() -> None:
        nonlocal issued  # one event loop, so no lock is needed
        while issued < max_requests and time.perf_counter() < deadline:
            issued += 1
            backoff_s = await send_one()
            if backoff_s:
                await asyncio.sleep(max(0.0, min(backoff_s, deadline - time.perf_counter())))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


async def warm_up(client: httpx.AsyncClient, path: str, concurrency: int) -> None:
    await asyncio.gather(*(timed_request(client, "GET", path) for _ in range(concurrency)))


async def measure_get(
    client: httpx.AsyncClient, path: str, stats: PhaseStats, *, concurrency: int,
    duration_s: float, max_requests: int,
) -> PhaseStats:
    await warm_up(client, path, concurrency)

    async def get_once() -> float | None:
        _, answer, latency_ms = await timed_request(client, "GET", path)
        return stats.add_answer(answer, latency_ms)

    stats.seconds = await run_bounded(
        get_once, concurrency=concurrency, duration_s=duration_s, max_requests=max_requests
    )
    return stats


@dataclass
class UploadRoundTrips:
    """The upload phase's rows: whole round-trips, their POSTs, and their status polls."""

    round_trips: PhaseStats
    posts: PhaseStats
    polls: PhaseStats


def upload_files(pdf_bytes: bytes, filename: str) -> dict:
    return {"file": (filename, pdf_bytes, "application/pdf")}


@dataclass(frozen=True)
class CaseOutcome:
    """How waiting for a case ended: "indexed", "failed: <reason>", "rate_limited", or a problem."""

    result: str
    retry_after_s: float | None = None  # set for "rate_limited"


async def wait_until_done(
    client: httpx.AsyncClient, upload: UploadResponse, polls: PhaseStats, *, poll_s: float,
    deadline: float, give_up_on_429: bool,
) -> CaseOutcome:
    """Poll the case's status until indexed or failed, the deadline, or a failed poll.

    A 429 on a poll ends the wait when ``give_up_on_429`` (a timed round-trip must not
    include the rate limiter's back-off), else it is waited out.
    """
    status_path = STATUS_PATH.format(case_id=quote(upload.case_id, safe=""))
    case_status, failure_reason = upload.processing_status, None
    while case_status not in CASE_DONE_STATUSES:
        if time.perf_counter() >= deadline:
            return CaseOutcome(f"timeout ({case_status})")
        await asyncio.sleep(poll_s)
        response, answer, latency_ms = await timed_request(client, "GET", status_path)
        backoff_s = polls.add_answer(answer, latency_ms)
        if backoff_s is not None:
            if give_up_on_429:
                return CaseOutcome("rate_limited", retry_after_s=backoff_s)
            await asyncio.sleep(max(0.0, min(backoff_s, deadline - time.perf_counter())))
        elif answer.outcome != "ok":
            return CaseOutcome(f"status poll: {answer.error_kind}")
        else:
            case = CaseStatusResponse.model_validate_json(response.content)
            case_status, failure_reason = case.processing_status, case.failure_reason
    return CaseOutcome("indexed" if case_status == "indexed" else f"failed: {failure_reason}")


async def upload_round_trip(
    client: httpx.AsyncClient, pdf_bytes: bytes, filename: str, rows: UploadRoundTrips, *,
    poll_s: float, timeout_s: float,
) -> float | None:
    """Upload new bytes and poll until indexed or failed; returns the back-off after a 429.

    A 429 on the upload or on any poll counts the round-trip under 429 and abandons it.
    """
    started = time.perf_counter()
    response, answer, latency_ms = await timed_request(
        client, "POST", UPLOAD_PATH, files=upload_files(pdf_bytes, filename)
    )
    backoff_s = rows.posts.add_answer(answer, latency_ms)
    if answer.outcome != "ok":
        rows.round_trips.add_answer(
            dataclasses.replace(answer, error_kind=f"upload: {answer.error_kind}"), latency_ms
        )
        return backoff_s
    upload = UploadResponse.model_validate_json(response.content)
    if upload.duplicate:
        rows.round_trips.add_error("new bytes answered as a duplicate")
        return None
    outcome = await wait_until_done(
        client, upload, rows.polls, poll_s=poll_s, deadline=started + timeout_s,
        give_up_on_429=True,
    )
    if outcome.result == "indexed":
        rows.round_trips.add_ok((time.perf_counter() - started) * 1000)
    elif outcome.result == "rate_limited":
        rows.round_trips.rate_limited += 1
        return outcome.retry_after_s
    else:
        rows.round_trips.add_error(outcome.result)
    return None


async def measure_upload_round_trips(
    client: httpx.AsyncClient, pdf_bytes: bytes, pdf_name: str, *, run_id: str,
    concurrency: int, duration_s: float, max_uploads: int, poll_s: float, timeout_s: float,
) -> UploadRoundTrips:
    rows = UploadRoundTrips(
        round_trips=PhaseStats(
            "upload_round_trip", "upload round-trip, new bytes", single_request=False
        ),
        posts=PhaseStats("upload_post_new", "  POST /upload (202)"),
        polls=PhaseStats("status_poll", "  GET /status polls"),
    )
    counter = 0

    async def round_trip() -> float | None:
        nonlocal counter
        counter += 1
        tag = f"{run_id}-{counter}"
        return await upload_round_trip(
            client, unique_pdf_bytes(pdf_bytes, tag), f"bench-{tag}__{pdf_name}", rows,
            poll_s=poll_s, timeout_s=timeout_s,
        )

    seconds = await run_bounded(
        round_trip, concurrency=concurrency, duration_s=duration_s, max_requests=max_uploads
    )
    for row in (rows.round_trips, rows.posts, rows.polls):
        row.seconds = seconds
    return rows


async def seed_duplicate(
    client: httpx.AsyncClient, pdf_bytes: bytes, pdf_name: str, *, poll_s: float,
    timeout_s: float,
) -> str | None:
    """Make sure the server holds the PDF's own bytes, processed; returns why not, or ``None``.

    Untimed. A case still processing might not answer as a duplicate, hence the wait; a
    failed case does, so it serves as well as an indexed one.
    """
    deadline = time.perf_counter() + timeout_s
    while True:
        response, answer, _ = await timed_request(
            client, "POST", UPLOAD_PATH, files=upload_files(pdf_bytes, pdf_name)
        )
        if answer.outcome != "rate_limited":
            break
        if time.perf_counter() + answer.retry_after_s > deadline:
            return "rate limited"
        await asyncio.sleep(answer.retry_after_s)
    if answer.outcome != "ok":
        return f"upload: {answer.error_kind}"
    upload = UploadResponse.model_validate_json(response.content)
    polls = PhaseStats("seed_polls", "seed polls")
    outcome = await wait_until_done(
        client, upload, polls, poll_s=poll_s, deadline=deadline, give_up_on_429=False
    )
    if outcome.result == "indexed" or outcome.result.startswith("failed"):
        return None
    return outcome.result


async def measure_duplicates(
    client: httpx.AsyncClient, pdf_bytes: bytes, pdf_name: str, *, concurrency: int,
    duration_s: float, max_uploads: int,
) -> PhaseStats:
    stats = PhaseStats("upload_duplicate", "POST /upload, duplicate bytes")

    async def upload_again() -> float | None:
        response, answer, latency_ms = await timed_request(
            client, "POST", UPLOAD_PATH, files=upload_files(pdf_bytes, pdf_name)
        )
        if answer.outcome == "ok":
            if not UploadResponse.model_validate_json(response.content).duplicate:
                stats.add_error("not answered as a duplicate")
                return None
        return stats.add_answer(answer, latency_ms)

    stats.seconds = await run_bounded(
        upload_again, concurrency=concurrency, duration_s=duration_s, max_requests=max_uploads
    )
    return stats


def ping_app() -> FastAPI:
    """The baseline: the least a FastAPI endpoint can do."""
    app = FastAPI()

    @app.get("/ping")
    def ping() -> dict:
        return {}

    return app


class BackgroundUvicorn:
    """Serve an ASGI app with uvicorn in a daemon thread on a free loopback port."""

    def __init__(self, app: FastAPI) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True,
            name="bench-uvicorn",
        )

    def __enter__(self) -> BackgroundUvicorn:
        self._thread.start()
        deadline = time.monotonic() + BASELINE_START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the baseline uvicorn server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=BASELINE_START_TIMEOUT_S)
        self._socket.close()


def http_client(
    base_url: str, *, concurrency: int, api_key: str | None = None
) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    return httpx.AsyncClient(
        base_url=base_url,
        headers=headers,
        timeout=REQUEST_TIMEOUT_S,
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
    )


def format_table(rows: list[PhaseStats], baseline: PhaseStats) -> str:
    columns = [Column("phase", 34, "<"), Column("requests", 9), Column("ok", 7), Column("429", 6),
               Column("errors", 7), Column("req/s", 9, spec=".1f"), Column("p50 ms", 10, spec=".2f"),
               Column("p99 ms", 10, spec=".2f"), Column("vs bare", 9, spec=".2f", suffix="x")]
    return text_table(columns, [(row.label, row.requests, row.ok, row.rate_limited, row.errors, row.requests_per_s,
                                 row.p50_ms, row.p99_ms, row.vs_bare(baseline)) for row in rows])


class ServerUnavailable(Exception):
    """The LexRay server does not answer /health/live with a 2xx."""


async def check_server(client: httpx.AsyncClient, base_url: str) -> None:
    response, answer, _ = await timed_request(client, "GET", "/health/live")
    if response is None:
        raise ServerUnavailable(
            f"no LexRay server answers at {base_url} ({answer.error_kind}); "
            "start one with `make up`"
        )
    if answer.outcome != "ok":
        raise ServerUnavailable(
            f"{base_url}/health/live answered {LexRayAPIError.from_response(response)}"
            " (is --api-key needed?)"
        )


async def run(args: argparse.Namespace, pdf_bytes: bytes) -> tuple[list[PhaseStats], list[str]]:
    """Every phase, baseline first; returns the rows and notes for under the table."""
    notes: list[str] = []
    bounds = {"concurrency": args.concurrency, "duration_s": args.duration}
    async with http_client(args.base_url, concurrency=args.concurrency,
                           api_key=args.api_key) as lexray:
        await check_server(lexray, args.base_url)
        with BackgroundUvicorn(ping_app()) as bare:
            async with http_client(bare.base_url, concurrency=args.concurrency) as bare_client:
                baseline = await measure_get(
                    bare_client, "/ping", PhaseStats("bare_uvicorn_ping", "bare uvicorn GET /ping"),
                    max_requests=args.max_requests, **bounds,
                )
        rows = [baseline]
        for path, key in (("/health/live", "health_live"), ("/health", "health")):
            rows.append(await measure_get(
                lexray, path, PhaseStats(key, f"GET {path}"),
                max_requests=args.max_requests, **bounds,
            ))
        if args.skip_uploads:
            return rows, notes
        pdf_name = args.pdf.name
        upload_rows = await measure_upload_round_trips(
            lexray, pdf_bytes, pdf_name, run_id=uuid.uuid4().hex[:8], max_uploads=args.max_uploads,
            poll_s=args.poll_s, timeout_s=args.upload_timeout, **bounds,
        )
        rows += [upload_rows.round_trips, upload_rows.posts, upload_rows.polls]
        seed_problem = await seed_duplicate(
            lexray, pdf_bytes, pdf_name, poll_s=args.poll_s, timeout_s=args.upload_timeout
        )
        if seed_problem:
            notes.append(f"duplicate phase skipped: the seed upload failed ({seed_problem})")
        else:
            rows.append(await measure_duplicates(
                lexray, pdf_bytes, pdf_name, max_uploads=args.max_uploads, **bounds
            ))
    return rows, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base-url", default=DEFAULT_BASE_URL, help="LexRay server (loopback only)"
    )
    parser.add_argument("--api-key", default=None, help="sent as 'Authorization: Bearer <key>'")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase, at most")
    parser.add_argument("--concurrency", type=int, default=8, help="workers per phase")
    parser.add_argument("--pdf", type=Path, default=DEFAULT_PDF, help="PDF for the upload phases")
    parser.add_argument("--max-requests", type=int, default=20000,
                        help="cap per GET phase (baseline included)")
    parser.add_argument("--max-uploads", type=int, default=12,
                        help="cap per upload phase (round-trips; duplicates)")
    parser.add_argument("--poll-s", type=float, default=0.5, help="status poll interval")
    parser.add_argument("--upload-timeout", type=float, default=300.0,
                        help="seconds one round-trip may take before it counts as an error")
    parser.add_argument("--skip-uploads", action="store_true", help="run the GET phases only")
    add_json_option(parser)
    args = parser.parse_args(argv)
    try:
        args.base_url = loopback_base_url(args.base_url)
    except ValueError as exc:
        parser.error(str(exc))
    if args.duration <= 0 or args.concurrency < 1 or args.max_requests < 1 or args.max_uploads < 1:
        parser.error("--duration must be positive; --concurrency and the caps at least 1")
    if args.poll_s <= 0 or args.upload_timeout <= 0:
        parser.error("--poll-s and --upload-timeout must be positive")
    pdf_bytes = b""
    if not args.skip_uploads:
        try:
            pdf_bytes = args.pdf.read_bytes()
        except OSError as exc:
            parser.error(f"cannot read --pdf: {exc}")

    uploads = "uploads skipped" if args.skip_uploads else (
        f"{args.max_uploads} uploads of {args.pdf.name} ({len(pdf_bytes)} bytes)"
    )
    print(
        f"{args.base_url}: {args.concurrency} workers, at most {args.duration:g} s per phase; "
        f"caps {args.max_requests} GETs, {uploads}; load avg {os.getloadavg()[0]:.2f}"
    )
    try:
        rows, notes = asyncio.run(run(args, pdf_bytes))
    except ServerUnavailable as exc:
        print(exc, file=sys.stderr)
        return 2
    baseline = rows[0]
    print(format_table(rows, baseline))
    print(
        "latency: client-side, ok requests only; round-trip = upload to first poll seeing "
        f"'indexed' (poll every {args.poll_s:g} s). vs bare: p50 over bare uvicorn GET /ping p50."
    )
    limits = {row.label.strip(): row.rate_limit for row in rows[1:] if row.rate_limit}
    if limits:
        print("X-RateLimit-Limit seen: " + ", ".join(f"{k} {v}" for k, v in limits.items()))
    if any(row.rate_limited for row in rows):
        print("warning: 429s cut phases short; raise the server's rate limits for a benchmark")
    for row in rows:
        if row.error_kinds:
            kinds = ", ".join(f"{kind} x{count}" for kind, count in row.error_kinds.most_common(5))
            print(f"errors in {row.label.strip()}: {kinds}")
    for note in notes:
        print(note)

    rows_by_key = {row.key: row for row in rows}
    live = rows_by_key["health_live"]
    figures = {
        "base_url": args.base_url,
        "concurrency": args.concurrency,
        "duration_s": args.duration,
        "max_requests": args.max_requests,
        "max_uploads": args.max_uploads,
        "poll_s": args.poll_s,
        "pdf": args.pdf.name,
        "pdf_bytes": len(pdf_bytes),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        **{row.key: row.figures(baseline) for row in rows},
        "health_live_vs_bare": {
            "p50": _round_or_none(_ratio(live.p50_ms, baseline.p50_ms), 3),
            "p99": _round_or_none(_ratio(live.p99_ms, baseline.p99_ms), 3),
        },
        "notes": notes,
    }
    emit_figures(figures, args.json)
    return 1 if any(row.errors for row in rows) or notes else 0


if __name__ == "__main__":
    sys.exit(main())
