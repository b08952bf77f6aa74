"""Tests for pipelines.enrich.case_numbers."""

from __future__ import annotations

import pytest

from pipelines.enrich.case_numbers import find_case_number


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
