"""Tests for pipelines.enrich.issues."""

from __future__ import annotations

from pipelines.enrich.issues import find_legal_issues


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
