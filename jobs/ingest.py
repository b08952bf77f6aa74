"""Batch ingestion on Ray Data: ``python -m jobs.ingest PATH [PATH ...]``.

Joins the running cluster (``--address``, RAY_ADDRESS, or the head ``make up`` started),
starting a local one only when none runs; also runs unchanged as
``ray job submit --working-dir . -- python -m jobs.ingest samples/pdfs``.

    read_binary_files -> extract (OCR fanned out per page) -> enrich -> embed (actor pool)
                      -> store chunks + index vectors

Every run is a job with an id (``--job-id``, else a new one) whose record in MongoDB holds
per-stage progress (documents done, rate, ETA; logged every ``ingest.progress_interval_s``
and served by ``GET /api/v1/ingestion/batch/{job_id}``). Rerunning a killed job skips the
documents already stored (reported as duplicates) and finishes the half-done ones (``resumed``).

The last stdout line is one JSON object:
``{"job_id", "ingested", "duplicates", "failed", "resumed", "pages", "ocr_pages", "chunks",
"skipped_links", "seconds"}``, plus ``"skipped"`` (the links not followed, relative to
``--root``) when there are any.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lexray.errors import StoreUnavailableError
from lexray.ids import new_job_id
from lexray.ray_connect import connect
from lexray.settings import Settings, get_settings

logger = logging.getLogger("lexray.ingest")


@dataclass
class Discovered:
    """The documents a run ingests, and the links it refused to follow (reported, not read)."""

    files: list[Path] = field(default_factory=list)
    skipped_links: list[str] = field(default_factory=list)


def discover_documents(paths: Iterable[str], root: Path | None = None) -> Discovered:
    """Files named directly, plus every ``*.pdf`` (any case) under the folders named.

    Links to folders are never followed (no loops, no second way into a tree). With ``root``
    (a batch job started over the API: the tenant's batch root) nothing outside it is read: a
    named path or a linked file that resolves outside ``root`` is skipped and reported in
    ``skipped_links``, as is every link to a folder.
    """
    root = root.resolve() if root is not None else None
    found: list[Path] = []
    skipped: list[str] = []

    def admit(path: Path) -> None:
        resolved = path.resolve()
        if root is not None and not resolved.is_relative_to(root):
            skipped.append(str(path))
        elif resolved.is_file():
            found.append(resolved)

    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            if root is not None and not path.resolve().is_relative_to(root):
                skipped.append(str(path))
                continue
            for folder, folders, names in os.walk(path, followlinks=False):
                folders.sort()
                skipped.extend(str(Path(folder, name)) for name in folders if Path(folder, name).is_symlink())
                for name in sorted(names):
                    if name.lower().endswith(".pdf"):
                        admit(Path(folder, name))
        elif path.is_file():
            admit(path)
        else:
            raise FileNotFoundError(f"no such file or folder: {raw}")
    for link in skipped:
        logger.warning("not following %s: a link to a folder, or out of the batch root", link)
    return Discovered(list(dict.fromkeys(found)), skipped)


def _cluster_cpus() -> int:
    import ray

    return max(int(ray.cluster_resources().get("CPU", 1)), 1)


def build_dataset(files: list[Path], settings: Settings, job_id: str = ""):
    """The Ray Data pipeline over ``files`` (lazy until consumed)."""
    import ray
    from ray.data import ActorPoolStrategy, TaskPoolStrategy

    from pipelines.stages import EmbedStage, enrich_stage, extract_stage, index_stage

    settings_json = settings.model_dump_json()
    cpus = _cluster_cpus()
    extract_tasks = settings.ingest.extract_concurrency or cpus
    embed_actors = settings.ingest.embed_actors or max(cpus // 2, 1)
    stage_kwargs = {"settings_json": settings_json, "job_id": job_id}

    stage_cpus = settings.ingest.stage_cpus
    dataset = ray.data.read_binary_files(
        [str(path) for path in files], include_paths=True, override_num_blocks=len(files),
        num_cpus=stage_cpus,
    )
    dataset = dataset.map(extract_stage, fn_kwargs=stage_kwargs, num_cpus=stage_cpus,
                          compute=TaskPoolStrategy(size=extract_tasks))
    dataset = dataset.map(enrich_stage, fn_kwargs=stage_kwargs, num_cpus=stage_cpus)
    dataset = dataset.map_batches(
        EmbedStage,
        fn_constructor_kwargs=stage_kwargs,
        batch_size=settings.ingest.embed_batch_docs,
        batch_format="numpy",
        compute=ActorPoolStrategy(size=embed_actors),
        num_cpus=settings.ingest.embed_actor_cpus,
        num_gpus=1 if settings.embedding.device == "cuda" else 0,
    )
    return dataset.map_batches(index_stage, fn_kwargs=stage_kwargs, batch_format="numpy",
                               batch_size=settings.ingest.embed_batch_docs, num_cpus=stage_cpus)


def summarise(outcomes: list[dict], seconds: float, job_id: str = "", skipped_links: int = 0) -> dict:
    return {
        "job_id": job_id,
        "ingested": sum(row["status"] == "indexed" for row in outcomes),
        "duplicates": sum(row["status"] == "duplicate" for row in outcomes),
        "failed": sum(row["status"] == "failed" for row in outcomes),
        "resumed": sum(bool(row.get("resumed")) for row in outcomes),
        "pages": sum(int(row["pages"]) for row in outcomes if row["status"] == "indexed"),
        "ocr_pages": sum(int(row["ocr_pages"]) for row in outcomes if row["status"] == "indexed"),
        "chunks": sum(int(row["chunks"]) for row in outcomes if row["status"] == "indexed"),
        "skipped_links": skipped_links,
        "seconds": round(seconds, 2),
    }


def run_ingest(
    paths: list[str], settings: Settings, *, job_id: str | None = None, root: Path | None = None
) -> tuple[dict, list[dict]]:
    """Ingest ``paths`` (nothing outside ``root`` when given); returns the summary and one
    outcome row per document.

    Progress is recorded in MongoDB under ``job_id`` (a new id when None) as documents move
    through the stages and finish, for the log and ``GET /api/v1/ingestion/batch/{job_id}``.
    """
    import ray

    from actors.index_actor import get_index_actor
    from lexray.store import get_store

    started = time.perf_counter()
    job_id = job_id or new_job_id()
    discovered = discover_documents(paths, root)
    files = discovered.files
    store = get_store(settings.mongodb)
    store.ping()
    store.ensure_indexes()
    connect(settings)
    index_actor = get_index_actor(settings)
    ray.get(index_actor.count.remote())  # the actor is up (restored) before stages use it
    outcomes: list[dict] = []
    store.ensure_job(job_id=job_id, tenant_id=settings.ingest.tenant, folder=", ".join(paths))
    store.start_job(job_id, total=len(files))
    logger.info("job %s: %d documents", job_id, len(files))
    reporter = ProgressLog(store, job_id, settings.ingest.progress_interval_s)
    if files:
        ray.data.DataContext.get_current().enable_progress_bars = True
        dataset = build_dataset(files, settings, job_id)
        with reporter:
            for row in dataset.iter_rows():
                outcomes.append(dict(row))
                store.record_job_outcome(job_id, row["status"], resumed=bool(row.get("resumed")))
        ray.get(index_actor.snapshot.remote())
    summary = summarise(outcomes, time.perf_counter() - started, job_id, len(discovered.skipped_links))
    if discovered.skipped_links:
        # Names relative to the root only: the job record is served to the tenant.
        summary["skipped"] = [os.path.relpath(link, root) if root else link
                              for link in discovered.skipped_links[:100]]
    store.finish_job(job_id, summary)
    reporter.log_once()
    return summary, outcomes


class ProgressLog:
    """Logs the job's per-stage progress line every ``interval_s`` while the block runs."""

    def __init__(self, store, job_id: str, interval_s: float) -> None:
        self.store, self.job_id, self.interval_s = store, job_id, interval_s
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="ingest-progress")

    def __enter__(self) -> ProgressLog:
        if self.interval_s > 0:
            self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopped.set()
        if self.thread.is_alive():
            self.thread.join(timeout=5)

    def _run(self) -> None:
        while not self.stopped.wait(self.interval_s):
            self.log_once()

    def log_once(self) -> None:
        from pipelines.progress import format_progress, stage_report

        try:
            job = self.store.get_job(self.job_id)
        except Exception:  # noqa: BLE001 - progress is informative; the job goes on
            logger.warning("job %s: progress unavailable (MongoDB)", self.job_id)
            return
        if job is not None:
            logger.info("job %s: %s", self.job_id, format_progress(stage_report(job)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobs.ingest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", help="PDF files or folders of PDFs")
    parser.add_argument("--address", help="Ray cluster address (default: RAY_ADDRESS or `make up`'s head)")
    parser.add_argument("--retry-failed", action="store_true", help="reprocess documents stored as failed")
    parser.add_argument("--tenant", help="tenant that owns the documents (default: LEXRAY_INGEST_TENANT)")
    parser.add_argument("--job-id", help="record progress under this id (jobs started by the API)")
    parser.add_argument("--root", type=Path,
                        help="read nothing outside this folder: links leaving it are skipped and reported")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # faiss logs each optional CPU-specific build it does not find; only its warnings matter.
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)

    settings = get_settings()
    updates: dict = {}
    if args.address:
        updates["ray"] = settings.ray.model_copy(update={"address": args.address})
    ingest_updates = {"retry_failed": True} if args.retry_failed else {}
    if args.tenant:
        ingest_updates["tenant"] = args.tenant
    if ingest_updates:
        updates["ingest"] = settings.ingest.model_copy(update=ingest_updates)
    settings = settings.model_copy(update=updates)
    try:
        summary, outcomes = run_ingest(args.paths, settings, job_id=args.job_id, root=args.root)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except StoreUnavailableError as exc:
        print(f"error: {exc.message} (is the local stack up? `make up`)", file=sys.stderr)
        return 3
    for row in outcomes:
        if row["status"] == "failed":
            print(f"failed: {row['filename']}: {row['reason']}: {row['message']}", file=sys.stderr)
    # Ray forwards worker log lines (raylet warnings) to this process's stdout until it
    # disconnects; disconnect first, so the summary is the last line whatever Ray prints.
    import ray

    if ray.is_initialized():
        ray.shutdown()
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
