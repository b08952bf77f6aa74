"""Extraction throughput: text layer, OCR in one process, and OCR fanned out to Ray tasks.

    python -m bench.extraction [--pdfs DIR] [--repeat N] [--address ADDR]

Prints a table and, as its last line, one JSON object with the figures. The Ray rows run
the same ``ocr_page`` as the pipeline, one task per page (num_cpus=1), with at most 1 or
2 tasks in flight; the 2-worker speed-up is against the 1-worker run measured just before.

Example output line: ``OCR, Ray 2 workers   12   9.10   1.32   1.85x``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pymupdf
import ray

from bench.results import add_json_option, emit_figures
from bench.stats import rate
from bench.tables import Column, text_table
from lexray.errors import LexRayError
from lexray.settings import LimitSettings, OcrSettings
from pipelines.extract import locate_pdf, pages_needing_ocr, read_text_layer
from pipelines.ocr import ocr_page
from pipelines.ocr_tasks import ocr_page_task

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PDFS_DIR = PROJECT_ROOT / "samples" / "pdfs"
RAY_WORKER_COUNTS = (1, 2)
# Short text-layer passes are dominated by timer noise; keep repeating for at least this long.
MIN_TEXT_LAYER_SECONDS = 1.0


@dataclass(frozen=True)
class Throughput:
    key: str  # name in the JSON line
    label: str  # name in the table
    pages: int
    seconds: float

    @property
    def pages_per_s(self) -> float:
        return rate(self.pages, self.seconds)


@dataclass(frozen=True)
class Corpus:
    """The PDFs of a folder, split into what the text layer serves and what needs OCR."""

    born_digital_pdfs: list[bytes]  # most pages have a usable text layer
    scanned_pages: list[tuple[str, int]]  # (file name, 1-based page) of every page needing OCR
    pdf_bytes_by_name: dict[str, bytes]
    skipped: dict[str, str]  # file name -> error code


@ray.remote(num_cpus=1)
def warm_up_task() -> int:
    """Starts a worker and imports the OCR module there, so start-up is not timed."""
    import pipelines.ocr  # noqa: F401

    time.sleep(0.5)  # hold the CPU so the next warm-up task lands on another worker
    return os.getpid()


def load_corpus(pdfs_dir: Path, *, ocr: OcrSettings, limits: LimitSettings) -> Corpus:
    born_digital_pdfs, scanned_pages, pdf_bytes_by_name, skipped = [], [], {}, {}
    for pdf_path in sorted(pdfs_dir.glob("*.pdf")):
        try:
            pdf_bytes = locate_pdf(pdf_path.read_bytes(), limits=limits)
            page_texts = read_text_layer(pdf_bytes, limits=limits)
        except LexRayError as error:
            skipped[pdf_path.name] = error.code
            continue
        ocr_page_numbers = pages_needing_ocr(page_texts, min_text_chars=ocr.min_text_chars)
        pdf_bytes_by_name[pdf_path.name] = pdf_bytes
        scanned_pages.extend((pdf_path.name, number) for number in ocr_page_numbers)
        if len(ocr_page_numbers) * 2 < len(page_texts):
            born_digital_pdfs.append(pdf_bytes)
    return Corpus(born_digital_pdfs, scanned_pages, pdf_bytes_by_name, skipped)


def time_text_layer(
    born_digital_pdfs: list[bytes], *, ocr: OcrSettings, limits: LimitSettings, repeat: int
) -> Throughput:
    pages, passes = 0, 0
    started = time.perf_counter()
    while passes < repeat or time.perf_counter() - started < MIN_TEXT_LAYER_SECONDS:
        for pdf_bytes in born_digital_pdfs:
            page_texts = read_text_layer(locate_pdf(pdf_bytes, limits=limits), limits=limits)
            pages_needing_ocr(page_texts, min_text_chars=ocr.min_text_chars)
            pages += len(page_texts)
        passes += 1
    return Throughput(
        "text_layer_in_process",
        f"text layer, in-process ({len(born_digital_pdfs)} PDFs)",
        pages,
        time.perf_counter() - started,
    )


def time_ocr_in_process(
    corpus: Corpus, work: list[tuple[str, int]], *, ocr: OcrSettings, limits: LimitSettings
) -> Throughput:
    started = time.perf_counter()
    for name, page_number in work:
        ocr_page(corpus.pdf_bytes_by_name[name], page_number, ocr=ocr, limits=limits)
    return Throughput(
        "ocr_in_process", "OCR, in-process (1 process)", len(work), time.perf_counter() - started
    )


def time_ocr_on_ray(
    pdf_refs: dict[str, ray.ObjectRef],
    work: list[tuple[str, int]],
    *,
    workers: int,
    ocr: OcrSettings,
    limits: LimitSettings,
) -> Throughput:
    """OCR ``work`` as Ray tasks with at most ``workers`` in flight."""
    started = time.perf_counter()
    pending_work = list(work)
    in_flight: list[ray.ObjectRef] = []
    while pending_work or in_flight:
        while pending_work and len(in_flight) < workers:
            name, page_number = pending_work.pop(0)
            in_flight.append(ocr_page_task.options(num_cpus=1).remote(pdf_refs[name], page_number, ocr, limits))
        finished, in_flight = ray.wait(in_flight, num_returns=1)
        ray.get(finished)  # re-raises a task's error here
    plural = "s" if workers > 1 else ""
    return Throughput(
        f"ocr_ray_{workers}_worker{plural}",
        f"OCR, Ray {workers} worker{plural}",
        len(work),
        time.perf_counter() - started,
    )


def start_ray(address: str | None) -> None:
    if ray.is_initialized():
        return
    if address:
        ray.init(address=address, include_dashboard=False, logging_level="WARNING")
        return
    # A fresh local instance (not whatever cluster this machine happens to run), capped so
    # it fits beside other work; workers find the project through PYTHONPATH.
    ray.init(
        address="local",
        num_cpus=max(RAY_WORKER_COUNTS),
        include_dashboard=False,
        object_store_memory=500_000_000,
        logging_level="WARNING",
        runtime_env={"env_vars": {"PYTHONPATH": str(PROJECT_ROOT)}},
    )


def format_table(rows: list[Throughput], baseline: Throughput) -> str:
    columns = [Column("measure", 44, "<"), Column("pages", 7), Column("seconds", 10, spec=".2f"),
               Column("pages/s", 10, spec=".2f"), Column("vs Ray 1", 10, spec=".2f", suffix="x")]
    # Only the OCR rows have a ratio, and the others leave it blank.
    return text_table(columns, [(row.label, row.pages, row.seconds, row.pages_per_s,
                                 baseline.seconds / row.seconds if row.label.startswith("OCR") else "")
                                for row in rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdfs", type=Path, default=DEFAULT_PDFS_DIR, help="folder of PDFs")
    parser.add_argument("--repeat", type=int, default=2, help="passes over the scanned pages")
    parser.add_argument(
        "--address", default=None, help="Ray cluster to use (default: a new local one)"
    )
    add_json_option(parser)
    args = parser.parse_args(argv)
    ocr, limits = OcrSettings(), LimitSettings()
    pymupdf.TOOLS.mupdf_display_errors(False)  # damaged files are expected; keep the table readable

    corpus = load_corpus(args.pdfs, ocr=ocr, limits=limits)
    if not corpus.scanned_pages:
        print(f"no pages needing OCR in {args.pdfs}", file=sys.stderr)
        return 1
    ocr_work = corpus.scanned_pages * args.repeat
    print(
        f"{args.pdfs}: {len(corpus.born_digital_pdfs)} born-digital PDFs, "
        f"{len(corpus.scanned_pages)} pages needing OCR x {args.repeat} passes, "
        f"dpi {ocr.dpi}, skipped {corpus.skipped or 'none'}, load avg {os.getloadavg()[0]:.2f}"
    )

    text_layer = time_text_layer(
        corpus.born_digital_pdfs, ocr=ocr, limits=limits, repeat=args.repeat
    )
    ocr_in_process = time_ocr_in_process(corpus, ocr_work, ocr=ocr, limits=limits)

    start_ray(args.address)
    try:
        ray.get([warm_up_task.remote() for _ in RAY_WORKER_COUNTS])
        pdf_refs = {
            name: ray.put(pdf_bytes) for name, pdf_bytes in corpus.pdf_bytes_by_name.items()
        }
        ray_runs = [
            time_ocr_on_ray(pdf_refs, ocr_work, workers=workers, ocr=ocr, limits=limits)
            for workers in RAY_WORKER_COUNTS
        ]
    finally:
        ray.shutdown()

    baseline = ray_runs[0]
    print(format_table([text_layer, ocr_in_process, *ray_runs], baseline))
    figures = {
        "pdfs_dir": str(args.pdfs),
        "repeat": args.repeat,
        "dpi": ocr.dpi,
        "load_avg_1m": round(os.getloadavg()[0], 2),
        **{
            row.key: {
                "pages": row.pages,
                "seconds": round(row.seconds, 3),
                "pages_per_s": round(row.pages_per_s, 3),
            }
            for row in [text_layer, ocr_in_process, *ray_runs]
        },
        "speedup_ray_2_vs_1": round(baseline.seconds / ray_runs[-1].seconds, 3),
        "speedup_ray_1_vs_in_process": round(ocr_in_process.seconds / baseline.seconds, 3),
    }
    emit_figures(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
