"""Tests for pipelines.enrich.statutes."""

from __future__ import annotations

from pipelines.enrich.statutes import find_statutes


def test_find_statutes_forms_order_and_repeats():
    text = (
        "Jurisdiction lies under 28 U.S.C. § 1291. Plaintiffs sue under 42 U.S.C. § 1983 and "
        "Mo. Rev. Stat. § 547.035; the accused was charged under Section 302 IPC and s. 302 of the "
        "Indian Penal Code. See U.S. Const. amend. XIV; 42 U. S. C. §1983; Pub. L. 346, 69 Stat. 654."
    )
    assert find_statutes(text) == [
        "28 U.S.C. § 1291",
        "42 U.S.C. § 1983",
        "Mo. Rev. Stat. § 547.035",
        "Section 302 IPC",
        "U.S. Const. amend. XIV",
        "69 Stat. 654",
    ]


def test_find_statutes_ignores_unnamed_sections_and_sentence_ends():
    text = "Tarrant claims that §5.05(b)(1) creates a right in Louisiana. §§2.12(a)–(e), id., at 13."
    assert find_statutes(text) == []
    assert find_statutes("She pleaded guilty in violation of § 565.253. The court agreed.") == ["§ 565.253"]
