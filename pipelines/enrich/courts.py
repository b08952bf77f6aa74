"""The deciding court of a case and the jurisdiction it belongs to.

>>> court = find_court("IN THE SUPREME COURT OF NORTH CAROLINA")
>>> court, jurisdiction_of(court)
('Supreme Court of North Carolina', 'North Carolina')
"""

from __future__ import annotations

import re

from lexray.settings import EnrichSettings

US_STATES = [
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut",
    "Delaware", "District of Columbia", "Florida", "Georgia", "Hawaii", "Idaho", "Illinois",
    "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana", "Maine", "Maryland", "Massachusetts",
    "Michigan", "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska", "Nevada",
    "New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota",
    "Ohio", "Oklahoma", "Oregon", "Pennsylvania", "Puerto Rico", "Rhode Island",
    "South Carolina", "South Dakota", "Tennessee", "Texas", "Utah", "Vermont", "Virginia",
    "Washington", "West Virginia", "Wisconsin", "Wyoming",
]
# India's High Courts by the place each is named after (present and former names).
INDIAN_HIGH_COURTS = [
    "Allahabad", "Andhra Pradesh", "Bombay", "Calcutta", "Chhattisgarh", "Delhi", "Gauhati", "Gujarat",
    "Himachal Pradesh", "Hyderabad", "Jammu and Kashmir", "Jammu & Kashmir", "Jharkhand", "Karnataka", "Kerala",
    "Madhya Pradesh", "Madras", "Manipur", "Meghalaya", "Mysore", "Orissa", "Odisha", "Patna",
    "Punjab and Haryana", "Punjab & Haryana", "Rajasthan", "Sikkim", "Telangana", "Tripura", "Uttarakhand",
]
HIGH_COURT_PLACE = "|".join(sorted((re.escape(place) for place in INDIAN_HIGH_COURTS), key=len, reverse=True))
# Longest first, so "West Virginia" wins over "Virginia".
STATE_PATTERN = "|".join(sorted((re.escape(state) for state in US_STATES), key=len, reverse=True))
CIRCUITS = (
    "first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh"
    "|district of columbia|federal"
)
DISTRICT_PART = r"(?:northern|southern|eastern|western|central|middle)"
STATE_COURT_BODIES = (
    r"court\s+of\s+criminal\s+appeals|court\s+of\s+appeals?|supreme\s+court|superior\s+court"
    r"|appellate\s+court|commonwealth\s+court|court\s+of\s+special\s+appeals"
    r"|workers'?’?\s+compensation\s+appeals\s+board"
)

STATE_COURT_DIVISION = (
    rf"(?:{DISTRICT_PART}|first|second|third|fourth|fifth|sixth)\s+(?:district|division|department|circuit)"
)
COURT_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"supreme\s+court\s+of\s+the\s+united\s+states", re.I), "scotus"),
    (re.compile(r"supreme\s+court\s+of\s+india\b", re.I), "india_supreme"),
    (re.compile(rf"\bhigh\s+court\s+of\s+(?:judicature\s+(?:at|for)\s+)?(?P<place>{HIGH_COURT_PLACE})\b", re.I),
     "india_high"),
    (re.compile(rf"\b(?P<place>{HIGH_COURT_PLACE})\s+high\s+court\b", re.I), "india_high"),
    (re.compile(
        rf"united\s+states\s+court\s+of\s+appeals\s*,?\s+(?:for\s+the\s+)?(?P<circuit>{CIRCUITS})\s+circuit", re.I,
    ), "circuit"),
    (re.compile(
        rf"united\s+states\s+(?P<kind>district|bankruptcy)\s+court\s*,?\s+(?:for\s+the\s+)?"
        rf"(?P<part>{DISTRICT_PART}\s+)?district\s+of\s+(?P<state>{STATE_PATTERN})", re.I,
    ), "district"),
    (re.compile(
        rf"(?P<body>{STATE_COURT_BODIES})\s+of\s+(?:the\s+state\s+of\s+)?(?P<state>{STATE_PATTERN})\b"
        rf"(?:\s*,?\s+(?P<division>{DISTRICT_PART}\s+district))?", re.I,
    ), "state_of"),
    (re.compile(
        rf"(?P<state>{STATE_PATTERN})\s+(?P<body>{STATE_COURT_BODIES})\b"
        rf"(?:\s*,?\s+(?P<division>{STATE_COURT_DIVISION}))?",
        re.I,
    ), "state_first"),
]
# A court named right after these words is the court below, not the deciding court.
LOWER_COURT_CUE = re.compile(
    r"(?:appeal(?:ed)?\s+from|certiorari\s+to|review\s+(?:of|from)|remanded\s+to|transferred\s+from"
    r"|decision\s+of)\s+(?:the\s+)?(?:honorable\s+)?$",
    re.I,
)


