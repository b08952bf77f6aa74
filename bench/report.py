"""Every benchmark in one run, and one table of what each measured against its baseline.

    python -m bench.report [--quick] [--only extraction,embedding,...] [--table PATH] [--json PATH]
    python -m bench.report --render PATH    # the report of a run saved with --json, again

Runs each bench in ``BENCHES`` as a subprocess (``python -m bench.<name> <args> --json FILE``),
one after another, its output passing through as it runs; then reads the figures each wrote
(``bench.results``) and prints one table: area, measurement, LexRay's figure, the baseline
measured in the same bench run, their ratio, and the command that produced the row. The full
preset runs the commands the README documents; ``--quick`` runs small sizes, a smoke run whose
figures say little. A bench that exits non-zero, times out or writes incomplete figures is a
failed row (the others still print) and the report exits 1.

Benches that need the application (search latency over HTTP, LLM, load) deploy their own: a
fresh local Ray instance, a MongoDB-protocol server and vLLM (``bench.deploy``). Run the
report where nothing else holds the CPUs the benches time.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from bench.results import read_figures
from bench.tables import Column, markdown_table

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Relative to the repository, as the README gives it.
AILA_SUBSET = "../shared/data/retrieval/aila2019/casedocs_mteb_subset"
# SIGTERM lets a bench shut down Serve, Ray and its MongoDB server; SIGKILL after this long.
TERMINATE_GRACE_S = 60


class IncompleteFigures(Exception):
    """A bench exited 0 but its figures lack something the report shows; ``rows`` are the
    ones it could show."""

    def __init__(self, message: str, rows: Sequence[ReportRow] = ()) -> None:
        super().__init__(message)
        self.rows = list(rows)


@dataclass(frozen=True)
class ReportRow:
    """One measurement: LexRay's ``value`` and, when there is one, the ``baseline`` measured in
    the same bench run (``baseline_label`` says what it is). ``ratio`` is value over baseline."""

    area: str
    measurement: str
    value: float | None
    baseline: float | None = None
    baseline_label: str = ""
    decimals: int | None = None  # None: by magnitude (see format_number)

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline


@dataclass(frozen=True)
class BenchSpec:
    name: str
    area: str
    module: str
    full_args: tuple[str, ...]
    quick_args: tuple[str, ...]
    rows: Callable[[dict], list[ReportRow]]
    full_timeout_s: float
    quick_timeout_s: float = 900

    def args(self, quick: bool) -> tuple[str, ...]:
        return self.quick_args if quick else self.full_args

    def command(self, quick: bool) -> str:
        """The command as a reader would type it, without the report's ``--json``."""
        return shlex.join(["python", "-m", self.module, *self.args(quick)])


@dataclass
class BenchOutcome:
    spec: BenchSpec
    command: str
    exit_code: int
    seconds: float
    figures: dict | None
    timed_out: bool = False
    load_avg_start: float | None = None  # 1-minute load average when the bench started


# Rows of each bench's figures (its JSON line). A missing key is an incomplete run.


def extraction_rows(figures: dict) -> list[ReportRow]:
    area = "ingestion: extraction"
    in_process = figures["ocr_in_process"]["pages_per_s"]
    return [
        ReportRow(area, "text layer, pages/s (in-process; no Ray variant)",
                  figures["text_layer_in_process"]["pages_per_s"]),
        ReportRow(area, "OCR pages/s, Ray 1 worker", figures["ocr_ray_1_worker"]["pages_per_s"],
                  in_process, "in-process, 1 process"),
        ReportRow(area, "OCR pages/s, Ray 2 workers", figures["ocr_ray_2_workers"]["pages_per_s"],
                  in_process, "in-process, 1 process"),
    ]


def embedding_rows(figures: dict) -> list[ReportRow]:
    area = "ingestion: embedding"
    one, two = figures["in_process_1_thread"]["chunks_per_s"], figures["in_process_2_threads"]["chunks_per_s"]
    return [
        ReportRow(area, "chunks/s, Ray Data 1 actor x 1 thread", figures["ray_data_1_actor"]["chunks_per_s"],
                  one, "in-process, 1 torch thread"),
        ReportRow(area, "chunks/s, Ray Data 2 actors x 1 thread", figures["ray_data_2_actors"]["chunks_per_s"],
                  two, "in-process, 2 torch threads"),
    ]


