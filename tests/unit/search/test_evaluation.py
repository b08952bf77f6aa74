"""Tests for search.evaluation (hand-computed and against trec_eval via ir-measures) and
bench.beir (the toy fixture, plain and xz). Tests carry their own data: the real AILA
folders are read by the benchmark, not here."""

from __future__ import annotations

import lzma
import math
import random
import shutil
from pathlib import Path

import pytest

from bench.beir import BeirDataset, load_beir
from search.evaluation import (
    NoJudgedQueriesError,
    average_precision,
    evaluate,
    judged_query_ids,
    ndcg_at_k,
    precision_at_k,
    rank_documents,
    recall_at_k,
    reciprocal_rank,
)

BEIR_TOY_DIR = Path(__file__).parents[2] / "data" / "beir_toy"

# q1 ranks d1 (grade 3), d2 (0), d3 (1), d5 (unjudged); its relevant docs are d1, d3, d4 (3).
# q2 ranks d6 (unjudged), d7 (1); its one relevant doc is d7.
QRELS = {"q1": {"d1": 3, "d2": 0, "d3": 1, "d4": 2}, "q2": {"d7": 1}}
RUN = {"q1": {"d1": 0.9, "d2": 0.8, "d3": 0.7, "d5": 0.6}, "q2": {"d6": 0.5, "d7": 0.4}}


def test_precision_at_k_by_hand():
    # q1 top 3: d1, d3 relevant -> 2/3; q2 top 3: d7 -> 1/3; mean 1/2.
    assert precision_at_k(RUN, QRELS, 3) == pytest.approx(0.5)
    # k beyond the run still divides by k: q1 2/10, q2 1/10.
    assert precision_at_k(RUN, QRELS, 10) == pytest.approx((0.2 + 0.1) / 2)


def test_recall_at_k_by_hand():
    # q1: 2 of 3 relevant in the top 3; q2: 1 of 1; mean (2/3 + 1) / 2 = 5/6.
    assert recall_at_k(RUN, QRELS, 3) == pytest.approx(5 / 6)
    # q1 top 1: d1 -> 1/3; q2 top 1: d6 -> 0; mean 1/6.
    assert recall_at_k(RUN, QRELS, 1) == pytest.approx(1 / 6)


def test_reciprocal_rank_by_hand():
    # q1: first relevant at rank 1 -> 1; q2: at rank 2 -> 1/2; mean 3/4.
    assert reciprocal_rank(RUN, QRELS) == pytest.approx(0.75)


def test_average_precision_by_hand():
    # q1: hits at rank 1 (P=1/1) and rank 3 (P=2/3), d4 never retrieved: (1 + 2/3) / 3 = 5/9.
    # q2: hit at rank 2 (P=1/2), one relevant: 1/2.  Mean (5/9 + 1/2) / 2 = 19/36.
    assert average_precision(RUN, QRELS) == pytest.approx(19 / 36)


def test_ndcg_at_k_uses_grades_as_gains():
    # q1 DCG@3 = 3/log2(2) + 0/log2(3) + 1/log2(4) = 3.5;
    #    ideal gains 3, 2, 1: IDCG@3 = 3 + 2/log2(3) + 1/2.
    # q2 DCG@3 = 1/log2(3); IDCG@3 = 1.
    q1_ndcg = 3.5 / (3 + 2 / math.log2(3) + 0.5)
    q2_ndcg = 1 / math.log2(3)
    assert ndcg_at_k(RUN, QRELS, 3) == pytest.approx((q1_ndcg + q2_ndcg) / 2)
    # At k=1: q1 3/3 = 1; q2 0 (d6 is unjudged).
    assert ndcg_at_k(RUN, QRELS, 1) == pytest.approx(0.5)


