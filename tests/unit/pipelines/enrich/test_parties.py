"""Tests for pipelines.enrich.parties."""

from __future__ import annotations

import pytest

from pipelines.enrich.parties import find_parties, split_parties


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
