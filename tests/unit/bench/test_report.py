"""bench/report.py: each bench's figures as report rows, the failed rows, the one table, and the
subprocess runner on tiny stand-in benches; one real quick run of the cheapest bench."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bench import report
from bench.report import (
    AILA_SUBSET,
    PROJECT_ROOT,
    BenchOutcome,
    BenchSpec,
    IncompleteFigures,
    ReportRow,
    extraction_rows,
    llm_rows,
    load_rows,
    main,
    outcome_lines,
    render_table,
    report_text,
    retrieval_rows,
    run_bench,
    search_latency_rows,
)

# Figures as the benches print them (shapes from their JSON lines, values trimmed).
EXTRACTION = {
    "text_layer_in_process": {"pages": 1335, "seconds": 1.06, "pages_per_s": 1260.0},
    "ocr_in_process": {"pages": 12, "seconds": 14.13, "pages_per_s": 0.85},
    "ocr_ray_1_worker": {"pages": 12, "seconds": 14.85, "pages_per_s": 0.81},
    "ocr_ray_2_workers": {"pages": 12, "seconds": 7.91, "pages_per_s": 1.70},
}
SEARCH_ROW = {"p50_ms": 1.0, "p99_ms": 2.0, "qps": 1000.0, "p50_vs_faiss": 1.0, "recall_at_k": 1.0,
              "build_s": 0.1, "kind": "flat"}
SEARCH = {
    "results": {
        "10000": {"raw_faiss_flat": SEARCH_ROW, "ray_index_actor": SEARCH_ROW},
        "100000": {
            "raw_faiss_flat": {**SEARCH_ROW, "p50_ms": 5.0, "p99_ms": 6.0},
            "shard_hnsw": {**SEARCH_ROW, "p50_ms": 0.5, "p99_ms": 0.9, "kind": "hnsw"},
            "shard_flat": {**SEARCH_ROW, "p50_ms": 5.1},
            "ray_index_actor": {**SEARCH_ROW, "p50_ms": 1.5, "p99_ms": 2.0, "kind": "hnsw"},
            "http_search_text_dense": {**SEARCH_ROW, "p50_ms": 60.0, "p99_ms": 130.0, "kind": "hnsw"},
            "http_search_text_bm25": {**SEARCH_ROW, "p50_ms": 30.0, "p99_ms": 45.0, "kind": "hnsw"},
        },
    },
    "http": {"modes": ["dense", "bm25"]},
    "notes": [],
}
LLM = {"levels": {
    "8": {"transformers": {"p50_ms": 253.0, "tokens_per_s": 139.3}, "vllm_http": {"p50_ms": 311.0, "tokens_per_s": 206.9}},
    "1": {"transformers": {"p50_ms": 56.0, "tokens_per_s": 30.9}, "vllm_http": {"p50_ms": 75.0, "tokens_per_s": 46.1}},
}}
LOAD = {
    "clients": 8, "seconds": 60.1,
    "baseline": {"live": {"p50_ms": 31.8}},
    "load": {"search": {"p50_ms": 383.8}, "chat": {"p50_ms": 6990.7}},
    "total": {"requests": 598, "per_s": 9.9, "errors": 0, "rate_limited": 0},
    "uploads": {"acknowledged": 35, "indexed": 35, "failed": 0, "unfinished": 0},
}


def spec_named(name: str) -> BenchSpec:
    return next(spec for spec in report.BENCHES if spec.name == name)


def outcome(name: str, figures: dict | None, exit_code: int = 0, **extra) -> BenchOutcome:
    spec = spec_named(name)
    return BenchOutcome(spec, spec.command(False), exit_code, 12.0, figures, **extra)


def test_full_preset_is_the_readme_commands():
    assert spec_named("search_latency").command(False) == (
        "python -m bench.search_latency --sizes 10000,100000 --queries 200 --http")
    assert spec_named("load").command(False) == "python -m bench.load --clients 8 --seconds 60"
    assert spec_named("retrieval").command(False) == f"python -m bench.retrieval --dataset {AILA_SUBSET} --split test"


def test_extraction_rows_compare_ocr_on_ray_with_one_process():
    rows = extraction_rows(EXTRACTION)
    assert [row.baseline for row in rows] == [None, 0.85, 0.85]
    assert rows[2].ratio == pytest.approx(2.0)


def test_search_rows_are_the_largest_size_against_raw_faiss():
    rows = search_latency_rows(SEARCH)
    assert {row.area for row in rows} == {"search: 100,000 chunks"}
    by_measurement = {row.measurement: row for row in rows}
    assert len(rows) == 8  # shard (auto), actor, HTTP dense, HTTP bm25; p50 and p99 each
    shard = by_measurement["VectorShard in process (hnsw, auto), p50 ms"]
    assert (shard.value, shard.baseline, shard.ratio) == (0.5, 5.0, 0.1)
    assert by_measurement["HTTP GET search/text, dense, p99 ms"].baseline == 6.0


def test_search_rows_without_http_and_with_http_that_failed():
    quick = {**SEARCH, "http": None}
    assert not any("HTTP" in row.measurement for row in search_latency_rows(quick))
    broken = {**quick, "notes": ["HTTP rows not measured: RuntimeError: no vLLM"]}
    with pytest.raises(IncompleteFigures, match="no vLLM") as raised:
        search_latency_rows(broken)
    assert raised.value.rows == search_latency_rows(quick)
    lines, notes = outcome_lines(outcome("search_latency", broken))
    assert len(lines) == 5 and lines[0].command  # the rows measured, then the failed part
    assert (lines[-1].measurement, lines[-1].value, lines[-1].command) == (
        "FAILED: incomplete figures (see the notes)", "", "")
    assert notes == ["search_latency: incomplete figures: HTTP rows not measured: RuntimeError: no vLLM"]


def test_retrieval_llm_and_load_rows():
    ndcg = {"bm25": {"ndcg@10": 0.4694}, "dense": {"ndcg@10": 0.4076}, "hybrid": {"ndcg@10": 0.4765}}
    hybrid = retrieval_rows(ndcg)[-1]
    assert (hybrid.measurement, hybrid.baseline) == ("nDCG@10, hybrid", 0.4694)
    assert len(retrieval_rows({"bm25": {"ndcg@10": 0.4}})) == 1

    rows = llm_rows(LLM)
    assert [row.measurement for row in rows] == ["tokens/s, vLLM over HTTP, 1 concurrent",
                                                 "tokens/s, vLLM over HTTP, 8 concurrent",
                                                 "TTFT p50 ms, vLLM over HTTP, 1 concurrent"]
    assert rows[1].ratio == pytest.approx(206.9 / 139.3)

    rows = load_rows(LOAD)
    assert rows[0].area == "load: 8 clients, 60.1 s"
    assert [row.measurement for row in rows[:2]] == ["search (hybrid) p50 ms", "chat /ask p50 ms"]
    assert rows[1].ratio == pytest.approx(6990.7 / 31.8)
    assert rows[-1].ratio == 1.0


def test_a_failed_bench_is_one_failed_line_with_its_exit_code():
    lines, notes = outcome_lines(outcome("llm", None, exit_code=3))
    assert len(lines) == 1 and notes == []
    assert lines[0].measurement == "FAILED: exit code 3"
    assert lines[0].command == "python -m bench.llm"
    timed_out = outcome_lines(outcome("load", None, exit_code=-15, timed_out=True))[0][0]
    assert timed_out.measurement.startswith("FAILED: timed out after 12 s")
    assert outcome_lines(outcome("load", None))[0][0].measurement == "FAILED: exit code 0 but no figures written"
    incomplete, notes = outcome_lines(outcome("extraction", {"ocr_in_process": {}}))
    assert [line.measurement for line in incomplete] == ["FAILED: incomplete figures (see the notes)"]
    assert notes == ["extraction: incomplete figures: KeyError: 'pages_per_s'"]


def test_table_has_one_header_the_command_once_per_bench_and_aligned_columns():
    lines = outcome_lines(outcome("extraction", EXTRACTION))[0] + outcome_lines(outcome("llm", None, 1))[0]
    table = render_table(lines).splitlines()
    assert table[0].startswith("| area") and set(table[1]) <= {"|", "-", ":"}
    assert len({len(line) for line in table}) == 1
    assert sum("`python -m bench.extraction`" in line for line in table) == 1
    assert " 1,260 |" in table[2] and "2.00x |" in table[4]
    assert "FAILED: exit code 1" in table[5] and "`python -m bench.llm`" in table[5]


def test_report_text_carries_notes_of_the_benches():
    noisy = {**LOAD, "total": {**LOAD["total"], "errors": 2}}
    text = report_text([outcome("load", noisy)], False, datetime(2026, 11, 26, tzinfo=timezone.utc), 2.5)
    assert text.startswith("LexRay benchmarks, full preset; 2026-11-26 00:00 UTC;")
    assert "full preset" in text and "note: load: 2 requests failed under load" in text


def write_module(folder: Path, name: str, body: str) -> str:
    (folder / f"{name}.py").write_text(body)
    return name


STAND_IN_BENCH = """
import argparse, sys
from pathlib import Path
from bench.results import add_json_option, emit_figures
parser = argparse.ArgumentParser()
parser.add_argument("--rate", type=float)
add_json_option(parser)
args = parser.parse_args()
emit_figures({"rate": args.rate, "baseline": 2.0}, args.json)
"""


def stand_in_rows(figures: dict) -> list[ReportRow]:
    return [ReportRow("stand-in", "rate", figures["rate"], figures["baseline"], "baseline")]


def test_main_runs_each_bench_and_exits_non_zero_when_one_fails(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PYTHONPATH", f"{tmp_path}:{PROJECT_ROOT}")
    passing = write_module(tmp_path, "stand_in_bench", STAND_IN_BENCH)
    failing = write_module(tmp_path, "stand_in_crash", "import sys; sys.exit(7)")
    monkeypatch.setattr(report, "BENCHES", (
        BenchSpec("good", "stand-in", passing, ("--rate", "5"), ("--rate", "3"), stand_in_rows, 60, 60),
        BenchSpec("bad", "stand-in", failing, (), (), stand_in_rows, 60, 60),
    ))
    table_path, json_path = tmp_path / "table.md", tmp_path / "report.json"
    assert main(["--quick", "--table", str(table_path), "--json", str(json_path)]) == 1
    printed = capsys.readouterr().out
    table = table_path.read_text()
    assert table.strip() in printed and "quick (smoke) preset" in table
    assert ["stand-in", "rate", "3.00", "2.00 (baseline)", "1.50x", "`python -m stand_in_bench --rate 3`"] in [
        [cell.strip() for cell in line.strip("|").split("|")] for line in table.splitlines()]
    assert "FAILED: exit code 7" in table
    saved = json.loads(json_path.read_text())
    assert [(bench["bench"], bench["exit_code"], bench["figures"]) for bench in saved["benches"]] == [
        ("good", 0, {"rate": 3.0, "baseline": 2.0}), ("bad", 7, None)]
    capsys.readouterr()
    assert main(["--render", str(json_path)]) == 1  # the same report again, nothing run
    assert capsys.readouterr().out.strip() == table.strip()
    assert main(["--only", "good"]) == 0


def test_a_bench_over_its_time_limit_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", f"{tmp_path}:{PROJECT_ROOT}")
    sleeper = write_module(tmp_path, "stand_in_sleeper", "import time; time.sleep(120)")
    spec = BenchSpec("slow", "stand-in", sleeper, (), (), stand_in_rows, 1, 1)
    finished = run_bench(spec, quick=True, work_dir=tmp_path)
    assert finished.timed_out and finished.exit_code != 0 and finished.seconds < 30


def test_unknown_bench_names_are_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--only", "extraction,nope"])
    assert exited.value.code == 2
    assert "unknown bench(es) nope" in capsys.readouterr().err


def test_quick_retrieval_bench_through_the_report_for_real(tmp_path):
    """The real retrieval bench (a subprocess, BM25) through run_bench and the table, on the
    BEIR-layout toy set the tests carry (the report's own preset reads AILA from ../shared/data,
    which a CI checkout does not have)."""
    import dataclasses

    toy = PROJECT_ROOT / "tests" / "data" / "beir_toy"
    spec = dataclasses.replace(next(s for s in report.BENCHES if s.name == "retrieval"),
                               quick_args=("--dataset", str(toy), "--split", "test", "--modes", "bm25"))
    outcome = run_bench(spec, quick=True, work_dir=tmp_path)
    assert outcome.exit_code == 0 and outcome.figures is not None
    table = report.report_text([outcome], quick=True, finished=datetime.now(timezone.utc), load_avg_end=0.0)
    assert "| retrieval quality: AILA | nDCG@10, bm25 (the baseline)" in table
    assert "`python -m bench.retrieval --dataset" in table and f"`{sys.executable}" not in table
