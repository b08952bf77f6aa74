"""Legal metadata of a case from its cleaned text: caption fields, judges, counsel, authorities.

Caption fields (number, court, parties, dates, judges, counsel) are read from the head of the
text, where opinions print them; citations, statutes and issues from the whole text. Each field
has its own small function so it can be tested alone.

>>> meta = extract_metadata("IN THE SUPREME COURT OF NORTH CAROLINA\\n\\nNo. 363A14-4\\n\\n"
...                         "Filed 11 February 2022\\n\\nGIFT SURPLUS, LLC,\\n\\nPlaintiffs,\\n\\nv.\\n\\n"
...                         "STATE OF NORTH CAROLINA.")
>>> meta.case_number, meta.court, meta.jurisdiction, str(meta.date_filed)
('No. 363A14-4', 'Supreme Court of North Carolina', 'North Carolina', '2022-02-11')
>>> meta.title
'Gift Surplus, LLC v. State of North Carolina'
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from typing import NamedTuple

from eyecite import get_citations
from eyecite.models import FullCaseCitation, FullLawCitation

from lexray.models import CaseMetadata

# eyecite logs a warning for every overlapping match it resolves ("Unknown overlap case"),
# dozens per opinion; they say nothing about our results and drown the job's own output.
logging.getLogger("eyecite").setLevel(logging.ERROR)

HEAD_CHARS = 4000
# Counsel lists can run onto the second page of an appellate opinion.
COUNSEL_HEAD_CHARS = 8000
MAX_ISSUES = 5
MAX_ISSUE_CHARS = 200

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

CASE_NUMBER = re.compile(r"\bNos?\.\s*(?P<number>[A-Z]{0,5}[- ]?\d[\w\-–—.:/]*\w|[A-Z]{1,5}\d\w*)")
FEDERAL_DOCKET = re.compile(r"\b(?P<office>\d{1,2}):(?P<year>\d{2})-(?P<type>[a-zA-Z]{2,4})-(?P<seq>\d{1,6})\b")
DOCKET_STAMP = re.compile(r"\bCase:\s*(?P<number>\d{2}-\d{2,6})\b")

ROLE_WORD = (
    r"(?:cross[- ])?(?:plaintiffs?|petitioners?|appellants?|appellees?|respondents?|defendants?"
    r"|movants?|claimants?|intervenors?|relators?|complainants?|counter-defendants?|counter-claimants?)"
)
# Possessive separators: with plain ones the spaces between "," could go to either side, and a
# run like "plaintiffs , , , , x" was tried every way (exponential).
ROLE_SEPARATORS = r"(?:\s*+(?:[,/&—–-]|and)\s*+)*+"
ROLE_LABEL = re.compile(rf"^(?:{ROLE_WORD}{ROLE_SEPARATORS})+[.,;]?$", re.I)
ROLE_SUFFIX = re.compile(rf"(?<![\s,])[\s,]++(?:{ROLE_WORD}{ROLE_SEPARATORS})+[.,;]?$", re.I)
PLAINTIFF_ROLE = re.compile(r"plaintiff|petitioner|appellant|movant|claimant|relator|complainant", re.I)
PARTY_SEPARATOR = re.compile(r"(?:^|\s)(?:v\.|vs\.|V\.|VS\.|versus|VERSUS|against)(?=\s|$)")
# Caption pieces that are not party names: docket lines, the court below, dates, headings.
NOT_A_PARTY = re.compile(
    r"^(?:Nos?\.|Case\b|Docket|Civil\s+Action|Criminal\s+Action|Appeal"
    r"|On\s+(?:appeal|petition|writ|certiorari|discretionary)|Certiorari|CERTIORARI|Honorable|Hon\.|The\s+Honorable"
    r"|Filed|Dated|Decided|Argued|Submitted|Heard|Judge|USDC|D\.C\.\s+No|Before|\[|\(|Syllabus|Opinion|OPINION"
    r"|ORDER|Order|Per\s+Curiam|PER\s+CURIAM)"
    rf"|^{DATE}$",
)
COURT_WORDS = re.compile(r"\b(?:COURT|CIRCUIT|DIVISION|DISTRICT\s+OF|TERM)\b", re.I)
# A match starts at the comma or where the whitespace before "in" starts, never inside that run
# (from every space of a long run it was rescanned to the run's end).
OFFICIAL_CAPACITY = re.compile(
    r"(?:,|(?<![\s,]))\s*+in\s+(?:his|her|its|their)\s+(?:official|individual)(?:\s+and\s+(?:official|individual))?"
    r"\s+capacit(?:y|ies)(?:\s+as\s+[^,;]+)?,?",
    re.I,
)
ET_AL = re.compile(r"(?:,|(?<![\s,]))\s*+\bet\s+al\.?", re.I)
# A word's first letter, and any after an apostrophe or hyphen, but not after "." (".com").
WORD_START = re.compile(r"(?:(?<![\w.])|(?<=['’\-]))[a-z]")
ABBREVIATION_END = re.compile(r"(?:\b(?:Inc|Co|Corp|Ltd|Jr|Sr|Bros|Assn)|\b[A-Za-z])\.$", re.I)

NAME_SMALL_WORDS = {
    "of", "the", "and", "for", "in", "on", "at", "by", "to", "ex", "rel.", "dba", "d/b/a", "de", "v.", "vs.",
}
NAME_KEEP_UPPER = {"LLC", "LLP", "PLLC", "LP", "PC", "NA", "USA", "II", "III", "IV", "FBI", "EPA", "IRS"}

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

# Each names the issue's first word "issue": the phrase kept starts there.
ISSUE_PATTERNS = [
    re.compile(
        r"\b(?:the|one|a)\s+(?:sole\s+|central\s+|only\s+|narrow\s+|principal\s+|threshold\s+)?(?:question|issue)s?\s+"
        r"(?:presented\s+|before\s+(?:us|the\s+court)\s+|on\s+appeal\s+|in\s+this\s+(?:case|appeal)\s+)?(?:here\s+)?"
        r"(?:is|are|was)\s+(?P<issue>whether\b)",
        re.I,
    ),
    re.compile(r"\bwe\s+(?:must\s+)?(?:decide|consider|address|determine)\s+(?P<issue>whether\b)", re.I),
    re.compile(r"\bgranted\s+(?:certiorari|review)\s+to\s+(?:decide|consider|resolve)\s+(?P<issue>whether\b)", re.I),
    re.compile(r"\bAt\s+issue\s+(?:here\s+|in\s+this\s+case\s+)?(?:is|are)\s+(?P<issue>\w)"),
    re.compile(
        r"(?m)^(?:ISSUES?(?:\s+PRESENTED)?|QUESTIONS?\s+PRESENTED|Issues?(?:\s+Presented)?|Questions?\s+Presented)"
        r"(?:[ \t]*:[ \t]*|[ \t]*\n\s*)(?:\d+\.\s*)?(?P<issue>\w)"
    ),
]
HELD_BLOCK = re.compile(r"(?m)^Held:\s*(?P<rest>.*)$")
PAGE_REFERENCE = re.compile(r"\s*\bPp?\.\s*[\d–\-, ]+\.?\s*$")
SENTENCE_ABBREVIATIONS = {
    "v", "vs", "no", "nos", "co", "corp", "inc", "ltd", "mr", "mrs", "ms", "dr", "st", "e.g", "i.e",
    "cf", "jr", "sr", "pp", "p", "art", "ch", "sec", "id", "ann", "stat", "rev", "supp", "app",
    "u.s", "n.c", "n.c.g.s", "u.s.c", "f", "ct", "dist", "cir", "cal", "mo",
}

LANGUAGE_STOPWORDS = {
    "en": {"the", "and", "of", "to", "in", "that", "is", "for", "was", "court", "with", "not"},
    "es": {"el", "la", "de", "que", "y", "en", "los", "las", "por", "del", "una", "tribunal"},
    "fr": {"le", "la", "les", "de", "des", "et", "que", "du", "une", "est", "pour", "dans"},
    "de": {"der", "die", "das", "und", "den", "des", "nicht", "ist", "mit", "von", "zu", "dem"},
    "pt": {"o", "a", "os", "de", "que", "e", "do", "da", "em", "não", "uma", "para"},
    "it": {"il", "la", "di", "che", "e", "del", "della", "per", "non", "una", "sono", "nel"},
}

GOVERNMENT_PARTY = re.compile(
    rf"^(?:(?:the\s+)?state\s+of\s+(?:{STATE_PATTERN})|(?:the\s+)?people(?:\s+of\s+the\s+state\s+of\s+\w+(?:\s+\w+)?)?"
    r"|(?:the\s+)?commonwealth(?:\s+of\s+\w+)?|united\s+states(?:\s+of\s+america)?|state)$",
    re.I,
)
CRIMINAL_CUES = re.compile(
    r"\b(?:convicted|conviction|sentenced|guilty|indictment|indicted|felony|misdemeanor|prosecution|criminal\s+case)\b",
    re.I,
)


class CaseDates(NamedTuple):
    filed: date | None
    decided: date | None


def extract_metadata(text: str, *, page_count: int = 0, ocr_confidence: float | None = None) -> CaseMetadata:
    """All metadata LexRay keeps about a case, from its cleaned text.

    >>> extract_metadata("Decided June 13, 2013. See 42 U.S.C. § 1983.", page_count=2).statutes
    ['42 U.S.C. § 1983']
    """
    plaintiffs, defendants = find_parties(text)
    court = find_court(text)
    dates = find_dates(text)
    citations, precedents = find_case_citations(text)
    return CaseMetadata(
        case_number=find_case_number(text),
        title=case_title(plaintiffs, defendants),
        court=court,
        jurisdiction=jurisdiction_of(court),
        case_type=find_case_type(text, plaintiffs, defendants),
        date_filed=dates.filed,
        date_decided=dates.decided,
        plaintiffs=plaintiffs,
        defendants=defendants,
        judges=find_judges(text),
        attorneys=find_attorneys(text),
        legal_issues=find_legal_issues(text),
        citations=citations,
        precedents=precedents,
        statutes=find_statutes(text),
        page_count=page_count,
        word_count=len(text.split()),
        language=detect_language(text),
        ocr_confidence=ocr_confidence,
    )


def find_case_number(text: str) -> str | None:
    """The docket number from the caption: ``No. 11-889``, ``Case 8:16-cv-01261``.

    Federal district dockets are written the PACER way (five-digit sequence number).

    >>> find_case_number("No. 11–889. Argued April 23, 2013")
    'No. 11-889'
    >>> find_case_number("Case No. 8:16-cv-1261 DOC (KESx)")
    'Case 8:16-cv-01261'
    """
    head = text[:HEAD_CHARS]
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


def find_court(text: str) -> str | None:
    """Full name of the deciding court, normalised; the court below is skipped.

    >>> find_court("In the Missouri Court of Appeals\\n\\nEastern District")
    'Missouri Court of Appeals, Eastern District'
    >>> find_court("United States Court of Appeals For the First Circuit. APPEAL FROM THE UNITED STATES DISTRICT COURT")
    'United States Court of Appeals for the First Circuit'
    """
    head = text[:HEAD_CHARS]
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
    """``federal`` for a United States court, else the state the court belongs to.

    >>> jurisdiction_of("Missouri Court of Appeals, Eastern District"), jurisdiction_of("Supreme Court of North Carolina")
    ('Missouri', 'North Carolina')
    """
    if not court:
        return None
    if court.startswith(("United States", "Supreme Court of the United States")):
        return "federal"
    match = re.search(STATE_PATTERN, court)
    return match.group(0) if match else None


def find_dates(text: str) -> CaseDates:
    """Filing and decision dates from the caption ("Decided June 13, 2013", "Filed: 07/14/2021").

    A caption line holding nothing but a date (as in First Circuit opinions) is the decision date.

    >>> find_dates("No. 11-889. Argued April 23, 2013—Decided June 13, 2013")
    CaseDates(filed=None, decided=datetime.date(2013, 6, 13))
    >>> find_dates("Filed: January 19, 2021").filed
    datetime.date(2021, 1, 19)
    """
    head = text[:HEAD_CHARS]
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


def find_parties(text: str) -> tuple[list[str], list[str]]:
    """Plaintiffs and defendants named in the caption ("X, Plaintiff, v. Y, Defendant.").

    Names in capitals are title-cased; "et al." and "in his official capacity" are dropped.

    >>> find_parties("GIFT SURPLUS, LLC, and SANDHILL AMUSEMENTS, INC.,\\n\\nPlaintiffs,\\n\\nv.\\n\\n"
    ...              "ROY COOPER, in his official capacity.")
    (['Gift Surplus, LLC', 'Sandhill Amusements, Inc.'], ['Roy Cooper'])
    """
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text[:HEAD_CHARS]) if block.strip()]
    for index, block in enumerate(blocks):
        if len(block) > 500:
            continue
        for separator in PARTY_SEPARATOR.finditer(block):
            left = block[:separator.start()].strip()
            right = block[separator.end():].strip()
            before = ([left] if left else []) + blocks[max(0, index - 6):index][::-1]
            after = ([right] if right else []) + blocks[index + 1:index + 9]
            if not _is_caption(before, after):
                continue
            plaintiffs = _collect_plaintiffs(before)
            defendants = _collect_defendants(after)
            if plaintiffs and defendants:
                return split_parties(plaintiffs), split_parties(defendants)
    return [], []


def _is_caption(before: list[str], after: list[str]) -> bool:
    """A "v." is a caption's when a role label is near or the names beside it are in capitals."""
    near = before[:3] + after[:3]
    if any(ROLE_LABEL.match(piece) or ROLE_SUFFIX.search(piece) for piece in near):
        return True
    return bool(before and after) and _is_upper(before[0]) and _is_upper(after[0])


