"""A bounded mixed load on the deployed application over loopback: N concurrent clients for a
fixed time, each sending its next request when the last one is answered.

    python -m bench.load [--clients 8] [--seconds 60] [--mix search=70,case=20,upload=5,chat=5]
        [--baseline-seconds 10] [--seed 0] [--mongodb-uri URI]

The application is deployed as the other HTTP benches deploy it (``bench.deploy``: a fresh
local Ray instance, its own MongoDB-protocol server, app name, API key and port, vLLM included;
deploying is not timed), with the upload rate limit raised out of the way (the general limit
already is). Before the load, the text-layer sample opinions are uploaded and indexed, so
searches and case reads find something. Then:

- ``baseline``: the same clients, for ``--baseline-seconds``, on ``GET /health/live`` (proxy ->
  gateway -> response, no deployment behind it): the floor under every route in this run.
- ``load``: for ``--seconds``, each request drawn from ``--mix`` (seeded):
  ``search`` ``POST /api/v1/retrieval/search`` (hybrid, a query from a fixed list),
  ``case`` ``GET /api/v1/retrieval/case/{id}`` (one of the indexed cases),
  ``upload`` ``POST /api/v1/ingestion/upload`` (a sample PDF made unique by a trailing PDF
  comment, so each one is a new document: 202 and queued processing),
  ``chat`` ``POST /api/v1/chat/ask`` (a question from a fixed list; the LLM answers).

For each route: requests, errors (any non-2xx, by status; 429s shown apart as deliberate
refusals), requests/s, p50/p95/p99 latency and p50 over the baseline's p50. Uploads go on
being processed after the load; the bench waits (up to ``--drain-seconds``) until every
upload it sent is ``indexed`` or ``failed`` and reports how many are in each: an upload that
was acknowledged but never processed would be a lost document. The last stdout line is one
JSON object with the figures.
"""

from __future__ import annotations

import lexray  # noqa: F401  (first: sets the environment Ray reads when it is imported)

import argparse
import asyncio
import random
import sys
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass

from bench.cli import option_type
from bench.deploy import deployed_stack
from bench.results import add_json_option, emit_figures
from bench.stats import percentiles_ms
from bench.tables import Column, text_table
from lexray.settings import PROJECT_ROOT, get_settings

SAMPLES = PROJECT_ROOT / "samples" / "pdfs"
# Text-layer opinions: indexed in seconds, so the load starts on a searchable corpus.
CORPUS = ("doctor__missouri.pdf", "doctor__gov.uscourts.cacd.652774.40.0.pdf", "doctor__ca5_00516242060.pdf")
UPLOAD_SAMPLE = "doctor__missouri.pdf"
ROUTES = ("search", "case", "upload", "chat")
DEFAULT_MIX = "search=70,case=20,upload=5,chat=5"
QUERIES = (
    "plea counsel coerced the guilty plea", "preliminary injunction former employee trade secrets",
    "post-conviction relief Rule 24.035", "clerical error in the written judgment nunc pro tunc",
    "likelihood of success on the merits irreparable harm", "statutory sodomy sentence",
    "arbitration clause enforceability", "due process hearing notice",
)
QUESTIONS = (
    "Did plea counsel coerce the appellant into pleading guilty?",
    "Why was the preliminary injunction granted?",
    "What error in the written judgment required a remand?",
)
UPLOAD_RATE_LIMIT_PER_MINUTE = 1_000_000


@dataclass(frozen=True)
class Outcome:
    route: str
    status: int          # HTTP status; 0 for a transport failure
    seconds: float


def parse_mix(text: str) -> dict[str, float]:
    """Route shares from ``name=weight,...``, normalised to 1.

    >>> parse_mix("search=70,case=20,upload=5,chat=5")["search"]
    0.7
    """
    shares: dict[str, float] = {}
    for part in text.split(","):
        name, _, weight = part.partition("=")
        name = name.strip()
        if name not in ROUTES:
            raise ValueError(f"unknown route {name!r}; use {', '.join(ROUTES)}")
        try:
            shares[name] = float(weight)
        except ValueError:
            raise ValueError(f"weight of {name!r} is not a number: {weight!r}") from None
        if shares[name] < 0:
            raise ValueError(f"weight of {name!r} is negative")
    total = sum(shares.values())
    if total <= 0:
        raise ValueError("the mix needs a positive weight")
    return {name: weight / total for name, weight in shares.items()}


def unique_pdf(pdf_bytes: bytes, tag: str) -> bytes:
    """The same PDF with a trailing comment: other bytes (a new document), same pages."""
    return pdf_bytes + f"\n% lexray-load {tag}\n".encode()


