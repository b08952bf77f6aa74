"""Filing and decision dates of a case, from its caption.

>>> find_dates("Filed 11 February 2022")
CaseDates(filed=datetime.date(2022, 2, 11), decided=None)
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import NamedTuple

from lexray.settings import EnrichSettings

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
DATE = (
    rf"(?:{MONTH}\s+\d{{1,2}},?\s*\d{{4}}|\d{{1,2}}\s+{MONTH},?\s+\d{{4}}"
    r"|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2})"
)
DECIDED_PATTERNS = [
    re.compile(rf"\bDecided(?:\s+and\s+Filed)?:?\s*(?P<date>{DATE})", re.I),
    re.compile(rf"(?m)^\[(?P<date>{DATE})\]"),
    re.compile(rf"\b(?:Dated|Entered|Opinion\s+(?:issued|delivered)):?\s*(?P<date>{DATE})"),
]
FILED_PATTERNS = [
    re.compile(
        rf"\b(?:Decided\s+and\s+)?(?:Date\s+Filed|Filed|FILED|Opinion\s+filed)(?::|\s)\s*(?:on\s+)?(?P<date>{DATE})"
    ),
]
DATE_ONLY_BLOCK = re.compile(rf"(?m)^(?P<date>{DATE})$")
DATE_CUE_BEFORE = re.compile(r"(?:filed|argued|submitted|heard|dated|decided|entered)\W*$", re.I)


class CaseDates(NamedTuple):
    filed: date | None
    decided: date | None


def find_dates(text: str, *, head_chars: int = EnrichSettings().head_chars) -> CaseDates:
    """Filing and decision dates from the caption ("Decided June 13, 2013", "Filed: 07/14/2021"),
    read from the first ``head_chars`` characters (settings ``enrich.head_chars``).

    A caption line holding nothing but a date (as in First Circuit opinions) is the decision date.

    >>> find_dates("No. 11-889. Argued April 23, 2013—Decided June 13, 2013")
    CaseDates(filed=None, decided=datetime.date(2013, 6, 13))
    >>> find_dates("Filed: January 19, 2021").filed
    datetime.date(2021, 1, 19)
    """
    head = text[:head_chars]
    decided = _first_date(DECIDED_PATTERNS, head)
    filed = _first_date(FILED_PATTERNS, head)
    if decided is None:
        for match in DATE_ONLY_BLOCK.finditer(head):
            if not DATE_CUE_BEFORE.search(head[max(0, match.start() - 20):match.start()]):
                decided = parse_date(match.group("date"))
                if decided:
                    break
    return CaseDates(filed=filed, decided=decided)


def _first_date(patterns: list[re.Pattern[str]], head: str) -> date | None:
    matches = sorted((match.start(), match.group("date")) for pattern in patterns for match in pattern.finditer(head))
    for _, written in matches:
        parsed = parse_date(written)
        if parsed:
            return parsed
    return None


def parse_date(written: str) -> date | None:
    """A date written as in US opinions, or None when it is not a real date.

    >>> parse_date("Sept. 3, 2013"), parse_date("11 February 2022"), parse_date("08/05/16")
    (datetime.date(2013, 9, 3), datetime.date(2022, 2, 11), datetime.date(2016, 8, 5))
    """
    written = " ".join(written.replace(",", " ").split())
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", written):
            return date.fromisoformat(written)
        numeric = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2,4})", written)
        if numeric:
            month, day, year = (int(part) for part in numeric.groups())
            if year < 100:
                year += 2000 if year <= datetime.now().year % 100 else 1900
            return date(year, month, day)
        month_first = re.fullmatch(r"([A-Za-z]+)\.? (\d{1,2}) (\d{4})", written)
        if month_first:
            return date(int(month_first[3]), MONTHS[month_first[1][:3].lower()], int(month_first[2]))
        day_first = re.fullmatch(r"(\d{1,2}) ([A-Za-z]+)\.? (\d{4})", written)
        if day_first:
            return date(int(day_first[3]), MONTHS[day_first[2][:3].lower()], int(day_first[1]))
    except (ValueError, KeyError):
        return None
    return None