def _collect_plaintiffs(before: list[str]) -> str:
    """Plaintiff text from the caption pieces before the "v.", nearest first."""
    pieces = list(before)
    # Parties precede their role label; what lies between the label and the "v." is another column.
    for position, piece in enumerate(pieces[:6]):
        if ROLE_LABEL.match(piece):
            pieces = pieces[position + 1:]
            break
        if ROLE_SUFFIX.search(piece) and PLAINTIFF_ROLE.search(ROLE_SUFFIX.search(piece).group(0)):
            pieces = [ROLE_SUFFIX.sub("", piece)] + pieces[position + 1:]
            break
    collected: list[str] = []
    for piece in pieces:
        if _is_caption_furniture(piece):
            if collected:
                break
            continue
        # Going back up the caption, a party name runs on while its lines are in capitals or
        # end in a list separator; a full stop or a plain sentence is something else.
        if collected and (piece.endswith(".") or not (_is_upper(piece) or piece.endswith((",", ";", "and")))):
            break
        collected.append(piece)
        if len(collected) == 4:
            break
    return " ".join(reversed(collected))


def _is_caption_furniture(piece: str) -> bool:
    """Docket lines, role labels and court names ("DIVISION THREE") around the party names."""
    if NOT_A_PARTY.match(piece) or ROLE_LABEL.match(piece):
        return True
    return bool(COURT_WORDS.search(piece)) and _is_upper(piece) and not piece.endswith(",")


