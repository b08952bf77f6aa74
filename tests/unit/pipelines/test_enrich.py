"""Tests for pipelines.enrich on real opinions (cleaned as the pipeline does) and small cases."""

from __future__ import annotations

import doctest
import logging
from datetime import date
from functools import lru_cache
from pathlib import Path

import pytest
from eyecite import get_citations
from eyecite.models import FullCaseCitation

from lexray.models import CaseMetadata
from pipelines import enrich
from pipelines.clean import clean_pages, join_pages
from pipelines.enrich import (
    CaseDates,
    detect_language,
    extract_metadata,
    find_attorneys,
    find_case_citations,
    find_case_number,
    find_case_type,
    find_court,
    find_dates,
    find_judges,
    find_legal_issues,
    find_parties,
    find_statutes,
    is_plausible_case_citation,
    jurisdiction_of,
    parse_date,
    split_parties,
)

TEXTS_DIR = Path(__file__).resolve().parents[2] / "data" / "texts"


@pytest.fixture(autouse=True)
def _quiet_eyecite():
    # eyecite logs "Unknown overlap case" for the Joint Appendix cites; noise in test output.
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


@lru_cache(maxsize=None)
def case_text(name: str) -> str:
    pages = (TEXTS_DIR / f"{name}.txt").read_text(encoding="utf-8").split("\f")
    return join_pages(clean_pages(pages))[0]


@lru_cache(maxsize=None)
def metadata(name: str) -> CaseMetadata:
    return extract_metadata(case_text(name), page_count=8, ocr_confidence=91.5)


def test_doctests_hold():
    assert doctest.testmod(enrich).failed == 0


def test_scotus_slip_opinion():
    meta = metadata("scotus_tarrant")
    assert meta.court == "Supreme Court of the United States"
    assert meta.jurisdiction == "federal"
    assert meta.case_number == "No. 11-889"
    assert meta.date_decided == date(2013, 6, 13)
    assert meta.date_filed is None
    assert meta.title == "Tarrant Regional Water District v. Herrmann"
    assert meta.plaintiffs == ["Tarrant Regional Water District"]
    assert meta.defendants == ["Herrmann"]
    assert meta.judges == ["Sotomayor"]
    assert meta.case_type == "appeal"
    us_reports = [citation for citation in meta.citations if " U.S. " in citation]
    assert {"200 U.S. 321", "482 U.S. 124", "540 U.S. 56", "258 U.S. 574"} <= set(us_reports)
    assert "656 F.3d 1222" in meta.citations
    # The Joint Appendix ("1 App. 7-51") is not the Ohio Appellate Reports; "569 U. S. ____" is itself.
    assert not any("App." in citation or "____" in citation for citation in meta.citations)
    assert len(meta.citations) == len(set(meta.citations))
    assert {"Texas v. New Mexico", "Virginia v. Maryland", "Oklahoma v. Texas"} <= set(meta.precedents)
    assert meta.statutes == ["94 Stat. 3305", "69 Stat. 654"]
    assert "The Compact does not pre-empt the Oklahoma water statutes." in meta.legal_issues
    assert "The Oklahoma water statutes also do not run afoul of the Commerce Clause." in meta.legal_issues
    assert meta.attorneys == []
    assert meta.page_count == 8
    assert meta.ocr_confidence == 91.5
    assert meta.language == "en"
    assert meta.word_count == len(case_text("scotus_tarrant").split())


def test_missouri_court_of_appeals():
    meta = metadata("mo_jagels")
    assert meta.case_number == "No. ED108783"
    assert meta.court == "Missouri Court of Appeals, Eastern District"
    assert meta.jurisdiction == "Missouri"
    assert meta.date_filed == date(2021, 1, 19)
    assert meta.date_decided is None
    assert meta.plaintiffs == ["Nichole Marie Jagels"]
    assert meta.defendants == ["State of Missouri"]
    assert meta.title == "Nichole Marie Jagels v. State of Missouri"
    assert meta.case_type == "criminal"
    assert meta.judges == ["Angela T. Quigless", "Kurt S. Odenwald", "James M. Dowd"]
    assert meta.citations[:3] == ["239 S.W.3d 151", "314 S.W.3d 331", "973 S.W.2d 551"]
    assert "466 U.S. 668" in meta.citations
    assert len(meta.citations) == 13
    assert "Strickland v. Washington" in meta.precedents
    assert "State v. Johnson" in meta.precedents
    assert meta.statutes == ["§ 565.253"]


