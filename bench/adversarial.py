"""Hostile input against the whole-text functions: time and peak memory on each adversarial text
class (``bench.adversarial_inputs``) next to a real opinion of the same length, and their ratio.

    python -m bench.adversarial [--quick] [--chars N] [--only CLASS,...] [--functions NAME,...] [--json PATH]

Each (function, text) runs in a forked child, alone, with a limit (``--timeout-s``): CPU seconds
(``time.process_time``, so a busy machine inflates them less than wall time) and the peak of
``tracemalloc`` (numpy reports its arrays to it). A linear function shows a ratio that stays put
as ``--chars`` grows; a quadratic one a ratio that doubles with it. A run past the limit is a
``timeout`` row. ``--quick`` measures 20,000 characters, a smoke run.

The report has sections (``SECTIONS``), each a function from the parsed arguments to rows:
``text`` (above) and ``fairness`` (``bench.fairness``: over HTTP on a deployed app, one tenant's
time-to-indexed while another has ``--queued`` uploads waiting, against an idle system).
``--sections text`` or ``--sections fairness`` runs one of them.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass

from bench.adversarial_inputs import CLASSES, build, normal_opinion
from bench.fairness import fairness_figures, fairness_rows, fairness_table_lines
from bench.report import TableLine, format_number, format_ratio, render_table
from bench.results import add_json_option, emit_figures

MIB = 1024 * 1024
FULL_CHARS = 100_000
QUICK_CHARS = 20_000


def _page_spans(text: str) -> list:
    from lexray.models import PageSpan

    return [PageSpan(page=1, char_start=0, char_end=len(text))]


def _extract_metadata(text: str) -> object:
    from pipelines.enrich import extract_metadata

    return extract_metadata(text)


def _clean_and_join(text: str) -> object:
    from pipelines.clean import clean_pages, join_pages

    # Pages of a PDF's size; the cleaner looks at each page's lines and across pages.
    return join_pages(clean_pages([text[start:start + 50_000] for start in range(0, len(text), 50_000)]))


def _detect_sections(text: str) -> object:
    from pipelines.sections import detect_sections

    return detect_sections(text, _page_spans(text))


def _chunk_text(text: str) -> object:
    from lexray.settings import ChunkSettings
    from pipelines.chunk import chunk_text

    chunk = ChunkSettings()
    return chunk_text(text, _page_spans(text), size_chars=chunk.size_chars, overlap_chars=chunk.overlap_chars)


def _legal_tokens(text: str) -> object:
    from search.tokens import legal_tokens

    return legal_tokens(text)


def _query_snippet(text: str) -> object:
    """The search path for a query of this text: its passages, its terms, a snippet of it."""
    from lexray.settings import ChunkSettings
    from search.snippets import highlight_snippet, query_terms
    from search.query import query_passages

    query_passages(text, ChunkSettings())
    return highlight_snippet(text, query_terms(text))


def _citations(text: str) -> object:
    from pipelines.enrich import find_case_citations, find_statutes

    return find_case_citations(text), find_statutes(text)


def _summarize(text: str) -> object:
    from generation.extractive import summarize

    return summarize(text)


def _question_facts(text: str) -> object:
    from generation.questions import select_facts

    # hard reads reasons as well as facts: the most work of the three difficulties.
    return select_facts(text, question_type="common", difficulty="hard")


# Every public function that reads a whole document or a whole query.
WHOLE_TEXT_FUNCTIONS: dict[str, Callable[[str], object]] = {
    "extract_metadata": _extract_metadata,
    "clean_pages+join_pages": _clean_and_join,
    "detect_sections": _detect_sections,
    "chunk_text": _chunk_text,
    "legal_tokens": _legal_tokens,
    "query_terms+snippet": _query_snippet,
    "citations+statutes": _citations,
    "extractive summarize": _summarize,
    "question facts": _question_facts,
}


@dataclass(frozen=True)
class Measured:
    seconds: float | None  # None: past the limit
    peak_bytes: int | None


def _child(function_name: str, text: str, traced: bool, results) -> None:
    function = WHOLE_TEXT_FUNCTIONS[function_name]
    if traced:
        tracemalloc.start()
    started = time.process_time()
    function(text)
    seconds = time.process_time() - started
    results.put(tracemalloc.get_traced_memory()[1] if traced else seconds)


def run_in_child(function_name: str, text: str, traced: bool, timeout_s: float) -> float | None:
    """CPU seconds (or, ``traced``, peak traced bytes) of one call in a forked child; None past
    ``timeout_s`` (the child is killed); RuntimeError when the child fails."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_child, args=(function_name, text, traced, results), daemon=True)
    child.start()
    child.join(timeout_s)
    if child.is_alive():
        child.kill()
        child.join()
        return None
    if child.exitcode != 0 or results.empty():
        raise RuntimeError(f"{function_name} failed (exit code {child.exitcode})")
    return results.get()


def measure(function_name: str, text: str, timeout_s: float) -> Measured:
    """CPU seconds and peak traced bytes of one call, each in a forked child killed after
    ``timeout_s``: timed without tracemalloc (it slows allocation-heavy code), then traced."""
    seconds = run_in_child(function_name, text, False, timeout_s)
    if seconds is None:
        return Measured(None, None)
    peak = run_in_child(function_name, text, True, timeout_s)
    return Measured(seconds, None if peak is None else int(peak))


