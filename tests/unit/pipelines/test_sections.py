"""Tests for pipelines.sections on real opinions (cleaned as the pipeline does) and small texts."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from lexray.models import CaseSection, PageSpan
from pipelines.clean import clean_pages, join_pages
from pipelines.sections import classify_heading, detect_sections

TEXTS_DIR = Path(__file__).resolve().parents[2] / "data" / "texts"
FIXTURES = ["scotus_tarrant", "mo_jagels", "ca1_calvary", "cacd_experian_order", "ca5_st_pierre", "nc_gift_surplus"]


@lru_cache(maxsize=None)
def cleaned(name: str) -> tuple[str, list[PageSpan]]:
    pages = (TEXTS_DIR / f"{name}.txt").read_text(encoding="utf-8").split("\f")
    return join_pages(clean_pages(pages))


@lru_cache(maxsize=None)
def sections_of(name: str) -> list[CaseSection]:
    return detect_sections(*cleaned(name))


def outline(name: str) -> list[tuple[str, str, int, int]]:
    return [(section.name, section.heading, section.page_start, section.page_end) for section in sections_of(name)]


def test_scotus_syllabus_holding_opinion_order():
    assert outline("scotus_tarrant") == [
        ("syllabus", "Syllabus", 1, 2),
        ("holding", "Held:", 2, 4),
        ("opinion", "SOTOMAYOR, J., delivered the opinion for a unanimous Court.", 4, 8),
        ("order", "It is so ordered.", 8, 8),
    ]


def test_missouri_opinion_parts():
    assert outline("mo_jagels") == [
        ("opinion", "Introduction", 1, 1),
        ("facts", "Background", 1, 2),
        # "Discussion" follows "Standard of Review": both analysis, so one section.
        ("analysis", "Standard of Review", 2, 5),
        ("conclusion", "Conclusion", 5, 5),
    ]


def test_first_circuit_opinion_and_concurrence():
    assert outline("ca1_calvary") == [
        ("opinion", "SELYA, Circuit Judge.", 3, 3),
        ("facts", "I. BACKGROUND", 4, 5),
        ("conclusion", "III. CONCLUSION", 5, 5),
        ("order", "So Ordered.", 5, 5),
        ("concurrence", "BARRON, Circuit Judge, concurring in part and concurring in the judgment.", 6, 6),
    ]


def test_district_court_order():
    assert outline("cacd_experian_order") == [("order", "THUS, IT IS HEREBY ORDERED THAT:", 2, 4)]


def test_other_courts():
    assert [name for name, *_ in outline("ca5_st_pierre")] == ["opinion", "facts", "conclusion"]
    assert outline("nc_gift_surplus")[0][:2] == ("opinion", "HUDSON, Justice.")
    assert outline("nc_gift_surplus")[-1][:2] == ("order", "MODIFIED AND AFFIRMED.")


@pytest.mark.parametrize("name", FIXTURES)
def test_sections_are_contiguous_ordered_and_start_at_their_heading(name):
    text, spans = cleaned(name)
    found = sections_of(name)
    assert found
    for section in found:
        assert section.char_start < section.char_end
        assert text[section.char_start:].startswith(section.heading)
        assert section.page_start <= section.page_end
    for before, after in zip(found, found[1:]):
        assert before.char_end == after.char_start
        assert before.name != after.name
    assert found[-1].char_end == len(text)
    assert found[0].page_start >= spans[0].page and found[-1].page_end <= spans[-1].page


def test_section_pages_follow_page_spans():
    text = "Opening caption.\n\nI. BACKGROUND\n\nFacts.\n\nII. DISCUSSION\n\nAnalysis here.\n\nCONCLUSION\n\nAffirmed."
    first, second = text[:text.index("II.")].rstrip(), text[text.index("II."):]
    full_text, spans = join_pages([first, second], first_page=5)
    found = detect_sections(full_text, spans)
    assert [(section.name, section.page_start, section.page_end) for section in found] == [
        ("facts", 5, 5), ("analysis", 6, 6), ("conclusion", 6, 6), ("order", 6, 6),
    ]


def test_dissent_and_concurrence_openings():
    text = (
        "JUSTICE KAGAN delivered the opinion of the Court.\n\nWe hold the statute valid.\n\n"
        "JUSTICE THOMAS, concurring.\n\nI agree.\n\n"
        "JUSTICE ALITO, with whom JUSTICE GORSUCH joins, dissenting.\n\nI would reverse.\n\n"
        "SMITH, J., dissenting. The majority errs."
    )
    assert [(section.name, section.heading) for section in detect_sections(text, [])] == [
        ("opinion", "JUSTICE KAGAN delivered the opinion of the Court."),
        ("concurrence", "JUSTICE THOMAS, concurring."),
        ("dissent", "JUSTICE ALITO, with whom JUSTICE GORSUCH joins, dissenting."),
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("SYLLABUS", "syllabus"),
        ("QUESTIONS PRESENTED", "issues"),
        ("Issues on Appeal", "issues"),
        ("I. BACKGROUND", "facts"),
        ("Statement of the Case", "facts"),
        ("Facts & Procedural Background", "facts"),
        ("Standard of Review", "analysis"),
        ("II. DISCUSSION", "analysis"),
        ("Held:", "holding"),
        ("III. Conclusion", "conclusion"),
        ("ORDER", "order"),
        ("AFFIRMED.", "order"),
        ("Reversed and remanded.", "order"),
        ("IT IS SO ORDERED", "order"),
        ("DISSENT", "dissent"),
        ("Concurring Opinion", "concurrence"),
        ("Opinion of the Court", "opinion"),
        ("Per Curiam:*", "opinion"),
        ("Background checks were performed on every applicant.", None),
        ("We affirm.", None),
        ("ORDER GRANTING PLAINTIFF'S APPLICATION FOR A PRELIMINARY INJUNCTION", None),
    ],
)
def test_classify_heading(line, expected):
    found = classify_heading(line)
    assert (found[0] if found else None) == expected
    if found:
        assert found[1] == line


def test_no_headings_means_no_sections():
    text, spans = join_pages(["The parties settled.", "The appeal is moot and we say no more about it."])
    assert detect_sections(text, spans) == []
    assert detect_sections("", []) == []
