"""Case ranking, pure (no Ray, no MongoDB): chunk hits -> case scores, the fusion of two
rankings, and ``rank_cases``, the whole ranking the search API serves and ``bench.retrieval``
measures (candidate growth, blend, the showable filter, each case's best chunks).

>>> case_scores_from_passages([[("a", 0.9), ("b", 0.5)], [("b", 0.8)]])
{'a': 0.45, 'b': 0.65}
>>> blend_case_scores({"a": 1.0, "b": 0.0}, {"a": 0.0, "b": 4.0}, weight=0.75)
{'a': 0.75, 'b': 0.25}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from search.priors import Priors, min_max


def case_scores_from_passages(
    passage_hits: list[Iterable[tuple[str, float]]], *, normalise: bool = False
) -> dict[str, float]:
    """Average over query passages of each case's best chunk score in that passage.

    A case a passage did not retrieve scores 0 for it. With ``normalise`` each passage's
    scores are divided by its best one first (BM25 scores of different passages are not on
    one scale; cosine similarities are).
    """
    totals: dict[str, float] = {}
    passages = 0
    for hits in passage_hits:
        best: dict[str, float] = {}
        for case_id, score in hits:
            if score > best.get(case_id, float("-inf")):
                best[case_id] = score
        if not best:
            passages += 1
            continue
        scale = max(best.values()) if normalise else 1.0
        scale = scale if scale > 0 else 1.0
        for case_id, score in best.items():
            totals[case_id] = totals.get(case_id, 0.0) + score / scale
        passages += 1
    return {case_id: round(total / passages, 10) for case_id, total in totals.items()} if passages else {}


def blend_case_scores(dense: dict[str, float], lexical: dict[str, float], weight: float) -> dict[str, float]:
    """``weight`` x min-max(dense) + (1 - ``weight``) x min-max(lexical); absent = 0."""
    dense_norm, lexical_norm = min_max(dense), min_max(lexical)
    return {
        case_id: round(weight * dense_norm.get(case_id, 0.0) + (1 - weight) * lexical_norm.get(case_id, 0.0), 10)
        for case_id in sorted(dense_norm.keys() | lexical_norm.keys())
    }


# The whole case ranking, as the search API serves it and bench.retrieval measures it.


class ChunkHit(Protocol):
    vector_id: int
    case_id: str
    score: float


class CandidateIndex(Protocol):
    """What ranking asks of an index, already scoped (to a tenant, to allowed cases): each
    ranker's top-``k`` chunks per query passage. ``search.sharded_index.TenantView`` answers it
    in process; the Retrieval deployment's adapter asks the index actor."""

    def dense(self, passage_vectors: np.ndarray, k: int) -> list[list[ChunkHit]]: ...

    def lexical(self, passage_texts: list[str], k: int) -> list[list[ChunkHit]]: ...


@dataclass
class CandidateScores:
    """One round of candidates: case scores per ranker, and each candidate chunk's best score
    (``vector_id -> (case_id, score)``; in hybrid mode a chunk both rankers found keeps its
    dense score)."""

    by_ranker: dict[str, dict[str, float]]
    chunk_hits: dict[int, tuple[str, float]]
    more_in_index: bool  # some passage filled its k: the index holds more candidates


@dataclass
class RankedCases:
    """The best cases with their scores, what ``showable`` returned for each, and the chunks."""

    best: list[tuple[str, float]]
    shown: dict[str, object]
    chunk_hits: dict[int, tuple[str, float]]


def score_candidates(index: CandidateIndex, passages, passage_vectors, k: int, mode: str) -> CandidateScores:
    """Each ranker's case scores for ``passages`` (``search.query.QueryPassages``) from its
    top-``k`` chunks per passage: a case scores as its best chunk per passage, averaged over the
    passages (BM25 scores normalised per passage first)."""
    by_ranker: dict[str, dict[str, float]] = {}
    chunk_hits: dict[int, tuple[str, float]] = {}
    more_in_index = False
    if mode in ("dense", "hybrid"):
        per_passage = index.dense(passage_vectors, k)
        more_in_index |= any(len(hits) >= k for hits in per_passage)
        by_ranker["dense"] = case_scores_from_passages(
            [[(hit.case_id, hit.score) for hit in hits] for hits in per_passage])
        keep_best_chunks(chunk_hits, per_passage)
    if mode in ("bm25", "hybrid"):
        per_passage = index.lexical(passages.lexical, k)
        more_in_index |= any(len(hits) >= k for hits in per_passage)
        by_ranker["bm25"] = case_scores_from_passages(
            [[(hit.case_id, hit.score) for hit in hits] for hits in per_passage], normalise=True)
        keep_best_chunks(chunk_hits, per_passage, only_new=mode == "hybrid")
    return CandidateScores(by_ranker, chunk_hits, more_in_index)


