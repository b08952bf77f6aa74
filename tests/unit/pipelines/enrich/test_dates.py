"""Tests for pipelines.enrich.dates."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.enrich.dates import CaseDates, find_dates, parse_date


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
