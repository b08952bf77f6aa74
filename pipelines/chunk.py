"""Page-aware chunking of a case's cleaned text.

Each chunk is an exact slice ``text[char_start:char_end]`` and knows the pages it spans, so
a search hit or a generated citation can point at a page and a character range.

>>> spans = [PageSpan(page=1, char_start=0, char_end=11)]
>>> [(c.text, c.page_numbers) for c in chunk_text("Hello world", spans, size_chars=100, overlap_chars=0)]
[('Hello world', [1])]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lexray.models import PageSpan
from pipelines.clean import pages_in_range

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"[.!?;:][\"')\]]*\s")
_WHITESPACE = re.compile(r"\s")

# A break is only looked for in the last part of a window, so chunks stay near the target size.
_MIN_FILL = 0.6


@dataclass(frozen=True)
class TextChunk:
    text: str
    char_start: int
    char_end: int
    page_numbers: list[int]


def chunk_text(
    text: str, page_spans: list[PageSpan], *, size_chars: int, overlap_chars: int
) -> list[TextChunk]:
    """Split ``text`` into overlapping chunks of about ``size_chars`` characters.

    Chunks end at a paragraph break, else a sentence end, else whitespace, found in the last
    40 % of the window; the next chunk starts ``overlap_chars`` earlier, at a word boundary.
    """
    if overlap_chars >= size_chars:
        raise ValueError("overlap_chars must be smaller than size_chars")
    chunks: list[TextChunk] = []
    start = _skip_whitespace(text, 0)
    while start < len(text):
        end = _chunk_end(text, start, size_chars)
        stripped_end = _rstrip_index(text, start, end)
        if stripped_end > start:
            chunks.append(
                TextChunk(
                    text=text[start:stripped_end],
                    char_start=start,
                    char_end=stripped_end,
                    page_numbers=pages_in_range(page_spans, start, stripped_end),
                )
            )
        if end >= len(text):
            break
        start = _next_start(text, start, end, overlap_chars)
    return chunks


def text_passages(text: str, *, size_chars: int, overlap_chars: int) -> list[str]:
    """A text with no pages (a query, a benchmark document) cut like a case's text.

    >>> text_passages("A short query.", size_chars=100, overlap_chars=10)
    ['A short query.']
    """
    spans = [PageSpan(page=1, char_start=0, char_end=len(text))]
    pieces = chunk_text(text, spans, size_chars=size_chars, overlap_chars=overlap_chars)
    return [piece.text for piece in pieces]


def _chunk_end(text: str, start: int, size_chars: int) -> int:
    limit = start + size_chars
    if limit >= len(text):
        return len(text)
    window_from = start + int(size_chars * _MIN_FILL)
    window = text[window_from:limit]
    for pattern in (_PARAGRAPH_BREAK, _SENTENCE_END, _WHITESPACE):
        last = None
        for last in pattern.finditer(window):
            pass
        if last is not None:
            return window_from + last.end()
    return limit


def _next_start(text: str, start: int, end: int, overlap_chars: int) -> int:
    candidate = max(end - overlap_chars, start + 1)
    if candidate < end and overlap_chars:
        # Begin the overlap at a word boundary rather than mid-word.
        boundary = _WHITESPACE.search(text, candidate, end)
        if boundary is not None:
            candidate = boundary.end()
    return _skip_whitespace(text, candidate)


def _skip_whitespace(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _rstrip_index(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end
