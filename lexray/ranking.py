"""Pure ranking arithmetic: chunk hits -> case scores, and the fusion of two rankings.

>>> case_scores_from_passages([[("a", 0.9), ("b", 0.5)], [("b", 0.8)]])
{'a': 0.45, 'b': 0.65}
>>> blend_case_scores({"a": 1.0, "b": 0.0}, {"a": 0.0, "b": 4.0}, weight=0.75)
{'a': 0.75, 'b': 0.25}
"""

from __future__ import annotations

from collections.abc import Iterable


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


def min_max(scores: dict[str, float]) -> dict[str, float]:
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = high - low
    return {key: (value - low) / span if span > 0 else 1.0 for key, value in scores.items()}


def blend_case_scores(dense: dict[str, float], lexical: dict[str, float], weight: float) -> dict[str, float]:
    """``weight`` x min-max(dense) + (1 - ``weight``) x min-max(lexical); absent = 0."""
    dense_norm, lexical_norm = min_max(dense), min_max(lexical)
    return {
        case_id: round(weight * dense_norm.get(case_id, 0.0) + (1 - weight) * lexical_norm.get(case_id, 0.0), 10)
        for case_id in sorted(dense_norm.keys() | lexical_norm.keys())
    }


def hybrid_case_scores(dense: dict[str, float], lexical: dict[str, float], settings) -> dict[str, float]:
    """Hybrid case ranking from dense and BM25 case scores, with ``settings`` (IndexSettings)."""
    return blend_case_scores(dense, lexical, settings.hybrid_dense_weight)
