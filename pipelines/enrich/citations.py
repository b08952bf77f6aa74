"""Cited cases: the reporter citations eyecite finds, kept when plausible, and the case names
read with them.

>>> find_case_citations("Smith v. Jones, 1 App. 24 (1850).")
([], [])
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from functools import lru_cache

from eyecite import get_citations
from eyecite.models import FullCaseCitation

# eyecite logs a warning for every overlapping match it resolves ("Unknown overlap case"),
# dozens per opinion; they say nothing about our results and drown the job's own output.
logging.getLogger("eyecite").setLevel(logging.ERROR)

# U.S. Reports volumes 1-90 are the nominative reports of 1754-1874 (Dallas to Wallace)
# renumbered; eyecite dates the reporter from 1875, which would reject "5 U.S. 137 (1803)".
EARLY_VOLUMES_SINCE = {("U.S.", True): 1754}


def find_case_citations(text: str) -> tuple[list[str], list[str]]:
    """Cited cases: normalised reporter citations and the case names eyecite read with them.

    eyecite matches any "<number> <reporter> <number>", so hits are kept only when plausible:
    - the volume is 1..2000, or a year (WL / neutral cites use the year as volume);
    - the page is a number above 0, or blank ("___") with a case name (else it is the
      opinion's own "Cite as: 569 U. S. ____" line);
    - a reporter reached only through a loose variant spelling (the Joint Appendix cite
      "1 App. 24" read as Ohio Appellate Reports) needs a "(... 1915)" parenthetical right
      after it, with a year inside the reporter's years of publication.

    >>> find_case_citations("Oklahoma v. Texas, 258 U. S. 574, 580 (1922). See 1 App. 24.")
    (['258 U.S. 574'], ['Oklahoma v. Texas'])
    """
    citations: list[str] = []
    precedents: list[str] = []
    for citation in eyecite_citations(text):
        if not isinstance(citation, FullCaseCitation) or not is_plausible_case_citation(citation, text):
            continue
        corrected = citation.corrected_citation()
        if corrected not in citations:
            citations.append(corrected)
        name = case_name(citation)
        if name and name not in precedents:
            precedents.append(name)
    return citations, precedents


@lru_cache(maxsize=1)
def eyecite_citations(text: str) -> list:
    """eyecite's citations of ``text``. The last text's are kept: enrichment reads the same
    text twice (cited cases for the metadata, the citator's record), and eyecite is most of
    the cost of either. Callers must not change the list or its citations."""
    # eyecite refuses an empty document.
    return get_citations(text) if text.strip() else []


def is_plausible_case_citation(citation: FullCaseCitation, text: str) -> bool:
    """Whether an eyecite case citation passes the rules listed in ``find_case_citations``."""
    volume_text = citation.groups.get("volume") or ""
    page_text = citation.groups.get("page")
    if not volume_text.isdigit():
        return False
    volume = int(volume_text)
    if not (1 <= volume <= 2000 or 1750 <= volume <= datetime.now().year + 1):
        return False
    if page_text is None or not page_text.isdigit():
        if not (citation.metadata.plaintiff or citation.metadata.defendant):
            return False
    elif int(page_text) == 0:
        return False
    year = parenthetical_year(text, citation.span()[1])
    edition = citation.edition_guess
    if edition is not None and year is not None:
        first_year = EARLY_VOLUMES_SINCE.get((edition.short_name, volume <= 90), edition.start and edition.start.year)
        if (first_year and year < first_year) or (edition.end and year > edition.end.year):
            return False
    if not citation.exact_editions and year is None:
        return False
    return True


def parenthetical_year(text: str, end: int) -> int | None:
    """Year of a "(Court 1998)" parenthetical right after a citation (after any pin cite)."""
    following = text[end:end + 80]
    match = re.match(r"(?:,\s*(?:at\s+)?[\d–\-, n.]+)?\s*\([^()]{0,40}?\b(1[6-9]\d\d|20\d\d)\)", following)
    return int(match.group(1)) if match else None


def case_name(citation: FullCaseCitation) -> str | None:
    """The case name as eyecite read it, "Plaintiff v. Defendant" (signal words dropped); None
    without both parties."""
    plaintiff = " ".join((citation.metadata.plaintiff or "").split()).strip(" ,")
    defendant = " ".join((citation.metadata.defendant or "").split()).strip(" ,")
    plaintiff = re.sub(r"^(?:See|see|Cf\.|cf\.|But|E\.g\.,?|e\.g\.,?|Accord|quoting|citing)\s+", "", plaintiff)
    if not plaintiff or not defendant or not defendant[0].isupper():
        return None
    if re.search(r"\d|§", plaintiff + defendant):
        return None
    return f"{plaintiff} v. {defendant}"
