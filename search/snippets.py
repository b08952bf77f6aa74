"""Search snippets: the densest window of a chunk's text, query terms wrapped in ``<mark>``.

Terms match the way BM25 matches them (``search.tokens.legal_tokens``): a legal
reference in the text is one match however it is written, so a query "s. 302" marks
"Section 302", and "569 U.S. 614" marks "569 U. S. 614". Everything outside the marks is
HTML-escaped, so a snippet can be inserted into a page as it is.

>>> terms = query_terms("murder s. 302")
>>> highlight_snippet("The accused was convicted of murder under Section 302 IPC.", terms)
'The accused was convicted of <mark>murder</mark> under <mark>Section 302</mark> IPC.'
>>> highlight_snippet("A <b>plain</b> text & no match.", terms)
'A &lt;b&gt;plain&lt;/b&gt; text &amp; no match.'
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

# The reference pattern BM25 tokenizes with: its matches are the spans that become one token.
from search.tokens import LEGAL_REFERENCE
from search.tokens import legal_tokens

WINDOW_CHARS = 240
ELLIPSIS = "…"
# Words as ``legal_tokens`` splits them (numbers with separators, hyphenated compounds).
_WORD = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)+|[^\W_]+(?:[-'’][^\W_]+)*")
_WHITESPACE_RUN = re.compile(r"\s+")
_ONLY_WHITESPACE = re.compile(r"\s*")


@dataclass(frozen=True)
class TermMatch:
    """A span ``text[start:end]`` whose tokens include the query terms ``terms``."""

    start: int
    end: int
    terms: frozenset[str]


def query_terms(query: str) -> frozenset[str]:
    """The BM25 tokens of a query, the set a snippet marks.

    >>> sorted(query_terms("The appellant's conviction under s. 302"))
    ['302', 'appellant', 'conviction', 's.302']
    """
    return frozenset(legal_tokens(query))


def term_matches(text: str, terms: Collection[str]) -> list[TermMatch]:
    """Spans of ``text`` that share a token with ``terms``, in text order, not overlapping.

    >>> [(m.start, m.end) for m in term_matches("Under § 302, the murder charge", {"s.302", "murder"})]
    [(6, 11), (17, 23)]
    """
    if not terms:
        return []
    matches: list[TermMatch] = []
    reference_spans: list[tuple[int, int]] = []
    for reference in LEGAL_REFERENCE.finditer(text):
        reference_spans.append(reference.span())
        shared = _tokens_of(reference.group()) & terms
        if shared:
            matches.append(TermMatch(reference.start(), reference.end(), shared))
    spans = iter(reference_spans)
    next_reference = next(spans, None)
    for word in _WORD.finditer(text):
        while next_reference is not None and next_reference[1] <= word.start():
            next_reference = next(spans, None)
        if next_reference is not None and next_reference[0] < word.end():
            continue  # part of a reference, matched (or not) as a whole above
        shared = _tokens_of(word.group()) & terms
        if shared:
            matches.append(TermMatch(word.start(), word.end(), shared))
    return sorted(matches, key=lambda match: match.start)


def highlight_snippet(text: str, terms: Collection[str], *, window_chars: int = WINDOW_CHARS) -> str:
    """HTML of the ``window_chars`` window of ``text`` with the most query terms, marked.

    The window holding the most distinct terms wins, then the one with most matches, then the
    earliest; it is widened to word boundaries and centred on its matches, with "…" where the
    text goes on. Whitespace runs become one space. Without any match, the text's start.

    >>> highlight_snippet("x " * 200 + "the guilty plea was withdrawn " + "y " * 200,
    ...                   query_terms("guilty plea"), window_chars=40)
    '… x x x x x the <mark>guilty plea</mark> was withdrawn …'
    """
    terms = frozenset(terms)
    matches = term_matches(text, terms)
    if matches:
        first, last = _densest_run(matches, window_chars)
        start, end = _centred_window(len(text), matches[first].start, matches[last].end, window_chars)
        shown = matches[first:last + 1]
    else:
        start, end, shown = 0, min(len(text), window_chars), []
    start, end = _word_bounds(text, start, end, shown)
    body = _marked_html(text, start, end, shown)
    return (ELLIPSIS + " " if start > 0 else "") + body + (" " + ELLIPSIS if end < len(text) else "")


@lru_cache(maxsize=1 << 16)
def _tokens_of(span_text: str) -> frozenset[str]:
    """Tokens of one word or reference; cached, since texts repeat a small vocabulary."""
    return frozenset(legal_tokens(span_text))


def _densest_run(matches: list[TermMatch], window_chars: int) -> tuple[int, int]:
    """Indexes (first, last) of the run of matches fitting in a window with the best score."""
    best: tuple[int, int, int] | None = None
    best_run = (0, 0)
    for first, opening in enumerate(matches):
        distinct: set[str] = set()
        last = first
        for index in range(first, len(matches)):
            if index > first and matches[index].end - opening.start > window_chars:
                break
            distinct |= matches[index].terms
            last = index
        score = (len(distinct), last - first + 1, -first)
        if best is None or score > best:
            best, best_run = score, (first, last)
    return best_run


def _centred_window(
    text_length: int, covered_start: int, covered_end: int, window_chars: int
) -> tuple[int, int]:
    slack = max(0, window_chars - (covered_end - covered_start))
    start = max(0, covered_start - slack // 2)
    end = min(text_length, max(covered_end, start + window_chars))
    start = max(0, min(start, end - window_chars, covered_start))
    return start, end


def _word_bounds(text: str, start: int, end: int, shown: list[TermMatch]) -> tuple[int, int]:
    """Move the window's ends off mid-word positions, never cutting a shown match."""
    if start > 0 and not text[start - 1].isspace():
        limit = shown[0].start if shown else end
        space = next((i for i in range(start, limit) if text[i].isspace()), None)
        start = space + 1 if space is not None else start
    if end < len(text) and not text[end].isspace():
        limit = shown[-1].end if shown else start
        space = next((i for i in range(end - 1, limit - 1, -1) if text[i].isspace()), None)
        end = space if space is not None else end
    return start, end


def _marked_html(text: str, start: int, end: int, shown: list[TermMatch]) -> str:
    """Escaped ``text[start:end]``; ``shown`` spans (neighbours joined across spaces) in marks."""
    merged: list[list[int]] = []
    for match in shown:
        if merged and _ONLY_WHITESPACE.fullmatch(text, merged[-1][1], match.start):
            merged[-1][1] = match.end
        else:
            merged.append([match.start, match.end])
    pieces: list[str] = []
    position = start
    for mark_start, mark_end in merged:
        pieces.append(_escaped(text[position:mark_start]))
        pieces.append(f"<mark>{_escaped(text[mark_start:mark_end])}</mark>")
        position = mark_end
    pieces.append(_escaped(text[position:end]))
    return "".join(pieces).strip()


def _escaped(fragment: str) -> str:
    return html.escape(_WHITESPACE_RUN.sub(" ", fragment), quote=False)