def case_ranking(scores: CandidateScores, mode: str, weight: float) -> dict[str, float]:
    """Case scores of ``mode``: one ranker's, or for hybrid the blend with dense ``weight``.

    >>> scores = CandidateScores({"dense": {"a": 0.9, "b": 0.1}, "bm25": {"a": 0.2, "b": 1.0}}, {}, False)
    >>> case_ranking(scores, "hybrid", 0.25), case_ranking(scores, "bm25", 0.25)
    ({'a': 0.25, 'b': 0.75}, {'a': 0.2, 'b': 1.0})
    """
    if mode == "hybrid":
        return blend_case_scores(scores.by_ranker["dense"], scores.by_ranker["bm25"], weight)
    return dict(scores.by_ranker[mode])


def rank_cases(
    index: CandidateIndex, passages, passage_vectors, *, mode: str, limit: int, settings,
    showable: Callable[[list[str]], dict[str, object]], weight: float | None = None,
    exclude_case_id: str | None = None, priors: Priors | None = None,
) -> RankedCases:
    """The best ``limit`` cases for ``passages`` that ``showable`` lets through.

    ``settings`` is ``IndexSettings``. Candidates per passage start at ``limit`` x
    ``chunks_per_case`` (at least ``candidate_chunks``) and grow ``candidate_growth``-fold, up
    to ``max_candidates_per_passage``, while they hold fewer than ``limit`` showable cases and
    the index has more to give (a few long cases, or cases not indexed yet, can fill them).
    ``showable(case_ids)`` returns the cases that may be shown (the API: indexed cases of the
    tenant, as stored), asked a batch of the next best at a time. ``weight``: hybrid's dense
    weight (default ``settings.hybrid_dense_weight``). ``priors``: the precedent prior and
    citation smoothing of ``search.priors``, applied to each round's case scores (a case a
    citation brings in has no chunk among the candidates: it is shown without matched chunks).
    """
    weight = settings.hybrid_dense_weight if weight is None else weight
    candidates = max(limit * settings.chunks_per_case, settings.candidate_chunks)
    while True:
        scores = score_candidates(index, passages, passage_vectors, candidates, mode)
        ranked = case_ranking(scores, mode, weight)
        if priors is not None:
            ranked = priors.apply(ranked)
        ranked.pop(exclude_case_id, None)
        best, shown = top_showable(ranked, limit, showable)
        if (len(best) >= limit or not scores.more_in_index
                or candidates >= settings.max_candidates_per_passage):
            return RankedCases(best, shown, scores.chunk_hits)
        candidates = min(candidates * settings.candidate_growth, settings.max_candidates_per_passage)


def top_showable(
    ranked: dict[str, float], limit: int, showable: Callable[[list[str]], dict[str, object]]
) -> tuple[list[tuple[str, float]], dict[str, object]]:
    """The best ``limit`` of ``ranked`` (ties by case id) that ``showable`` returns.

    >>> top_showable({"a": 0.9, "b": 0.8, "c": 0.8, "d": 0.1}, 2, lambda ids: {i: i for i in ids if i != "a"})
    ([('b', 0.8), ('c', 0.8)], {'b': 'b', 'c': 'c'})
    """
    order = sorted(ranked.items(), key=lambda item: (-item[1], item[0]))
    best: list[tuple[str, float]] = []
    shown: dict[str, object] = {}
    position = 0
    while len(best) < limit and position < len(order):
        batch = order[position:position + limit - len(best)]
        position += len(batch)
        found = showable([case_id for case_id, _ in batch])
        for case_id, score in batch:
            if case_id in found:
                best.append((case_id, score))
                shown[case_id] = found[case_id]
    return best, shown


def keep_best_chunks(chunk_hits: dict[int, tuple[str, float]], per_passage, *, only_new: bool = False) -> None:
    """Record each hit chunk's best score over the passages (``only_new``: unseen chunks only)."""
    seen = set(chunk_hits) if only_new else set()
    for hits in per_passage:
        for hit in hits:
            if hit.vector_id in seen:
                continue
            known = chunk_hits.get(hit.vector_id)
            if known is None or hit.score > known[1]:
                chunk_hits[hit.vector_id] = (hit.case_id, hit.score)


def top_chunks_of_cases(chunk_hits: dict[int, tuple[str, float]], case_ids: Iterable[str], per_case: int) -> list[int]:
    """The ``vector_id``s of each case's best ``per_case`` candidate chunks.

    >>> top_chunks_of_cases({1: ("a", 0.5), 2: ("a", 0.9), 3: ("b", 0.1), 4: ("c", 1.0)}, ["a", "b"], 1)
    [2, 3]
    """
    wanted = list(dict.fromkeys(case_ids))
    scored: dict[str, list[tuple[float, int]]] = {case_id: [] for case_id in wanted}
    for vector_id, (case_id, score) in chunk_hits.items():
        if case_id in scored:
            scored[case_id].append((score, vector_id))
    return [vector_id for case_id in wanted for _, vector_id in sorted(scored[case_id], reverse=True)[:per_case]]
