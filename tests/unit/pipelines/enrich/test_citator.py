"""Tests for pipelines.enrich.citator: a case's own citations and the cases it cites, on the
citator corpus (bench.citator_corpus), real opinions and hand-made edge cases."""

from __future__ import annotations

import time

import pytest

from bench.citator_corpus import CORPUS, expected_cited
from lexray.models import PageSpan
from lexray.settings import CitatorSettings
from pipelines.clean import clean_pages, join_pages
from pipelines.enrich import case_citations, extract_metadata
from pipelines.enrich.citator import TextCitations, case_name_before, text_citations
from tests.unit.pipelines.enrich.conftest import case_text


def one_page(text: str) -> list[PageSpan]:
    return [PageSpan(page=1, char_start=0, char_end=len(text))]


def record_of(text: str, **kwargs):
    return case_citations(text, one_page(text), **kwargs)


@pytest.mark.parametrize("opinion", CORPUS, ids=lambda opinion: opinion.name)
def test_corpus_opinion_cites_what_its_text_says(opinion):
    text, page_spans = join_pages(clean_pages(opinion.page_texts()))
    metadata = extract_metadata(text)
    record = case_citations(text, page_spans, title=metadata.title, case_number=metadata.case_number)
    assert {own.normalized for own in record.own if own.kind != "docket"} == set(opinion.own)
    found = {(cited.normalized, tuple(cited.parallel), cited.depth, tuple(cited.pages)) for cited in record.cited}
    expected = {(key, authority.parallel, authority.depth, authority.pages)
                for key, authority in expected_cited(opinion).items()}
    assert found == expected
    assert record.unresolved_references == 0 and not record.truncated
    for cited in record.cited:
        assert [text[start:end] for start, end in cited.spans]  # every span is text of the case
        assert all(text[start:end].strip() for start, end in cited.spans)


def test_short_forms_id_and_supra_count_toward_the_depth_with_their_spans():
    text = ("Marbury v. Madison, 5 U.S. 137, 177 (1803). Id., at 178. Stuart v. Laird, 5 U.S. 299 (1803). "
            "Marbury, supra, at 180. 5 U. S., at 176.")
    marbury, stuart = record_of(text, caption_chars=1).cited
    assert (marbury.normalized, marbury.depth, marbury.case_name, marbury.year) == (
        "5 U.S. 137", 3, "Marbury v. Madison", 1803)
    assert [text[start:end] for start, end in marbury.spans] == ["5 U.S. 137", "Id., at 178", "supra, at 180"]
    assert (stuart.normalized, stuart.depth) == ("5 U.S. 299", 1)
    # "5 U. S., at 176" could be either case of volume 5 and names neither: tied to none.
    assert record_of(text, caption_chars=1).unresolved_references == 1


def test_parallel_citations_are_one_authority_and_one_reference():
    text = "Roe v. Wade, 410 U.S. 113, 116, 93 S. Ct. 705, 35 L. Ed. 2d 147 (1973). Id. at 120."
    (roe,) = record_of(text, caption_chars=1).cited
    assert (roe.normalized, roe.parallel, roe.depth) == ("410 U.S. 113", ["93 S. Ct. 705", "35 L. Ed. 2d 147"], 2)


def test_a_string_cite_of_one_reporter_is_not_parallel():
    record = record_of("See 410 U.S. 113, 410 U.S. 179 (1973).", caption_chars=1)
    assert [(cited.normalized, cited.parallel) for cited in record.cited] == [
        ("410 U.S. 113", []), ("410 U.S. 179", [])]


def test_indian_forms_parallel_supra_and_ibid():
    text = ("The law in Maneka Gandhi v. Union of India, (1978) 1 SCC 248 : AIR 1978 SC 597, governs. "
            "Roe v. Wade, 410 U.S. 113 (1973). Bachan Singh vs. State of Punjab, (1980) 2 S.C.C. 684. Ibid. "
            "Maneka Gandhi (supra) stands.")
    record = record_of(text, caption_chars=1)
    by_key = {cited.normalized: cited for cited in record.cited}
    maneka, bachan = by_key["(1978) 1 SCC 248"], by_key["(1980) 2 SCC 684"]
    assert maneka.parallel == ["AIR 1978 SC 597"] and maneka.depth == 2
    assert maneka.case_name == "Maneka Gandhi v. Union of India" and maneka.year == 1978
    assert maneka.name_words == ["maneka", "gandhi"]
    # "Ibid." follows the SCC citation, not the US one before it.
    assert bachan.depth == 2 and by_key["410 U.S. 113"].depth == 1