def test_first_circuit_opinion():
    meta = metadata("ca1_calvary")
    assert meta.case_number == "No. 20-1507"
    assert meta.court == "United States Court of Appeals for the First Circuit"
    assert meta.jurisdiction == "federal"
    assert meta.date_filed == date(2020, 12, 22)
    assert meta.date_decided == date(2020, 12, 22)
    assert meta.plaintiffs == ["Calvary Chapel of Bangor"]
    assert meta.defendants == ["Janet T. Mills"]
    assert meta.case_type == "civil"
    # The district judge below ("[Hon. Nancy Torresen, U.S. District Judge]") is not on the panel.
    assert meta.judges == ["Howard", "Selya", "Barron"]
    assert meta.attorneys[:4] == ["Roger K. Gannam", "Mathew D. Staver", "Horatio G. Mihet", "Daniel J. Schmid"]
    assert {"Christopher C. Taub", "Aaron M. Frey", "Sarah A. Forster"} <= set(meta.attorneys)
    assert not {"Liberty Counsel", "Thomas More Society", "Adrienne Bennett"} & set(meta.attorneys)
    assert meta.citations == ["459 F. Supp. 3d 273", "378 F.3d 19", "907 F.2d 210", "859 F.2d 1000"]
    assert {"Rhode Island v. EPA", "Sierra Club v. Marsh"} <= set(meta.precedents)
    assert meta.statutes == ["U.S. Const. amend. I"]


def test_central_district_of_california_order():
    meta = metadata("cacd_experian_order")
    assert meta.case_number == "Case 8:16-cv-01261"
    assert meta.court == "United States District Court, Central District of California"
    assert meta.jurisdiction == "federal"
    assert meta.date_filed == date(2016, 8, 5)
    assert meta.date_decided == date(2016, 8, 5)
    assert meta.plaintiffs == ["Consumerinfo.com, Inc. dba Experian Consumer Services"]
    assert meta.defendants[0] == "Esteban Leon"
    assert meta.case_type == "civil"
    assert meta.judges == ["David O. Carter"]
    assert meta.citations == []


def test_fifth_circuit_and_north_carolina_captions():
    ca5 = metadata("ca5_st_pierre")
    assert ca5.court == "United States Court of Appeals for the Fifth Circuit"
    assert ca5.case_number == "No. 21-50498"
    assert ca5.plaintiffs == ["Vanessa St. Pierre"]
    assert ca5.defendants == ["Standard Insurance Company", "Dearborn National Life Insurance Company"]
    assert ca5.judges == ["Barksdale", "Stewart", "Dennis"]
    assert ca5.date_filed == date(2022, 3, 16)

    nc = metadata("nc_gift_surplus")
    assert nc.court == "Supreme Court of North Carolina"
    assert nc.jurisdiction == "North Carolina"
    assert nc.case_number == "No. 363A14-4"
    assert nc.date_filed == date(2022, 2, 11)
    assert nc.plaintiffs == ["Gift Surplus, LLC", "Sandhill Amusements, Inc."]
    assert len(nc.defendants) == 4 and nc.defendants[0].startswith("State of North Carolina")
    assert nc.judges == ["Hudson"]
    assert {"Troy D. Shelton", "Michael A. Grace", "James W. Doggett", "Olga Vysotskaya de Brito"} <= set(nc.attorneys)
    assert "N.C.G.S. § 14-306.4" in nc.statutes
    assert nc.legal_issues[0].startswith("Whether plaintiffs’ new game")
    assert len(nc.legal_issues[0]) <= 200


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("No. 11–889. Argued April 23, 2013", "No. 11-889"),
        ("Nos. 20-1507 and 20-1508", "No. 20-1507"),
        ("In the Missouri Court of Appeals\n\nNo. ED108783", "No. ED108783"),
        ("Case No. 8:16-cv-1261 DOC (KESx)", "Case 8:16-cv-01261"),
        ("Case 8:16-cv-01261-DOC-KES Document 40", "Case 8:16-cv-01261"),
        ("Case: 20-1507 Document: 00117684624", "No. 20-1507"),
        ("An opinion without a docket number.", None),
    ],
)
def test_find_case_number(text, expected):
    assert find_case_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SUPREME COURT OF THE UNITED STATES", "Supreme Court of the United States"),
        ("United States Court of Appeals\n\nFor the First Circuit", "United States Court of Appeals for the First Circuit"),
        ("UNITED STATES DISTRICT COURT\n\nCENTRAL DISTRICT OF CALIFORNIA", "United States District Court, Central District of California"),
        ("United States District Court for the District of Maine", "United States District Court, District of Maine"),
        ("In the Missouri Court of Appeals Eastern District", "Missouri Court of Appeals, Eastern District"),
        ("IN THE SUPREME COURT OF NORTH CAROLINA", "Supreme Court of North Carolina"),
        ("Court of Appeals of West Virginia", "Court of Appeals of West Virginia"),
        # The court below is not the deciding court.
        ("APPEAL FROM THE UNITED STATES DISTRICT COURT FOR THE DISTRICT OF MAINE", None),
        ("CERTIORARI TO THE UNITED STATES COURT OF APPEALS FOR THE TENTH CIRCUIT", None),
    ],
)
def test_find_court(text, expected):
    assert find_court(text) == expected


