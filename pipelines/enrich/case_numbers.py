"""The docket number of a case, from its caption.

>>> find_case_number("Case: 20-1507 Document: 00117684624")
'No. 20-1507'
"""

from __future__ import annotations

import re

from lexray.settings import EnrichSettings

CASE_NUMBER = re.compile(r"\bNos?\.\s*(?P<number>[A-Z]{0,5}[- ]?\d[\w\-–—.:/]*\w|[A-Z]{1,5}\d\w*)")
FEDERAL_DOCKET = re.compile(r"\b(?P<office>\d{1,2}):(?P<year>\d{2})-(?P<type>[a-zA-Z]{2,4})-(?P<seq>\d{1,6})\b")
DOCKET_STAMP = re.compile(r"\bCase:\s*(?P<number>\d{2}-\d{2,6})\b")


def find_case_number(text: str, *, head_chars: int = EnrichSettings().head_chars) -> str | None:
    """The docket number from the caption (the first ``head_chars`` characters, settings
    ``enrich.head_chars``): ``No. 11-889``, ``Case 8:16-cv-01261``.

    Federal district dockets are written the PACER way (five-digit sequence number).

    >>> find_case_number("No. 11–889. Argued April 23, 2013")
    'No. 11-889'
    >>> find_case_number("Case No. 8:16-cv-1261 DOC (KESx)")
    'Case 8:16-cv-01261'
    """
    head = text[:head_chars]
    number_match = CASE_NUMBER.search(head)
    if number_match:
        number = re.sub(r"[–—]", "-", number_match.group("number"))
        docket = FEDERAL_DOCKET.fullmatch(number)
        return _federal_docket(docket) if docket else f"No. {number}"
    docket = FEDERAL_DOCKET.search(head)
    if docket:
        return _federal_docket(docket)
    stamp = DOCKET_STAMP.search(head)
    return f"No. {stamp.group('number')}" if stamp else None


def _federal_docket(match: re.Match[str]) -> str:
    return f"Case {match['office']}:{match['year']}-{match['type'].lower()}-{int(match['seq']):05d}"
