"""The citator's record of a case: the citations it is known by (its caption's reporter and
neutral citations, its docket number) and the cases it cites, each with every reference to it
(full citations, short forms, supra, id.), how many (the depth), on which pages, at which spans.

eyecite finds the US forms and the short forms; ``citation_forms`` finds the Indian and English
ones, which join eyecite's in text order so that a "supra" or an "id." after them is theirs.
eyecite's ``resolve_citations`` then ties each reference to its authority, with resolvers that
look authorities up by (reporter, volume) and by name word instead of scanning every earlier
citation, so n citations cost O(n), not O(n^2); at most ``citator.max_references`` are read.

Which citations are the case's own (``own_citation_ids``): in the first ``citator.caption_chars``
characters, those on a line of nothing but citations, right after a label such as "Equivalent
citations:", ending a short first line ("Marbury v. Madison, 5 U.S. 137 (1803)"), or beside the
case's own name. Anything the case cites that is one of its own citations is left out (a case
does not cite itself).

>>> record = case_citations("Roe v. Wade, 410 U.S. 113, 93 S. Ct. 705 (1973), settled it. "
...                         "Id. at 120. See Roe, 410 U.S., at 125; Doe v. Bolton, 410 U. S. 179 (1973).",
...                         [PageSpan(page=1, char_start=0, char_end=60),
...                          PageSpan(page=2, char_start=62, char_end=160)],
...                         caption_chars=1)
>>> [(cited.normalized, cited.parallel, cited.depth, cited.pages, cited.case_name) for cited in record.cited]
[('410 U.S. 113', ['93 S. Ct. 705'], 3, [1, 2], 'Roe v. Wade'), ('410 U.S. 179', [], 1, [2], 'Doe v. Bolton')]
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field

from eyecite import resolve_citations
from eyecite.models import (
    CitationBase,
    FullCaseCitation,
    FullCitation,
    IdCitation,
    ShortCaseCitation,
    SupraCitation,
    Token,
)

from lexray.citator import name_words
from lexray.models import CaseCitations, CitedAuthority, OwnCitation, PageSpan
from lexray.settings import CitatorSettings
from pipelines.clean import pages_in_range
from pipelines.enrich.citation_forms import CitationForm, find_citation_forms
from pipelines.enrich.citations import case_name, eyecite_citations, is_plausible_case_citation, parenthetical_year

# Between two parallel citations of one case: a comma, colon or "=" after any pin cite
# ("410 U.S. 113, 116, 93 S. Ct. 705"; "(1980) 2 SCC 684 : AIR 1980 SC 898").
PARALLEL_GAP = re.compile(r"(?:,\s?(?:at\s)?(?:pp?\.\s?)?\d{1,6}(?:\s?[-–]\s?\d{1,6})?){0,3}\s?[,:=]\s?")
MAX_PARALLEL_GAP = 40
# What may stand beside a caption's own citations on their line: a label, separators, short
# parentheticals ("(1803)", "(SC)").
OWN_LABEL_BEFORE = re.compile(r"(?i)\b(?:cite\s+as|citations?|equivalent\s+citations?|reported\s+(?:as|in)|"
                              r"neutral\s+citation|reporter\s+citation)\s*:[\s,;]*$")
FIRST_LINE_NAME_CHARS = 150
SHORT_PARENTHETICAL = re.compile(r"\([^()\n]{0,40}\)")
ONLY_SEPARATORS = re.compile(r"[\s,;:.=\-–—&]*")
# Indian and English case names before a citation: "X v. Y, " / "X vs. Y " / "X versus Y".
VERSUS = re.compile(r"\s(?:v|vs|v/s)\.?\s|\sversus\s")
NAME_LOOKBACK = 160
SHORT_FORMS = (ShortCaseCitation, SupraCitation, IdCitation)
SIGNALS = re.compile(r"^(?:(?:In|See|see|Also|also|Cf\.|cf\.|But|E\.g\.,?|Accord|and|And"
                     r"|The\s+(?:case|decision)\s+(?:of|in))\s+)+")
ONE_PARTY = re.compile(r"\b(In\s+re|Ex\s+parte|In\s+the\s+Matter\s+of|Matter\s+of|Estate\s+of|Application\s+of|"
                       r"Petition\s+of)\s+[^;:()]{0,80}?,?\s*$")
NAME_CONNECTORS = {"of", "the", "and", "&", "de", "da", "ex", "rel.", "for", "in"}


@dataclass(eq=False)
class Authority:
    """One cited (or own) case while a text is read: what is known of it, its references."""

    citation: str
    normalized: str
    kind: str
    parallel: list[str] = field(default_factory=list)
    reporters: set[str] = field(default_factory=set)
    case_name: str | None = None
    year: int | None = None
    own: bool = False


@dataclass(eq=False, repr=False)
class FormCitation(FullCitation):
    """A ``CitationForm`` in eyecite's clothes, so ``resolve_citations`` takes it as a full citation."""

    form: CitationForm | None = None


