"""bench.retrieval end to end on the toy BEIR set (the fixed interface), and its tuning rule."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from bench.retrieval import plateau_middle, tune_weight
from tests.conftest import PROJECT_ROOT

METRICS = {"ndcg@10", "recall@10", "recall@100", "map", "mrr", "p@10", "p50_ms", "p99_ms"}


def run_harness(tmp_path, *args: str, dataset=PROJECT_ROOT / "tests/data/beir_toy") -> subprocess.CompletedProcess:
    env = {**os.environ, "LEXRAY_DATA_DIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "bench.retrieval", "--dataset", str(dataset), *args],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


@pytest.mark.models
def test_harness_prints_every_mode_as_one_json_last_line(tmp_path):
    done = run_harness(tmp_path, "--split", "test")
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(results) == {"bm25", "dense", "hybrid"}
    for metrics in results.values():
        assert set(metrics) == METRICS
        assert all(0.0 <= metrics[key] <= 1.0 for key in METRICS - {"p50_ms", "p99_ms"})
    # Two judged queries, each with one obviously matching document: lexical search finds both.
    assert results["bm25"]["recall@10"] == 1.0
    assert results["dense"]["mrr"] == 1.0
    # The embedding cache was written where the settings point, keyed by model.
    assert list((tmp_path / "cache" / "embeddings").glob("*.npz"))
    again = run_harness(tmp_path, "--split", "test", "--modes", "bm25")
    assert set(json.loads(again.stdout.strip().splitlines()[-1])) == {"bm25"}


@pytest.mark.models
def test_a_set_with_only_a_test_split_runs_the_configured_weight_and_prints_each_query(tmp_path):
    only_test = tmp_path / "only_test"
    shutil.copytree(PROJECT_ROOT / "tests/data/beir_toy", only_test)
    (only_test / "qrels" / "train.tsv").unlink()
    done = run_harness(tmp_path, "--split", "test", "--per-query", dataset=only_test)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "hybrid dense weight 0.0375 (configured)" in done.stdout
    per_query = [line.split() for line in done.stdout.splitlines() if line.startswith(("q1 ", "q2 "))]
    assert [row[0] for row in per_query] == ["q1", "q2"] and all(len(row) == 4 for row in per_query)
    # Tuning needs the tuning split: a clear error naming it, not a run on the wrong queries.
    tuned = run_harness(tmp_path, "--split", "test", "--weight", "tuned", dataset=only_test)
    assert tuned.returncode != 0 and "train" in tuned.stderr


@pytest.mark.models
def test_a_given_weight_is_used_and_one_out_of_range_is_refused(tmp_path):
    done = run_harness(tmp_path, "--split", "test", "--modes", "hybrid", "--weight", "0.5")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "hybrid dense weight 0.5 (0.5)" in done.stdout
    assert run_harness(tmp_path, "--split", "test", "--weight", "1.5").returncode != 0


def test_harness_rejects_an_unknown_split(tmp_path):
    done = run_harness(tmp_path, "--split", "nope")
    assert done.returncode != 0 and "nope" in done.stderr


def test_plateau_middle_takes_the_middle_of_the_longest_tied_run():
    assert plateau_middle([0.0, 0.1, 0.2, 0.3, 0.4], [0.5, 0.7, 0.7, 0.7, 0.6]) == pytest.approx(0.2)
    assert plateau_middle([0.0, 0.1, 0.2, 0.3], [0.9, 0.1, 0.9, 0.9]) == pytest.approx(0.25)
    assert plateau_middle([0.0, 0.5, 1.0], [0.1, 0.2, 0.3]) == 1.0


def test_tuned_weight_follows_the_informative_ranker():
    qrels = {"q1": {"a": 1}, "q2": {"c": 1}}
    # Dense ranks the relevant case first for both queries, BM25 last: all weight goes to dense.
    per_query = {
        "q1": {"dense": {"a": 0.9, "b": 0.1, "c": 0.0}, "bm25": {"a": 0.0, "b": 1.0, "c": 0.5}},
        "q2": {"dense": {"c": 0.9, "a": 0.1, "b": 0.0}, "bm25": {"c": 0.0, "a": 1.0, "b": 0.5}},
    }
    assert tune_weight(per_query, qrels) > 0.5
    flipped = {q: {"dense": s["bm25"], "bm25": s["dense"]} for q, s in per_query.items()}
    assert tune_weight(flipped, qrels) < 0.5


def test_a_weight_is_not_learnt_from_fewer_than_three_responsive_queries():
    # One query prefers a blend; nine score 0 at every weight: the blend's "gain" is one query's
    # noise, so hybrid keeps to the better input on these queries (BM25 here).
    qrels = {f"q{i}": {"rel": 1} for i in range(10)}
    per_query = {f"q{i}": {"dense": {"x": 1.0, "rel": 0.0}, "bm25": {"x": 1.0, "rel": 0.0}} for i in range(1, 10)}
    per_query["q0"] = {"dense": {"a": 1.0, "rel": 0.9, "b": 0.0}, "bm25": {"b": 1.0, "rel": 0.95, "a": 0.0}}
    assert tune_weight(per_query, qrels) == 0.0
    # The same preference shown by three queries is learnt: the middle of the tied weights.
    for i in (1, 2):
        per_query[f"q{i}"] = per_query["q0"]
    assert 0.0 < tune_weight(per_query, qrels) < 1.0


def test_ablation_ranks_with_each_prior_off_and_prints_one_line_per_variant(tmp_path):
    done = run_harness(tmp_path, "--split", "test", "--modes", "bm25", "--ablation")
    assert done.returncode == 0, done.stderr[-2000:]
    table = done.stdout.split("ablation (nDCG@10 / MAP):")[1]
    rows = table.strip().splitlines()[1:-1]  # after the header, before the JSON line
    variants = [line[:26].strip() for line in rows]
    assert variants == ["no priors", "precedent prior only", "citation smoothing only", "served (both priors)"]
    # The served figures are the ones of the main table and of the JSON line.
    served = json.loads(done.stdout.strip().splitlines()[-1])["bm25"]
    assert f"{served['ndcg@10']:.4f}" in rows[-1]
