"""Fairness of the upload path: how long one tenant's single upload takes to be indexed while
another tenant has many uploads queued, against the same upload on an idle system.

    python -m bench.adversarial --sections fairness [--queued 50] [--repeats 3] [--mongodb-uri URI]

The application is deployed as the other HTTP benches deploy it (``bench.deploy``), with two
tenants' keys and the upload rate limit out of the way. Then, over HTTP:

- ``idle``: tenant B uploads a text-layer opinion (made unique each time, so each is a new
  document) and polls its status until ``indexed``; ``--repeats`` times, one after another.
- ``loaded``: tenant A uploads ``--queued`` documents at once (other opinions, each unique);
  while they are queued or running, tenant B repeats the idle measurement.

The figure is p50 time-to-indexed under load over p50 idle (the goal: under 2x on a 2-core
machine). The bench then waits until every one of tenant A's uploads has ended and reports how
many were indexed: a fair scheduler must not starve the busy tenant either.
"""

from __future__ import annotations

import lexray  # noqa: F401  (first: sets the environment Ray reads when it is imported)

import argparse
import secrets
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import httpx

from bench.deploy import deployed_stack
from bench.load import SAMPLES, unique_pdf
from bench.report import TableLine, format_ratio
from lexray.settings import get_settings
from lexray.store import CaseStore

BUSY_DOCUMENT = "doctor__gov.uscourts.cacd.652774.40.0.pdf"
WAITING_DOCUMENT = "doctor__missouri.pdf"
FINISHED = ("indexed", "failed")


def upload(client: httpx.Client, pdf: bytes, name: str) -> str:
    response = client.post("/api/v1/ingestion/upload", files={"file": (name, pdf, "application/pdf")})
    response.raise_for_status()
    return response.json()["case_id"]


def status_of(client: httpx.Client, case_id: str) -> str:
    return client.get(f"/api/v1/ingestion/status/{case_id}").json()["processing_status"]


def seconds_to_indexed(client: httpx.Client, pdf: bytes, timeout_s: float) -> tuple[float, str]:
    started = time.perf_counter()
    case_id = upload(client, pdf, "waiting.pdf")
    while (status := status_of(client, case_id)) not in FINISHED:
        if time.perf_counter() - started > timeout_s:
            raise TimeoutError(f"case {case_id} not processed within {timeout_s:.0f} s")
        time.sleep(0.2)
    if status != "indexed":
        raise RuntimeError(f"case {case_id} failed")
    return time.perf_counter() - started, case_id


def phases(store: CaseStore, case_id: str) -> dict[str, float]:
    """Where an upload's time went, from the case's timestamps: waiting for a slot (``queue``),
    for its worker to start (``start``), and processing to ``indexed`` (``work``)."""
    case = store.get_case(case_id, with_content=False) or {}
    marks = [case.get(name) for name in ("created_at", "dispatched_at", "processing_started_at", "processed_at")]
    if any(mark is None for mark in marks):
        return {}
    return {name: round((later - earlier).total_seconds(), 2)
            for name, earlier, later in zip(("queue", "start", "work"), marks, marks[1:])}