class Authorities:
    """The resolvers ``resolve_citations`` calls, with the indexes that keep them linear."""

    def __init__(self, text: str, own_ids: set[int]) -> None:
        self.text = text
        self.own_ids = own_ids
        self.by_key: dict[str, Authority] = {}
        self.by_volume: dict[tuple[str, str], set[Authority]] = defaultdict(set)
        self.by_word: dict[str, set[Authority]] = defaultdict(set)
        self.continuations: set[int] = set()  # parallel citations after the first: one reference
        self.previous: tuple[Authority, int] | None = None  # last full citation's authority and end

    def full(self, citation: FullCitation) -> Authority | None:
        described = self.describe(citation)
        if described is None:
            self.previous = None
            return None
        normalized, reporter, volume, year, name, kind = described
        start, end = citation.span()
        authority = self.by_key.get(normalized)
        parallel = self.previous is not None and self.is_parallel(self.previous, start, reporter, name)
        if parallel and authority in (None, self.previous[0]):
            authority = self.previous[0]
            self.continuations.add(id(citation))
            if normalized not in self.by_key:
                authority.parallel.append(normalized)
        if authority is None:
            authority = Authority(citation=citation.matched_text(), normalized=normalized, kind=kind)
        self.by_key.setdefault(normalized, authority)
        authority.reporters.add(reporter)
        authority.case_name = authority.case_name or name
        authority.year = authority.year or year
        authority.own = authority.own or id(citation) in self.own_ids
        self.by_volume[(reporter, volume)].add(authority)
        for word in re.findall(r"[^\W\d_]+", (name or "").lower()):
            self.by_word[word].add(authority)
        pin_end = getattr(citation.metadata, "pin_cite_span_end", None)
        self.previous = (authority, max(end, pin_end or end))
        return authority

    def short(self, citation: ShortCaseCitation, _resolved) -> Authority | None:
        candidates = self.by_volume.get((citation.corrected_reporter(), citation.groups.get("volume") or ""), set())
        if len(candidates) > 1 and citation.metadata.antecedent_guess:
            candidates = candidates & self.named(citation.metadata.antecedent_guess)
        return next(iter(candidates)) if len(candidates) == 1 else None

    def supra(self, citation: SupraCitation, _resolved) -> Authority | None:
        guess = citation.metadata.antecedent_guess
        candidates = self.named(guess) if guess else set()
        return next(iter(candidates)) if len(candidates) == 1 else None

    def named(self, guess: str) -> set[Authority]:
        words = re.findall(r"[^\W\d_]+", guess.lower())
        return self.by_word.get(words[-1], set()) if words else set()

    def describe(self, citation: FullCitation) -> tuple[str, str, str, int | None, str | None, str] | None:
        """(normalised citation, reporter, volume, year, case name, kind) of a case citation;
        None for a statute, a journal, or an eyecite hit that fails the plausibility rules."""
        if isinstance(citation, FormCitation):
            form = citation.form
            return (form.normalized, form.reporter, form.volume, form.year,
                    case_name_before(self.text, form.start), form.kind)
        if not isinstance(citation, FullCaseCitation) or not is_plausible_case_citation(citation, self.text):
            return None
        volume, page = citation.groups.get("volume") or "", citation.groups.get("page") or "___"
        reporter = citation.corrected_reporter()
        normalized = citation.corrected_citation()
        if "(" in normalized or page == "___":  # "5 U.S.(1 Cranch) 137": the official volume only
            normalized = f"{volume} {reporter} {page}"
        edition = citation.edition_guess
        kind = "neutral" if edition is not None and edition.reporter.cite_type == "neutral" else "reporter"
        # The "(... 1984)" right after the citation first: eyecite may take a later one.
        year = parenthetical_year(self.text, citation.span()[1]) or citation.year
        return normalized, reporter, volume, year, eyecite_case_name(citation, self.text), kind

    def is_parallel(self, previous: tuple[Authority, int], start: int, reporter: str, name: str | None) -> bool:
        authority, previous_end = previous
        gap = self.text[previous_end:start]
        return (len(gap) <= MAX_PARALLEL_GAP and PARALLEL_GAP.fullmatch(gap) is not None
                and reporter not in authority.reporters
                and (name is None or authority.case_name is None or name == authority.case_name))


