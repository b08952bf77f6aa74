"""Citation markers in generated answers, checked against the sources the model was shown
(pure: no model, no Ray). Every sentence kept carries the marker of a source that holds its
words; invented markers, wrong markers and unsupported sentences go.

Sources are numbered from 1 in the prompt. An answer goes through

    grounded = ground_answer(answer, source_texts, min_overlap=0.5)
    grounded.text          # supported sentences, markers [1], [2], ... in order of first use
    grounded.sources       # source numbers (1-based, as in the prompt) behind [1], [2], ...

Streaming uses ``MarkerFilter``, which drops invented markers and numbers valid ones as the
text arrives; checking sentences against sources needs the whole answer, so the answer sent
once the stream ends is the one that counts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from generation.sentences import split_sentences
from generation.words import content_words

# "[2]", "[1, 3]", "[1][2]", "[Source 2]", "[source 1, 2]"; anything else in brackets is text.
MARKER_GROUP = re.compile(r"\[\s*(?:sources?\s*)?(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*\]", re.IGNORECASE)
# What a marker looks like before its bracket closes: "[", "[Sou", "[source 1,", "[12".
MARKER_PREFIX = re.compile(
    r"\[\s*(?:s(?:o(?:u(?:r(?:c(?:e(?:s)?)?)?)?)?)?\s*)?(?:\d{1,3}(?:\s*[,;]\s*(?:\d{1,3})?)*)?\s*$",
    re.IGNORECASE)
# Longest bracketed run the stream filter holds back before deciding it is not a marker.
MAX_MARKER_CHARS = 24
TRAILING_PUNCTUATION = re.compile(r"[.!?;:]+[\"'\u201d\u2019)]*\s*$")
SPACE_BEFORE_PUNCTUATION = re.compile(r"[ \t]+([.,;:!?])")
DOUBLE_SPACES = re.compile(r"[ \t]{2,}")


@dataclass
class GroundedAnswer:
    text: str
    sources: list[int]                       # prompt source number behind marker k at index k-1
    removed_markers: list[int] = field(default_factory=list)  # invented source numbers dropped
    attributed_sentences: int = 0            # sentences given a marker by word overlap
    dropped_sentences: int = 0               # sentences no source supports, left out
    extracted: bool = False                  # the sources' own sentences, not the model's


def numbers_in(group: str) -> list[int]:
    """The numbers in a marker group.

    >>> numbers_in("1, 3;4")
    [1, 3, 4]
    """
    return [int(number) for number in re.findall(r"\d+", group)]


class Renumbering:
    """Prompt source numbers -> answer marker numbers, in order of first use."""

    def __init__(self, source_count: int) -> None:
        self.source_count = source_count
        self.order: list[int] = []
        self.removed: list[int] = []

    def markers(self, group: str) -> str:
        """The renumbered markers for one bracket group's numbers ("" if none is valid)."""
        kept = []
        for number in numbers_in(group):
            if not 1 <= number <= self.source_count:
                self.removed.append(number)
                continue
            marker = self.marker_for(number)
            if marker not in kept:
                kept.append(marker)
        return "".join(f"[{marker}]" for marker in kept)

    def marker_for(self, number: int) -> int:
        """The marker of valid source ``number``, numbered on first use."""
        if number not in self.order:
            self.order.append(number)
        return self.order.index(number) + 1


def tidy(text: str) -> str:
    """Spaces left by removed markers: none before punctuation, never two in a row."""
    return DOUBLE_SPACES.sub(" ", SPACE_BEFORE_PUNCTUATION.sub(r"\1", text)).strip()


def best_source(sentence: str, source_words: Sequence[set[str]], min_overlap: float) -> int | None:
    """1-based number of the source holding the largest share (>= ``min_overlap``) of the
    sentence's content words, or None."""
    words = set(content_words(MARKER_GROUP.sub(" ", sentence)))
    if not words:
        return None
    shares = [overlap(words, source) for source in source_words]
    best = max(range(len(shares)), key=lambda index: shares[index], default=None)
    if best is None or shares[best] < min_overlap:
        return None
    return best + 1