def search_latency_rows(figures: dict) -> list[ReportRow]:
    """At the largest size measured: the shard ``auto`` builds, the Ray index actor and, when
    measured, HTTP ``search/text``, each against raw FAISS flat in process."""
    size = max(figures["results"], key=int)
    results = figures["results"][size]
    area = f"search: {int(size):,} chunks"
    raw = results["raw_faiss_flat"]
    measures = [("ray_index_actor", "index actor (Ray call)")]
    kind = results["ray_index_actor"]["kind"]
    if kind and f"shard_{kind}" in results:
        measures.insert(0, (f"shard_{kind}", f"VectorShard in process ({kind}, auto)"))
    if figures.get("http"):
        measures += [(f"http_search_text_{mode}", f"HTTP GET search/text, {mode}")
                     for mode in figures["http"]["modes"]]
    rows = []
    for key, label in measures:
        row = results[key]
        rows += [ReportRow(area, f"{label}, {percentile} ms", row[f"{percentile}_ms"],
                           raw[f"{percentile}_ms"], "raw FAISS flat, in process")
                 for percentile in ("p50", "p99")]
    not_measured = [note for note in figures.get("notes", []) if note.startswith("HTTP rows not measured")]
    if not_measured:
        raise IncompleteFigures(not_measured[0], rows)
    return rows


def retrieval_rows(figures: dict) -> list[ReportRow]:
    area = "retrieval quality: AILA"
    bm25 = figures["bm25"]["ndcg@10"]
    rows = [ReportRow(area, "nDCG@10, bm25 (the baseline)", bm25, decimals=4)]
    rows += [ReportRow(area, f"nDCG@10, {mode}", figures[mode]["ndcg@10"], bm25, "bm25", decimals=4)
             for mode in ("dense", "hybrid") if mode in figures]
    return rows


def llm_rows(figures: dict) -> list[ReportRow]:
    area = "LLM serving"
    rows = []
    for level, pair in sorted(figures["levels"].items(), key=lambda item: int(item[0])):
        rows.append(ReportRow(area, f"tokens/s, vLLM over HTTP, {level} concurrent",
                              pair["vllm_http"]["tokens_per_s"], pair["transformers"]["tokens_per_s"],
                              "transformers generate()"))
    level, pair = min(figures["levels"].items(), key=lambda item: int(item[0]))
    rows.append(ReportRow(area, f"TTFT p50 ms, vLLM over HTTP, {level} concurrent",
                          pair["vllm_http"]["p50_ms"], pair["transformers"]["p50_ms"], "transformers generate()"))
    return rows


def load_rows(figures: dict) -> list[ReportRow]:
    area = f"load: {figures['clients']} clients, {figures['seconds']:g} s"
    live_p50 = figures["baseline"]["live"]["p50_ms"]
    labels = {"search": "search (hybrid)", "case": "case fetch", "upload": "upload (202)", "chat": "chat /ask"}
    routes = sorted(figures["load"], key=lambda route: list(labels).index(route) if route in labels else len(labels))
    rows = [ReportRow(area, f"{labels.get(route, route)} p50 ms", figures["load"][route]["p50_ms"], live_p50,
                      "GET /health/live, same clients")
            for route in routes]
    total = figures["total"]
    rows.append(ReportRow(area, f"requests/s, mixed ({total['requests']} requests, {total['errors']} errors)",
                          total["per_s"]))
    uploads = figures["uploads"]
    rows.append(ReportRow(area, "uploads indexed after the load", uploads["indexed"],
                          uploads["acknowledged"], "uploads acknowledged", decimals=0))
    return rows


def load_notes(figures: dict) -> list[str]:
    notes = []
    if figures["total"]["errors"]:
        notes.append(f"{figures['total']['errors']} requests failed under load")
    if figures["uploads"]["indexed"] != figures["uploads"]["acknowledged"]:
        notes.append(f"uploads: {figures['uploads']}")
    return notes


