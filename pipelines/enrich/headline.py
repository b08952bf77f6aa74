"""The parties and decision date of a judgement whose first line is its name, as Indian
reports and databases print it: "Bachan Singh vs State Of Punjab on 9 May, 1980" (Indian
Kanoon: the date it was decided after "on"), or "Masud Khan v State Of Uttar Pradesh" on the
line above the court's name. US captions ("X, Plaintiff, v. Y, Defendant.") are
``pipelines.enrich.parties``'; this reads only what that finds nothing in.

>>> read_headline("Bachan Singh vs State Of Punjab on 9 May, 1980\\nEquivalent citations: 1980 AIR 898")
Headline(plaintiff='Bachan Singh', defendant='State Of Punjab', decided=datetime.date(1980, 5, 9))
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

from lexray.settings import EnrichSettings
from pipelines.enrich.courts import find_court
from pipelines.enrich.dates import DATE, parse_date

# Lazy names on a line capped at ``enrich.headline_max_chars``: the cap bounds each try.
HEADLINE = re.compile(
    rf"^(?P<plaintiff>\S.*?)\s+(?:vs?\.?|versus)\s+(?P<defendant>\S.*?)(?:\s+on\s+(?P<date>{DATE}))?\s*$",
    re.I,
)
# "and Others", "& Ors.", "and Another", "& Anr.": the rest of a side, not a name.
OTHERS = re.compile(r"\s*+(?:and|&)\s++(?:others|ors|another|anr)\.?$", re.I)


class Headline(NamedTuple):
    plaintiff: str
    defendant: str
    decided: date | None


def read_headline(text: str, *, lines_to_read: int = EnrichSettings().headline_lines,
                  max_chars: int = EnrichSettings().headline_max_chars) -> Headline | None:
    """The parties (and the date after "on") of the first line of ``text`` that names the case:
    one with " vs "/" v "/" versus " that ends in "on <date>", or whose next non-empty line
    names a court; read in the first ``lines_to_read`` non-empty lines (a database may print
    the court or an author above it), each of at most ``max_chars`` characters (settings
    ``enrich.headline_lines``, ``enrich.headline_max_chars``). None when none names the case.

    >>> read_headline("Masud Khan v State Of Uttar Pradesh\\nSupreme Court of India\\n\\n26 September 1973")
    Headline(plaintiff='Masud Khan', defendant='State Of Uttar Pradesh', decided=None)
    >>> read_headline("The appellant v the respondent argued at length about it.\\nThe court held ...") is None
    True
    """
    lines = [line.strip() for line in text[:(max_chars + 1) * (lines_to_read + 5)].splitlines() if line.strip()]
    for index, line in enumerate(lines[:lines_to_read]):
        if len(line) > max_chars:
            continue
        match = HEADLINE.match(line)
        if match is None:
            continue
        decided = parse_date(match["date"]) if match["date"] else None
        next_line = lines[index + 1] if index + 1 < len(lines) else ""
        if decided is None and not (len(next_line) <= max_chars and find_court(next_line)):
            continue
        return Headline(plaintiff=_name(match["plaintiff"]), defendant=_name(match["defendant"]), decided=decided)
    return None


def _name(side: str) -> str:
    """One side of the headline without "and Others" and the like.

    >>> _name("State of Punjab and Others"), _name("Union of India & Ors.")
    ('State of Punjab', 'Union of India')
    """
    return OTHERS.sub("", side.strip(" ,")).strip(" ,")