def with_markers(sentence: str, markers: str) -> str:
    """``sentence`` with ``markers`` before its closing punctuation.

    >>> with_markers("The appeal was dismissed.", "[2][3]")
    'The appeal was dismissed [2][3].'
    """
    end = TRAILING_PUNCTUATION.search(sentence)
    if end is None:
        return f"{sentence.rstrip()} {markers}"
    return f"{sentence[:end.start()].rstrip()} {markers}{sentence[end.start():]}"


def overlap(words: set[str], source: set[str]) -> float:
    """Share of ``words`` found in ``source``."""
    return len(words & source) / len(words) if words else 0.0


def ground_answer(answer: str, source_texts: Sequence[str], *, min_overlap: float) -> GroundedAnswer:
    """The answer's sentences that a source supports, each with the markers of the sources
    that do, numbered [1], [2] ... in order of first use.

    A sentence is supported by a source holding at least ``min_overlap`` of its content words.
    Markers the model wrote are kept when their source supports the sentence; invented ones
    (no such source) and wrong ones are dropped; a sentence with none left gets the best
    supporting source, and a sentence no source supports is dropped.

    >>> sources = ["The High Court dismissed the appeal of the tenant.", "Section 19 bars premiums."]
    >>> grounded = ground_answer("Section 19 bars premiums [2]. The High Court dismissed the "
    ...                          "tenant's appeal [2]. Costs were awarded [9].", sources, min_overlap=0.5)
    >>> grounded.text, grounded.sources, grounded.removed_markers, grounded.dropped_sentences
    ("Section 19 bars premiums [1]. The High Court dismissed the tenant's appeal [2].", [2, 1], [9], 1)
    """
    source_words = [set(content_words(text)) for text in source_texts]
    renumbering = Renumbering(len(source_texts))
    kept, attributed, dropped = [], 0, 0
    for sentence in split_sentences(answer):
        text = sentence.text
        words = set(content_words(MARKER_GROUP.sub(" ", text)))
        if not words:
            continue
        written = [number for match in MARKER_GROUP.finditer(text) for number in numbers_in(match.group(1))]
        renumbering.removed.extend(n for n in written if not 1 <= n <= len(source_texts))
        supported = list(dict.fromkeys(n for n in written if 1 <= n <= len(source_texts)
                                       and overlap(words, source_words[n - 1]) >= min_overlap))
        if not supported:
            best = best_source(text, source_words, min_overlap)
            if best is None:
                dropped += 1
                continue
            supported, attributed = [best], attributed + 1
        bare = tidy(MARKER_GROUP.sub("", text))
        markers = "".join(f"[{renumbering.marker_for(number)}]" for number in supported)
        kept.append(with_markers(bare, markers))
    return GroundedAnswer(text=" ".join(kept), sources=renumbering.order, removed_markers=renumbering.removed,
                          attributed_sentences=attributed, dropped_sentences=dropped)


class MarkerFilter:
    """Streamed text with invented markers dropped and valid ones renumbered as they arrive.

    Text that might be the start of a marker ("[", "[1", "[Source 2,") is held back until its
    bracket closes or it can no longer be one.

    >>> stream = MarkerFilter(source_count=2)
    >>> "".join([stream.feed("Refused [2"), stream.feed("] and [5] then ["), stream.feed("1]."), stream.flush()])
    'Refused [1] and  then [2].'
    """

    def __init__(self, source_count: int) -> None:
        self.renumbering = Renumbering(source_count)
        self.pending = ""

    def feed(self, text: str) -> str:
        self.pending += text
        out = []
        while self.pending:
            start = self.pending.find("[")
            if start < 0:
                out.append(self.pending)
                self.pending = ""
                break
            out.append(self.pending[:start])
            self.pending = self.pending[start:]
            match = MARKER_GROUP.match(self.pending)
            if match:
                out.append(self.renumbering.markers(match.group(1)))
                self.pending = self.pending[match.end():]
                continue
            if self._may_become_marker(self.pending):
                break
            out.append(self.pending[0])
            self.pending = self.pending[1:]
        return "".join(out)

    def flush(self) -> str:
        held, self.pending = self.pending, ""
        return held

    @staticmethod
    def _may_become_marker(text: str) -> bool:
        """Whether ``text`` (starting with "[") is a prefix some marker could complete."""
        return len(text) <= MAX_MARKER_CHARS and MARKER_PREFIX.match(text) is not None