def test_evaluate_keys_and_values():
    figures = evaluate(RUN, QRELS)
    assert set(figures) == {"ndcg@10", "recall@10", "recall@100", "map", "mrr", "p@10"}
    # Every relevant doc but d4 is retrieved: q1 2/3, q2 1.
    assert figures["recall@10"] == pytest.approx(5 / 6)
    assert figures["recall@100"] == pytest.approx(5 / 6)
    assert figures["map"] == pytest.approx(19 / 36)
    assert figures["mrr"] == pytest.approx(0.75)
    assert figures["p@10"] == pytest.approx(0.15)


def test_ties_break_by_doc_id_descending():
    # trec_eval orders equal scores by docno descending: c, b, a.
    assert rank_documents({"a": 1.0, "b": 1.0, "c": 1.0, "d": 0.5}) == ["c", "b", "a", "d"]
    # So the relevant "a" sits at rank 3: RR 1/3, P@2 0.
    tied_run = {"q": {"a": 1.0, "b": 1.0, "c": 1.0}}
    assert reciprocal_rank(tied_run, {"q": {"a": 1}}) == pytest.approx(1 / 3)
    assert precision_at_k(tied_run, {"q": {"a": 1}}, 2) == 0.0


def test_query_missing_from_run_scores_zero():
    # q3 is judged but not in the run: it counts as 0, so every mean drops to 2/3 of itself.
    qrels_with_q3 = {**QRELS, "q3": {"d1": 1}}
    for metric, value in evaluate(RUN, QRELS).items():
        assert evaluate(RUN, qrels_with_q3)[metric] == pytest.approx(value * 2 / 3), metric
    # An empty ranking is the same as a missing one.
    assert evaluate({**RUN, "q3": {}}, qrels_with_q3) == evaluate(RUN, qrels_with_q3)


def test_queries_without_relevant_docs_and_unjudged_queries_are_left_out():
    # q4 has only a 0 judgement and q9 is not judged at all: neither changes a mean.
    qrels_with_q4 = {**QRELS, "q4": {"d1": 0}}
    run_with_extras = {**RUN, "q4": {"d1": 1.0}, "q9": {"d1": 1.0}}
    assert judged_query_ids(qrels_with_q4) == ["q1", "q2"]
    assert evaluate(run_with_extras, qrels_with_q4) == evaluate(RUN, QRELS)


def test_no_judged_queries_is_an_error():
    with pytest.raises(NoJudgedQueriesError):
        evaluate(RUN, {"q1": {"d1": 0}})
    with pytest.raises(NoJudgedQueriesError):
        evaluate(RUN, {})


def test_cutoff_must_be_positive():
    with pytest.raises(ValueError, match="k must be >= 1"):
        ndcg_at_k(RUN, QRELS, 0)


def random_run_and_qrels(seed: int) -> tuple[dict, dict]:
    """Graded qrels (0-3, some queries all 0), scores from a coarse grid so ties are common,
    some judged queries missing from the run, some run queries not judged, and runs shorter
    than 100 (and some than 10)."""
    rng = random.Random(seed)
    doc_ids = [f"d{index:02d}" for index in range(60)]
    qrels = {}
    for query_index in range(25):
        judged_docs = rng.sample(doc_ids, rng.randint(1, 12))
        qrels[f"q{query_index}"] = {doc_id: rng.choice([0, 0, 1, 1, 2, 3]) for doc_id in judged_docs}
    qrels["q_all_zero"] = {"d00": 0, "d01": 0}
    run = {}
    for query_id in [*qrels, "q_unjudged"]:
        if rng.random() < 0.2:
            continue
        retrieved = rng.sample(doc_ids, rng.randint(1, 40))
        run[query_id] = {doc_id: rng.randint(0, 8) / 4 for doc_id in retrieved}
    return run, qrels