def _collect_defendants(after: list[str]) -> str:
    """Defendant text from the caption pieces after the "v.", up to the role label or a full stop."""
    collected: list[str] = []
    for piece in after[:8]:
        if ROLE_LABEL.match(piece):
            break
        if NOT_A_PARTY.match(piece):
            if collected:
                break
            continue
        suffix = ROLE_SUFFIX.search(piece)
        collected.append(ROLE_SUFFIX.sub("", piece) if suffix else piece)
        if suffix or piece.endswith("."):
            break
    return " ".join(collected)


def split_parties(party_text: str) -> list[str]:
    """Separate parties in caption text on ";", ", and" and "in his official capacity".

    >>> split_parties("ESTEBAN LEON; and DOES 1 through 10, inclusive,")
    ['Esteban Leon', 'DOES 1 through 10']
    """
    text = OFFICIAL_CAPACITY.sub(";", party_text)
    text = ET_AL.sub("", text)
    parties = []
    for part in re.split(r";|,\s+and\s+|,\s+&\s+", text):
        part = re.sub(r"^\s*(?:and|&)\s+", "", part)
        part = re.sub(r",?\s*inclusive\b", "", part, flags=re.I)
        part = part.strip(" ,;:")
        # Keep the period of "Inc." / "Co." / "Jr."; drop one that only ended the caption.
        if part.endswith(".") and not ABBREVIATION_END.search(part):
            part = part[:-1].rstrip()
        if len(part) >= 2:
            parties.append(_title_case(part))
    return parties


