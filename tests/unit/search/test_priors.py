"""search.priors: the reference year of a fact description, the precedent prior and citation
smoothing, as pure functions."""

from __future__ import annotations

from datetime import date

import pytest

from lexray.settings import RankingSettings
from search.priors import apply_priors, precedent_factor, priors_off, reference_year, smoothed_by_citations

FACTS = ("The appellant joined the Bank in 1961 and was promoted in 1968. A complaint followed in 1972 "
         "and he was dismissed after an inquiry. ") * 12


class Signals:
    def __init__(self, years=None, links=None):
        self.years, self.links = years or {}, links or {}
        self.asked_links: list[list[str]] = []

    def decision_years(self, case_ids):
        return {case_id: self.years[case_id] for case_id in case_ids if case_id in self.years}

    def citation_links(self, case_ids):
        self.asked_links.append(list(case_ids))
        return {case_id: self.links.get(case_id, set()) for case_id in case_ids}


def test_reference_year_is_the_latest_year_of_a_long_query():
    assert len(FACTS) >= RankingSettings().precedent_min_query_chars
    assert reference_year(FACTS, RankingSettings()) == 1972


def test_short_queries_and_future_years_give_no_reference_year():
    assert reference_year("bail under the 2005 amendment", RankingSettings()) is None
    next_but_one = date.today().year + 2
    assert reference_year(FACTS + f" Listed for {next_but_one}.", RankingSettings()) == 1972
    assert reference_year("no year at all " * 100, RankingSettings()) is None
    # Digits inside longer numbers are not years.
    assert reference_year("Rs. 119900 and 12000 " * 100, RankingSettings()) is None


def test_precedent_factor_decays_after_the_grace_years():
    settings = RankingSettings(precedent_grace_years=2, precedent_decay_years=10.0)
    assert precedent_factor(1982, 1980, settings) == 1.0
    assert precedent_factor(1992, 1980, settings) == pytest.approx(0.3679, abs=1e-4)
    assert precedent_factor(None, 1980, settings) == 1.0
    assert precedent_factor(2020, 1980, RankingSettings(precedent_decay_years=0)) == 1.0


def test_smoothing_gives_linked_cases_a_share_of_the_best_scores_only():
    settings = RankingSettings(citation_smoothing=0.5, citation_smoothing_cases=1)
    smoothed = smoothed_by_citations({"a": 1.0, "b": 0.8, "c": 0.1}, {"a": {"c", "new"}, "b": {"c"}}, settings)
    # Only "a" (the 1 best) passes score on; "b"'s link is not used; "new" enters.
    assert smoothed == {"a": 1.0, "b": 0.8, "c": pytest.approx(0.6), "new": pytest.approx(0.5)}


def test_apply_priors_leaves_scores_alone_when_nothing_applies():
    scores = {"a": 3.0, "b": 1.0}
    assert apply_priors(scores, None, 1990, RankingSettings()) == scores
    assert apply_priors(scores, Signals(), None, RankingSettings()) == scores
    off = RankingSettings(precedent_decay_years=0, citation_smoothing=0)
    signals = Signals(years={"a": 2020}, links={"a": {"b"}})
    assert apply_priors(scores, signals, 1990, off) == scores
    assert signals.asked_links == []  # smoothing off: the links are not even asked for


def test_apply_priors_asks_links_of_the_best_cases_after_the_precedent_prior():
    signals = Signals(years={"late": 2020, "early": 1970}, links={"early": {"cited"}})
    settings = RankingSettings(precedent_decay_years=5.0, citation_smoothing=0.5, citation_smoothing_cases=1)
    adjusted = apply_priors({"late": 10.0, "early": 9.0, "low": 0.0}, signals, 1980, settings)
    assert signals.asked_links == [["early"]]  # "late" fell below "early"
    assert adjusted["early"] == pytest.approx(0.9)
    assert adjusted["late"] < 0.01
    assert adjusted["cited"] == pytest.approx(0.45)


def test_priors_off_switches_both_priors_off_and_keeps_the_rest():
    configured = RankingSettings(citation_smoothing=0.5, citation_smoothing_cases=7, precedent_grace_years=3)
    off = priors_off(configured)
    assert (off.citation_smoothing, off.precedent_decay_years) == (0.0, 0.0)
    assert (off.citation_smoothing_cases, off.precedent_grace_years) == (7, 3)
    signals = Signals(years={"a": 2020}, links={"a": {"b"}})
    assert apply_priors({"a": 3.0, "b": 1.0}, signals, 1990, off) == {"a": 3.0, "b": 1.0}
    assert signals.asked_links == []
