"""search.ranking: case scores, fusion, and rank_cases (the ranking the API serves and
bench.retrieval measures) on a real in-process index, without Ray or MongoDB."""

from __future__ import annotations

import numpy as np
import pytest

from lexray.ids import vector_id_for
from lexray.settings import RankingSettings, Settings
from search.priors import Priors, priors_off
from search.query import query_passages
from search.priors import min_max
from search.ranking import blend_case_scores, case_scores_from_passages, rank_cases, top_chunks_of_cases
from search.sharded_index import IndexService, TenantView


def test_case_score_is_the_mean_over_passages_of_its_best_chunk():
    scores = case_scores_from_passages([
        [("a", 0.9), ("a", 0.7), ("b", 0.5)],   # a: best 0.9, b: 0.5
        [("b", 0.8)],                           # a: 0, b: 0.8
    ])
    assert scores == {"a": pytest.approx(0.45), "b": pytest.approx(0.65)}


def test_normalise_puts_each_passage_on_one_scale():
    scores = case_scores_from_passages([[("a", 10.0), ("b", 5.0)], [("b", 2.0)]], normalise=True)
    # passage 1: a 1.0, b 0.5; passage 2: b 1.0 -> a 0.5, b 0.75
    assert scores == {"a": pytest.approx(0.5), "b": pytest.approx(0.75)}


def test_no_passages_or_no_hits():
    assert case_scores_from_passages([]) == {}
    assert case_scores_from_passages([[], [("a", 1.0)]]) == {"a": pytest.approx(0.5)}


def test_blend_endpoints_reproduce_each_input_ranking():
    dense = {"a": 0.9, "b": 0.8, "c": 0.1}
    lexical = {"c": 30.0, "b": 20.0, "d": 5.0}

    def order(scores):
        return sorted(scores, key=lambda case: (-scores[case], case))

    assert order(blend_case_scores(dense, lexical, 1.0))[:3] == ["a", "b", "c"]
    assert order(blend_case_scores(dense, lexical, 0.0))[:2] == ["c", "b"]
    middle = blend_case_scores(dense, lexical, 0.5)
    assert order(middle)[0] == "b"  # strong in both beats strong in one


def test_min_max_handles_constant_scores():
    assert min_max({"a": 3.0, "b": 3.0}) == {"a": 1.0, "b": 1.0}
    assert min_max({}) == {}


# rank_cases: the served ranking, on a real in-process index (FAISS + BM25 shards, no Ray)

TENANT = "t"
WORDS = ["contract", "negligence", "habeas", "appeal", "tax", "custody", "patent", "lease"]


def unit(vector) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def topic_vector(word: str) -> np.ndarray:
    return unit([1.0 if w == word else 0.05 for w in WORDS])


@pytest.fixture
def index(tmp_path):
    """One long case about contracts (40 chunks) and eight one-chunk cases, one per topic,
    plus another tenant's contract case."""
    settings = Settings(data_dir=tmp_path, index={"snapshot_interval_s": 1e9, "candidate_chunks": 5,
                                                  "chunks_per_case": 2, "candidate_growth": 4})
    service = IndexService(settings)
    rows = [(f"long:{n}", "long", TENANT, "contract", f"contract breach damages clause {n}") for n in range(40)]
    rows += [(f"{word}:0", word, TENANT, word, f"{word} dispute before the court") for word in WORDS]
    rows += [("other:0", "other", "someone-else", "contract", "contract breach damages clause")]
    service.add([vector_id_for(chunk_id) for chunk_id, *_ in rows], [row[1] for row in rows],
                [row[2] for row in rows], np.vstack([topic_vector(row[3]) for row in rows]),
                [row[4] for row in rows])
    return settings, service


def rank(index, query: str, *, mode: str = "hybrid", limit: int = 3, showable=None, exclude=None, weight=None):
    settings, service = index
    passages = query_passages(query, settings.chunk)
    vectors = np.vstack([topic_vector(query.split()[0])]) if mode != "bm25" else None
    return rank_cases(TenantView(service, TENANT), passages, vectors, mode=mode, limit=limit,
                      settings=settings.index, showable=showable or (lambda ids: dict.fromkeys(ids)),
                      weight=weight, exclude_case_id=exclude)


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_candidates_grow_until_enough_cases_when_one_long_case_fills_them(index, mode):
    # The long case's 40 chunks fill the first 5 candidates (limit 3 x 2 < 5): without growth
    # the search would return one case.
    ranked = rank(index, "contract breach damages court", mode=mode, limit=3)
    assert len(ranked.best) == 3
    assert ranked.best[0][0] in {"long", "contract"}
    assert "other" not in {case_id for case_id, _ in ranked.best}  # another tenant's case never


