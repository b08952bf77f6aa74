"""Tests for pipelines.enrich.citations."""

from __future__ import annotations

import pytest
from eyecite import get_citations
from eyecite.models import FullCaseCitation

from pipelines.enrich.citations import find_case_citations, is_plausible_case_citation


def test_citation_false_positive_is_filtered():
    # "1 App. 7" is the Joint Appendix; eyecite reads it as the Ohio Appellate Reports.
    text = "Congress approved the Compact. See Compact, 1 App. 7–51; see also 2 App. 336–382."
    eyecite_hits = [citation for citation in get_citations(text) if isinstance(citation, FullCaseCitation)]
    assert [hit.corrected_citation() for hit in eyecite_hits] == ["1 Ohio App. 7", "2 Ohio App. 336"]
    assert not any(is_plausible_case_citation(hit, text) for hit in eyecite_hits)
    assert find_case_citations(text) == ([], [])


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Oklahoma v. Texas, 258 U. S. 574, 580 (1922).", ["258 U.S. 574"]),
        # U.S. volumes 1-90 renumber the reports of 1754-1874.
        ("Marbury v. Madison, 5 U.S. 137, 177 (1803).", ["5 U.S. 137"]),
        ("Foo v. Bar, 91 U.S. 1 (1803).", []),
        ("Smith v. Jones, 1 Ohio App. 24 (1913).", ["1 Ohio App. 24"]),
        ("Smith v. Jones, 1 App. 24 (1915).", ["1 Ohio App. 24"]),
        # Ohio Appellate Reports began in 1913.
        ("Smith v. Jones, 1 App. 24 (1850).", []),
        ("Foo v. Bar, 2500 U.S. 1 (1990).", []),
        ("Foo v. Bar, 100 F.3d 0 (1996).", []),
        ("Cite as: 569 U. S. ____ (2013)", []),
        ("Alabama v. North Carolina, 560 U. S. 330, ___ (2010).", ["560 U.S. 330"]),
        ("Doe v. Roe, 2010 WL 2817220, *2 (W.D. Okla. 2010).", ["2010 WL 2817220"]),
    ],
)
def test_case_citation_plausibility_rules(text, kept):
    assert find_case_citations(text)[0] == kept