def summarize(outcomes: list[Outcome], seconds: float, baseline_p50_ms: float | None = None) -> dict[str, dict]:
    """Per route: requests, errors by status (429 apart), req/s and latency percentiles of the
    answered requests.

    >>> figures = summarize([Outcome("case", 200, 0.01), Outcome("case", 200, 0.03),
    ...                      Outcome("case", 503, 0.02), Outcome("case", 429, 0.001)], 2.0, 10.0)
    >>> figures["case"]["requests"], figures["case"]["errors"], figures["case"]["rate_limited"]
    (4, {'503': 1}, 1)
    >>> figures["case"]["p50_ms"], figures["case"]["p50_vs_baseline"]
    (20.0, 2.0)
    """
    figures: dict[str, dict] = {}
    for route in sorted({outcome.route for outcome in outcomes}):
        mine = [outcome for outcome in outcomes if outcome.route == route]
        ok_seconds = [outcome.seconds for outcome in mine if 200 <= outcome.status < 300]
        errors = Counter(str(outcome.status) for outcome in mine
                         if not 200 <= outcome.status < 300 and outcome.status != 429)
        latency_ms = percentiles_ms(ok_seconds, (50, 95, 99))
        p50 = latency_ms["p50_ms"]
        figures[route] = {
            "requests": len(mine), "ok": len(ok_seconds), "errors": dict(sorted(errors.items())),
            "rate_limited": sum(outcome.status == 429 for outcome in mine),
            "per_s": round(len(mine) / seconds, 2) if seconds > 0 else None,
            **{name: None if value is None else round(value, 1) for name, value in latency_ms.items()},
            "p50_vs_baseline": round(p50 / baseline_p50_ms, 2) if p50 is not None and baseline_p50_ms else None,
        }
    return figures


def format_table(baseline: dict[str, dict], load: dict[str, dict]) -> str:
    columns = [Column("phase", 9, "<"), Column("route", 8, "<"), Column("requests", 9), Column("errors", 8),
               Column("429", 6), Column("req/s", 9), Column("p50 ms", 9), Column("p95 ms", 9), Column("p99 ms", 9),
               Column("p50 vs base", 13, spec=".1f", suffix="x")]
    return text_table(columns, [(phase, route, row["requests"], sum(row["errors"].values()), row["rate_limited"],
                                 row["per_s"], row["p50_ms"], row["p95_ms"], row["p99_ms"], row["p50_vs_baseline"])
                                for phase, figures in (("baseline", baseline), ("load", load))
                                for route, row in figures.items()])


class Workload:
    """What one request of each route sends."""

    def __init__(self, case_ids: list[str], upload_bytes: bytes, seed: int) -> None:
        self.case_ids = case_ids
        self.upload_bytes = upload_bytes
        self.random = random.Random(seed)
        self.uploaded: list[str] = []

    async def send(self, client, route: str) -> int:
        if route == "search":
            response = await client.post("/api/v1/retrieval/search",
                                         json={"query": self.random.choice(QUERIES), "limit": 10})
        elif route == "case":
            response = await client.get(f"/api/v1/retrieval/case/{self.random.choice(self.case_ids)}")
        elif route == "upload":
            pdf = unique_pdf(self.upload_bytes, uuid.uuid4().hex)
            response = await client.post("/api/v1/ingestion/upload",
                                         files={"file": ("load.pdf", pdf, "application/pdf")})
            if response.status_code == 202:
                self.uploaded.append(response.json()["case_id"])
        elif route == "chat":
            response = await client.post("/api/v1/chat/ask", json={"message": self.random.choice(QUESTIONS)})
        elif route == "live":
            response = await client.get("/health/live")
        else:
            raise ValueError(route)
        return response.status_code


async def run_phase(client, workload: Workload, routes: list[str], weights: list[float], clients: int,
                    seconds: float) -> tuple[list[Outcome], float]:
    """``clients`` loops sending requests drawn from ``routes`` until ``seconds`` have passed."""
    import httpx

    outcomes: list[Outcome] = []
    started = time.perf_counter()
    deadline = started + seconds

    async def loop() -> None:
        while time.perf_counter() < deadline:
            route = workload.random.choices(routes, weights)[0]
            sent = time.perf_counter()
            try:
                status = await workload.send(client, route)
            except httpx.TransportError:
                status = 0
            outcomes.append(Outcome(route, status, time.perf_counter() - sent))

    await asyncio.gather(*(loop() for _ in range(clients)))
    return outcomes, time.perf_counter() - started


