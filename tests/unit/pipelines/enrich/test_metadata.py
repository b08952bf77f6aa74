"""Tests for pipelines.enrich.metadata on real opinions (the modules' doctests run with
--doctest-modules)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from lexray.models import CaseMetadata
from lexray.settings import EnrichSettings
from pipelines.enrich.metadata import extract_metadata
from tests.unit.pipelines.enrich.conftest import case_text

@lru_cache(maxsize=None)
def opinion_metadata(name: str) -> CaseMetadata:
    return extract_metadata(case_text(name), page_count=8, ocr_confidence=91.5)


def test_scotus_slip_opinion():
    meta = opinion_metadata("scotus_tarrant")
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
    meta = opinion_metadata("mo_jagels")
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
    meta = opinion_metadata("ca1_calvary")
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
    meta = opinion_metadata("cacd_experian_order")
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
    ca5 = opinion_metadata("ca5_st_pierre")
    assert ca5.court == "United States Court of Appeals for the Fifth Circuit"
    assert ca5.case_number == "No. 21-50498"
    assert ca5.plaintiffs == ["Vanessa St. Pierre"]
    assert ca5.defendants == ["Standard Insurance Company", "Dearborn National Life Insurance Company"]
    assert ca5.judges == ["Barksdale", "Stewart", "Dennis"]
    assert ca5.date_filed == date(2022, 3, 16)

    nc = opinion_metadata("nc_gift_surplus")
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


def test_extract_metadata_of_empty_text():
    meta = extract_metadata("", page_count=3)
    assert meta == CaseMetadata(page_count=3)


def test_enrich_settings_bound_what_is_read_and_kept():
    text = "X" * 60 + "\n\nIN THE SUPREME COURT OF NORTH CAROLINA\n\nNo. 363A14-4\n\n" + " ".join(
        f"The question presented is whether rule {number} of the long and winding code applies." for number in range(4))
    default = extract_metadata(text)
    assert default.court == "Supreme Court of North Carolina" and default.case_number == "No. 363A14-4"
    assert len(default.legal_issues) == 4
    narrow = extract_metadata(text, settings=EnrichSettings(head_chars=50, max_issues=2, max_issue_chars=30))
    assert narrow.court is None and narrow.case_number is None  # the caption lies past the head read
    assert len(narrow.legal_issues) == 2 and all(len(issue) <= 30 and issue.endswith("…") for issue in narrow.legal_issues)
    counsel = "Intro.\n\n" + "x " * 50 + "\n\nRoger K. Gannam, for appellant."
    assert extract_metadata(counsel).attorneys == ["Roger K. Gannam"]
    assert extract_metadata(counsel, settings=EnrichSettings(counsel_head_chars=20)).attorneys == []
