"""Tests for pipelines.clean: page furniture, line breaks, characters, page spans.

Fixtures in tests/data/texts are ``page.get_text()`` of real opinions (pages joined with a form
feed), taken from samples/pdfs: scotus_tarrant = vector-pdf pp. 1-7, 28; mo_jagels = missouri
pp. 1-5; ca1_calvary = ca1_00117684624 pp. 1-4, 16-17; cacd_experian_order = cacd 652774.40
pp. 1-4; ca5_st_pierre = ca5_00516242060 pp. 1-3, 10; nc_gift_surplus = broken-mime pp. 1-3, 23.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest

from pipelines.clean import (
    clean_pages,
    is_page_number_line,
    join_pages,
    normalize_characters,
    page_of_offset,
    pages_in_range,
)

TEXTS_DIR = Path(__file__).resolve().parents[2] / "data" / "texts"
FIXTURES = ["scotus_tarrant", "mo_jagels", "ca1_calvary", "cacd_experian_order", "ca5_st_pierre", "nc_gift_surplus"]


@lru_cache(maxsize=None)
def fixture_pages(name: str) -> tuple[str, ...]:
    return tuple((TEXTS_DIR / f"{name}.txt").read_text(encoding="utf-8").split("\f"))


@lru_cache(maxsize=None)
def cleaned_fixture(name: str) -> tuple[str, ...]:
    return tuple(clean_pages(list(fixture_pages(name))))


def test_word_broken_at_line_end_is_joined():
    assert clean_pages(["The court lacks juris-\ndiction over this\nappeal."]) == [
        "The court lacks jurisdiction over this appeal."
    ]


def test_hyphenated_compound_within_a_line_stays():
    assert clean_pages(["This so-called rule is a well-known\nprinciple of law."]) == [
        "This so-called rule is a well-known principle of law."
    ]


def test_compound_broken_at_its_own_hyphen_keeps_it():
    # The document writes "so-called" whole elsewhere; "out-of-" is itself a compound.
    pages = ["A so-\ncalled rule bars out-of-\nstate permits. The so-called rule is old."]
    assert clean_pages(pages) == ["A so-called rule bars out-of-state permits. The so-called rule is old."]


def test_soft_hyphen_at_line_end_joins_and_inline_soft_hyphen_goes():
    assert clean_pages(["water in Okla\u00adhoma and Okla\u00ad\nhoma’s rivers."]) == [
        "water in Oklahoma and Oklahoma’s rivers."
    ]


def test_number_range_across_line_keeps_hyphen():
    assert clean_pages(["See 459 F. Supp. 3d 273, 283-\n288 (D. Me. 2020)."]) == [
        "See 459 F. Supp. 3d 273, 283-288 (D. Me. 2020)."
    ]


BODY_SENTENCES = [
    "The Red River rises in New Mexico.",
    "Congress approved the Compact in 1980.",
    "Tarrant sought a permit in 2007.",
    "The District Court granted summary judgment.",
    "We affirm the judgment below.",
]


def test_running_header_with_changing_page_numbers_goes():
    pages = [
        f"Cite as: 569 U. S. ____ (2013)  {number}\nOpinion of the Court\n{sentence}\n"
        for number, sentence in enumerate(BODY_SENTENCES, start=1)
    ]
    assert clean_pages(pages) == BODY_SENTENCES


def test_running_footer_goes_except_on_first_page():
    pages = [
        f"{sentence}\nCase 8:16-cv-01261 Document 40 Filed 08/05/16 Page {number} of 4"
        for number, sentence in enumerate(BODY_SENTENCES[:4], start=1)
    ]
    cleaned = clean_pages(pages)
    assert cleaned[0] == f"{BODY_SENTENCES[0]}\n\nCase 8:16-cv-01261 Document 40 Filed 08/05/16 Page 1 of 4"
    assert cleaned[1:] == BODY_SENTENCES[1:4]


@pytest.mark.parametrize(
    ("line", "expected"),
    [("3", True), ("- 3 -", True), ("Page 3 of 17", True), ("[12]", True), ("3 of 17", True),
     ("3.", False), ("I.", False), ("No. 3", False), ("2013 WL 1", False)],
)
def test_is_page_number_line(line, expected):
    assert is_page_number_line(line) is expected


def test_page_number_lines_at_page_edges_go_but_numbers_in_body_stay():
    body = "The question\nthe court put\nto counsel was\nanswered with\n42\nand nothing\nelse at all\nthat day\nor after."
    pages = [f"- 3 -\n{body}\nPage 3 of 17", "(Slip Opinion)\n4\nMore text on this page.\n- 4 -"]
    assert clean_pages(pages) == [
        "The question the court put to counsel was answered with 42 and nothing else at all that day or after.",
        "(Slip Opinion)\n\nMore text on this page.",
    ]


def test_lines_are_unwrapped_and_paragraph_breaks_kept():
    page = "First line of a\nparagraph that wraps.\n\nSecond paragraph\nhere."
    assert clean_pages([page]) == ["First line of a paragraph that wraps.\n\nSecond paragraph here."]


def test_short_last_line_ends_a_paragraph_without_blank_line():
    page = (
        "The district court granted summary judgment for the defendant on\n"
        "all of the claims in the complaint.\n"
        "We review the grant of summary judgment de novo and we affirm it\n"
        "in full."
    )
    assert clean_pages([page]) == [
        "The district court granted summary judgment for the defendant on all of the claims in the complaint."
        "\n\nWe review the grant of summary judgment de novo and we affirm it in full."
    ]


def test_headings_stay_on_their_own_line():
    page = (
        "This appeal follows from the denial of the motion after a hearing.\n"
        "Standard of Review\n"
        "Appellate review of the denial of a motion is limited to a\n"
        "determination of whether the findings are clearly erroneous.\n"
        "I. BACKGROUND\n"
        "We draw the facts from the record."
    )
    assert clean_pages([page])[0].split("\n\n") == [
        "This appeal follows from the denial of the motion after a hearing.",
        "Standard of Review",
        "Appellate review of the denial of a motion is limited to a determination of whether the findings are clearly erroneous.",
        "I. BACKGROUND",
        "We draw the facts from the record.",
    ]


def test_lone_enumerator_joins_its_text():
    assert clean_pages(["IT IS ORDERED THAT:\n1.\nDefendant must preserve evidence.\n(a)\nuploading code;"]) == [
        "IT IS ORDERED THAT:\n\n1. Defendant must preserve evidence.\n\n(a) uploading code;"
    ]


def test_characters_are_normalised():
    assert normalize_characters("e\ufb03cient \ufb01nal\u00a0order\u200b\x07\u2002x") == "efficient final order x"
    assert clean_pages(["tab\there\r\nand\u00a0there."]) == ["tab here and there."]


def test_same_number_of_pages_and_empty_pages_stay_empty():
    assert clean_pages(["", "  \n \n", "Text."]) == ["", "", "Text."]
    assert clean_pages([]) == []


def test_pleading_paper_line_numbers_go():
    first_page = cleaned_fixture("cacd_experian_order")[0]
    assert first_page.startswith("UNITED STATES DISTRICT COURT")
    assert not any(re.fullmatch(r"\d+", block) for page in cleaned_fixture("cacd_experian_order") for block in page.split("\n\n"))


def test_scotus_fixture_headers_go_and_words_are_mended():
    pages = cleaned_fixture("scotus_tarrant")
    for page in pages[1:]:
        assert "Cite as:" not in page
        assert "TARRANT REGIONAL WATER DIST. v. HERRMANN" not in page
        assert not page.startswith(("Opinion of the Court", "Syllabus"))
    assert "simultaneously with its permit application" in pages[1]
    assert "out-of-state applicants" in pages[1]
    assert "\u00ad" not in "".join(pages)
    assert "Syllabus" in pages[0].split("\n\n")
    assert "TARRANT REGIONAL WATER DISTRICT v. HERRMANN ET AL." in pages[0].split("\n\n")


def test_docket_stamp_footer_kept_on_first_page_only():
    pages = cleaned_fixture("ca1_calvary")
    assert pages[0].endswith("Case: 20-1507 Document: 00117684624 Page: 1 Date Filed: 12/22/2020 Entry ID: 6390389")
    assert all("Document: 00117684624" not in page for page in pages[1:])
    assert all(not page.startswith("- ") for page in pages)


def test_caption_line_equal_to_running_header_stays():
    # ca5 prints "No. 21-50498" atop every later page; on page 1 it is the caption's docket line.
    pages = cleaned_fixture("ca5_st_pierre")
    assert "No. 21-50498" in pages[0].split("\n\n")
    assert all("No. 21-50498" not in page for page in pages[1:])


def test_ocr_shaped_text_of_scanned_pages():
    # Exact text of the two scanned pages (image-pdf): paragraphs already split by blank lines.
    ground_truth = sorted((Path(__file__).resolve().parents[2] / "data" / "ocr_groundtruth").glob("*.txt"))
    pages = clean_pages([path.read_text(encoding="utf-8") for path in ground_truth])
    blocks = pages[0].split("\n\n")
    assert blocks[:3] == ["(Slip Opinion)", "OCTOBER TERM, 2012", "Syllabus"]
    assert "TARRANT REGIONAL WATER DISTRICT v. HERRMANN ET AL." in blocks
    # Two pages are too few to call their one-off header lines running; the page number goes.
    assert pages[1].startswith("TARRANT REGIONAL WATER DIST. v. HERRMANN")
    assert "simultaneously with its permit application" in pages[1]


FURNITURE = re.compile(
    r"^(?:Cite as:|TARRANT REGIONAL WATER DIST\.|Case:? |GIFT SURPLUS, LLC V\.|2022-NCSC-1$|No\. 21-50498$"
    r"|Opinion of the Court$|Syllabus$|ORDER$|8:16-cv-1261-DOC)"
)


@pytest.mark.parametrize("name", FIXTURES)
def test_no_body_text_is_dropped(name):
    """Every long body line survives: its words, bar the two that a line-end join may change."""
    cleaned_text = " ".join(" ".join(cleaned_fixture(name)).split())
    for page in fixture_pages(name):
        for raw_line in normalize_characters(page).split("\n"):
            line = " ".join(raw_line.split())
            if len(line) < 40 or FURNITURE.match(line):
                continue
            inner_words = " ".join(line.split()[1:-1])
            assert inner_words in cleaned_text, line


def _assert_spans_match(pages: list[str], first_page: int) -> None:
    full_text, spans = join_pages(pages, first_page=first_page)
    assert [span.page for span in spans] == list(range(first_page, first_page + len(pages)))
    for page_text, span in zip(pages, spans):
        assert full_text[span.char_start:span.char_end] == page_text
    assert full_text == "\n\n".join(pages)


@pytest.mark.parametrize("name", FIXTURES)
def test_join_pages_spans_cover_each_page(name):
    _assert_spans_match(list(cleaned_fixture(name)), first_page=1)


def test_join_pages_with_empty_pages_and_offset_numbering():
    pages = ["", "Alpha.", "", "", "Beta gamma.", ""]
    _assert_spans_match(pages, first_page=7)
    _, spans = join_pages(pages, first_page=7)
    assert [span.char_end - span.char_start for span in spans] == [0, 6, 0, 0, 11, 0]


def test_page_of_offset():
    full_text, spans = join_pages(["Alpha.", "", "Beta."])
    beta = full_text.index("Beta")
    assert page_of_offset(spans, 0) == 1
    assert page_of_offset(spans, 5) == 1
    # Separators and the empty page between count to the page before.
    assert page_of_offset(spans, 7) == 1
    assert page_of_offset(spans, beta - 1) == 1
    assert page_of_offset(spans, beta) == 3
    assert page_of_offset(spans, len(full_text) + 10) == 3
    assert page_of_offset(spans, -5) == 1
    with pytest.raises(ValueError):
        page_of_offset([], 0)


def test_pages_in_range():
    full_text, spans = join_pages(["Alpha.", "", "Beta.", "Gamma."], first_page=10)
    beta = full_text.index("Beta")
    gamma = full_text.index("Gamma")
    assert pages_in_range(spans, 0, 3) == [10]
    assert pages_in_range(spans, 2, beta + 2) == [10, 12]
    assert pages_in_range(spans, 0, len(full_text)) == [10, 12, 13]
    assert pages_in_range(spans, gamma, gamma) == [13]
    # A range wholly inside a separator belongs to the page before it.
    assert pages_in_range(spans, 6, 8) == [10]


def test_pages_made_only_of_repeated_lines_keep_their_text():
    pages = ["ORDER GRANTING THE MOTION", "ORDER GRANTING THE MOTION"]
    assert clean_pages(pages) == pages