def citator_rows(figures: dict) -> list[ReportRow]:
    area = "citator"
    citator, baseline = figures["extraction"]["citator"], figures["extraction"]["baseline"]
    resolution, exact = figures["resolution"]["citator_all"], figures["resolution"]["baseline_all"]
    label = "metadata.citations, exact string"
    return [
        ReportRow(area, "cited authorities found (recall)", citator["authority_recall"],
                  baseline["authority_recall"], label, decimals=3),
        ReportRow(area, "references found: full, short, id., supra (recall)", citator["reference_recall"],
                  baseline["reference_recall"], label, decimals=3),
        ReportRow(area, "resolution precision", resolution["resolution_precision"],
                  exact["resolution_precision"], label, decimals=3),
        ReportRow(area, "resolution recall", resolution["resolution_recall"],
                  exact["resolution_recall"], label, decimals=3),
    ]


BENCHES: tuple[BenchSpec, ...] = (
    BenchSpec("extraction", "ingestion: extraction", "bench.extraction", (), ("--repeat", "1"),
              extraction_rows, full_timeout_s=1200),
    BenchSpec("embedding", "ingestion: embedding", "bench.embedding", (), ("--chunks", "64"),
              embedding_rows, full_timeout_s=1500),
    BenchSpec("search_latency", "search latency", "bench.search_latency",
              ("--sizes", "10000,100000", "--queries", "200", "--http"),
              ("--sizes", "2000", "--queries", "50"), search_latency_rows, full_timeout_s=3000),
    BenchSpec("retrieval", "retrieval quality: AILA", "bench.retrieval", ("--dataset", AILA_SUBSET, "--split", "test"),
              ("--dataset", AILA_SUBSET, "--split", "test", "--modes", "bm25"), retrieval_rows,
              full_timeout_s=1800),
    BenchSpec("citator", "citator", "bench.citator", (), (), citator_rows, full_timeout_s=600),
    BenchSpec("llm", "LLM serving", "bench.llm", (),
              ("--concurrency", "1", "--requests-per-level", "2", "--max-tokens", "32"), llm_rows,
              full_timeout_s=2400),
    BenchSpec("load", "load test", "bench.load", ("--clients", "8", "--seconds", "60"),
              ("--clients", "2", "--seconds", "10", "--baseline-seconds", "3"), load_rows,
              full_timeout_s=2400),
)
EXTRA_NOTES: dict[str, Callable[[dict], list[str]]] = {
    "search_latency": lambda figures: list(figures.get("notes", [])),
    "load": load_notes,
}


def select(names: str | None, benches: Sequence[BenchSpec] = BENCHES) -> list[BenchSpec]:
    """The benches named in ``names`` (comma-separated), in report order; all when None.

    >>> [spec.name for spec in select("load,extraction")]
    ['extraction', 'load']
    >>> select("extraction,typo")
    Traceback (most recent call last):
    ...
    ValueError: unknown bench(es) typo; known: extraction, embedding, search_latency, retrieval, citator, llm, load
    """
    if names is None:
        return list(benches)
    wanted = {name.strip() for name in names.split(",") if name.strip()}
    known = [spec.name for spec in benches]
    unknown = sorted(wanted - set(known))
    if unknown or not wanted:
        raise ValueError(f"unknown bench(es) {', '.join(unknown) or '(none named)'}; known: {', '.join(known)}")
    return [spec for spec in benches if spec.name in wanted]


# Running


def run_bench(spec: BenchSpec, quick: bool, work_dir: Path, python: str = sys.executable) -> BenchOutcome:
    """Run one bench in its own process group, its output passing through; a bench over its
    time limit gets SIGTERM (its cleanup runs), then SIGKILL."""
    json_path = work_dir / f"{spec.name}.json"
    argv = [python, "-m", spec.module, *spec.args(quick), "--json", str(json_path)]
    timeout_s = spec.quick_timeout_s if quick else spec.full_timeout_s
    load_avg_start = os.getloadavg()[0]
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=PROJECT_ROOT, start_new_session=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    timed_out = False
    try:
        exit_code = proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
        exit_code = stop_process_group(proc)
    except BaseException:  # Ctrl-C: do not leave the bench (and its Ray, vLLM) running
        stop_process_group(proc)
        raise
    figures = read_figures(json_path) if exit_code == 0 else None
    return BenchOutcome(spec, spec.command(quick), exit_code, time.perf_counter() - started, figures, timed_out,
                        load_avg_start)