async def wait_processed(client, case_ids: list[str], timeout_s: float) -> dict[str, int]:
    """Final statuses of ``case_ids`` once each is indexed or failed (or the time is up)."""
    deadline = time.monotonic() + timeout_s
    final: dict[str, str] = {}
    while True:
        for case_id in case_ids:
            if case_id in final:
                continue
            response = await client.get(f"/api/v1/ingestion/status/{case_id}")
            status = response.json().get("processing_status") if response.status_code == 200 else None
            if status in ("indexed", "failed"):
                final[case_id] = status
        if len(final) == len(case_ids) or time.monotonic() > deadline:
            break
        await asyncio.sleep(2)
    counts = Counter(final.values())
    return {"indexed": counts["indexed"], "failed": counts["failed"], "unfinished": len(case_ids) - len(final)}


async def bench(settings, api_key: str, args, mix: dict[str, float]) -> dict:
    import httpx

    async with httpx.AsyncClient(base_url=f"http://{settings.api.host}:{settings.api.port}",
                                 headers={"Authorization": f"Bearer {api_key}"}, timeout=httpx.Timeout(300.0),
                                 limits=httpx.Limits(max_connections=args.clients + 4)) as client:
        corpus_ids = []
        for name in CORPUS:
            response = await client.post("/api/v1/ingestion/upload",
                                         files={"file": (name, (SAMPLES / name).read_bytes(), "application/pdf")})
            response.raise_for_status()
            corpus_ids.append(response.json()["case_id"])
        corpus = await wait_processed(client, corpus_ids, args.drain_seconds)
        if corpus["indexed"] != len(CORPUS):
            raise RuntimeError(f"the corpus did not index: {corpus}")
        print(f"corpus indexed: {len(corpus_ids)} cases; baseline {args.baseline_seconds:g}s, "
              f"then load {args.seconds:g}s with {args.clients} clients", flush=True)
        workload = Workload(corpus_ids, (SAMPLES / UPLOAD_SAMPLE).read_bytes(), args.seed)
        await workload.send(client, "search")  # warm the routes: first calls load models
        await workload.send(client, "chat")
        live, live_s = await run_phase(client, workload, ["live"], [1.0], args.clients, args.baseline_seconds)
        baseline = summarize(live, live_s)
        baseline_p50 = baseline["live"]["p50_ms"]
        routes = list(mix)
        outcomes, load_s = await run_phase(client, workload, routes, [mix[r] for r in routes], args.clients,
                                           args.seconds)
        load = summarize(outcomes, load_s, baseline_p50)
        drained = await wait_processed(client, workload.uploaded, args.drain_seconds)
    total = len(outcomes)
    return {"clients": args.clients, "seconds": round(load_s, 1), "mix": mix, "baseline": baseline,
            "load": load, "total": {"requests": total, "per_s": round(total / load_s, 2),
                                    "errors": sum(sum(row["errors"].values()) for row in load.values()),
                                    "rate_limited": sum(row["rate_limited"] for row in load.values())},
            "uploads": {"acknowledged": len(workload.uploaded), **drained}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--baseline-seconds", type=float, default=10.0)
    parser.add_argument("--mix", type=option_type(parse_mix), default=DEFAULT_MIX)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--drain-seconds", type=float, default=600.0,
                        help="how long to wait for uploads to finish processing")
    parser.add_argument("--mongodb-uri", help="a MongoDB to use (a database of the run's own) instead of "
                                              "a fresh in-memory server")
    add_json_option(parser)
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0 or args.baseline_seconds <= 0:
        parser.error("--clients must be at least 1 and the durations positive")

    with ExitStack() as cleanup:
        settings, api_key, _ = deployed_stack(
            get_settings(), args.mongodb_uri, cleanup, name="load",
            api_updates={"upload_rate_limit_per_minute": UPLOAD_RATE_LIMIT_PER_MINUTE})
        figures = asyncio.run(bench(settings, api_key, args, args.mix))
    print(format_table(figures["baseline"], figures["load"]))
    total, uploads = figures["total"], figures["uploads"]
    print(f"load: {total['requests']} requests in {figures['seconds']}s ({total['per_s']}/s), "
          f"{total['errors']} errors, {total['rate_limited']} refused with 429; uploads acknowledged "
          f"{uploads['acknowledged']}: indexed {uploads['indexed']}, failed {uploads['failed']}, "
          f"unfinished {uploads['unfinished']}")
    emit_figures(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
