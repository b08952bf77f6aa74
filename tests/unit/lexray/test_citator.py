"""Tests for lexray.citator: which stored case a citation refers to (by citation, then by case
name and year), and the words names are compared by."""

from __future__ import annotations

from lexray.citator import CitableIndex, name_words
from lexray.models import CitableCase, CitationStatus


def citable(case_id: str, keys=(), title: str | None = None, year: int | None = None) -> CitableCase:
    return CitableCase(case_id=case_id, keys=list(keys), name_words=name_words(title), year=year)


def test_name_words_drop_roles_places_of_government_and_company_forms():
    assert name_words("Kesavananda Bharati Sripadagalvaru v. State of Kerala and Anr.") == [
        "kesavananda", "bharati", "sripadagalvaru", "kerala"]
    assert name_words("Oliver Brown, et al. v. Board of Education of Topeka, et al.") == [
        "oliver", "brown", "board", "education", "topeka"]
    assert name_words("K.S. Puttaswamy (Retd.) vs Union Of India") == ["puttaswamy", "retd"]


def test_a_citation_in_common_wins_over_a_name():
    index = CitableIndex([citable("by_key", ["5 U.S. 137"], "Stuart v. Laird", 1803),
                          citable("by_name", [], "William Marbury v. James Madison", 1803)])
    found = index.resolve(["5 U.S. 137"], name_words("Marbury v. Madison"), 1803)
    assert (found.status, found.case_id, found.matched_by) == (CitationStatus.RESOLVED, "by_key", "citation")
    by_name = index.resolve(["1 Cranch 137"], name_words("Marbury v. Madison"), 1803)
    assert (by_name.case_id, by_name.matched_by) == ("by_name", "name")


def test_name_matching_needs_the_year_and_every_word():
    index = CitableIndex([citable("c1", [], "Kenneth W. Colegrove v. Dwight H. Green", 1946)])
    assert index.resolve([], name_words("Colegrove v. Green"), 1946).case_id == "c1"
    # A reporter's year may be the year after the decision, never the year before it.
    assert index.resolve([], name_words("Colegrove v. Green"), 1947).case_id == "c1"
    assert index.resolve([], name_words("Colegrove v. Green"), 1948).status is CitationStatus.DANGLING
    assert index.resolve([], name_words("Colegrove v. Green"), 1945).status is CitationStatus.DANGLING
    assert index.resolve([], name_words("Colegrove v. Brown"), 1946).status is CitationStatus.DANGLING
    assert index.resolve([], name_words("Colegrove v. Green"), None).status is CitationStatus.DANGLING
    assert index.resolve([], [], 1946).status is CitationStatus.DANGLING


def test_several_matches_are_ambiguous_with_their_candidates():
    index = CitableIndex([citable("b", ["1 U.S. 1"]), citable("a", ["1 U.S. 1"]),
                          citable("c", [], "State v. Smith", 2001), citable("d", [], "People v. John Smith", 2001)])
    by_key = index.resolve(["1 U.S. 1"], [], None)
    assert (by_key.status, by_key.case_id, by_key.candidates) == (CitationStatus.AMBIGUOUS, None, ["a", "b"])
    assert index.resolve([], name_words("State v. Smith"), 2001).candidates == ["c", "d"]


def test_a_case_never_resolves_its_own_citations():
    index = CitableIndex([citable("self", ["1 U.S. 1"]), citable("other", ["1 U.S. 1"])])
    assert index.resolve(["1 U.S. 1"], [], None, citing_case_id="self").case_id == "other"
    alone = CitableIndex([citable("self", ["1 U.S. 1"])])
    assert alone.resolve(["1 U.S. 1"], [], None, citing_case_id="self").status is CitationStatus.DANGLING
