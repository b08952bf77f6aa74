"""Tests for pipelines.enrich.courts."""

from __future__ import annotations

import pytest

from pipelines.enrich.courts import find_court, jurisdiction_of


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


@pytest.mark.parametrize(("text", "court"), [
    ("Supreme Court of India\n\n26 September 1973", "Supreme Court of India"),
    ("IN THE HIGH COURT OF JUDICATURE AT BOMBAY\nCIVIL APPELLATE JURISDICTION", "Bombay High Court"),
    ("Delhi High Court\nRajesh Kumar vs State on 3 March, 2010", "Delhi High Court"),
    ("IN THE HIGH COURT OF PUNJAB & HARYANA AT CHANDIGARH", "Punjab and Haryana High Court"),
    # The court below is skipped as for US courts.
    ("Appeal from the Madras High Court.\nSupreme Court of India", "Supreme Court of India"),
])
def test_indian_courts(text, court):
    assert find_court(text) == court
    assert jurisdiction_of(court) == "India"
