"""Which stored case a citation refers to: the rule the store applies to a tenant's cases and
a benchmark to a corpus in memory (pure: no MongoDB).

A cited authority resolves, among the citable cases given:

1. by citation: the cases that share one of its normalised citations ("258 U.S. 574");
2. else by name and year: the cases decided in the citation's year, else the year before (a
   reporter's year can follow the decision's: "AIR 1956 SC 415" reports a 1955 judgement), whose
   title holds every distinctive word of the cited case name ("Oklahoma v. Texas" -> oklahoma,
   texas).

One case is ``resolved``, more are ``ambiguous`` (kept as candidates), none is ``dangling``.
A case never resolves its own citations.

>>> index = CitableIndex([CitableCase(case_id="c1", keys=["258 U.S. 574"],
...                                   name_words=name_words("State of Oklahoma v. State of Texas"), year=1922)])
>>> index.resolve(["258 U.S. 574"], [], None).case_id
'c1'
>>> index.resolve(["1 U.S. 1"], name_words("Oklahoma v. Texas"), 1922).matched_by
'name'
>>> index.resolve(["1 U.S. 1"], name_words("Oklahoma v. Texas"), 1923).case_id
'c1'
>>> index.resolve(["1 U.S. 1"], name_words("Oklahoma v. Texas"), 1924).status.value
'dangling'
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from lexray.models import (
    DEFAULT_TENANT,
    CaseCitations,
    CitableCase,
    CitationResolution,
    CitationStatus,
    OwnCitation,
)

# Words every other caption holds (parties' roles, forms of government, company forms, Latin):
# matching on them would tie "State v. Smith" to any State case of the year.
GENERIC_NAME_WORDS = frozenset("""
v vs versus the of and in re ex rel parte matter state states united people union india
commonwealth government republic kingdom crown regina rex inc co corp corporation
company ltd llc llp plc pvt private limited ors others anr another et al etc for on by at to a
an its his her mr mrs ms dr sri shri smt thru through appellant appellants respondent
respondents petitioner petitioners plaintiff defendant
""".split())
_WORD = re.compile(r"[^\W\d_]+")


def name_words(name: str | None) -> list[str]:
    """The distinctive words of a case name or title, lower-cased, in order, once each: what
    a citation's case name and a stored case's title are compared by.

    >>> name_words("Bachan Singh v. State of Punjab & Ors.")
    ['bachan', 'singh', 'punjab']
    >>> name_words("United States v. Jones"), name_words(None)
    (['jones'], [])
    """
    words: list[str] = []
    for word in _WORD.findall((name or "").lower()):
        if len(word) > 1 and word not in GENERIC_NAME_WORDS and word not in words:
            words.append(word)
    return words


def citable_case(case_id: str, citations: CaseCitations, *, title: str | None, year: int | None,
                 tenant_id: str = DEFAULT_TENANT) -> CitableCase:
    """What a case with this citator record, ``title`` and ``year`` (decided) can be cited as.

    >>> from lexray.models import OwnCitation
    >>> own = [OwnCitation(citation="5 U. S. 137", normalized="5 U.S. 137", kind="reporter"),
    ...        OwnCitation(citation="No. 1", normalized="No. 1", kind="docket")]
    >>> citable_case("c1", CaseCitations(own=own), title="Marbury v. Madison", year=1803).keys
    ['5 U.S. 137']
    """
    return CitableCase(
        case_id=case_id, tenant_id=tenant_id, title=title, year=year, name_words=name_words(title),
        keys=[own.normalized for own in citations.own if own.kind != "docket"],
        dockets=[own.normalized for own in citations.own if own.kind == "docket"],
    )


class CitableIndex:
    """Citable cases by normalised citation and by (year, name word), for ``resolve``."""

    def __init__(self, cases: Iterable[CitableCase]) -> None:
        self.by_key: dict[str, set[str]] = defaultdict(set)
        self.by_year_word: dict[tuple[int, str], set[str]] = defaultdict(set)
        self.words_of: dict[str, set[str]] = {}
        for case in cases:
            for key in case.keys:
                self.by_key[key].add(case.case_id)
            if case.year is not None:
                for word in case.name_words:
                    self.by_year_word[(case.year, word)].add(case.case_id)
            self.words_of[case.case_id] = set(case.name_words)

    def resolve(self, keys: list[str], words: list[str], year: int | None, *,
                citing_case_id: str | None = None) -> CitationResolution:
        """The cases a citation with these normalised ``keys``, case-name ``words`` and ``year``
        refers to (never ``citing_case_id`` itself)."""
        by_citation = {case_id for key in keys for case_id in self.by_key.get(key, ())} - {citing_case_id}
        if by_citation:
            return _resolution(by_citation, "citation")
        if not words or year is None:
            return CitationResolution(status=CitationStatus.DANGLING)
        for decided in decision_years(year):
            # Cases of that year with the rarest word, then those holding every other word too.
            holders = min((self.by_year_word.get((decided, word), set()) for word in words), key=len)
            named = {case_id for case_id in holders if self.words_of[case_id].issuperset(words)} - {citing_case_id}
            if named:
                return _resolution(named, "name")
        return CitationResolution(status=CitationStatus.DANGLING)


def case_year(decided: date | None, own: Iterable[OwnCitation]) -> int | None:
    """The year a case's citations are matched with: the year it was decided (``decided``: its
    decision date, else its filing date), else the year of its own reporter citation.

    >>> case_year(date(1954, 5, 17), [])
    1954
    >>> case_year(None, [OwnCitation(citation="1 U.S. 1", normalized="1 U.S. 1", kind="reporter", year=1790)])
    1790
    """
    if decided is not None:
        return decided.year
    return next((citation.year for citation in own if citation.year is not None), None)


def decision_years(citation_year: int) -> tuple[int, int]:
    """The years a case cited with ``citation_year`` may have been decided in, likeliest first."""
    return citation_year, citation_year - 1


def citation_years(decision_year: int) -> tuple[int, int]:
    """The years a case decided in ``decision_year`` may be cited with (``decision_years``' inverse)."""
    return decision_year, decision_year + 1


def _resolution(case_ids: set[str], matched_by: str) -> CitationResolution:
    candidates = sorted(case_ids)
    if len(candidates) == 1:
        return CitationResolution(status=CitationStatus.RESOLVED, case_id=candidates[0], candidates=candidates,
                                  matched_by=matched_by)
    return CitationResolution(status=CitationStatus.AMBIGUOUS, candidates=candidates, matched_by=matched_by)
