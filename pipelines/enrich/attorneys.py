"""Counsel named in the appearance paragraphs of an opinion.

>>> find_attorneys("Joshua Stein, Attorney General, by Ryan Y. Park, Solicitor General, for the State.")
['Joshua Stein', 'Ryan Y. Park']
"""

from __future__ import annotations

import re

from lexray.settings import EnrichSettings

PERSON_NAME = re.compile(
    r"^(?:[A-Z][a-z’'\-]+|[A-Z]\.)"
    r"(?:\s+(?:[A-Z][a-z’'\-]+|[A-Z]\.|de|van|von|der|la|del|da|di|O[’'][A-Z][a-z]+))*"
    r"\s+[A-Z][A-Za-z’'\-]+$"
)
NOT_A_PERSON = re.compile(
    r"\b(?:LLP|LLC|PLLC|P\.A\.|Inc|Corp|Firm|Society|Counsel|Church|Chapel|Association|Foundation|League"
    r"|Network|Conference|Center|Centre|Office|Department|Union|Alliance|Council|Institute|Committee"
    r"|General|Attorney|Solicitor|Defender|Clinic|Project|Fund|Group|Coalition|Bureau|State|United|County|City)\b"
)
COUNSEL_PARAGRAPH = re.compile(
    r"(?<!Brief )\bfor\s+(?:the\s+)?(?:[\w-]*-)?(?:plaintiffs?|defendants?|appellants?|appellees?|petitioners?"
    r"|respondents?|movants?|intervenors?|State|United\s+States|Government|Commonwealth|People)\b"
    r"|\bamic(?:us|i)\s+curiae\b|\bon\s+brief\b|\bargued\s+the\s+cause\b|\b(?:Counsel|Attorneys?)\s+for\b",
)
COUNSEL_PART_END = re.compile(r"\s*,?\s*\b(?:were\s+|was\s+)?(?:on\s+(?:the\s+)?brief,?\s+)?(?:for|argued)\b")


def find_attorneys(text: str, *, head_chars: int = EnrichSettings().counsel_head_chars) -> list[str]:
    """Counsel named in the appearance paragraphs ("X, with whom Y was on brief, for appellant.")
    of the first ``head_chars`` characters (settings ``enrich.counsel_head_chars``: counsel lists
    can run onto the second page of an appellate opinion).

    Best effort: people only (firms and offices are skipped), in order of mention.

    >>> find_attorneys("Roger K. Gannam, with whom Mathew D. Staver and Liberty Counsel were on brief, for appellant.")
    ['Roger K. Gannam', 'Mathew D. Staver']
    """
    attorneys: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text[:head_chars]):
        if len(paragraph) > 2500 or not COUNSEL_PARAGRAPH.search(paragraph):
            continue
        for sentence in re.split(r"(?<=[a-z]{2}\.)\s+(?=[A-Z])", paragraph):
            for clause in sentence.split(";"):
                counsel_part = COUNSEL_PART_END.split(clause, maxsplit=1)[0]
                for candidate in re.split(r",|\band\b|\bwith whom\b|&", counsel_part):
                    candidate = re.sub(r"^\s*(?:by|and)\s+", "", candidate).strip(" .:")
                    if PERSON_NAME.match(candidate) and not NOT_A_PERSON.search(candidate):
                        if candidate not in attorneys:
                            attorneys.append(candidate)
    return attorneys
