"""Retrieval metrics over a run and qrels, computed the way trec_eval does.

Conventions (those of trec_eval, so numbers match trec_eval, pytrec_eval and ir-measures):

- A run is ranked by score, highest first; equal scores are broken by doc id in *descending*
  string order (trec_eval sorts by ``(score, docno)`` both descending).
- A document is relevant when its grade is >= 1; unjudged documents are not relevant.
- nDCG gains are the grades themselves (grades <= 0 give 0), discounted by ``log2(rank + 1)``;
  the ideal ranking is the judged documents sorted by grade, cut at the same k.
- P@k divides by k even when the run holds fewer than k documents.
- Means are over the queries in qrels that have at least one relevant document; a query in
  qrels but absent from the run (or with no documents) scores 0 (trec_eval's ``-c``).
  Queries in the run but not in qrels are ignored. Unlike plain trec_eval, queries whose
  judgements are all 0 are left out of the mean rather than scored 0.

>>> qrels = {"q1": {"d1": 2, "d2": 1}, "q2": {"d9": 1}}
>>> run = {"q1": {"d1": 0.9, "d3": 0.8, "d2": 0.7}}
>>> reciprocal_rank(run, qrels)  # q1: 1/1, q2 (not in the run): 0
0.5
>>> evaluate(run, qrels)["p@10"]  # q1: 2/10, q2: 0
0.1
"""

from __future__ import annotations

import math
from collections.abc import Callable

Qrels = dict[str, dict[str, int]]
Run = dict[str, dict[str, float]]

# Per-query metric: (ranked doc ids, that query's grades) -> value.
QueryMetric = Callable[[list[str], dict[str, int]], float]

RELEVANT_GRADE = 1


class NoJudgedQueriesError(ValueError):
    """The qrels hold no query with a relevant document, so every mean would be undefined."""


def rank_documents(doc_scores: dict[str, float]) -> list[str]:
    """Doc ids by score, highest first; ties by doc id, descending (trec_eval's order).

    >>> rank_documents({"a": 1.0, "b": 1.0, "c": 2.0})
    ['c', 'b', 'a']
    """
    return [doc_id for doc_id, _ in sorted(doc_scores.items(), key=lambda item: (item[1], item[0]), reverse=True)]


def judged_query_ids(qrels: Qrels) -> list[str]:
    """Query ids with at least one relevant document: the queries every mean is taken over.

    >>> judged_query_ids({"q1": {"d1": 1}, "q2": {"d1": 0}})
    ['q1']
    """
    return [query_id for query_id, grades in qrels.items() if _relevant_count(grades) > 0]


def ndcg_at_k(run: Run, qrels: Qrels, k: int) -> float:
    """Mean nDCG@k with gain = grade and a log2(rank + 1) discount.

    >>> round(ndcg_at_k({"q": {"a": 2.0, "b": 1.0}}, {"q": {"a": 1, "b": 2}}, 10), 4)
    0.8597
    """
    _check_cutoff(k)
    return _mean_over_judged(run, qrels, lambda ranking, grades: _ndcg(ranking, grades, k))


def recall_at_k(run: Run, qrels: Qrels, k: int) -> float:
    """Mean share of each query's relevant documents found in its top k.

    >>> recall_at_k({"q": {"a": 2.0, "b": 1.0}}, {"q": {"b": 1, "c": 1}}, 1)
    0.0
    """
    _check_cutoff(k)
    return _mean_over_judged(
        run, qrels, lambda ranking, grades: _relevant_in(ranking[:k], grades) / _relevant_count(grades)
    )


def precision_at_k(run: Run, qrels: Qrels, k: int) -> float:
    """Mean share of the top k that is relevant; the denominator is always k.

    >>> precision_at_k({"q": {"a": 2.0, "b": 1.0}}, {"q": {"b": 1}}, 10)
    0.1
    """
    _check_cutoff(k)
    return _mean_over_judged(run, qrels, lambda ranking, grades: _relevant_in(ranking[:k], grades) / k)


def average_precision(run: Run, qrels: Qrels) -> float:
    """MAP: mean over queries of the precision at each relevant hit, over all relevant docs.

    >>> average_precision({"q": {"a": 2.0, "b": 1.0}}, {"q": {"b": 1, "c": 1}})  # (1/2) / 2
    0.25
    """
    return _mean_over_judged(run, qrels, _average_precision)


def reciprocal_rank(run: Run, qrels: Qrels) -> float:
    """MRR: mean of 1 / rank of the first relevant document (0 when none is retrieved).

    >>> reciprocal_rank({"q": {"a": 2.0, "b": 1.0}}, {"q": {"b": 1}})
    0.5
    """
    return _mean_over_judged(run, qrels, _reciprocal_rank)


def evaluate(run: Run, qrels: Qrels) -> dict[str, float]:
    """The standard set of figures for a run.

    >>> sorted(evaluate({"q": {"a": 1.0}}, {"q": {"a": 1}}))
    ['map', 'mrr', 'ndcg@10', 'p@10', 'recall@10', 'recall@100']
    """
    return {
        "ndcg@10": ndcg_at_k(run, qrels, 10),
        "recall@10": recall_at_k(run, qrels, 10),
        "recall@100": recall_at_k(run, qrels, 100),
        "map": average_precision(run, qrels),
        "mrr": reciprocal_rank(run, qrels),
        "p@10": precision_at_k(run, qrels, 10),
    }


def _mean_over_judged(run: Run, qrels: Qrels, query_metric: QueryMetric) -> float:
    query_ids = judged_query_ids(qrels)
    if not query_ids:
        raise NoJudgedQueriesError("the qrels hold no query with a relevant document (grade >= 1)")
    total = sum(query_metric(rank_documents(run.get(query_id, {})), qrels[query_id]) for query_id in query_ids)
    return total / len(query_ids)


def _is_relevant(grade: int) -> bool:
    return grade >= RELEVANT_GRADE


def _relevant_count(grades: dict[str, int]) -> int:
    return sum(1 for grade in grades.values() if _is_relevant(grade))


def _relevant_in(doc_ids: list[str], grades: dict[str, int]) -> int:
    return sum(1 for doc_id in doc_ids if _is_relevant(grades.get(doc_id, 0)))


def _dcg(gains: list[float]) -> float:
    # Summed in rank order, as trec_eval does, so float rounding matches too.
    total = 0.0
    for rank, gain in enumerate(gains, start=1):
        if gain > 0:
            total += gain / math.log2(rank + 1)
    return total


def _ndcg(ranking: list[str], grades: dict[str, int], k: int) -> float:
    run_gains = [max(grades.get(doc_id, 0), 0) for doc_id in ranking[:k]]
    ideal_gains = sorted((max(grade, 0) for grade in grades.values()), reverse=True)[:k]
    ideal = _dcg(ideal_gains)
    return _dcg(run_gains) / ideal if ideal > 0 else 0.0


def _average_precision(ranking: list[str], grades: dict[str, int]) -> float:
    hits = 0
    precision_sum = 0.0
    for rank, doc_id in enumerate(ranking, start=1):
        if _is_relevant(grades.get(doc_id, 0)):
            hits += 1
            precision_sum += hits / rank
    return precision_sum / _relevant_count(grades)


def _reciprocal_rank(ranking: list[str], grades: dict[str, int]) -> float:
    for rank, doc_id in enumerate(ranking, start=1):
        if _is_relevant(grades.get(doc_id, 0)):
            return 1.0 / rank
    return 0.0


def _check_cutoff(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