def find_court(text: str, *, head_chars: int = EnrichSettings().head_chars) -> str | None:
    """Full name of the deciding court, normalised; the court below is skipped. Read from the
    first ``head_chars`` characters (settings ``enrich.head_chars``).

    >>> find_court("In the Missouri Court of Appeals\\n\\nEastern District")
    'Missouri Court of Appeals, Eastern District'
    >>> find_court("United States Court of Appeals For the First Circuit. APPEAL FROM THE UNITED STATES DISTRICT COURT")
    'United States Court of Appeals for the First Circuit'
    """
    head = text[:head_chars]
    found: list[tuple[int, str]] = []
    for pattern, kind in COURT_PATTERNS:
        for match in pattern.finditer(head):
            if LOWER_COURT_CUE.search(head[max(0, match.start() - 40):match.start()]):
                continue
            found.append((match.start(), _court_name(match, kind)))
            break
    return min(found)[1] if found else None


def _court_name(match: re.Match[str], kind: str) -> str:
    if kind == "scotus":
        return "Supreme Court of the United States"
    if kind == "india_supreme":
        return "Supreme Court of India"
    if kind == "india_high":
        wanted = " ".join(match["place"].split()).lower()
        place = next(place for place in INDIAN_HIGH_COURTS if place.lower() == wanted).replace("&", "and")
        return f"{place} High Court"
    if kind == "circuit":
        circuit = match["circuit"].lower()
        circuit = "District of Columbia" if circuit == "district of columbia" else circuit.title()
        return f"United States Court of Appeals for the {circuit} Circuit"
    state = _canonical_state(match["state"])
    if kind == "district":
        part = f"{match['part'].strip().title()} " if match["part"] else ""
        return f"United States {match['kind'].title()} Court, {part}District of {state}"
    body = " ".join(match["body"].split()).title().replace(" Of ", " of ").replace("’", "'")
    division = f", {match['division'].title()}" if match["division"] else ""
    if body == "Supreme Court" or kind == "state_of":
        return f"{body} of {state}{division}"
    return f"{state} {body}{division}"


def _canonical_state(name: str) -> str:
    wanted = " ".join(name.split()).lower()
    return next(state for state in US_STATES if state.lower() == wanted)


def jurisdiction_of(court: str | None) -> str | None:
    """``federal`` for a United States court, ``India`` for an Indian one, else the state the
    court belongs to.

    >>> jurisdiction_of("Missouri Court of Appeals, Eastern District"), jurisdiction_of("Supreme Court of North Carolina")
    ('Missouri', 'North Carolina')
    >>> jurisdiction_of("Supreme Court of India"), jurisdiction_of("Punjab and Haryana High Court")
    ('India', 'India')
    """
    if not court:
        return None
    if court == "Supreme Court of India" or court.endswith(" High Court"):
        return "India"
    if court.startswith(("United States", "Supreme Court of the United States")):
        return "federal"
    match = re.search(STATE_PATTERN, court)
    return match.group(0) if match else None