def test_only_showable_cases_are_returned_and_the_next_best_take_their_place(index):
    hidden = {"long", "contract"}
    ranked = rank(index, "contract breach damages court", mode="bm25", limit=2,
                  showable=lambda ids: {i: f"stored {i}" for i in ids if i not in hidden})
    assert len(ranked.best) == 2 and not hidden & {case_id for case_id, _ in ranked.best}
    assert ranked.shown == {case_id: f"stored {case_id}" for case_id, _ in ranked.best}


def test_the_excluded_case_never_ranks(index):
    ranked = rank(index, "contract breach damages", limit=5, exclude="long")
    assert "long" not in {case_id for case_id, _ in ranked.best} and len(ranked.best) == 5


def test_hybrid_weight_one_and_zero_reproduce_dense_and_bm25(index):
    query = "habeas appeal"
    for weight, alone in ((1.0, "dense"), (0.0, "bm25")):
        hybrid = [case_id for case_id, _ in rank(index, query, limit=4, weight=weight).best]
        assert hybrid[0] == [case_id for case_id, _ in rank(index, query, mode=alone, limit=4).best][0]


def test_each_case_keeps_its_best_chunks_for_the_hit(index):
    ranked = rank(index, "contract breach damages", mode="dense", limit=2)
    chosen = top_chunks_of_cases(ranked.chunk_hits, [case_id for case_id, _ in ranked.best], per_case=2)
    assert [ranked.chunk_hits[vector_id][0] for vector_id in chosen].count("long") == 2


# rank_cases with priors (search.priors): the precedent prior and citation smoothing


class Signals:
    def __init__(self, years=None, links=None):
        self.years, self.links = years or {}, links or {}

    def decision_years(self, case_ids):
        return {case_id: self.years[case_id] for case_id in case_ids if case_id in self.years}

    def citation_links(self, case_ids):
        return {case_id: self.links.get(case_id, set()) for case_id in case_ids}


def rank_with(index, query, signals, query_year, **ranking):
    settings, service = index
    return rank_cases(TenantView(service, TENANT), query_passages(query, settings.chunk), None, mode="bm25",
                      limit=3, settings=settings.index, showable=lambda ids: dict.fromkeys(ids),
                      priors=Priors(signals, query_year, RankingSettings(**ranking)))


def test_a_case_decided_long_after_the_facts_drops_below_an_earlier_one(index):
    query = "habeas appeal dispute"
    plain = [case_id for case_id, _ in rank_with(index, query, Signals(), None).best]
    assert plain[:2] == ["appeal", "habeas"]  # ties broken by case id
    later = Signals(years={"appeal": 2015, "habeas": 1990})
    dated = [case_id for case_id, _ in rank_with(index, query, later, 1995, precedent_decay_years=5.0).best]
    assert dated[:2] == ["habeas", "appeal"]
    # Without a reference year (a short query) the dates change nothing.
    assert [case_id for case_id, _ in rank_with(index, query, later, None).best] == plain


def test_a_case_cited_by_the_best_match_enters_the_results(index):
    # "patent" shares no word with the query: no ranker finds it; the best match cites it.
    query = "habeas"
    assert "patent" not in {case_id for case_id, _ in rank_with(index, query, Signals(), None).best}
    linked = Signals(links={"habeas": {"patent"}, "patent": {"habeas"}})
    ranked = rank_with(index, query, linked, None, citation_smoothing=0.5, citation_smoothing_cases=1)
    assert [case_id for case_id, _ in ranked.best][:2] == ["habeas", "patent"]
    off = rank_with(index, query, linked, None, citation_smoothing=0.0)
    assert "patent" not in {case_id for case_id, _ in off.best}


@pytest.mark.parametrize("mode", ["bm25", "dense", "hybrid"])
def test_priors_off_ranks_exactly_as_without_priors(index, mode):
    # What bench.search_latency measures the priors against: the ranking from before them.
    settings, service = index
    query = "habeas appeal dispute"
    linked = Signals(years={"appeal": 2015, "habeas": 1990}, links={"habeas": {"patent"}, "patent": {"habeas"}})
    vectors = np.vstack([topic_vector("habeas")]) if mode != "bm25" else None

    def ranked(priors):
        return rank_cases(TenantView(service, TENANT), query_passages(query, settings.chunk), vectors, mode=mode,
                          limit=3, settings=settings.index, showable=lambda ids: dict.fromkeys(ids), priors=priors)

    off = ranked(Priors(linked, 1995, priors_off(RankingSettings(citation_smoothing=0.5))))
    without = ranked(None)
    assert (off.best, off.chunk_hits) == (without.best, without.chunk_hits)
    assert ranked(Priors(linked, 1995, RankingSettings(citation_smoothing=0.5))).best != without.best