def case_title(plaintiffs: list[str], defendants: list[str]) -> str | None:
    """Short title from the first party on each side.

    >>> case_title(["Tarrant Regional Water District"], ["Herrmann"])
    'Tarrant Regional Water District v. Herrmann'
    """
    if not plaintiffs or not defendants:
        return None
    return f"{plaintiffs[0]} v. {defendants[0]}"


def _is_upper(piece: str) -> bool:
    letters = [char for char in piece if char.isalpha()]
    return len(letters) >= 3 and sum(char.isupper() for char in letters) >= 0.7 * len(letters)


def _title_case(name: str) -> str:
    """``STATE OF MISSOURI`` -> ``State of Missouri``; names already in mixed case stay.

    >>> _title_case("CONSUMERINFO.COM, INC. dba O'NEILL-SMITH LLC")
    "Consumerinfo.com, Inc. dba O'Neill-Smith LLC"
    """
    name = " ".join(name.split())
    if not _is_upper(name):
        return name
    words = []
    for position, word in enumerate(name.split(" ")):
        bare = word.strip(",.;:()")
        if bare.upper() in NAME_KEEP_UPPER or re.fullmatch(r"(?:[A-Z]\.){2,}", bare):
            words.append(word)
        elif position and word.lower() in NAME_SMALL_WORDS:
            words.append(word.lower())
        else:
            words.append(WORD_START.sub(lambda letter: letter.group(0).upper(), word.lower()))
    return " ".join(words)


