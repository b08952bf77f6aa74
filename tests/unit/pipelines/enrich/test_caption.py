"""Tests for pipelines.enrich.caption."""

from __future__ import annotations

from pipelines.enrich.caption import is_upper, title_case


def test_title_case_of_names_in_capitals():
    assert title_case("STATE OF MISSOURI") == "State of Missouri"
    assert title_case("GIFT SURPLUS, LLC") == "Gift Surplus, LLC"
    assert title_case("Janet T. Mills") == "Janet T. Mills"


def test_is_upper_needs_three_letters_mostly_capitals():
    assert is_upper("ACME CORP.")
    assert not is_upper("Acme Corp.")
    assert not is_upper("AB")
