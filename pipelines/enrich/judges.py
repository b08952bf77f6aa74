"""Judges who decided a case: opinion authors, panels, signature blocks.

>>> find_judges("Before: SMITH, JONES, and DOE, Circuit Judges.")
['Smith', 'Jones', 'Doe']
"""

from __future__ import annotations

import re

from lexray.settings import EnrichSettings
from pipelines.enrich.caption import title_case

JUSTICE_DELIVERED = re.compile(
    r"\b(?:CHIEF\s+)?JUSTICE\s+(?P<name>[A-Z][A-Z’'\-]+)\s+(?:delivered|announced|filed|dissent|concurr)"
)
# Names are bounded ({2,40}): every start then costs a bounded scan, not one to the end of a
# long run of capitals.
JUSTICE_TITLED = re.compile(
    r"\b(?P<name>[A-Z][A-Z’'\-]{2,40}),\s+(?:C\.\s?J\.|J\.|JJ\.)(?:,)?\s+"
    r"(?:delivered|filed|announced|dissent|concurr|wrote|joined|took|and\b)"
)
# Starts at a word's first capital only, at most 20 names of at most 41 letters: unbounded, every
# word of a run of capitals started a scan to the run's end (quadratic: 16k chars took 1.2 s).
JOINED_LIST = re.compile(
    r"(?<![A-Z])(?P<names>(?:[A-Z][A-Z’'\-]{2,40},?\s++(?:and\s++)?){2,20})JJ\.,\s+(?:joined|concurr|dissent)"
)
AUTHOR_LINE = re.compile(
    r"(?m)^(?P<name>[A-Z][A-Z’'\-]{2,}),\s+(?:Chief\s+|Senior\s+)?"
    r"(?:Circuit\s+|District\s+|Magistrate\s+|Bankruptcy\s+|Associate\s+)?(?:Judge|Justice)\b"
)
PANEL_MEMBER = re.compile(
    r"(?P<name>[A-Z][a-z]+(?: [A-Z]\.)?(?: [A-Z][a-z]+)? [A-Z][A-Za-z’'\-]+), (?:P\. ?J\.|C\. ?J\.|J\.)(?=[,\s]|$)"
)
SIGNED_JUDGE = re.compile(
    r"(?m)^(?P<name>[A-Z][a-z]+(?: [A-Z]\.)? [A-Z][A-Za-z’'\-]+), (?:Presiding |Chief )?Judge\b"
)
SIGNATURE_BLOCK = re.compile(
    r"(?m)^(?P<name>[A-Z][A-Z.’'\- ]{3,40}[A-Z])[^\S\n]*+\n\s*+(?:UNITED STATES|United States)\s+"
    r"(?:DISTRICT|District|MAGISTRATE|Magistrate|BANKRUPTCY|Bankruptcy|CIRCUIT|Circuit)\s+(?:JUDGE|Judge)"
)
JUDGE_LINE = re.compile(
    r"(?m)^(?:JUDGE|Judge|PRESIDING JUDGE|Presiding Judge)(?:\s*+:\s++|\s++)(?P<name>[A-Z][A-Za-z.’'\- ]{3,40}?)\.?$"
)
BEFORE_PANEL = re.compile(r"\bBefore:?\s+(?P<panel>[^\n]{3,300}\b(?:Judges?|Justices?|JJ?\.))")
JUDGE_TITLES = re.compile(
    r"\b(?:Chief|Senior|Circuit|District|Magistrate|Bankruptcy|Appellate|Associate|Presiding)\b"
    r"|\bJudges?\b|\bJustices?\b|\bJJ?\.|\bP\.\s?J\.|\bC\.\s?J\."
)


def find_judges(text: str, *, head_chars: int = EnrichSettings().head_chars) -> list[str]:
    """Judges who decided the case, in order of first mention, surnames title-cased; read from
    the first ``head_chars`` characters (settings ``enrich.head_chars``).

    >>> find_judges("Before: Howard, Chief Judge, Selya and Barron, Circuit Judges.\\n\\nSELYA, Circuit Judge. We")
    ['Howard', 'Selya', 'Barron']
    >>> find_judges("JUSTICE SOTOMAYOR delivered the opinion of the Court.")
    ['Sotomayor']
    """
    head = text[:head_chars]
    found: list[tuple[int, str]] = []
    for pattern in (JUSTICE_DELIVERED, JUSTICE_TITLED, AUTHOR_LINE, SIGNED_JUDGE, SIGNATURE_BLOCK, JUDGE_LINE):
        found += [(match.start(), match["name"]) for match in pattern.finditer(text)]
    for match in JOINED_LIST.finditer(text):
        found += [(match.start(), name) for name in re.findall(r"[A-Z][A-Z’'\-]{2,}", match["names"])]
    for match in BEFORE_PANEL.finditer(head):
        found += [(match.start(), name) for name in _panel_names(match["panel"])]
    found += [(match.start(), match["name"]) for match in PANEL_MEMBER.finditer(head)]
    judges: list[str] = []
    for _, name in sorted(found, key=lambda item: item[0]):
        _add_person(judges, title_case(" ".join(name.split()).strip(" .,")))
    return judges


def _panel_names(panel: str) -> list[str]:
    """Names in "Howard, Chief Judge, Selya and Barron, Circuit Judges"."""
    names = []
    for part in re.split(r",|\band\b|&", JUDGE_TITLES.sub(",", panel)):
        part = part.strip(" .:")
        if part and re.fullmatch(r"[A-Z][A-Za-z.’'\- ]{1,40}", part) and len(part.split()) <= 4:
            names.append(part)
    return names


def _add_person(people: list[str], name: str) -> None:
    """Add a name unless the same person (same surname) is there; keep the fuller form."""
    if not name or len(name) < 2:
        return
    surname = name.split()[-1].lower()
    for position, known in enumerate(people):
        if known.split()[-1].lower() == surname:
            if len(name) > len(known):
                people[position] = name
            return
    people.append(name)