def find_judges(text: str) -> list[str]:
    """Judges who decided the case, in order of first mention, surnames title-cased.

    >>> find_judges("Before: Howard, Chief Judge, Selya and Barron, Circuit Judges.\\n\\nSELYA, Circuit Judge. We")
    ['Howard', 'Selya', 'Barron']
    >>> find_judges("JUSTICE SOTOMAYOR delivered the opinion of the Court.")
    ['Sotomayor']
    """
    head = text[:HEAD_CHARS]
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
        _add_person(judges, _title_case(" ".join(name.split()).strip(" .,")))
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


def find_attorneys(text: str) -> list[str]:
    """Counsel named in the appearance paragraphs ("X, with whom Y was on brief, for appellant.").

    Best effort: people only (firms and offices are skipped), in order of mention.

    >>> find_attorneys("Roger K. Gannam, with whom Mathew D. Staver and Liberty Counsel were on brief, for appellant.")
    ['Roger K. Gannam', 'Mathew D. Staver']
    """
    attorneys: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text[:COUNSEL_HEAD_CHARS]):
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
    for citation in _citations(text):
        if not isinstance(citation, FullCaseCitation) or not is_plausible_case_citation(citation, text):
            continue
        corrected = citation.corrected_citation()
        if corrected not in citations:
            citations.append(corrected)
        name = _case_name(citation)
        if name and name not in precedents:
            precedents.append(name)
    return citations, precedents


def _citations(text: str) -> list:
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
    year = _parenthetical_year(text, citation.span()[1])
    edition = citation.edition_guess
    if edition is not None and year is not None:
        if (edition.start and year < edition.start.year) or (edition.end and year > edition.end.year):
            return False
    if not citation.exact_editions and year is None:
        return False
    return True


def _parenthetical_year(text: str, end: int) -> int | None:
    """Year of a "(Court 1998)" parenthetical right after a citation (after any pin cite)."""
    following = text[end:end + 80]
    match = re.match(r"(?:,\s*(?:at\s+)?[\d–\-, n.]+)?\s*\([^()]{0,40}?\b(1[6-9]\d\d|20\d\d)\)", following)
    return int(match.group(1)) if match else None


def _case_name(citation: FullCaseCitation) -> str | None:
    plaintiff = " ".join((citation.metadata.plaintiff or "").split()).strip(" ,")
    defendant = " ".join((citation.metadata.defendant or "").split()).strip(" ,")
    plaintiff = re.sub(r"^(?:See|see|Cf\.|cf\.|But|E\.g\.,?|e\.g\.,?|Accord|quoting|citing)\s+", "", plaintiff)
    if not plaintiff or not defendant or not defendant[0].isupper():
        return None
    if re.search(r"\d|§", plaintiff + defendant):
        return None
    return f"{plaintiff} v. {defendant}"


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
    for citation in _citations(text):
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