def case_citations(
    text: str, page_spans: list[PageSpan], *, title: str | None = None, case_number: str | None = None,
    settings: CitatorSettings = CitatorSettings(), caption_chars: int | None = None,
) -> CaseCitations:
    """What ``text`` (a case's ``cleaned_content``, with its ``page_spans``) is cited as and
    what it cites; ``title`` and ``case_number`` are the case's (from its metadata).
    ``caption_chars`` overrides ``settings.caption_chars``.

    >>> record = case_citations("Marbury v. Madison\\n5 U.S. 137 (1803)\\nSee Stuart v. Laird, 5 U.S. 299 (1803). "
    ...                         "Stuart, supra. 5 U. S., at 140.", [PageSpan(page=1, char_start=0, char_end=90)],
    ...                         title="Marbury v. Madison", case_number="No. 1")
    >>> [(own.normalized, own.kind) for own in record.own]
    [('5 U.S. 137', 'reporter'), ('No. 1', 'docket')]
    >>> [(cited.normalized, cited.depth, cited.year, cited.name_words) for cited in record.cited]
    [('5 U.S. 299', 2, 1803, ['stuart', 'laird'])]
    """
    caption_chars = settings.caption_chars if caption_chars is None else caption_chars
    references, truncated = merged_references(text, settings.max_references)
    own_ids = own_citation_ids(text, [ref for ref in references if isinstance(ref, FullCitation)],
                               title, caption_chars)
    authorities = Authorities(text, own_ids)
    resolved = resolve_citations(references, resolve_full_citation=authorities.full,
                                 resolve_shortcase_citation=authorities.short,
                                 resolve_supra_citation=authorities.supra)
    own = _own(resolved, authorities, case_number)
    own_keys = {citation.normalized for citation in own}
    cited = []
    for authority, citations in resolved.items():
        if authority.own or own_keys.intersection((authority.normalized, *authority.parallel)):
            continue
        cited.append(_cited(authority, citations, authorities.continuations, page_spans, settings.max_spans))
    cited.sort(key=lambda authority: (-authority.depth, authority.spans[0][0] if authority.spans else 0))
    tied = {id(citation) for citations in resolved.values() for citation in citations}
    unresolved = sum(isinstance(reference, SHORT_FORMS) and id(reference) not in tied for reference in references)
    return CaseCitations(own=own, cited=cited[:settings.max_cited], references=len(references),
                         unresolved_references=unresolved, truncated=truncated or len(cited) > settings.max_cited)


def merged_references(text: str, max_references: int) -> tuple[list[CitationBase], bool]:
    """eyecite's citations and the ``citation_forms`` ones in text order (an eyecite hit inside a
    form's span gives way to it), at most ``max_references``; whether some were left out."""
    forms = [FormCitation(Token(form.text, form.start, form.end), -1, form=form)
             for form in find_citation_forms(text)]
    spans = [form.span() for form in forms]
    starts = [start for start, _ in spans]
    merged: list[CitationBase] = list(forms)
    for citation in eyecite_citations(text):
        start, end = citation.span()
        index = bisect_right(starts, start) - 1
        if (index >= 0 and spans[index][1] > start) or (index + 1 < len(spans) and spans[index + 1][0] < end):
            continue
        merged.append(citation)
    merged.sort(key=lambda citation: citation.span()[0])
    return merged[:max_references], len(merged) > max_references