def stop_process_group(proc: subprocess.Popen) -> int:
    for sig, grace_s in ((signal.SIGTERM, TERMINATE_GRACE_S), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            return proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            continue
    return proc.wait()


# The table


@dataclass(frozen=True)
class TableLine:
    area: str
    measurement: str
    value: str
    baseline: str
    ratio: str
    command: str


def format_number(value: float | None, decimals: int | None = None) -> str:
    """Three or more significant figures, thousands separated.

    >>> [format_number(v) for v in (None, 1260.4, 206.94, 46.13, 1.516, 0.1976)]
    ['-', '1,260', '207', '46.1', '1.52', '0.198']
    >>> format_number(0.47654, 4), format_number(35, 0)
    ('0.4765', '35')
    """
    if value is None:
        return "-"
    if decimals is None:
        magnitude = abs(value)
        decimals = 0 if magnitude >= 100 else 1 if magnitude >= 10 else 2 if magnitude >= 1 else 3
    return f"{value:,.{decimals}f}"


def format_ratio(ratio: float | None) -> str:
    """Two decimals; none from 100x up, two significant figures under 0.1x; empty without a baseline.

    >>> format_ratio(1.4931), format_ratio(222.4), format_ratio(0.0039), format_ratio(None)
    ('1.49x', '222x', '0.0039x', '')
    """
    if ratio is None:
        return ""
    if ratio >= 100:
        return f"{ratio:.0f}x"
    return f"{ratio:.2f}x" if ratio >= 0.1 else f"{ratio:.2g}x"


def outcome_lines(outcome: BenchOutcome) -> tuple[list[TableLine], list[str]]:
    """The table lines of one bench run (the command on its first line only) and notes.
    A failed run, or figures without what the report shows, is one failed line."""
    spec = outcome.spec
    if outcome.exit_code != 0 or outcome.figures is None:
        if outcome.timed_out:
            why = f"FAILED: timed out after {outcome.seconds:.0f} s (exit code {outcome.exit_code})"
        elif outcome.exit_code != 0:
            why = f"FAILED: exit code {outcome.exit_code}"
        else:
            why = "FAILED: exit code 0 but no figures written"
        return [TableLine(spec.area, why, "", "", "", outcome.command)], []
    incomplete = None
    try:
        rows = spec.rows(outcome.figures)
        notes = EXTRA_NOTES.get(spec.name, lambda figures: [])(outcome.figures)
    except IncompleteFigures as exc:
        rows, notes, incomplete = exc.rows, [], str(exc)
    except (KeyError, TypeError, ValueError) as exc:
        rows, notes, incomplete = [], [], f"{type(exc).__name__}: {exc}"
    if incomplete:  # the detail goes to the notes: it can be long
        rows = [*rows, ReportRow(spec.area, "FAILED: incomplete figures (see the notes)", None)]
        notes = [*notes, f"incomplete figures: {incomplete}"]
    lines = []
    for index, row in enumerate(rows):
        baseline = ""
        if row.baseline is not None:
            baseline = format_number(row.baseline, row.decimals)
            baseline += f" ({row.baseline_label})" if row.baseline_label else ""
        value = format_number(row.value, row.decimals) if row.value is not None or baseline else ""
        lines.append(TableLine(row.area, row.measurement, value, baseline, format_ratio(row.ratio),
                               outcome.command if index == 0 else ""))
    return lines, [f"{spec.name}: {note}" for note in notes]


def failed(outcome: BenchOutcome) -> bool:
    return any(line.measurement.startswith("FAILED") for line in outcome_lines(outcome)[0])


COLUMNS = [Column("area", align="<"), Column("measurement", align="<"), Column("LexRay"),
           Column("baseline (same run)"), Column("ratio"), Column("command", align="<")]


def render_table(lines: Sequence[TableLine]) -> str:
    """A Markdown table, columns padded so it also reads as plain text."""
    return markdown_table(COLUMNS, [(line.area, line.measurement, line.value, line.baseline, line.ratio,
                                     f"`{line.command}`" if line.command else "") for line in lines])


def report_text(outcomes: Sequence[BenchOutcome], quick: bool, finished: datetime,
                load_avg_end: float | None) -> str:
    """The header (when, where, how long each bench ran and how busy the machine was), the table
    and the notes."""
    lines, notes = [], []
    for outcome in outcomes:
        outcome_table, outcome_notes = outcome_lines(outcome)
        lines += outcome_table
        notes += outcome_notes
    header = (f"LexRay benchmarks, {'quick (smoke) preset' if quick else 'full preset'}; "
              f"{finished:%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs"
              + ("" if load_avg_end is None else f", load avg {load_avg_end:.1f} at the end")
              + "; per bench, seconds and load avg at its start: "
              + ", ".join(f"{outcome.spec.name} {outcome.seconds:.0f} s"
                          + ("" if outcome.load_avg_start is None else f" (load {outcome.load_avg_start:.1f})")
                          for outcome in outcomes))
    footer = ["ratio: LexRay over the baseline of the same bench run (throughput and quality: higher is better; "
              "latency: lower is better, so 0.12x is 8x faster). Commands run from the repository root."]
    footer += [f"note: {note}" for note in notes]
    return "\n".join([header, "", render_table(lines), "", *footer])


def saved_report(outcomes: Sequence[BenchOutcome], quick: bool, finished: datetime, load_avg_end: float) -> dict:
    return {"preset": "quick" if quick else "full", "finished_utc": finished.isoformat(timespec="seconds"),
            "load_avg_end": load_avg_end,  # as measured: rounding here and again when rendered could differ
            "benches": [{"bench": outcome.spec.name, "command": outcome.command, "exit_code": outcome.exit_code,
                         "seconds": round(outcome.seconds, 1), "timed_out": outcome.timed_out,
                         "load_avg_start": outcome.load_avg_start, "figures": outcome.figures}
                        for outcome in outcomes]}


def load_saved_report(json_path: Path) -> tuple[list[BenchOutcome], bool, datetime, float | None]:
    """What ``saved_report`` wrote (or a bare list of its benches), to render again."""
    saved = json.loads(json_path.read_text(encoding="utf-8"))
    if isinstance(saved, list):
        finished = datetime.fromtimestamp(json_path.stat().st_mtime, timezone.utc)
        saved = {"benches": saved, "finished_utc": finished.isoformat()}
    specs = {spec.name: spec for spec in BENCHES}
    outcomes = [BenchOutcome(specs[bench["bench"]], bench["command"], bench["exit_code"], bench["seconds"],
                             bench["figures"], bench.get("timed_out", False), bench.get("load_avg_start"))
                for bench in saved["benches"]]
    return (outcomes, saved.get("preset") == "quick", datetime.fromisoformat(saved["finished_utc"]),
            saved.get("load_avg_end"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run, not figures to quote")
    parser.add_argument("--only", default=None,
                        help=f"comma-separated subset of: {', '.join(spec.name for spec in BENCHES)}")
    parser.add_argument("--table", type=Path, default=None, metavar="PATH", help="also write the report to PATH")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH",
                        help="also write every bench's command, exit code and figures to PATH")
    parser.add_argument("--render", type=Path, default=None, metavar="PATH",
                        help="run nothing: print the report of a run saved with --json")
    args = parser.parse_args(argv)
    try:
        specs = select(args.only, BENCHES)
    except ValueError as exc:
        parser.error(f"--only: {exc}")
    if args.render:
        outcomes, quick, finished, load_avg_end = load_saved_report(args.render)
        text = report_text(outcomes, quick, finished, load_avg_end)
        print(text)
        if args.table:
            args.table.write_text(text + "\n", encoding="utf-8")
        return 1 if any(failed(outcome) for outcome in outcomes) else 0

    outcomes = []
    with tempfile.TemporaryDirectory(prefix="lexray-bench-report-") as work_dir:
        for number, spec in enumerate(specs, start=1):
            print(f"\n==> [{number}/{len(specs)}] {spec.name}: {spec.command(args.quick)}", flush=True)
            outcome = run_bench(spec, args.quick, Path(work_dir))
            print(f"==> {spec.name}: exit code {outcome.exit_code} after {outcome.seconds:.0f} s", flush=True)
            outcomes.append(outcome)

    finished, load_avg_end = datetime.now(timezone.utc), os.getloadavg()[0]
    text = report_text(outcomes, args.quick, finished, load_avg_end)
    print("\n" + text, flush=True)
    if args.table:
        args.table.write_text(text + "\n", encoding="utf-8")
    if args.json:
        saved = saved_report(outcomes, args.quick, finished, load_avg_end)
        args.json.write_text(json.dumps(saved, indent=1) + "\n", encoding="utf-8")
    return 1 if any(failed(outcome) for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
