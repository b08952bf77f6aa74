"""Tests for pipelines.enrich.judges."""

from __future__ import annotations

from pipelines.enrich.judges import find_judges


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
