import pytest

from lexray.ranking import blend_case_scores, case_scores_from_passages, min_max


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