@pytest.mark.parametrize(
    ("caption", "own"),
    [
        # A line of nothing but citations, nominative report and year included.
        ("SUPREME COURT\n\n5 U.S. (1 Cranch) 137 (1803)\n\nMARBURY v. MADISON\n\n", ["5 U.S. 137"]),
        # After a label, though cleaning joined the caption's lines.
        ("Bachan Singh vs State Of Punjab on 9 May, 1980 Equivalent citations: AIR 1980 SC 898, (1980) 2 SCC 684 "
         "JUDGMENT. In Maneka Gandhi v. Union of India, (1978) 1 SCC 248, it was held.",
         ["AIR 1980 SC 898", "(1980) 2 SCC 684"]),
        # The text's first line.
        ("Marbury v. Madison, 5 U.S. 137 (1803)\n\nThe opinion follows. See Stuart v. Laird, 5 U.S. 299 (1803).",
         ["5 U.S. 137"]),
        # A neutral citation on its own line; the court below is cited, not own.
        ("IN THE SUPREME COURT OF NORTH CAROLINA\n\n2022-NCSC-1\n\nOn review of a decision of the Court of "
         "Appeals, 268 N.C. App. 1 (2019).", ["2022-NCSC-1"]),
    ],
)
def test_own_citations_in_the_caption(caption, own):
    record = record_of(caption)
    assert [citation.normalized for citation in record.own] == own
    assert not {citation.normalized for citation in record.own} & {cited.normalized for cited in record.cited}


def test_own_citation_beside_the_case_name_and_self_citations_left_out():
    text = ("SUPREME COURT. Opinion in Marbury v. Madison, 5 U.S. 137 (1803), delivered by the Chief Justice. "
            "We held in Marbury v. Madison, 5 U.S. 137, that the act is void. 5 U.S., at 140. Stuart v. Laird, "
            "5 U.S. 299 (1803).")
    record = record_of(text, title="William Marbury v. James Madison", case_number="No. 1")
    assert [(own.normalized, own.kind) for own in record.own] == [("5 U.S. 137", "reporter"), ("No. 1", "docket")]
    assert [cited.normalized for cited in record.cited] == ["5 U.S. 299"]


def test_real_opinions():
    tarrant = case_text("scotus_tarrant")
    record = record_of(tarrant, case_number="No. 11-889")
    by_key = {cited.normalized: cited for cited in record.cited}
    # The syllabus note's "See United States v. Detroit Timber..." is cited, not the case's own.
    assert [own.normalized for own in record.own] == ["No. 11-889"]
    assert by_key["258 U.S. 574"].case_name == "Oklahoma v. Texas" and by_key["258 U.S. 574"].year == 1922
    assert by_key["560 U.S. 330"].depth == 2
    assert "200 U.S. 321" in by_key and not any("App." in key for key in by_key)  # the Joint Appendix is not a case
    gift_surplus = record_of(case_text("nc_gift_surplus"))
    assert [own.normalized for own in gift_surplus.own] == ["2022-NCSC-1"]
    assert "268 N.C. App. 1" in {cited.normalized for cited in gift_surplus.cited}


def test_caps_bound_what_is_kept_and_say_so():
    text = " ".join(f"Case{i} v. Other{i}, {i + 1} F.3d {i + 10} (2001)." for i in range(30)) + " It was so. Id." * 80
    settings = CitatorSettings(max_cited=5, max_spans=3, max_references=100)
    record = record_of(text, settings=settings, caption_chars=1)
    assert record.truncated and len(record.cited) == 5 and record.references == 100
    assert record.cited[0].depth == 71 and len(record.cited[0].spans) == 3  # the last case, and its 70 "Id."
    assert not record_of(text, caption_chars=1).truncated


def test_case_name_before_a_citation():
    text = "as held in the case of Bachan Singh vs. State of Punjab, (1980) 2 SCC 684"
    assert case_name_before(text, text.index("(1980)")) == "Bachan Singh v. State of Punjab"
    assert case_name_before("reported in (1980) 2 SCC 684", 12) is None
    assert case_name_before("Smith v. 1999 (2), (1980) 2 SCC 684", 20) is None


@pytest.mark.parametrize("hostile", ["(" * 100_000, "AIR " * 25_000, " v. " * 25_000, "(1999) " * 15_000,
                                     "1980 (" * 15_000, "Equivalent citations: " * 5_000])
def test_hostile_text_is_read_in_linear_time(hostile):
    started = time.perf_counter()
    record = record_of(hostile)
    assert time.perf_counter() - started < 5
    assert record.cited == []


def test_empty_text_and_a_text_without_pages():
    assert record_of("").cited == [] and record_of("   ").own == []
    (roe,) = case_citations("Roe v. Wade, 410 U.S. 113 (1973).", [], caption_chars=1).cited
    assert roe.pages == [] and roe.spans == [(13, 25)]


def test_text_citations_reads_a_request_text_and_its_unknown_reporters():
    text = ("In 1990 Congress passed 12 laws (No. 4 of 1990; 3 No. 5). Brown v. Board of Education, "
            "347 U.S. 483, 74 S. Ct. 686 (1954); Brown, supra. (2013) 4 SCC 1. Smith v. Jones, "
            "123 Fake Rep. 456 (1990); (2020) 5 XYZ 123.")
    found = text_citations(text)
    assert [(cited.normalized, cited.parallel, cited.depth, cited.pages) for cited in found.cited] == [
        ("347 U.S. 483", ["74 S. Ct. 686"], 2, []), ("(2013) 4 SCC 1", [], 1, [])]
    start, end = found.cited[0].spans[0]
    assert text[start:end] == "347 U.S. 483"
    assert [written for written, _, _ in found.unknown_reporter] == ["123 Fake Rep. 456", "(2020) 5 XYZ 123"]
    assert all(text[start:end] == written for written, start, end in found.unknown_reporter)
    assert text_citations("x" * 1000) == TextCitations(cited=[], unknown_reporter=[])