@pytest.mark.parametrize("seed", range(5))
def test_evaluate_matches_trec_eval_through_ir_measures(seed):
    import ir_measures  # the test extra installs it; a missing package must fail, not skip
    run, qrels = random_run_and_qrels(seed)
    # trec_eval scores a query whose judgements are all 0; ours leaves it out, so it is
    # handed only the queries with a relevant doc (ir-measures scores missing ones 0, as we do).
    judged_qrels = {query_id: qrels[query_id] for query_id in judged_query_ids(qrels)}
    assert len(judged_qrels) < len(qrels) and any(query_id not in run for query_id in judged_qrels)
    measure_keys = {
        ir_measures.nDCG @ 10: "ndcg@10",
        ir_measures.R @ 10: "recall@10",
        ir_measures.R @ 100: "recall@100",
        ir_measures.AP: "map",
        ir_measures.RR: "mrr",
        ir_measures.P @ 10: "p@10",
    }
    # The pytrec_eval provider is trec_eval's own code; named so no other provider is picked.
    reference = ir_measures.pytrec_eval.calc_aggregate(list(measure_keys), judged_qrels, run)
    figures = evaluate(run, qrels)
    for measure, key in measure_keys.items():
        assert figures[key] == pytest.approx(reference[measure], abs=1e-12), key


def assert_is_toy_test_split(dataset: BeirDataset) -> None:
    assert dataset.corpus["d1"] == {
        "title": "Tarrant v. Herrmann",
        "text": "The appellant challenged the eviction order under the tenancy statute.",
    }
    assert dataset.corpus["d4"]["title"] == ""  # no title field in the file
    assert sorted(dataset.corpus) == ["d1", "d2", "d3", "d4"]
    # q3 is judged only in train, q4 nowhere: both are dropped.
    assert dataset.queries == {"q1": "landlord sought eviction of the tenant", "q2": "accused denied bail as a flight risk"}
    assert dataset.qrels == {"q1": {"d1": 2, "d3": 0}, "q2": {"d2": 1}}


def test_load_beir_plain_files():
    assert_is_toy_test_split(load_beir(BEIR_TOY_DIR, "test"))


def test_load_beir_qrels_without_header():
    train = load_beir(BEIR_TOY_DIR, "train")
    assert train.qrels == {"q3": {"d4": 1, "d1": 0}}
    assert list(train.queries) == ["q3"]


def test_load_beir_xz_files(tmp_path):
    dataset_dir = tmp_path / "beir_toy_xz"
    shutil.copytree(BEIR_TOY_DIR / "qrels", dataset_dir / "qrels")
    for stem in ("corpus", "queries"):
        plain_bytes = (BEIR_TOY_DIR / f"{stem}.jsonl").read_bytes()
        (dataset_dir / f"{stem}.jsonl.xz").write_bytes(lzma.compress(plain_bytes))
    assert_is_toy_test_split(load_beir(dataset_dir, "test"))


def test_load_beir_unknown_split_lists_the_available_ones():
    with pytest.raises(FileNotFoundError, match=r"dev\.tsv is missing; splits available: test, train"):
        load_beir(BEIR_TOY_DIR, "dev")


def test_load_beir_missing_corpus_names_the_file(tmp_path):
    shutil.copytree(BEIR_TOY_DIR, tmp_path / "toy")
    (tmp_path / "toy" / "corpus.jsonl").unlink()
    with pytest.raises(FileNotFoundError, match=r"corpus\.jsonl nor .*corpus\.jsonl\.xz"):
        load_beir(tmp_path / "toy", "test")


def test_load_beir_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="dataset folder not found"):
        load_beir(tmp_path / "absent", "test")


def test_load_beir_judged_query_without_text(tmp_path):
    shutil.copytree(BEIR_TOY_DIR, tmp_path / "toy")
    (tmp_path / "toy" / "qrels" / "test.tsv").write_text("q1\td1\t1\nq77\td2\t1\n")
    with pytest.raises(ValueError, match="q77"):
        load_beir(tmp_path / "toy", "test")


def test_load_beir_malformed_qrels_line(tmp_path):
    shutil.copytree(BEIR_TOY_DIR, tmp_path / "toy")
    (tmp_path / "toy" / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\thigh\n")
    with pytest.raises(ValueError, match=r"test\.tsv:2: score 'high' is not an integer"):
        load_beir(tmp_path / "toy", "test")


# Counts from the dataset's README: (folder, split) -> (corpus, queries, relevant pairs).
