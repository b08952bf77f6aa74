"""Hostile text through every function that reads a whole document or query (issue 12): each
adversarial class (bench/adversarial_inputs.py) at a size where a quadratic pattern would take
minutes finishes, in a forked child with a generous limit, so a regression fails here instead of
hanging; and the rewritten patterns still read normal legal text as before.

Pure: no Ray, no MongoDB. No timing is asserted beyond the safety limits.
"""

from __future__ import annotations

import multiprocessing
import resource

import psutil
import pytest

from bench.adversarial import WHOLE_TEXT_FUNCTIONS, run_in_child
from bench.adversarial_inputs import CLASSES, build, normal_opinion
from generation.extractive import summarize
from search.snippets import highlight_snippet, query_terms
from pipelines.enrich import ROLE_LABEL, ROLE_SUFFIX, find_judges, find_parties, find_statutes
from search.tokens import legal_tokens

# Quadratic at these sizes: the old JOINED_LIST alone took ~80 s at 100,000 characters.
PIPELINE_CHARS = 100_000
# pysbd costs ~20 us a character on normal text, so the sentence splitters get less.
SENTENCE_CHARS = 40_000
SENTENCE_FUNCTIONS = {"extractive summarize", "question facts"}
# extract_metadata runs the same eyecite pass as "citations+statutes".
TESTED_FUNCTIONS = [name for name in WHOLE_TEXT_FUNCTIONS if name != "citations+statutes"]
LIMIT_S = 60


def _finishes(function_name: str, text: str) -> bool:
    return run_in_child(function_name, text, traced=False, timeout_s=LIMIT_S) is not None


@pytest.fixture(scope="module", autouse=True)
def warmed_up():
    """Lazy set-up (eyecite's patterns, pysbd's rules) done once, inherited by every child."""
    for function in WHOLE_TEXT_FUNCTIONS.values():
        function(normal_opinion(3000))


@pytest.mark.parametrize("text_class", sorted(CLASSES))
def test_whole_text_functions_finish_on_adversarial_text(text_class):
    slow = []
    for function_name in TESTED_FUNCTIONS:
        chars = SENTENCE_CHARS if function_name in SENTENCE_FUNCTIONS else PIPELINE_CHARS
        if not _finishes(function_name, build(text_class, chars)):
            slow.append(function_name)
    assert not slow, f"past {LIMIT_S} s on {text_class}: {slow}"


def test_joined_judges_are_still_found_deep_in_a_long_opinion():
    syllabus = ("SOTOMAYOR, J., delivered the opinion of the Court, in which ROBERTS, C. J., and SCALIA, "
                "KENNEDY, THOMAS, and ALITO, JJ., joined. GINSBURG, J., filed a dissenting opinion.")
    text = normal_opinion(100_000) + "\n\n" + syllabus + "\n\n" + build("capitalised_words", 100_000)
    judges = find_judges(text)
    assert {"Sotomayor", "Scalia", "Kennedy", "Thomas", "Alito", "Ginsburg"} <= set(judges)


def test_role_labels_still_read_captions_and_a_comma_run_is_no_label():
    assert ROLE_LABEL.match("Plaintiffs - Appellants,")
    assert ROLE_SUFFIX.search("GIFT SURPLUS, LLC, Plaintiffs, Appellees.").group(0) == ", Plaintiffs, Appellees."
    assert ROLE_LABEL.match("plaintiffs" + " , " * 40 + "x") is None  # exponential before
    caption = "STATE OF MISSOURI,\n\nPlaintiff,\n\nv.\n\nJOHN DOE,\n\nDefendant."
    assert find_parties(caption) == (["State of Missouri"], ["John Doe"])


def test_query_terms_and_snippets_of_normal_queries_are_unchanged():
    # Values from before the patterns were bounded.
    query = "murder under Section 302 IPC read with 34 IPC, see 569 U. S. 614 and 42 U.S.C. § 1983"
    assert sorted(query_terms(query)) == [
        "1983", "302", "34", "42", "42_usc_1983", "569", "569_us_614", "614", "ipc", "murder", "read",
        "s.1983", "s.302", "s.34", "see", "us", "usc",
    ]
    opinion = normal_opinion(40_000)
    snippet = highlight_snippet(opinion, query_terms("interstate compact water 28 U. S. C. § 1251"))
    assert snippet.count("<mark>") >= 3 and "<mark>interstate</mark>" in snippet


def test_a_long_statute_list_keeps_its_last_numbers_with_the_statute():
    tokens = legal_tokens(", ".join(str(number) for number in range(1, 31)) + " IPC")
    assert {"s.30", "s.7", "ipc"} <= set(tokens) and "s.1" not in tokens
    assert {"s.100", "s.599"} <= set(legal_tokens("sections " + ", ".join(str(n) for n in range(100, 600))))


def test_statutes_with_initials_are_still_read():
    assert find_statutes("under 42 U. S. C. §1983 and Okla. Stat., Tit. 82, §105.9; Texas Insurance Code § 541.060") == [
        "42 U.S.C. § 1983", "Okla. Stat., Tit. 82, § 105.9", "Texas Insurance Code § 541.060",
    ]


def _summary_peak(method: str, results) -> None:
    """Peak resident memory the summary adds to this (forked) process; tracemalloc would be
    exact but makes the summary several times slower."""
    text = build("four_word_lines", 300_000)  # the API's longest text: 23,000 sentences
    before = psutil.Process().memory_info().rss
    summary = summarize(text, method=method)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    results.put((peak - before, summary.word_count))


@pytest.mark.parametrize("method", ["lexrank", "textrank"])
def test_extractive_summary_of_the_longest_text_stays_in_bounded_memory(method):
    # A dense sentence matrix of 23,000 sentences is 4 GB; the bound here is generous.
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_summary_peak, args=(method, results), daemon=True)
    child.start()
    child.join(600)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail("the summary of 300,000 characters took over 600 s")
    peak_bytes, words = results.get(timeout=5)
    assert peak_bytes < 400 * 1024 * 1024
    assert 200 <= words <= 300  # the medium budget of 250 words, within half a sentence