def own_citation_ids(text: str, full_citations: list[FullCitation], title: str | None, caption_chars: int) -> set[int]:
    """ids of the full citations that are the case's own (see the module's docstring).

    Citations are taken in runs (nothing but separators and short parentheticals between
    them): a run is the case's own when a label ends right before it ("Equivalent citations:
    AIR 1980 SC 898, (1980) 2 SCC 684"; cleaning may have joined the next line to it), when
    nothing else shares its line(s), or when it ends the text's first line after a short name.
    """
    caption = [citation for citation in full_citations if citation.span()[1] <= caption_chars]
    if not caption:
        return set()
    head = text[:caption_chars]
    first_line = _line_of(head, len(head) - len(head.lstrip()))
    title_words = set(name_words(title))
    own: set[int] = set()
    for run in _runs(head, caption):
        run_start, run_end = run[0].span()[0], run[-1].span()[1]
        line_start, line_end = _line_of(head, run_start)[0], _line_of(head, run_end)[1]
        before, after = head[line_start:run_start], SHORT_PARENTHETICAL.sub(" ", head[run_end:line_end])
        labelled = OWN_LABEL_BEFORE.search(before) is not None
        alone = ONLY_SEPARATORS.fullmatch(before) is not None and ONLY_SEPARATORS.fullmatch(after) is not None
        # "Marbury v. Madison, 5 U.S. 137 (1803)" as the first line (a short name, nothing after).
        first = (_line_of(head, run_start) == first_line and len(before) <= FIRST_LINE_NAME_CHARS
                 and ONLY_SEPARATORS.fullmatch(after) is not None)
        for citation in run:
            words = name_words(_name_of(citation, text))
            if labelled or alone or first or (words and title_words.issuperset(words)):
                own.add(id(citation))
    return own


def _runs(head: str, citations: list[FullCitation]) -> list[list[FullCitation]]:
    """``citations`` (in text order) in runs with only separators or short parentheticals between."""
    runs: list[list[FullCitation]] = []
    for citation in citations:
        if runs:
            gap = SHORT_PARENTHETICAL.sub(" ", head[runs[-1][-1].span()[1]:citation.span()[0]])
            if ONLY_SEPARATORS.fullmatch(gap) is not None:
                runs[-1].append(citation)
                continue
        runs.append([citation])
    return runs


def case_name_before(text: str, start: int) -> str | None:
    """The "X v. Y" name written just before a citation at ``start`` (Indian and English reports,
    which eyecite does not read), or None.

    >>> text = "as held in Bachan Singh vs. State of Punjab, (1980) 2 SCC 684"
    >>> case_name_before(text, text.index("("))
    'Bachan Singh v. State of Punjab'
    """
    before = text[max(0, start - NAME_LOOKBACK):start]
    separators = list(VERSUS.finditer(before))
    if not separators:
        return None
    versus = separators[-1]
    defendant = before[versus.end():].strip(" ,")
    if not defendant or not defendant[0].isupper() or re.search(r"[\d;:()\[\]\n]", defendant):
        return None
    words = before[:versus.start()].split(" ")
    plaintiff: list[str] = []
    for word in reversed(words):
        if not word or not (word[0].isupper() or word in NAME_CONNECTORS) or word.endswith((",", ";", ":")):
            break
        plaintiff.insert(0, word)
    while plaintiff and plaintiff[0] in NAME_CONNECTORS:
        plaintiff.pop(0)
    plaintiff_text = SIGNALS.sub("", " ".join(plaintiff))
    return f"{plaintiff_text} v. {defendant}" if plaintiff_text else None


def eyecite_case_name(citation: FullCaseCitation, text: str) -> str | None:
    """The case name eyecite read with a citation: "Oklahoma v. Texas", or for a case of one
    party "In re Gault" / "Ex parte Young" (eyecite reads only the party).

    >>> text = "See In re Recticel Foam Corp., 859 F.2d 1000 (1st Cir. 1988)."
    >>> eyecite_case_name(eyecite_citations(text)[0], text)
    'In re Recticel Foam Corp.'
    """
    name = case_name(citation)
    party = " ".join((citation.metadata.defendant or "").split()).strip(" ,")
    if name or not party:
        return name
    before = text[max(0, citation.full_span()[0] - 40):citation.span()[0]]
    one_party = ONE_PARTY.search(before)
    return f"{' '.join(one_party.group(1).split())} {party}" if one_party else None


