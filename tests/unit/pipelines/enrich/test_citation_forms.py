"""Tests for pipelines.enrich.citation_forms: Indian, English and neutral citations eyecite does
not read, one normalised spelling for every printing."""

from __future__ import annotations

import time

import pytest

from pipelines.enrich.citation_forms import find_citation_forms


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("(2013) 4 SCC 1", "(2013) 4 SCC 1"),
        ("[2013] 4 S.C.C. 1", "(2013) 4 SCC 1"),
        ("(2013)4 SCC 1", "(2013) 4 SCC 1"),
        ("2013 (4) SCC 1", "(2013) 4 SCC 1"),
        ("(1950) SCR 88", "(1950) SCR 88"),
        ("1980 CRILJ 636", "(1980) Cri LJ 636"),
        ("1980 Cri. L.J. 636", "(1980) Cri LJ 636"),
        ("(1980) Cr LJ 636", "(1980) Cri LJ 636"),
        ("AIR 1980 SC 898", "AIR 1980 SC 898"),
        ("A.I.R. 1980 S.C. 898", "AIR 1980 SC 898"),
        ("AIR 1955 Bom. 12", "AIR 1955 Bom 12"),
        ("2021 SCC OnLine SC 123", "2021 SCC OnLine SC 123"),
        ("[1932] AC 562", "[1932] AC 562"),
        ("(1990) 2 AC 605", "[1990] 2 AC 605"),
        ("[1998] 1 All ER 1", "[1998] 1 All ER 1"),
        ("2023 INSC 45", "2023 INSC 45"),
        ("[2019] UKSC 5", "[2019] UKSC 5"),
        ("[2003] EWCA Civ 1406", "[2003] EWCA Civ 1406"),
        ("2022-NCSC-1", "2022-NCSC-1"),
        ("2019-NMSC-001", "2019-NMSC-1"),
    ],
)
def test_each_printing_has_one_normalised_form(text, normalized):
    (form,) = find_citation_forms(f"As held in X v. Y, {text}, the appeal fails.")
    assert form.normalized == normalized and form.text == text


@pytest.mark.parametrize("text", [
    "in 2013 4 cases were filed", "(2013) was a year", "AIR 19800 SC 1", "Section 302 IPC", "para (2013) 4 scc",
    "abc(2013) 4 SCC 1", "ISBN 1980-12-1234", "(1780) 2 SCC 1",
])
def test_lookalikes_are_not_citations(text):
    assert find_citation_forms(text) == []


def test_spans_and_years():
    text = "Maneka Gandhi v. Union of India, (1978) 1 SCC 248 : AIR 1978 SC 597."
    first, second = find_citation_forms(text)
    assert text[first.start:first.end] == "(1978) 1 SCC 248" and first.year == 1978 and first.kind == "reporter"
    assert (second.reporter, second.volume) == ("AIR SC", "1978")


@pytest.mark.parametrize("hostile", ["(" * 200_000, "AIR " * 50_000, "1999-" * 50_000, "(1999) 1 " * 25_000,
                                     "[2019] " * 30_000, "2013 (4) " * 25_000, "A.I.R. 1999 S.C.S.C.S.C.S. " * 8_000])
def test_hostile_text_is_scanned_in_linear_time(hostile):
    started = time.perf_counter()
    find_citation_forms(hostile)
    assert time.perf_counter() - started < 2