def test_jurisdiction_of():
    assert jurisdiction_of("United States Court of Appeals for the First Circuit") == "federal"
    assert jurisdiction_of("Supreme Court of North Carolina") == "North Carolina"
    assert jurisdiction_of("Court of Appeals of West Virginia") == "West Virginia"
    assert jurisdiction_of(None) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Argued April 23, 2013—Decided June 13, 2013", CaseDates(None, date(2013, 6, 13))),
        ("Filed: 07/14/2021", CaseDates(date(2021, 7, 14), None)),
        ("FILED\n\nMarch 2, 2021", CaseDates(date(2021, 3, 2), None)),
        ("Opinion filed March 2, 2021", CaseDates(date(2021, 3, 2), None)),
        ("Filed 11 February 2022", CaseDates(date(2022, 2, 11), None)),
        ("Decided and Filed: Sept. 3, 2019", CaseDates(date(2019, 9, 3), date(2019, 9, 3))),
        ("[June 13, 2013]\n\nJUSTICE SOTOMAYOR delivered the opinion of the Court.", CaseDates(None, date(2013, 6, 13))),
        ("Dated: August 5, 2016", CaseDates(None, date(2016, 8, 5))),
        ("Argued April 23, 2013", CaseDates(None, None)),
        ("Filed: 13/45/2020", CaseDates(None, None)),
        ("No dates here.", CaseDates(None, None)),
    ],
)
def test_find_dates(text, expected):
    assert find_dates(text) == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [("June 13, 2013", date(2013, 6, 13)), ("Jun. 13,2013", date(2013, 6, 13)), ("08/05/16", date(2016, 8, 5)),
     ("2021-07-14", date(2021, 7, 14)), ("February 30, 2021", None), ("Smarch 3, 2020", None)],
)
def test_parse_date(written, expected):
    assert parse_date(written) == expected


@pytest.mark.parametrize(
    ("party_text", "expected"),
    [
        ("GIFT SURPLUS, LLC, and SANDHILL AMUSEMENTS, INC.,", ["Gift Surplus, LLC", "Sandhill Amusements, Inc."]),
        ("HERRMANN ET AL.", ["Herrmann"]),
        ("Standard Insurance Company; Dearborn National Life Insurance Company,", ["Standard Insurance Company", "Dearborn National Life Insurance Company"]),
        ("JANET T. MILLS, in her official capacity as Governor of the State of Maine,", ["Janet T. Mills"]),
        ("UNITED STATES OF AMERICA", ["United States of America"]),
        ("Smith and Wesson Corp.", ["Smith and Wesson Corp."]),
    ],
)
def test_split_parties(party_text, expected):
    assert split_parties(party_text) == expected


def test_find_parties_ignores_case_names_in_body_text():
    text = "NOTE: See United States v. Detroit Timber & Lumber Co., 200 U. S. 321, 337.\n\nThe court held."
    assert find_parties(text) == ([], [])


def test_find_parties_inline_caption_with_roles():
    text = "UNITED STATES DISTRICT COURT\n\nACME CORP., Plaintiff, v. JOHN DOE and JANE ROE, Defendants.\n\nORDER"
    assert find_parties(text) == (["Acme Corp."], ["John Doe and Jane Roe"])


def test_find_judges_patterns():
    syllabus = (
        "SCALIA, J., delivered the opinion of the Court, in which ROBERTS, C. J., and KENNEDY, "
        "THOMAS, and ALITO, JJ., joined. GINSBURG, J., filed a dissenting opinion."
    )
    assert find_judges(syllabus) == ["Scalia", "Roberts", "Kennedy", "Thomas", "Alito", "Ginsburg"]
    assert find_judges("Before: SMITH, JONES, and DOE, Circuit Judges.") == ["Smith", "Jones", "Doe"]
    assert find_judges("JUDGE: Maria Lopez") == ["Maria Lopez"]
    assert find_judges("James M. Dowd, Judge\n\nDowd, J., concurs.") == ["James M. Dowd"]
    assert find_judges("The judge found the witness credible.") == []


