"""Citation markers in generated answers: keep the ones that name a source the model was shown,
drop invented ones, attribute uncited sentences to the source that contains their words, and
number what is left in order of first use (pure: no model, no Ray).

Sources are numbered from 1 in the prompt. An answer goes through

    grounded = ground_answer(answer, source_texts, min_overlap=0.5)
    grounded.text          # markers renumbered [1], [2], ... in order of first use
    grounded.sources       # source numbers (1-based, as in the prompt) behind [1], [2], ...

Streaming uses ``MarkerFilter``, which drops invented markers and renumbers valid ones as the
text arrives; attribution needs whole sentences, so it happens once the answer is complete.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from generation.extractive import content_words, split_sentences

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
    attributed_sentences: int = 0            # uncited sentences given a marker by word overlap
    uncited_sentences: int = 0               # sentences still without any marker


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
    words = set(content_words(sentence))
    if not words:
        return None
    shares = [len(words & source) / len(words) for source in source_words]
    best = max(range(len(shares)), key=lambda index: shares[index], default=None)
    if best is None or shares[best] < min_overlap:
        return None
    return best + 1


def with_marker(sentence: str, number: int) -> str:
    """``sentence`` with ``[number]`` before its closing punctuation.

    >>> with_marker("The appeal was dismissed.", 2)
    'The appeal was dismissed [2].'
    """
    end = TRAILING_PUNCTUATION.search(sentence)
    if end is None:
        return f"{sentence.rstrip()} [{number}]"
    return f"{sentence[:end.start()].rstrip()} [{number}]{sentence[end.start():]}"


def attribute(answer: str, source_texts: Sequence[str], min_overlap: float,
              marker_for: Callable[[int], int]) -> tuple[str, int, int]:
    """Give each sentence without a marker one for the source that contains its words
    (``marker_for`` maps its 1-based source number to the marker shown); returns the text,
    the sentences attributed and those left uncited."""
    source_words = [set(content_words(text)) for text in source_texts]
    pieces, position, attributed, uncited = [], 0, 0, 0
    for sentence in split_sentences(answer):
        pieces.append(answer[position:sentence.char_start])
        text = answer[sentence.char_start:sentence.char_end]
        if not MARKER_GROUP.search(text):
            number = best_source(text, source_words, min_overlap)
            if number is not None:
                text, attributed = with_marker(text, marker_for(number)), attributed + 1
            elif content_words(text):
                uncited += 1
        pieces.append(text)
        position = sentence.char_end
    pieces.append(answer[position:])
    return "".join(pieces), attributed, uncited


def ground_answer(answer: str, source_texts: Sequence[str], *, min_overlap: float) -> GroundedAnswer:
    """Filter and renumber the markers of a complete answer (as ``MarkerFilter`` does while it
    streams), then attribute uncited sentences, whose sources take the next numbers.

    >>> sources = ["The High Court dismissed the appeal of the tenant.", "Section 19 bars premiums."]
    >>> grounded = ground_answer("Section 19 bars premiums [2]. The High Court dismissed the "
    ...                          "tenant's appeal. Costs were awarded [9].", sources, min_overlap=0.5)
    >>> grounded.text, grounded.sources, grounded.removed_markers
    ("Section 19 bars premiums [1]. The High Court dismissed the tenant's appeal [2]. Costs were awarded.", [2, 1], [9])
    """
    renumbering = Renumbering(len(source_texts))
    renumbered = tidy(MARKER_GROUP.sub(lambda match: renumbering.markers(match.group(1)), answer))
    text, attributed, uncited = attribute(renumbered, source_texts, min_overlap, renumbering.marker_for)
    return GroundedAnswer(text=text, sources=renumbering.order, removed_markers=renumbering.removed,
                          attributed_sentences=attributed, uncited_sentences=uncited)


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
