"""ROUGE-1/2/L F1 of a candidate summary against a reference, by Google's ``rouge-score``.

Its tokenizer is a regex and its Porter stemmer is code (nltk's, which needs no downloaded
data), so scoring works offline. ``rougeL`` is the LCS over the whole text, not ``rougeLsum``.

>>> scores = rouge_f1("The appeal is dismissed with costs.", "The appeal was dismissed.")
>>> sorted(scores), round(scores["rouge1"], 3)
(['rouge1', 'rouge2', 'rougeL'], 0.6)
>>> mean_scores([{"rouge1": 0.2, "rouge2": 0.1, "rougeL": 0.3}, {"rouge1": 0.4, "rouge2": 0.3, "rougeL": 0.1}])
{'rouge1': 0.3, 'rouge2': 0.2, 'rougeL': 0.2}
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from rouge_score import rouge_scorer

ROUGE_TYPES: tuple[str, ...] = ("rouge1", "rouge2", "rougeL")


def rouge_f1(reference: str, candidate: str) -> dict[str, float]:
    """F1 of each of ``ROUGE_TYPES``, stemmed; 0.0 when either text has no words."""
    scores = _scorer().score(reference, candidate)
    return {rouge_type: float(scores[rouge_type].fmeasure) for rouge_type in ROUGE_TYPES}


def mean_scores(per_record: Sequence[dict[str, float]]) -> dict[str, float]:
    """Mean of each ROUGE type over records (0.0 for none), rounded to 6 places."""
    return {
        rouge_type: round(sum(scores[rouge_type] for scores in per_record) / len(per_record), 6)
        if per_record else 0.0
        for rouge_type in ROUGE_TYPES
    }


@lru_cache(maxsize=1)
def _scorer() -> rouge_scorer.RougeScorer:
    return rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