def measure(args: argparse.Namespace) -> dict:
    key_a, key_b = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    with ExitStack() as cleanup:
        settings, _, deploy_s = deployed_stack(
            get_settings(), args.mongodb_uri, cleanup, name="fairness",
            api_updates={"keys": f"{key_a}:tenant-a,{key_b}:tenant-b",
                         "upload_rate_limit_per_minute": 1_000_000})
        url = f"http://{settings.api.host}:{settings.api.port}"
        tenant_a = cleanup.enter_context(httpx.Client(base_url=url, timeout=120,
                                                      headers={"Authorization": f"Bearer {key_a}"}))
        tenant_b = cleanup.enter_context(httpx.Client(base_url=url, timeout=120,
                                                      headers={"Authorization": f"Bearer {key_b}"}))
        waiting = (SAMPLES / WAITING_DOCUMENT).read_bytes()
        busy = (SAMPLES / BUSY_DOCUMENT).read_bytes()

        store = CaseStore(settings.mongodb)
        # The first upload loads the embedding model into a worker: not part of either figure.
        seconds_to_indexed(tenant_b, unique_pdf(waiting, "warm-up"), args.upload_timeout_s)
        idle, idle_phases = [], []
        for n in range(args.repeats):
            seconds, case_id = seconds_to_indexed(tenant_b, unique_pdf(waiting, f"idle-{n}"), args.upload_timeout_s)
            idle.append(seconds)
            idle_phases.append(phases(store, case_id))
            print(f"idle run {n}: {seconds:.1f} s {idle_phases[-1]}", flush=True)

        with ThreadPoolExecutor(max_workers=8) as pool:
            queued_ids = list(pool.map(lambda n: upload(tenant_a, unique_pdf(busy, f"busy-{n}"), "busy.pdf"),
                                       range(args.queued)))
        loaded, loaded_phases = [], []
        for n in range(args.repeats):
            waiting_a = sum(status_of(tenant_a, case_id) not in FINISHED for case_id in queued_ids)
            seconds, case_id = seconds_to_indexed(tenant_b, unique_pdf(waiting, f"loaded-{n}"), args.upload_timeout_s)
            loaded.append(seconds)
            loaded_phases.append(phases(store, case_id))
            print(f"loaded run {n}: {seconds:.1f} s {loaded_phases[-1]} with {waiting_a} of tenant A's uploads waiting",
                  flush=True)
        drain_started = time.perf_counter()
        while (unfinished := [case_id for case_id in queued_ids if status_of(tenant_a, case_id) not in FINISHED]):
            if time.perf_counter() - drain_started > args.drain_seconds:
                break
            time.sleep(1)
        outcomes = [status_of(tenant_a, case_id) for case_id in queued_ids]
    idle_p50, loaded_p50 = statistics.median(idle), statistics.median(loaded)
    return {
        "deploy_s": round(deploy_s, 1), "queued": args.queued, "repeats": args.repeats,
        "idle_p50_s": round(idle_p50, 2), "loaded_p50_s": round(loaded_p50, 2),
        "loaded_vs_idle": round(loaded_p50 / idle_p50, 2),
        "idle_s": [round(s, 2) for s in idle], "loaded_s": [round(s, 2) for s in loaded],
        "idle_phases": idle_phases, "loaded_phases": loaded_phases,
        "busy_indexed": outcomes.count("indexed"), "busy_failed": outcomes.count("failed"),
        "busy_unfinished": len(unfinished),
    }


def fairness_rows(args: argparse.Namespace) -> list[dict]:
    """The ``fairness`` section of ``bench.adversarial``: one row, the figures of ``measure``
    (``--quick``: at most 10 queued, 2 repeats)."""
    if args.quick:
        args = argparse.Namespace(**{**vars(args), "queued": min(args.queued, 10), "repeats": min(args.repeats, 2)})
    return [measure(args)]


def fairness_table_lines(rows: list[dict], command: str) -> list[TableLine]:
    figures = rows[0]
    area = f"fairness ({figures['queued']} queued)"
    command = command + " --sections fairness"
    return [
        TableLine(area, "tenant B's upload: p50 s to indexed, A's queued", f"{figures['loaded_p50_s']:.2f}",
                  f"{figures['idle_p50_s']:.2f} (idle system)", format_ratio(figures["loaded_vs_idle"]), command),
        TableLine(area, "tenant A's uploads indexed afterwards", str(figures["busy_indexed"]),
                  f"{figures['queued']} (uploaded)", format_ratio(figures["busy_indexed"] / figures["queued"]), ""),
    ]


def fairness_figures(rows: list[dict]) -> dict:
    return rows[0]