def _name_of(citation: FullCitation, text: str) -> str | None:
    if isinstance(citation, FormCitation):
        return case_name_before(text, citation.form.start)
    return eyecite_case_name(citation, text) if isinstance(citation, FullCaseCitation) else None


def _own(resolved: dict, authorities: Authorities, case_number: str | None) -> list[OwnCitation]:
    own = [OwnCitation(citation=authority.citation, normalized=key, kind=authority.kind, year=authority.year)
           for authority in resolved if authority.own for key in (authority.normalized, *authority.parallel)
           if "__" not in key]
    if case_number:
        own.append(OwnCitation(citation=case_number, normalized=case_number, kind="docket"))
    return own


def _cited(authority: Authority, citations: list[CitationBase], continuations: set[int],
           page_spans: list[PageSpan], max_spans: int) -> CitedAuthority:
    spans = [citation.span() for citation in citations]
    located = spans if page_spans else []  # a text without page spans (a request's) has no pages
    pages = sorted({page for start, end in located for page in pages_in_range(page_spans, start, end)})
    return CitedAuthority(
        citation=authority.citation, normalized=authority.normalized, parallel=authority.parallel,
        case_name=authority.case_name, name_words=name_words(authority.case_name), year=authority.year,
        depth=max(1, sum(id(citation) not in continuations for citation in citations)),
        pages=pages, spans=spans[:max_spans],
    )


def _line_of(head: str, offset: int) -> tuple[int, int]:
    start = head.rfind("\n", 0, offset) + 1
    end = head.find("\n", offset)
    return start, len(head) if end < 0 else end


# A citation's shape whose reporter neither eyecite nor ``citation_forms`` knows: a volume, one
# to four capitalised words of which one at least is abbreviated ("Fake Rep."), and a page
# ("123 Fake Rep. 456"), or a bracketed year, a volume and capitals ("(2020) 5 XYZ 123").
CITATION_SHAPE = re.compile(
    r"(?<![\w.§])(?:\d{1,4}\s(?=(?:[A-Z][A-Za-z]{0,11}\s?)*[A-Z][A-Za-z]{0,11}\.)(?:[A-Z][A-Za-z]{0,11}\.?\s?){1,4}"
    r"|[(\[]\d{4}[)\]]\s?\d{1,3}\s(?:[A-Z][A-Za-z]{1,11}\.?\s){1,3})\d{1,5}(?![\w.]?\d)")
NOT_REPORTERS = re.compile(r"\d{1,4}\s(?:No|Nos|Art|Arts|Sec|Secs|Ch|Vol|Para|Pt|Fig|Ex|Exh|Ord|Rule|Cl|Sch)\.")


@dataclass(frozen=True)
class TextCitations:
    """What a text (not a stored case: no pages, nothing of its own) cites: the authorities,
    and the strings shaped like a citation whose reporter is unknown, as (text, start, end)."""

    cited: list[CitedAuthority]
    unknown_reporter: list[tuple[str, int, int]]


def text_citations(text: str, settings: CitatorSettings = CitatorSettings()) -> TextCitations:
    """The citations of a text sent to be checked (a brief, a generated answer).

    >>> found = text_citations("See Roe v. Wade, 410 U.S. 113 (1973), and Smith v. Jones, 123 Fake Rep. 456 (1990).")
    >>> [cited.normalized for cited in found.cited], found.unknown_reporter
    (['410 U.S. 113'], [('123 Fake Rep. 456', 58, 75)])
    """
    record = case_citations(text, [], settings=settings, caption_chars=0)
    known = sorted(reference.span() for reference in merged_references(text, settings.max_references)[0])
    starts = [start for start, _ in known]
    unknown = []
    for match in CITATION_SHAPE.finditer(text):
        start, end = match.span()
        index = bisect_right(starts, end) - 1
        if (index >= 0 and known[index][1] > start) or NOT_REPORTERS.match(match.group()):
            continue
        unknown.append((match.group(), start, end))
    return TextCitations(cited=record.cited, unknown_reporter=unknown)
