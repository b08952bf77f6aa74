"""The chat bench's pure parts: how answers and citations are scored, and the table."""

from bench.chat import (
    Cited,
    Question,
    Result,
    baseline_results,
    cites_gold,
    format_table,
    holds_fact,
    method_figures,
    normalized,
    scoped_filters,
)

QUESTION = Question("m-01", "m.pdf", "0" * 64, 2, "What aggregate sentence did the State recommend?", "22-year",
                    "The State recommended a 22-year aggregate sentence.")
CONTENT = ("Introduction. Jagels appeals. " + "The State recommended a 22-year aggregate sentence. "
           + "This appeal follows.")
CASES = {"m.pdf": ("case-m", CONTENT)}


def test_facts_match_across_typography_but_not_other_values():
    assert holds_fact("The State asked for a 22‑year sentence [1].", "22-year")
    assert holds_fact("A 22 year term.", "22-year")
    assert holds_fact("Coverage was $2000.", "$2,000") and holds_fact("Coverage was $2,000.", "$2,000")
    assert holds_fact("It said “stay at their homes”.", '"stay at their homes')
    assert not holds_fact("The State recommended 20 years.", "22-year")
    assert not holds_fact("", "22-year")
    assert normalized("De  Novo [12]") == "de novo"


def test_a_citation_counts_on_the_gold_page_or_holding_the_gold_sentence_of_the_gold_case():
    start = CONTENT.index("The State")
    assert cites_gold(Cited("case-m", [2, 3], 0, 5), QUESTION, "case-m", CONTENT)          # gold page
    assert cites_gold(Cited("case-m", [1], start, len(CONTENT)), QUESTION, "case-m", CONTENT)  # gold sentence
    assert not cites_gold(Cited("case-m", [1], 0, start + 10), QUESTION, "case-m", CONTENT)  # part of it only
    assert not cites_gold(Cited("case-x", [2], start, len(CONTENT)), QUESTION, "case-m", CONTENT)
    assert not cites_gold(Cited(None, [2], 0, 5), QUESTION, "case-m", CONTENT)              # erased case


def test_figures_per_method():
    results = [
        Result(QUESTION, "chat", "It recommended a 22-year sentence [1].", [Cited("case-m", [2], 0, 5)], "generated", 1.0),
        Result(QUESTION, "chat", "The appeal follows [1][2].",
               [Cited("case-m", [1], 0, 5), Cited("case-m", [2], 0, 5)], "extracted", 3.0),
        Result(QUESTION, "chat", "I could not find anything.", [], "fixed", 5.0),
        Result(QUESTION, "chat", "A 22-year sentence.", [], "generated", 7.0),
    ]
    figures = method_figures(results, CASES)
    assert figures["questions"] == 4 and figures["fact_in_answer"] == 0.5
    assert figures["citations"] == 3 and figures["citation_precision"] == 0.667 and figures["gold_cited"] == 0.5
    assert figures["kinds"] == {"generated": 0.5, "extracted": 0.25, "fixed": 0.25}
    assert (figures["p50_ms"], figures["p95_ms"]) == (4000.0, 6700.0)
    none_cited = method_figures([Result(QUESTION, "top chunk sentence", "")], CASES)
    assert none_cited["citation_precision"] is None and none_cited["kinds"] is None and none_cited["p50_ms"] is None
    table = format_table([("corpus", "chat", figures), ("corpus", "top chunk sentence", none_cited)])
    lines = table.splitlines()
    assert len(lines) == 3 and "0.667" in lines[1] and lines[2].split()[-1] == "-"


def test_baselines_answer_from_the_chunks_without_a_model():
    passages = [{"case_id": "case-m", "page_numbers": [2], "char_start": 0, "char_end": len(CONTENT),
                 "text": "The hearing was short. The State recommended a 22-year aggregate sentence."},
                {"case_id": "case-x", "page_numbers": [9], "char_start": 0, "char_end": 10,
                 "text": "The aggregate sentence was long."}]
    top, evidence = baseline_results(QUESTION, passages)
    assert top.method == "top chunk sentence" and holds_fact(top.answer, "22-year")
    assert top.cited == [Cited("case-m", [2], 0, len(CONTENT))] and top.kind is None
    assert evidence.method == "evidence (no model)" and evidence.cited[0].case_id == "case-m"
    assert [result.answer for result in baseline_results(QUESTION, [])] == ["", ""]


def test_scoping_needs_a_court_no_other_case_has():
    cases = {"a.pdf": {"metadata": {"court": "Supreme Court of North Carolina"}},
             "b.pdf": {"metadata": {"court": "supreme court of north carolina"}},
             "c.pdf": {"metadata": {"court": "Fifth Circuit"}}, "d.pdf": {"metadata": {"court": None}}}
    assert scoped_filters(cases) == {"c.pdf": {"court": "Fifth Circuit"}}
