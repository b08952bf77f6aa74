"""Sentences of a judgement with their character spans.

Sentences come from ``pysbd``, one paragraph (line) at a time, with a legal-abbreviation repair
(``s. 302``, ``Art. 14``, ``No. 8`` do not end a sentence). Every sentence keeps its
``[char_start, char_end)`` in the text, so what is built from it can say where it came from.

>>> [(s.text, s.char_start, s.char_end) for s in split_sentences("Under s. 302 he was fined. It rained.")]
[('Under s. 302 he was fined.', 0, 26), ('It rained.', 27, 37)]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import pysbd

from generation.words import WORD
from lexray.settings import ExtractiveSettings

# A sentence break after one of these is undone when the next part starts with a digit, "(" or
# a lower-case letter: "s. 302", "Art. 14(1)", "No. 8 of 1951", "v. union", "pp. 10".
LEGAL_ABBREVIATIONS = frozenset({
    "s", "ss", "sec", "secs", "art", "arts", "cl", "cls", "no", "nos", "para", "paras", "r", "rr",
    "o", "ord", "p", "pp", "ch", "sch", "reg", "regs", "vol", "v", "vs", "viz", "cf", "ibid", "id",
    "rs", "j", "jj", "cj", "mr", "mrs", "dr", "hon'ble", "sub", "ltd", "co", "govt", "ex",
})

# Abbreviations that always precede a name: "State v. Union", "M/s. Daulatram", "Asstt. Collector".
PREPOSITIVE_ABBREVIATIONS = frozenset({
    "v", "vs", "m/s", "messrs", "shri", "sri", "smt", "kum", "asstt", "addl", "dy", "misc", "hon'ble",
})

# A sentence ends in one of TERMINAL_MARKS and then only TERMINAL_CLOSERS ("... so.)").
TERMINAL_MARKS = ".!?:;"
TERMINAL_CLOSERS = "\"'\u201d\u2019)]"
ABBREVIATION_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'/")
DATE_PREFIX_END = re.compile(r"\b\d{1,2}\.\d{1,2}\.$")  # "On 1.5." + "1969, he was ..."
# Where a line too long for pysbd (settings extractive.max_segment_chars and _periods) is cut: a
# sentence end after a word of two lower-case letters or more, not after "Cr. P." or "U. S.".
SEGMENT_CUT = re.compile(r"(?<=[a-z][a-z][.?!])[\"'\u201d\u2019)\]]*\s+(?=[A-Z(\[\"\u201c])")
LOWER_START = re.compile(r"^\W*[a-z]")
CONTINUATION_START = re.compile(r"^\s*[\d(\[]")


@dataclass(frozen=True)
class Sentence:
    """``text == full_text[char_start:char_end]``, without surrounding whitespace."""

    text: str
    char_start: int
    char_end: int


def split_sentences(
    text: str,
    *,
    max_segment_chars: int = ExtractiveSettings().max_segment_chars,
    max_segment_periods: int = ExtractiveSettings().max_segment_periods,
) -> list[Sentence]:
    """Sentences of ``text`` with their character spans; legal abbreviations do not split.

    pysbd is given a line at a time, a line longer than ``max_segment_chars`` characters or
    ``max_segment_periods`` periods in pieces (settings ``extractive.max_segment_chars`` and
    ``extractive.max_segment_periods``): its time grows faster than linearly with its input.

    >>> for sentence in split_sentences("He was charged under s. 302 I.P.C. and Art. 14 applies. "
    ...                                 "See State v. Kumar, Criminal Appeal No. 8 of 1951. Das J. agreed."):
    ...     print(sentence.text)
    He was charged under s. 302 I.P.C. and Art. 14 applies.
    See State v. Kumar, Criminal Appeal No. 8 of 1951.
    Das J. agreed.
    >>> split_sentences("  ")
    []
    """
    segmenter = _segmenter()
    pieces: list[Sentence] = []
    line_start = 0
    # One paragraph (line) at a time: a line break ends a paragraph in cleaned text, and on
    # longer input pysbd's time grows faster than linearly and its list-item rules misfire
    # ("section 6(1)(c)" split before "(c)").
    with _roomy_regex_cache():
        for line in text.split("\n"):
            if line.strip():
                for segment_start, segment in _line_segments(
                        line, max_chars=max_segment_chars, max_periods=max_segment_periods):
                    pieces.extend(_locate(segmenter.segment(segment), segment, line_start + segment_start))
            line_start += len(line) + 1
    return _repair_breaks(pieces, text)


def _line_segments(line: str, *, max_chars: int, max_periods: int) -> list[tuple[int, str]]:
    """``line`` as (offset, piece) pieces of at most ``max_chars`` characters and about
    ``max_periods`` periods: cut after the last sentence end in the second half of each window,
    else at its last space, else hard.

    >>> _line_segments("The first one. The second one is here. And the third.", max_chars=30, max_periods=600)
    [(0, 'The first one. The second one '), (30, 'is here. And the third.')]
    >>> [len(segment) for _, segment in _line_segments("v. " * 10, max_chars=10_000, max_periods=4)]
    [9, 9, 9, 3]
    """
    segments: list[tuple[int, str]] = []
    start = 0
    while True:
        limit = min(len(line), start + max_chars)
        period = start - 1
        for _ in range(max_periods):
            period = line.find(".", period + 1, limit)
            if period < 0:
                break
        if period >= 0:
            limit = period + 1
        if limit >= len(line):
            break
        window_from = start + (limit - start) // 2
        cut = None
        for cut in SEGMENT_CUT.finditer(line, window_from, limit):
            pass
        end = cut.end() if cut is not None else line.rfind(" ", window_from, limit) + 1 or limit
        segments.append((start, line[start:end]))
        start = end
    segments.append((start, line[start:]))
    return segments


def _locate(segments: Iterable[str], line: str, line_start: int) -> list[Sentence]:
    """Spans of pysbd's segments in ``line``; a segment it altered takes the rest of the line."""
    located, cursor = [], 0
    for segment in segments:
        stripped = segment.strip()
        if not stripped or cursor >= len(line):
            continue
        start = line.find(stripped, cursor)
        if start < 0:
            remainder = line[cursor:]
            start = cursor + len(remainder) - len(remainder.lstrip())
            end = cursor + len(remainder.rstrip())
        else:
            end = start + len(stripped)
        if end > start:
            located.append(Sentence(line[start:end], line_start + start, line_start + end))
        cursor = end
    return located


