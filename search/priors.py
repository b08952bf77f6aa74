"""What ranking knows of a case besides its text: when it was decided and which cases it is
linked to by citation. Pure (no Ray, no MongoDB); ``search.ranking.rank_cases`` applies them.

Two priors, both about precedents, the thing a long fact description is searched for:

- **Precedents come before the matter.** A judgement cites cases decided before it, and a fact
  description's latest year is a floor on the date of the judgement it belongs to (most are
  decided within a few years of the facts). A case decided ``years`` after that year keeps
  ``exp(-years / precedent_decay_years)`` of its score (after ``precedent_grace_years``).
  Only queries of at least ``precedent_min_query_chars`` count as fact descriptions: a short
  query that names a year ("the 2005 amendment") asks for something else.
- **Cases cited together are relevant together.** Each case gains ``citation_smoothing`` x the
  scores of the ``citation_smoothing_cases`` best candidates it cites or is cited by (the
  cluster hypothesis, with the citation graph as the clusters). A case no ranker found can
  enter this way.

>>> reference_year("The appellant was appointed in 1961 and promoted in 1968. " * 30, RankingSettings())
1968
>>> reference_year("cases on the 2005 amendment", RankingSettings()) is None
True
>>> precedent_factor(1990, 1980, RankingSettings(precedent_decay_years=10.0))
0.3679
>>> precedent_factor(1975, 1980, RankingSettings())
1.0
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from lexray.settings import RankingSettings

# Four-digit years from 1800 to 2099; the ones after next year are left out in reference_year.
YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")


class CaseSignals(Protocol):
    """What a ranking may ask about candidate cases (already scoped to a tenant)."""

    def decision_years(self, case_ids: list[str]) -> dict[str, int]:
        """The year each case was decided; cases without a known date are left out."""
        ...

    def citation_links(self, case_ids: list[str]) -> dict[str, set[str]]:
        """For each of ``case_ids``, the cases it cites or is cited by (resolved ones only)."""
        ...


def reference_year(query: str, settings: RankingSettings) -> int | None:
    """The latest year a fact-description query mentions (no later than next year); None for
    a query shorter than ``precedent_min_query_chars`` or without a year."""
    if len(query) < settings.precedent_min_query_chars:
        return None
    latest = date.today().year + 1
    years = [int(match.group(1)) for match in YEAR.finditer(query)]
    plausible = [year for year in years if year <= latest]
    return max(plausible) if plausible else None


def precedent_factor(case_year: int | None, query_year: int | None, settings: RankingSettings) -> float:
    """The share of its score a case decided in ``case_year`` keeps for a query of ``query_year``."""
    if case_year is None or query_year is None or settings.precedent_decay_years <= 0:
        return 1.0
    late = case_year - query_year - settings.precedent_grace_years
    return 1.0 if late <= 0 else round(math.exp(-late / settings.precedent_decay_years), 4)


def min_max(scores: dict[str, float]) -> dict[str, float]:
    """Min-max to [0, 1] (all equal: 1.0): how the hybrid blend puts its rankers on one scale,
    and how priors act on one scale whatever the ranker.

    >>> min_max({"a": 2.0, "b": 4.0, "c": 3.0})
    {'a': 0.0, 'b': 1.0, 'c': 0.5}
    """
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = high - low
    return {case_id: (score - low) / span if span > 0 else 1.0 for case_id, score in scores.items()}


def with_precedent_prior(
    scores: dict[str, float], years: dict[str, int], query_year: int | None, settings: RankingSettings
) -> dict[str, float]:
    """``scores`` times each case's ``precedent_factor``.

    >>> with_precedent_prior({"old": 1.0, "new": 1.0}, {"old": 1970, "new": 2000}, 1980,
    ...                      RankingSettings(precedent_decay_years=10.0))
    {'old': 1.0, 'new': 0.1353}
    """
    if query_year is None:
        return dict(scores)
    return {case_id: round(score * precedent_factor(years.get(case_id), query_year, settings), 10)
            for case_id, score in scores.items()}


def smoothed_by_citations(
    scores: dict[str, float], links: dict[str, set[str]], settings: RankingSettings
) -> dict[str, float]:
    """Each case plus ``citation_smoothing`` x the scores of the best cases linked to it.

    >>> smoothed_by_citations({"a": 1.0, "b": 0.5, "c": 0.0}, {"a": {"c", "d"}, "b": set()},
    ...                       RankingSettings(citation_smoothing=0.5, citation_smoothing_cases=2))
    {'a': 1.0, 'b': 0.5, 'c': 0.5, 'd': 0.5}
    """
    smoothed = dict(scores)
    for case_id in best_cases(scores, settings.citation_smoothing_cases):
        for linked in links.get(case_id, ()):
            if linked != case_id:
                smoothed[linked] = round(smoothed.get(linked, 0.0) + settings.citation_smoothing * scores[case_id], 10)
    return smoothed


def best_cases(scores: dict[str, float], count: int) -> list[str]:
    """The ``count`` best-scored cases (ties by case id)."""
    return [case_id for case_id, _ in sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:count]]


def apply_priors(
    scores: dict[str, float], signals: CaseSignals | None, query_year: int | None, settings: RankingSettings
) -> dict[str, float]:
    """Case scores with the precedent prior and citation smoothing applied, on min-max
    normalised scores; unchanged when neither applies (no ``signals``, a query that is not a
    fact description, no citation links among the best candidates, or both configured off).

    >>> class Signals:
    ...     def decision_years(self, case_ids): return {"a": 1970, "b": 2010}
    ...     def citation_links(self, case_ids): return {}
    >>> apply_priors({"a": 3.0, "b": 5.0, "c": 1.0}, Signals(), 1980, RankingSettings())
    {'a': 0.5, 'b': 0.1353, 'c': 0.0}
    >>> apply_priors({"a": 3.0, "b": 5.0}, Signals(), None, RankingSettings())
    {'a': 3.0, 'b': 5.0}
    """
    if signals is None or not scores:
        return scores
    dated = query_year is not None and settings.precedent_decay_years > 0
    adjusted = scores
    if dated:
        adjusted = with_precedent_prior(min_max(scores), signals.decision_years(list(scores)), query_year, settings)
    links: dict[str, set[str]] = {}
    if settings.citation_smoothing > 0 and settings.citation_smoothing_cases > 0:
        links = signals.citation_links(best_cases(adjusted, settings.citation_smoothing_cases))
    if not any(links.values()):
        return adjusted
    return smoothed_by_citations(adjusted if dated else min_max(scores), links, settings)


def priors_off(settings: RankingSettings) -> RankingSettings:
    """``settings`` with both priors switched off: ``apply_priors`` then returns the ranker's
    scores as they are and asks ``CaseSignals`` nothing, the ranking from before the priors
    (what ``bench.search_latency`` measures them against).

    >>> class Unasked:
    ...     def decision_years(self, case_ids): raise AssertionError("read")
    ...     def citation_links(self, case_ids): raise AssertionError("read")
    >>> apply_priors({"a": 3.0, "b": 5.0}, Unasked(), 1980, priors_off(RankingSettings()))
    {'a': 3.0, 'b': 5.0}
    """
    return settings.model_copy(update={"precedent_decay_years": 0.0, "citation_smoothing": 0.0})


@dataclass(frozen=True)
class Priors:
    """The priors of one search: who answers about cases, the query's reference year, settings."""

    signals: CaseSignals
    query_year: int | None
    settings: RankingSettings

    def apply(self, scores: dict[str, float]) -> dict[str, float]:
        return apply_priors(scores, self.signals, self.query_year, self.settings)


def years_of(dates: Iterable[tuple[str, object]]) -> dict[str, int]:
    """``{case_id: year}`` from ``(case_id, date-or-datetime-or-None)`` pairs.

    >>> years_of([("a", date(1999, 5, 1)), ("b", None)])
    {'a': 1999}
    """
    return {case_id: value.year for case_id, value in dates if hasattr(value, "year")}
