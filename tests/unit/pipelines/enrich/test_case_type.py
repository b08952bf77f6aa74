"""Tests for pipelines.enrich.case_type."""

from __future__ import annotations

import pytest

from pipelines.enrich.case_type import find_case_type


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