def _repair_breaks(pieces: list[Sentence], text: str) -> list[Sentence]:
    """Join pieces split after a legal abbreviation or before a lower-case word; a piece with
    no letters ("2.", "1952.") joins the next one.

    Sentences are kept as spans and cut from ``text`` once at the end: joining strings piece by
    piece made a text of many joined pieces ("v. v. v. ...") quadratic.
    """
    spans: list[tuple[int, int]] = []  # each holds a letter
    pending: tuple[int, int] | None = None  # letterless pieces waiting for the next one
    for piece in pieces:
        start, end = piece.char_start, piece.char_end
        unchecked_from = start  # before it, nothing has a letter
        if pending is not None:
            start, unchecked_from = pending
            pending = None
        joined = bool(spans) and _continues(text, spans[-1], text[start:end])
        if joined:
            start = spans.pop()[0]
        if not joined and not WORD.search(text, unchecked_from, end):
            pending = (start, end)
            continue
        spans.append((start, end))
    if pending is not None:
        start = spans.pop()[0] if spans else pending[0]
        spans.append((start, pending[1]))
    return [Sentence(text[start:end], start, end) for start, end in spans]


def _continues(text: str, previous: tuple[int, int], following: str) -> bool:
    """Whether ``following`` goes on the sentence ``text[previous[0]:previous[1]]`` (pysbd cut
    it too early). Only the end of that sentence is looked at, never all of it."""
    start, end = previous
    if LOWER_START.match(following) and text[end - 1] not in ":?!":
        return True
    continuation = CONTINUATION_START.match(following) is not None
    mark = end
    while mark > start and text[mark - 1] in TERMINAL_CLOSERS:
        mark -= 1
    if mark == start or text[mark - 1] not in TERMINAL_MARKS:
        return continuation  # "Sub section" + "(3) and ...", "section 6(1)" + "(c) of the Act"
    last_word = _abbreviation_before(text, start, end).lower()
    if last_word in PREPOSITIVE_ABBREVIATIONS:
        return True
    date_prefix = DATE_PREFIX_END.search(text[max(start, end - 8):end]) is not None
    return continuation and (last_word in LEGAL_ABBREVIATIONS or date_prefix)


def _abbreviation_before(text: str, start: int, end: int) -> str:
    """The word before the final "." of ``text[start:end]``: from its first letter on, a run of
    letters, ' and / ("s." -> "s", "(Criminal)No." -> "No"); "" when there is none.

    >>> _abbreviation_before("under s.", 0, 8), _abbreviation_before("1952.", 0, 5)
    ('s', '')
    """
    if end <= start or text[end - 1] != ".":
        return ""
    first_letter = None
    position = end - 1
    while position > start and text[position - 1] in ABBREVIATION_CHARACTERS:
        position -= 1
        if text[position].isalpha():
            first_letter = position
    return text[first_letter:end - 1] if first_letter is not None else ""


@contextmanager
def _roomy_regex_cache(size: int = 2048) -> Iterator[None]:
    """Let ``re`` keep ``size`` compiled patterns while pysbd runs.

    numpy.f2py (which scipy imports) sets ``re._MAXCACHE = 50`` for the whole process; pysbd
    builds some hundreds of patterns per call, so with 50 it recompiles them all on every
    sentence and runs 8x slower. The previous limit is put back afterwards.
    """
    previous = getattr(re, "_MAXCACHE", None)
    if previous is None or previous >= size:
        yield
        return
    re._MAXCACHE = size
    try:
        yield
    finally:
        re._MAXCACHE = previous


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)
