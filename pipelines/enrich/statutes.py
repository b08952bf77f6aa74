"""Statutes and constitutional provisions a case cites, one spelling each.

>>> find_statutes("She pleaded guilty in violation of § 565.253. The court agreed.")
['§ 565.253']
"""

from __future__ import annotations

import re

from eyecite.models import FullLawCitation

from pipelines.enrich.citations import eyecite_citations

SECTION_NUMBER = r"(?P<sign>§§?)\s*(?P<section>\d[\w.\-–:]*?(?:\(\w{1,4}\))*)(?=[\s,;:)’\]]|\.(?:\s|$)|$)"
# "28 U.S.C. §", "Mo. Rev. Stat. §", "Okla. Stat., Tit. 82, §", "Texas Insurance Code §".
# Each piece of the code's name is atomic, the most specific form first ("Tit. 82" before "Tit.",
# "U.S.C." as one piece): with every way of cutting "A. B. C. ..." into pieces open to
# backtracking, a run of initials took exponential time.
CODE_NAME_PIECE = (
    r"(?>Tit\.\s*+\d++|Title\s++\d++|[A-Z](?:\.\s?[A-Z](?![a-z])){1,8}\.?|[A-Z][A-Za-z]{0,7}\.|(?i:code|laws|statutes)"
    r"|[A-Z][a-z]++(?=(?:\s+[A-Z][a-z]+){0,3}\s+(?:Code|Statutes)\b))"
)
NAMED_CODE_SECTION = re.compile(
    rf"(?P<title>\b\d{{1,3}}\s++)?(?P<code>(?:{CODE_NAME_PIECE},?\s*+){{1,6}})" + SECTION_NUMBER
)
# What makes the words before "§" a code's name rather than the end of a sentence ("Texas. §2").
CODE_NAME = re.compile(r"\b(?i:stat|code|ann|laws|statutes|rev|tit|title|gen|comp|const|regs?)\b|(?:[A-Z]\.\s?){2,}")
# A bare "§ 565.253" is kept only after words that make it the statute the case applies.
BARE_SECTION = re.compile(
    r"\b(?:in\s+violation\s+of|pursuant\s+to|codified\s+at|(?:charged|convicted|sentenced)\s+under)\s+"
    + SECTION_NUMBER
)
CONSTITUTION = re.compile(
    r"\b(?:U\.\s?S\.|[A-Z][a-z]+\.)\s?Const\.,?\s*(?:amend\.|Amdt\.|Amend\.|art\.|Art\.)\s*[IVXLC\d]+"
    r"(?:,\s*§\s*\d+)?(?:,\s*cl\.\s*\d+)?"
)
INDIAN_SECTION = re.compile(
    r"\b(?:Section|Sec\.|s\.)\s*(?P<section>\d+[A-Z]?)\s*(?:of\s+the\s+)?"
    r"(?P<code>IPC|CrPC|Cr\.P\.C\.|Indian\s+Penal\s+Code|Code\s+of\s+Criminal\s+Procedure)"
)
INDIAN_CODE_ABBREVIATIONS = {"Indian Penal Code": "IPC", "Code of Criminal Procedure": "CrPC", "Cr.P.C.": "CrPC"}


def find_statutes(text: str) -> list[str]:
    """Statutes and constitutional provisions cited, in document order, without repeats.

    >>> find_statutes("under 42 U. S. C. §1983 and Mo. Rev. Stat. § 547.035; U.S. Const. amend. XIV; 94 Stat. 3305")
    ['42 U.S.C. § 1983', 'Mo. Rev. Stat. § 547.035', 'U.S. Const. amend. XIV', '94 Stat. 3305']
    """
    found: list[tuple[int, int, str]] = []
    for match in NAMED_CODE_SECTION.finditer(text):
        if CODE_NAME.search(match["code"]):
            found.append((match.start(), match.end(), match.group(0)))
    for match in BARE_SECTION.finditer(text):
        found.append((match.start("sign"), match.end(), f"{match['sign']} {match['section']}"))
    for match in CONSTITUTION.finditer(text):
        found.append((match.start(), match.end(), match.group(0)))
    for match in INDIAN_SECTION.finditer(text):
        code = INDIAN_CODE_ABBREVIATIONS.get(" ".join(match["code"].split()), match["code"])
        found.append((match.start(), match.end(), f"Section {match['section']} {code}"))
    for citation in eyecite_citations(text):
        if isinstance(citation, FullLawCitation):
            start, end = citation.span()
            found.append((start, end, citation.matched_text()))
    statutes: list[str] = []
    covered_until = -1
    # Longest first at each position, then skip anything inside a span already taken.
    for start, end, written in sorted(found, key=lambda item: (item[0], -item[1])):
        if start < covered_until:
            continue
        covered_until = end
        statute = normalize_statute(written)
        if statute not in statutes:
            statutes.append(statute)
    return statutes


def normalize_statute(written: str) -> str:
    """One spelling per statute: "42 U. S. C. §1983" -> "42 U.S.C. § 1983".

    >>> normalize_statute("Okla. Stat., Tit. 82, §105.9")
    'Okla. Stat., Tit. 82, § 105.9'
    """
    statute = " ".join(written.split())
    statute = re.sub(r"\b((?:[A-Z]\.\s){1,4}[A-Z]\.)", lambda match: match.group(1).replace(" ", ""), statute)
    statute = re.sub(r"(§§?)\s*", r"\1 ", statute)
    return re.sub(r"[–—]", "-", statute).strip(" ,;.")
