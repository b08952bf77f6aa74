"""Tests for pipelines.enrich.attorneys."""

from __future__ import annotations

from pipelines.enrich.attorneys import find_attorneys


def test_find_attorneys_skips_firms_and_offices():
    text = (
        "Fox Rothschild LLP, by Elizabeth Brooks Scherer and Kip D. Nelson; Hyler & Agan PLLC, "
        "by George B. Hyler, Jr., for plaintiff-appellants.\n\n"
        "Joshua Stein, Attorney General, by Ryan Y. Park, Solicitor General, for the State."
    )
    assert find_attorneys(text) == ["Elizabeth Brooks Scherer", "Kip D. Nelson", "George B. Hyler", "Joshua Stein", "Ryan Y. Park"]
    assert find_attorneys("The Chapel is a nonprofit religious organization in Orrington, Maine.") == []
