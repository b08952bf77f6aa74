"""Embedding throughput: one process with 2 or 1 torch threads, and a Ray Data actor pool.

    python -m bench.embedding [--chunks N] [--repeat R] [--pdfs DIR] [--address ADDR]

The chunk texts are the real chunks of the text-layer PDFs in ``--pdfs`` (extracted, cleaned
and chunked by the pipeline's own functions with the default settings), cycled to N. Every row
embeds the same N texts in batches of ``EmbeddingSettings().batch_size`` with the same
``Embedder``, after one warm-up batch. The Ray rows run ``ray.data.from_items`` ->
``map_batches(EmbedChunks, compute=ActorPoolStrategy(size=k), num_cpus=1)`` with one torch
thread per actor. The pool start is gated on every actor having loaded its model
(``DataContext.wait_for_min_actors_s``), so no chunk is embedded before then: a Ray row's
seconds run from that moment to the last vector in the driver, and what came before (dataset
creation, actor start, model load, warm-up) is its ``start-up`` column. ``cores busy`` is the
CPU time spent embedding over those seconds (a 2-thread row near 1.0 means one thread worked).
Each row is run R times and its median is shown; ratios are against the in-process 2-thread
row of this run.

Prints a table and, as its last line, one JSON object with the figures.

Example output line:
``Ray Data, 2 actors x 1 thread      800    36.94     21.66         0.99x        1.61         7.5``
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pymupdf
import ray
from ray.data import ActorPoolStrategy, DataContext

from bench.extraction import DEFAULT_PDFS_DIR, start_ray
from bench.results import add_json_option, emit_figures
from bench.stats import rate
from bench.tables import Column, text_table
from lexray.errors import LexRayError
from lexray.settings import EmbeddingSettings, Settings
from pipelines.chunk import chunk_text
from pipelines.document import extract_case_text
from pipelines.embed import Embedder
from pipelines.extract import locate_pdf, pages_needing_ocr, read_text_layer

# About 3.5 minutes on 2 cores: the two single-core rows take ~70 s per 1000 chunks each.
DEFAULT_CHUNKS = 800
ACTOR_COUNTS = (1, 2)  # start_ray's local instance has max(bench.extraction.RAY_WORKER_COUNTS) CPUs
# Long enough for a model load on a busy machine; a pool that cannot start fails the run.
POOL_START_TIMEOUT_S = 300
VECTOR_ATOL = 1e-4
WARM_UP_TEXT = (
    "The district court granted summary judgment for the defendants, holding that the officers "
    "had probable cause; we review that ruling de novo and affirm."
)


@dataclass(frozen=True)
class Throughput:
    key: str  # name in the JSON line
    label: str  # name in the table
    chunks: int
    seconds: float  # median of the timed runs
    cpu_seconds: float  # CPU time of the embedding processes in that run
    startup_seconds: float | None = None  # Ray rows: dataset creation to pool ready (median)

    @property
    def chunks_per_s(self) -> float:
        return rate(self.chunks, self.seconds)

    @property
    def cores_busy(self) -> float:
        return rate(self.cpu_seconds, self.seconds)


@dataclass(frozen=True)
class RayDataRun:
    seconds: float  # from the pool being ready to the last vector in the driver
    startup_seconds: float  # dataset creation to the pool being ready
    cpu_seconds: float  # CPU time the actors spent in encode
    chunk_vectors: np.ndarray  # in input order


@dataclass(frozen=True)
class ChunkCorpus:
    chunk_texts: list[str]  # every chunk of the text-layer PDFs, in file and chunk order
    pdf_names: list[str]
    skipped: dict[str, str]  # file name -> error code, or "needs OCR"


class EmbedChunks:
    """Ray Data callable: one ``Embedder`` per actor, loaded and warmed up in ``__init__``."""

    def __init__(self, settings: EmbeddingSettings, batch_size: int) -> None:
        self.embedder = Embedder(settings)
        warm_up(self.embedder, batch_size)
        # Wall clock, compared with the driver's: fine on the local instance (one machine);
        # with --address, clock skew between nodes enters the Ray rows.
        self.ready_at = time.time()
        self.pid = os.getpid()

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        cpu_started = time.process_time()
        chunk_vectors = self.embedder.encode([str(text) for text in batch["text"]])
        rows = len(chunk_vectors)
        return {
            "position": batch["position"],
            "vector": chunk_vectors,
            "ready_at": np.full(rows, self.ready_at),
            "pid": np.full(rows, self.pid),
            "cpu_seconds": np.full(rows, (time.process_time() - cpu_started) / rows),
        }


def warm_up(embedder: Embedder, batch_size: int) -> None:
    """One untimed batch, so lazy initialisation inside torch is not timed in any row."""
    embedder.encode([WARM_UP_TEXT] * batch_size)


def load_chunk_texts(pdfs_dir: Path, settings: Settings) -> ChunkCorpus:
    """Cleaned chunk texts of every PDF whose pages all have a usable text layer."""
    chunk_texts, pdf_names, skipped = [], [], {}
    for pdf_path in sorted(pdfs_dir.glob("*.pdf")):
        data = pdf_path.read_bytes()
        try:
            page_texts = read_text_layer(locate_pdf(data, limits=settings.limits),
                                         limits=settings.limits)
            if pages_needing_ocr(page_texts, min_text_chars=settings.ocr.min_text_chars):
                skipped[pdf_path.name] = "needs OCR"
                continue
            case_text = extract_case_text(data, settings)
        except LexRayError as error:
            skipped[pdf_path.name] = error.code
            continue
        text_chunks = chunk_text(
            case_text.cleaned_content,
            case_text.page_spans,
            size_chars=settings.chunk.size_chars,
            overlap_chars=settings.chunk.overlap_chars,
        )
        chunk_texts.extend(chunk.text for chunk in text_chunks)
        pdf_names.append(pdf_path.name)
    return ChunkCorpus(chunk_texts, pdf_names, skipped)


def time_in_process(
    chunk_texts: list[str], *, torch_threads: int, batch_size: int, repeat: int
) -> tuple[Throughput, np.ndarray]:
    embedder = Embedder(EmbeddingSettings(torch_threads=torch_threads, batch_size=batch_size))
    warm_up(embedder, batch_size)
    runs = []  # (wall seconds, CPU seconds)
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        chunk_vectors = np.concatenate([
            embedder.encode(chunk_texts[start:start + batch_size])
            for start in range(0, len(chunk_texts), batch_size)
        ])
        runs.append((time.perf_counter() - started, time.process_time() - cpu_started))
    seconds, cpu_seconds = median_run(runs)
    plural = "s" if torch_threads > 1 else ""
    row = Throughput(
        f"in_process_{torch_threads}_thread{plural}",
        f"in-process, {torch_threads} torch thread{plural}",
        len(chunk_texts),
        seconds,
        cpu_seconds,
    )
    return row, chunk_vectors


def median_run(runs: list[tuple[float, ...]]) -> tuple[float, ...]:
    """The run with the median wall time (the lower middle one for an even count)."""
    return sorted(runs)[(len(runs) - 1) // 2]


def run_on_ray_data(chunk_texts: list[str], *, actors: int, batch_size: int) -> RayDataRun:
    settings = EmbeddingSettings(torch_threads=1, batch_size=batch_size)
    created_at = time.time()
    dataset = ray.data.from_items(
        [{"position": position, "text": text} for position, text in enumerate(chunk_texts)],
        # One block per model batch, so each actor call is one batch as in the in-process rows.
        override_num_blocks=math.ceil(len(chunk_texts) / batch_size),
    )
    dataset = dataset.map_batches(
        EmbedChunks,
        fn_constructor_kwargs={"settings": settings, "batch_size": batch_size},
        batch_size=batch_size,
        batch_format="numpy",
        compute=ActorPoolStrategy(size=actors),
        num_cpus=1,
    )
    batches = list(dataset.iter_batches(batch_size=None, batch_format="numpy"))
    finished_at = time.time()

    positions = np.concatenate([batch["position"] for batch in batches])
    chunk_vectors = np.concatenate([batch["vector"] for batch in batches])[np.argsort(positions)]
    pool_ready_at = max(float(batch["ready_at"].max()) for batch in batches)
    actor_pids = {int(pid) for batch in batches for pid in batch["pid"]}
    if len(actor_pids) < actors:  # too few batches to share; the row is then not what it says
        print(f"warning: only {len(actor_pids)} of {actors} actors got a batch", file=sys.stderr)
    return RayDataRun(
        seconds=finished_at - pool_ready_at,
        startup_seconds=pool_ready_at - created_at,
        cpu_seconds=float(sum(batch["cpu_seconds"].sum() for batch in batches)),
        chunk_vectors=chunk_vectors,
    )


def time_ray_data(
    chunk_texts: list[str], *, actors: int, batch_size: int, repeat: int
) -> tuple[Throughput, np.ndarray]:
    runs = [run_on_ray_data(chunk_texts, actors=actors, batch_size=batch_size)
            for _ in range(repeat)]
    seconds, cpu_seconds = median_run([(run.seconds, run.cpu_seconds) for run in runs])
    plural = "s" if actors > 1 else ""
    row = Throughput(
        f"ray_data_{actors}_actor{plural}",
        f"Ray Data, {actors} actor{plural} x 1 thread",
        len(chunk_texts),
        seconds,
        cpu_seconds,
        statistics.median(run.startup_seconds for run in runs),
    )
    return row, runs[-1].chunk_vectors


def format_table(rows: list[Throughput], baseline: Throughput) -> str:
    columns = [Column("measure", 34, "<"), Column("chunks", 8), Column("seconds", 9, spec=".2f"),
               Column("chunks/s", 10, spec=".2f"), Column("vs 2 threads", 14, spec=".2f", suffix="x"),
               Column("cores busy", 12, spec=".2f"), Column("start-up s", 12, spec=".1f")]
    return text_table(columns, [(row.label, row.chunks, row.seconds, row.chunks_per_s,
                                 row.chunks_per_s / baseline.chunks_per_s, row.cores_busy, row.startup_seconds)
                                for row in rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=DEFAULT_CHUNKS, help="chunk texts to embed")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per row (median shown)")
    parser.add_argument("--pdfs", type=Path, default=DEFAULT_PDFS_DIR, help="folder of PDFs")
    parser.add_argument(
        "--address", default=None, help="Ray cluster to use (default: a new local one)"
    )
    add_json_option(parser)
    args = parser.parse_args(argv)
    if args.chunks < 1 or args.repeat < 1:
        parser.error("--chunks and --repeat must be at least 1")
    load_avg_at_start = os.getloadavg()[0]  # other work on the machine skews every row
    settings = Settings()
    batch_size = EmbeddingSettings().batch_size
    pymupdf.TOOLS.mupdf_display_errors(False)  # damaged files are expected; keep the table readable

    corpus = load_chunk_texts(args.pdfs, settings)
    if not corpus.chunk_texts:
        print(f"no text-layer PDFs with text in {args.pdfs}", file=sys.stderr)
        return 1
    chunk_texts = list(itertools.islice(itertools.cycle(corpus.chunk_texts), args.chunks))
    print(
        f"{args.pdfs}: {len(corpus.chunk_texts)} chunks from {len(corpus.pdf_names)} text-layer "
        f"PDFs (size {settings.chunk.size_chars}, overlap {settings.chunk.overlap_chars}), "
        f"cycled to {len(chunk_texts)}; batch {batch_size}; x {args.repeat} runs; "
        f"skipped {corpus.skipped or 'none'}; load avg {load_avg_at_start:.2f}"
    )

    baseline, baseline_vectors = time_in_process(
        chunk_texts, torch_threads=2, batch_size=batch_size, repeat=args.repeat
    )
    one_thread, _ = time_in_process(
        chunk_texts, torch_threads=1, batch_size=batch_size, repeat=args.repeat
    )

    start_ray(args.address)
    context = DataContext.get_current()
    context.enable_progress_bars = False
    context.wait_for_min_actors_s = POOL_START_TIMEOUT_S  # see the module docstring
    try:
        ray_runs = [
            time_ray_data(chunk_texts, actors=actors, batch_size=batch_size, repeat=args.repeat)
            for actors in ACTOR_COUNTS
        ]
    finally:
        ray.shutdown()

    rows = [baseline, one_thread, *(row for row, _ in ray_runs)]
    print(format_table(rows, baseline))
    print(
        "seconds: embedding only. In-process: the encode loop after model load and one warm-up "
        "batch. Ray Data: from the last actor ready (model loaded, warmed up; the pool start "
        "waits for it) to every vector in the driver; start-up = dataset creation to that point. "
        "cores busy: CPU seconds spent embedding / seconds."
    )
    max_abs_diffs = {
        row.key: float(np.abs(vectors - baseline_vectors).max()) for row, vectors in ray_runs
    }
    vectors_match = all(
        np.allclose(vectors, baseline_vectors, atol=VECTOR_ATOL) for _, vectors in ray_runs
    )
    print(
        f"Ray Data vectors vs in-process 2 threads: "
        f"{'allclose' if vectors_match else 'DIFFER'} (atol {VECTOR_ATOL}; max abs diff "
        + ", ".join(f"{key} {diff:.1e}" for key, diff in max_abs_diffs.items())
        + ")"
    )

    figures = {
        "pdfs_dir": str(args.pdfs),
        "pdfs": corpus.pdf_names,
        "unique_chunks": len(corpus.chunk_texts),
        "chunks": len(chunk_texts),
        "batch_size": batch_size,
        "repeat": args.repeat,
        "load_avg_1m_start": round(load_avg_at_start, 2),
        "load_avg_1m_end": round(os.getloadavg()[0], 2),
        **{
            row.key: {
                "chunks": row.chunks,
                "seconds": round(row.seconds, 3),
                "chunks_per_s": round(row.chunks_per_s, 2),
                "vs_in_process_2_threads": round(row.chunks_per_s / baseline.chunks_per_s, 3),
                "cores_busy": round(row.cores_busy, 2),
                **({"startup_seconds": round(row.startup_seconds, 2)}
                   if row.startup_seconds is not None else {}),
            }
            for row in rows
        },
        "ray_vectors_allclose": vectors_match,
        "ray_vectors_max_abs_diff": {
            key: float(f"{diff:.3g}") for key, diff in max_abs_diffs.items()
        },
    }
    emit_figures(figures, args.json)
    return 0 if vectors_match else 1


if __name__ == "__main__":
    sys.exit(main())