def test_find_attorneys_skips_firms_and_offices():
    text = (
        "Fox Rothschild LLP, by Elizabeth Brooks Scherer and Kip D. Nelson; Hyler & Agan PLLC, "
        "by George B. Hyler, Jr., for plaintiff-appellants.\n\n"
        "Joshua Stein, Attorney General, by Ryan Y. Park, Solicitor General, for the State."
    )
    assert find_attorneys(text) == ["Elizabeth Brooks Scherer", "Kip D. Nelson", "George B. Hyler", "Joshua Stein", "Ryan Y. Park"]
    assert find_attorneys("The Chapel is a nonprofit religious organization in Orrington, Maine.") == []


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


def test_find_statutes_forms_order_and_repeats():
    text = (
        "Jurisdiction lies under 28 U.S.C. § 1291. Plaintiffs sue under 42 U.S.C. § 1983 and "
        "Mo. Rev. Stat. § 547.035; the accused was charged under Section 302 IPC and s. 302 of the "
        "Indian Penal Code. See U.S. Const. amend. XIV; 42 U. S. C. §1983; Pub. L. 346, 69 Stat. 654."
    )
    assert find_statutes(text) == [
        "28 U.S.C. § 1291",
        "42 U.S.C. § 1983",
        "Mo. Rev. Stat. § 547.035",
        "Section 302 IPC",
        "U.S. Const. amend. XIV",
        "69 Stat. 654",
    ]


def test_find_statutes_ignores_unnamed_sections_and_sentence_ends():
    text = "Tarrant claims that §5.05(b)(1) creates a right in Louisiana. §§2.12(a)–(e), id., at 13."
    assert find_statutes(text) == []
    assert find_statutes("She pleaded guilty in violation of § 565.253. The court agreed.") == ["§ 565.253"]


def test_find_legal_issues():
    text = (
        "The question presented is whether the Compact pre-empts state law. "
        "We must decide whether the statutes discriminate against interstate commerce. "
        "We granted certiorari to decide whether U. S. v. Smith controls."
    )
    assert find_legal_issues(text) == [
        "Whether the Compact pre-empts state law.",
        "Whether the statutes discriminate against interstate commerce.",
        "Whether U. S. v. Smith controls.",
    ]
    long_issue = "The issue is whether " + "the party acted in bad faith and " * 20 + "lost."
    (issue,) = find_legal_issues(long_issue)
    assert len(issue) <= 200 and issue.endswith("…")
    many = " ".join(f"The question presented is whether rule {number} applies." for number in range(9))
    assert len(find_legal_issues(many)) == 5
    assert find_legal_issues("The court affirmed the judgment.") == []


def test_find_legal_issues_under_an_issue_heading():
    assert find_legal_issues("QUESTION PRESENTED\n\nWhether a State may tax the sale.\n\nOPINION") == [
        "Whether a State may tax the sale."
    ]
    assert find_legal_issues("ISSUE: Did the trial court err? We think not.") == ["Did the trial court err?"]
    assert find_legal_issues("Issue preclusion bars the second suit.") == []


@pytest.mark.parametrize(
    ("text", "plaintiffs", "defendants", "expected"),
    [
        ("Case 2:19-cr-00123 Document 1", [], [], "criminal"),
        ("Case 2:19-cv-00123 Document 1", [], [], "civil"),
        ("Petition for writ of habeas corpus.", ["John Doe"], ["Warden"], "habeas"),
        ("The defendant was convicted of robbery.", ["State of Ohio"], ["John Doe"], "criminal"),
        ("ACME CORP.,\n\nPlaintiff,\n\nv.\n\nJOHN DOE,\n\nDefendant.", ["Acme Corp."], ["John Doe"], "civil"),
        ("ON WRIT OF CERTIORARI TO THE COURT OF APPEALS", ["Tarrant"], ["Herrmann"], "appeal"),
        ("A memorandum about a contract.", [], [], None),
    ],
)
def test_find_case_type(text, plaintiffs, defendants, expected):
    assert find_case_type(text, plaintiffs, defendants) == expected


def test_detect_language():
    assert detect_language(case_text("mo_jagels")) == "en"
    assert detect_language("Le tribunal a rejeté la demande des requérants et de la société pour les motifs") == "fr"
    assert detect_language("") == "en"


def test_extract_metadata_of_empty_text():
    meta = extract_metadata("", page_count=3)
    assert meta == CaseMetadata(page_count=3)