@dataclass(frozen=True)
class TextRow:
    text_class: str
    function: str
    chars: int
    seconds: float | None
    peak_mib: float | None
    normal_seconds: float
    normal_peak_mib: float

    @property
    def ratio(self) -> float | None:
        """Time on the adversarial text over time on the normal one (None past the limit)."""
        if self.seconds is None:
            return None
        return self.seconds / max(self.normal_seconds, 1e-4)


def text_rows(args: argparse.Namespace) -> list[TextRow]:
    """Each adversarial class through each whole-text function, against a normal opinion."""
    chars = args.chars or (QUICK_CHARS if args.quick else FULL_CHARS)
    classes = args.only.split(",") if args.only else list(CLASSES)
    functions = args.functions.split(",") if args.functions else list(WHOLE_TEXT_FUNCTIONS)
    normal_text = normal_opinion(chars)
    # Lazy set-up (eyecite compiles its reporters' patterns, pysbd its rules) happens once here,
    # and every forked child inherits it instead of timing it.
    for function in functions:
        WHOLE_TEXT_FUNCTIONS[function](normal_opinion(5000))
    rows = []
    for function in functions:
        normal = measure(function, normal_text, args.timeout_s)
        if normal.seconds is None:
            raise RuntimeError(f"{function} took over {args.timeout_s} s on a normal opinion")
        for text_class in classes:
            measured = measure(function, build(text_class, chars), args.timeout_s)
            row = TextRow(text_class, function, chars, measured.seconds,
                          None if measured.peak_bytes is None else measured.peak_bytes / MIB,
                          normal.seconds, normal.peak_bytes / MIB)
            rows.append(row)
            if args.verbose:
                print(f"  {function:<24} {text_class:<20} {format_number(row.seconds)} s "
                      f"(normal {format_number(row.normal_seconds)} s) {format_ratio(row.ratio)}", flush=True)
    return rows


def text_table_lines(rows: list[TextRow], command: str) -> list[TableLine]:
    """Two lines per (class, function): seconds, then peak MiB; the command on the first line."""
    lines = []
    for row in rows:
        seconds = "timeout" if row.seconds is None else format_number(row.seconds)
        peak = "-" if row.peak_mib is None else format_number(row.peak_mib)
        memory_ratio = None if row.peak_mib is None else row.peak_mib / max(row.normal_peak_mib, 1e-3)
        area = f"{row.text_class} ({row.chars:,} chars)"
        lines.append(TableLine(area, f"{row.function}: CPU s", seconds,
                               f"{format_number(row.normal_seconds)} (normal opinion)", format_ratio(row.ratio),
                               command if not lines else ""))
        lines.append(TableLine(area, f"{row.function}: peak MiB", peak,
                               f"{format_number(row.normal_peak_mib)} (normal opinion)", format_ratio(memory_ratio), ""))
    return lines


def text_figures(rows: list[TextRow]) -> dict:
    worst = max(rows, key=lambda row: float("inf") if row.ratio is None else row.ratio)
    return {
        "rows": [asdict(row) | {"ratio": row.ratio} for row in rows],
        "timeouts": sum(row.seconds is None for row in rows),
        "max_ratio": worst.ratio,
        "max_ratio_at": f"{worst.function} on {worst.text_class}",
        "max_peak_mib": max((row.peak_mib or 0.0) for row in rows),
    }


@dataclass(frozen=True)
class Section:
    name: str
    rows: Callable[[argparse.Namespace], list]
    table_lines: Callable[[list, str], list[TableLine]]
    figures: Callable[[list], dict]


SECTIONS: list[Section] = [
    Section("text", text_rows, text_table_lines, text_figures),
    Section("fairness", fairness_rows, fairness_table_lines, fairness_figures),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.adversarial", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_CHARS:,} characters (a smoke run)")
    parser.add_argument("--chars", type=int, default=None, help=f"text length (default {FULL_CHARS:,})")
    parser.add_argument("--only", default="", help="comma-separated adversarial classes (default: all)")
    parser.add_argument("--functions", default="", help="comma-separated functions (default: all)")
    parser.add_argument("--sections", default="", help="comma-separated sections (default: all)")
    parser.add_argument("--timeout-s", type=float, default=300.0, help="limit of one measurement")
    parser.add_argument("--verbose", action="store_true", help="print each measurement as it is taken")
    parser.add_argument("--queued", type=int, default=50, help="fairness: tenant A's uploads queued at once")
    parser.add_argument("--repeats", type=int, default=3, help="fairness: tenant B's uploads timed per phase")
    parser.add_argument("--upload-timeout-s", type=float, default=600, help="fairness: longest wait for one upload")
    parser.add_argument("--drain-seconds", type=float, default=900, help="fairness: longest wait for A's uploads")
    parser.add_argument("--mongodb-uri", default=None, help="fairness: a MongoDB to use (default: a server of its own)")
    add_json_option(parser)
    args = parser.parse_args(argv)

    command = "python -m bench.adversarial" + (" --quick" if args.quick else "")
    chosen = [section for section in SECTIONS if not args.sections or section.name in args.sections.split(",")]
    figures: dict = {}
    lines: list[TableLine] = []
    for section in chosen:
        rows = section.rows(args)
        lines += section.table_lines(rows, command)
        figures[section.name] = section.figures(rows)
    print(render_table(lines))
    print("\nratio: adversarial over the normal opinion of the same length, measured in the same run "
          "(CPU seconds of the call; peak: tracemalloc). Classes: bench/adversarial_inputs.py.")
    emit_figures(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