def find_legal_issues(text: str) -> list[str]:
    """Questions the court decides, as short phrases ("Whether ..."), at most five.

    >>> find_legal_issues("The question presented is whether a compact pre-empts state law. We hold it does not.")
    ['Whether a compact pre-empts state law.']
    """
    found: list[tuple[int, str]] = []
    for pattern in ISSUE_PATTERNS:
        for match in pattern.finditer(text):
            found.append((match.start(), _sentence_from(text, match.start("issue"))))
    for match in HELD_BLOCK.finditer(text):
        found += _holdings(text, match.start("rest"))
    issues: list[str] = []
    for _, issue in sorted(found):
        issue = _shorten(issue)
        if issue and issue not in issues:
            issues.append(issue)
    return issues[:MAX_ISSUES]


def _holdings(text: str, start: int) -> list[tuple[int, str]]:
    """The numbered holdings of a syllabus "Held:" part (or its first sentence)."""
    end = re.search(r"\n\n(?:[A-Z][A-Z’'\-]+, (?:C\. )?J\., delivered|JUSTICE )", text[start:])
    block = text[start:start + end.start()] if end else text[start:start + 6000]
    holdings = [
        (start + match.start("holding"), _sentence_from(block, match.start("holding")))
        for match in re.finditer(r"(?m)^\d{1,2}\.\s+(?P<holding>[A-Z])", block)
    ]
    if not holdings and block.strip():
        holdings = [(start, _sentence_from(block, len(block) - len(block.lstrip())))]
    return holdings


def _sentence_from(text: str, start: int) -> str:
    """The sentence beginning at ``start`` (periods of abbreviations and initials do not end it)."""
    for match in re.finditer(r"[.?!](?=[\"”’)]*(?:\s+[A-Z“\"(]|\s*$))", text[start:start + 1500]):
        word_before = re.search(r"([\w.]+)\.$", text[start:start + match.end()])
        word = word_before.group(1).lower() if word_before else ""
        if match.group(0) == "." and ((len(word) == 1 and word.isalpha()) or word in SENTENCE_ABBREVIATIONS):
            continue
        return text[start:start + match.end()].strip()
    return text[start:start + MAX_ISSUE_CHARS * 2].split("\n")[0].strip()


def _shorten(sentence: str) -> str:
    sentence = PAGE_REFERENCE.sub("", " ".join(sentence.split()))
    if sentence and sentence[0].islower():
        sentence = sentence[0].upper() + sentence[1:]
    if len(sentence) <= MAX_ISSUE_CHARS:
        return sentence
    return sentence[:MAX_ISSUE_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def find_case_type(text: str, plaintiffs: list[str], defendants: list[str]) -> str | None:
    """``criminal``, ``habeas``, ``civil`` or ``appeal`` from plain evidence; None when unsure.

    >>> find_case_type("appeals the denial of her motion for post-conviction relief", ["Jagels"], ["State of Missouri"])
    'criminal'
    """
    head = text[:HEAD_CHARS]
    if re.search(r"\b\d{1,2}:\d{2}-cr-\d", head, re.I):
        return "criminal"
    if re.search(r"\b\d{1,2}:\d{2}-cv-\d", head, re.I):
        return "civil"
    if re.search(r"\bhabeas\s+corpus\b", head, re.I):
        return "habeas"
    if re.search(r"\bpost-?conviction\b|\bRule\s+(?:24\.035|29\.15)\b", head, re.I):
        return "criminal"
    government_plaintiff = bool(plaintiffs) and bool(GOVERNMENT_PARTY.match(plaintiffs[0]))
    government_defendant = bool(defendants) and bool(GOVERNMENT_PARTY.match(defendants[0]))
    if re.search(r"\bPlaintiffs?\b", head) and not government_plaintiff:
        return "civil"
    if (government_plaintiff or government_defendant) and CRIMINAL_CUES.search(head):
        return "criminal"
    if re.search(r"\bcertiorari\b|\bappeal(?:ed)?\s+from\b|\bappellants?\b|\bpetition\s+for\s+review\b", head, re.I):
        return "appeal"
    return None


def detect_language(text: str) -> str:
    """ISO code of the text's language by common-word counts; English unless clearly not.

    >>> detect_language("El tribunal de la ciudad y los jueces de la sala que")
    'es'
    """
    words = re.findall(r"[^\W\d_]+", text[:20000].lower())
    if len(words) < 8:
        return "en"
    counts = {language: sum(word in stopwords for word in words) for language, stopwords in LANGUAGE_STOPWORDS.items()}
    best = max(counts, key=counts.get)
    return best if counts[best] > 2 * counts["en"] else "en"
