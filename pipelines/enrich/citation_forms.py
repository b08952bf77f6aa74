"""Citation forms eyecite does not read, each with one normalised spelling: Indian and English
reports cited by year ("(2013) 4 SCC 1", "[1932] AC 562", "1982 (1) SCALE 713",
"1980 Cri LJ 636", "2021 SCC OnLine SC 123"), AIR ("AIR 1980 SC 898") and neutral citations
("2023 INSC 45", "[2019] UKSC 5", "2022-NCSC-1").

The reporters and the way their abbreviations are matched however dotted or spaced follow
``search/tokens.py`` (its ``year_citation`` and ``air_citation`` branches, which make BM25
tokens of the same forms). They are copied, not imported: ``pipelines`` and ``search`` sit side
by side and import nothing of each other; one pattern for both would live in ``lexray``.

Every branch starts at a bracket, a digit or "A" and has bounded repetitions only, so a scan
is linear in the text.

>>> [(form.normalized, form.year, form.kind) for form in find_citation_forms(
...     "Bachan Singh v. State of Punjab, (1980) 2 S.C.C. 684 : AIR 1980 SC 898; 2023 INSC 45.")]
[('(1980) 2 SCC 684', 1980, 'reporter'), ('AIR 1980 SC 898', 1980, 'reporter'), ('2023 INSC 45', 2023, 'neutral')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_YEAR = r"(?:1[89]\d\d|20\d\d)"  # the reports these forms name began in the 19th century

# Squashed spelling -> (printed spelling, whether the year is in square brackets).
REPORTERS = {
    "scc": ("SCC", False), "scr": ("SCR", False), "scale": ("SCALE", False), "crilj": ("Cri LJ", False),
    "crlj": ("Cri LJ", False), "jt": ("JT", False),
    "aller": ("All ER", True), "wlr": ("WLR", True), "ac": ("AC", True), "qb": ("QB", True),
    "kb": ("KB", True), "ch": ("Ch", True),
}
_INDIAN = ("SCALE", "Cri LJ", "Cr LJ", "SCC", "SCR", "JT")
_ENGLISH = ("All ER", "WLR", "AC", "QB", "KB", "Ch")
_YEAR_FIRST = ("Cri LJ", "Cr LJ")  # also cited "1980 Cri LJ 636", without brackets
# AIR's court abbreviations, squashed -> printed.
COURTS = {
    "sc": "SC", "pc": "PC", "fc": "FC", "bom": "Bom", "cal": "Cal", "del": "Del", "mad": "Mad",
    "all": "All", "ker": "Ker", "pat": "Pat", "ph": "P&H", "punj": "Punj", "guj": "Guj", "raj": "Raj",
    "ori": "Ori", "ap": "AP", "mp": "MP", "kar": "Kar", "mys": "Mys", "hp": "HP", "jk": "J&K",
    "gau": "Gau", "nag": "Nag", "lah": "Lah", "oudh": "Oudh", "sik": "Sikkim",
}
_UK_NEUTRAL = r"UKSC|UKHL|UKPC|EWCA\s(?:Civ|Crim)|EWHC"


def _abbreviation(abbreviation: str) -> str:
    """Regex for an abbreviation however it is dotted or spaced: "Cri LJ" ~ "Cri. L.J." ~ "CriLJ"."""
    pieces = re.findall(r"[A-Z][a-z]*", abbreviation)
    return r"\.?\s?".join(re.escape(piece) for piece in pieces) + r"\.?"


def _alternation(abbreviations: tuple[str, ...]) -> str:
    return "|".join(_abbreviation(abbreviation) for abbreviation in sorted(abbreviations, key=len, reverse=True))


_REPORTER = rf"(?i:{_alternation(_INDIAN)})|{_alternation(_ENGLISH)}"
_PAGE = r"\d{1,6}(?![\w-])"

CITATION_FORMS = re.compile(
    rf"""
    (?<![\w.\-])(?=[\[(\dA])(?:
      (?P<bracketed>[(\[](?P<b_year>{_YEAR})[)\]]\s?(?P<b_volume>\d{{1,3}})?\s?
        (?P<b_reporter>{_REPORTER})\s(?P<b_page>{_PAGE}))
    | (?P<volume_in_brackets>(?P<v_year>{_YEAR})\s?\((?P<v_volume>\d{{1,3}})\)\s?
        (?P<v_reporter>{_REPORTER})\s(?P<v_page>{_PAGE}))
    | (?P<year_first>(?P<y_year>{_YEAR})\s(?P<y_reporter>(?i:{_alternation(_YEAR_FIRST)}))\s(?P<y_page>{_PAGE}))
    | (?P<online>(?P<o_year>{_YEAR})\sSCC\s?OnLine\s(?P<o_court>[A-Z][A-Za-z&]{{1,6}})\s(?P<o_page>\d{{1,7}})(?![\w-]))
    | (?P<air>A\.?I\.?R\.?\s(?P<a_year>{_YEAR})\s(?P<a_court>[A-Z][A-Za-z&.]{{0,8}}?)\s(?P<a_page>{_PAGE}))
    | (?P<neutral>(?P<n_open>[\[(])?(?P<n_year>{_YEAR})[\])]?\s(?P<n_court>INSC|{_UK_NEUTRAL})\s
        (?P<n_number>\d{{1,6}})(?!\w))
    | (?P<hyphenated>(?P<h_year>{_YEAR})-(?P<h_court>[A-Z][A-Za-z]{{1,7}})-(?P<h_number>\d{{1,6}})(?![\w-]))
    )""",
    re.VERBOSE,
)
_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]")


@dataclass(frozen=True)
class CitationForm:
    """One citation of a form ``CITATION_FORMS`` reads: as written, normalised, where."""

    text: str
    normalized: str
    start: int
    end: int
    year: int
    kind: str  # "reporter" | "neutral"
    reporter: str  # printed reporter or court ("SCC", "AIR SC", "INSC"), for short forms
    volume: str


def find_citation_forms(text: str) -> list[CitationForm]:
    """Every citation of the forms above in ``text``, in order.

    >>> [form.normalized for form in find_citation_forms("[1932] AC 562, 1982 (1) SCALE 713, 1980 CRILJ 636, "
    ...                                                  "2021 SCC OnLine SC 123, [2019] UKSC 5")]
    ['[1932] AC 562', '(1982) 1 SCALE 713', '(1980) Cri LJ 636', '2021 SCC OnLine SC 123', '[2019] UKSC 5']
    """
    return [form for match in CITATION_FORMS.finditer(text) if (form := _form(match)) is not None]


def _form(match: re.Match[str]) -> CitationForm | None:
    kind, parts = match.lastgroup, match.groupdict()
    if kind in ("bracketed", "volume_in_brackets", "year_first"):
        prefix = {"bracketed": "b", "volume_in_brackets": "v", "year_first": "y"}[kind]
        year, page = parts[f"{prefix}_year"], parts[f"{prefix}_page"]
        volume = parts.get(f"{prefix}_volume") or ""
        printed, square = REPORTERS[_squash(parts[f"{prefix}_reporter"])]
        dated = f"[{year}]" if square else f"({year})"
        normalized = " ".join(piece for piece in (dated, volume, printed, page) if piece)
        return _citation(match, normalized, year, "reporter", printed, volume)
    if kind == "online":
        court = _court(parts["o_court"])
        return _citation(match, f"{parts['o_year']} SCC OnLine {court} {parts['o_page']}", parts["o_year"],
                         "reporter", f"SCC OnLine {court}", parts["o_year"])
    if kind == "air":
        court = _court(parts["a_court"])
        return _citation(match, f"AIR {parts['a_year']} {court} {parts['a_page']}", parts["a_year"], "reporter",
                         f"AIR {court}", parts["a_year"])
    if kind == "neutral":
        court = " ".join(parts["n_court"].split())
        year = parts["n_year"]
        dated = year if court == "INSC" else f"[{year}]"  # India's neutral citations print the year bare
        normalized = f"{dated} {court} {parts['n_number']}"
        return _citation(match, normalized, year, "neutral", court, year)
    if kind == "hyphenated":
        year = parts["h_year"]
        return _citation(match, f"{year}-{parts['h_court']}-{int(parts['h_number'])}", year, "neutral",
                         parts["h_court"], year)
    return None


def _citation(match: re.Match[str], normalized: str, year: str, kind: str, reporter: str, volume: str) -> CitationForm:
    return CitationForm(text=match.group(0), normalized=normalized, start=match.start(), end=match.end(),
                        year=int(year), kind=kind, reporter=reporter, volume=volume)


def _squash(abbreviation: str) -> str:
    return _NOT_ALPHANUMERIC.sub("", abbreviation.lower())


def _court(abbreviation: str) -> str:
    """ "S.C." -> "SC", "Bom." -> "Bom"; a court not in ``COURTS`` as written, without dots."""
    return COURTS.get(_squash(abbreviation), abbreviation.replace(".", ""))
