"""Abstractive summaries of judgements longer than the model's context, by map-reduce.

A judgement is cut into parts that fit the model's budget: its sections (text before the first
heading is a ``caption`` part), a section longer than the budget split at paragraph or sentence
ends, neighbours merged while they fit, and at most ``summaries.max_map_parts`` parts (more are
merged in runs). Each part is summarised from its most central sentences (map). The part summaries are
joined in document order when together they fit the requested length; otherwise the model
combines them (reduce), in groups that fit its context, round after round. Each summary keeps
the pages of the sentences it was made from.

Every reply of the model (map, reduce, comparison) is checked against the text it summarises
(``generation.summary_checks``): a sentence stating a number, date, amount, provision, citation or
name the text does not hold is dropped (a short parenthesis holding it is removed), before the
reply is used or combined, and the summary lists what was removed. A reply left empty is retried
like an empty one. Settings ``summaries.check_facts`` turns this off.

All of this is pure except ``MapReduceSummarizer``'s calls to the model, which is any async
``generate(messages, params) -> {"text", "finish_reason", ...}``: the LLM deployment's ``chat``
through a handle, or ``GenerationEngine.generate`` in the bench.

>>> text = "Caption.\\n\\nFacts\\n\\nA fact.\\n\\nHeld\\n\\nDismissed."
>>> sections = [CaseSection(name=name, heading=name, char_start=start, char_end=end, page_start=1,
...                         page_end=1) for name, start, end in [("facts", 10, 26), ("holding", 26, 42)]]
>>> [(part.sections, part.char_start, part.char_end) for part in plan_parts(text, part_chars=30, sections=sections)]
[(('caption', 'facts'), 0, 24), (('holding',), 26, 42)]
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from generation import extractive
from generation.extractive import ExtractiveSummary
from generation.prompts import compare_messages, map_messages, reduce_messages
from generation.sentences import split_sentences
from generation.summary_checks import CheckedText, RemovedFact, SourceFacts, check_summary, source_facts
from generation.words import content_words
from lexray.errors import LexRayError
from lexray.models import CaseSection, PageSpan
from lexray.settings import ExtractiveSettings, SummarySettings
from lexray.summary_options import DEFAULT_LENGTH, SummaryOptionError, validate_options
from pipelines.chunk import chunk_text
from pipelines.clean import pages_in_range

# System prompt, instruction and chat template around the text (the reduce prompt with every focus
# area measures 108 tokens under SmolLM2's template; the compare prompt's case labels are
# budgeted apart).
PROMPT_OVERHEAD_TOKENS = 128
# SmolLM2's tokenizer gives 4.0 characters per token on IN-Abs judgements; the deployment
# measures each document, and budgets keep 15 % in reserve.
DEFAULT_CHARS_PER_TOKEN = 4.0
BUDGET_SAFETY = 0.85
CHARS_PER_WORD = 6.0
# Output tokens asked for per word wanted (SmolLM2 writes ~1.35 tokens a word), plus slack so a
# last sentence can end.
OUTPUT_TOKENS_PER_WORD = 1.5
OUTPUT_TOKENS_SLACK = 24
MIN_PART_WORDS, MAX_PART_WORDS = 40, 150
MAX_REDUCE_ROUNDS = 4
# Greedy decoding (the same text gives the same summary) with a light repetition penalty: the
# small model loops without one, and at the LLM default of 1.15 it misspells the words it must
# repeat ("appellant" -> "appleminesonsdlt"). On 5 IN-Abs records ROUGE-2 was 0.150 at 1.0,
# 0.178 at 1.02, 0.165 at 1.05, 0.118 at 1.1 and 0.101 at 1.15; clean-up drops what still loops.
# A retry samples, in case the greedy reply was empty after clean-up.
SAMPLING: dict[str, Any] = {"temperature": 0.0, "repetition_penalty": 1.05}
RETRY_SAMPLING: dict[str, Any] = {"temperature": 0.7, "repetition_penalty": 1.1, "seed": 1}
# A sentence whose content words are this much (or more) among an earlier sentence's, or the
# other way round, says the same thing again.
REPEAT_OVERLAP = 0.8
CASE_LABEL_CHARS = 80

TERMINAL = re.compile(r"[.!?][\"'\u201d\u2019)\]]*$")
BULLET = re.compile(r"^\s*(?:[-*\u2022#>]+|\(?\d{1,2}[.)])\s+")
PREFACE = re.compile(r"^(?:sure[,!.]?\s*)?(?:here\s+is|here's|summary|the\s+summary)\b[^.!?\n]{0,80}:\s*",
                     re.IGNORECASE)

Generate = Callable[[list[dict[str, str]], dict[str, Any]], Awaitable[Mapping[str, Any]]]


class SummaryGenerationError(LexRayError):
    """The model gave nothing usable (empty, or only unfinished or repeated sentences)."""

    code = "generation_failed"
    http_status = 502


@dataclass(frozen=True)
class Part:
    """A stretch ``[char_start, char_end)`` of the text; ``pages``: of the sentences used from it."""

    sections: tuple[str, ...]
    char_start: int
    char_end: int
    pages: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"sections": list(self.sections), "char_start": self.char_start,
                "char_end": self.char_end, "pages": list(self.pages)}


@dataclass(frozen=True)
class PartInput:
    """What the model reads of a part: its most central sentences, and their pages."""

    part: Part
    text: str


@dataclass(frozen=True)
class AbstractiveSummary:
    text: str
    parts_used: tuple[Part, ...] = field(default=())
    removed: tuple[RemovedFact, ...] = field(default=())  # facts the text does not hold, left out

    @property
    def pages(self) -> list[int]:
        """Every page the summary drew on, ascending."""
        return sorted({page for part in self.parts_used for page in part.pages})

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "pages": self.pages, "word_count": self.word_count,
                "parts_used": [part.as_dict() for part in self.parts_used],
                "removed": [fact.as_dict() for fact in self.removed]}


# Planning


def text_segments(text: str, sections: Sequence[CaseSection | Mapping]) -> list[tuple[str, int, int]]:
    """``(name, start, end)`` covering ``text`` in order: the sections, ``caption`` for the text
    before the first, ``text`` for any other gap; blank stretches dropped.

    >>> text_segments("Head. Body.", [])
    [('text', 0, 11)]
    """
    spans = sorted((CaseSection.model_validate(section) for section in sections),
                   key=lambda section: section.char_start)
    segments: list[tuple[str, int, int]] = []
    cursor = 0
    for section in spans:
        start, end = max(section.char_start, cursor), min(section.char_end, len(text))
        if end <= start:
            continue
        if start > cursor:
            segments.append(("caption" if cursor == 0 else "text", cursor, start))
        segments.append((section.name, start, end))
        cursor = end
    if cursor < len(text):
        segments.append(("caption" if not segments and spans else "text", cursor, len(text)))
    return [_trimmed(text, *segment) for segment in segments if text[segment[1]:segment[2]].strip()]


def plan_parts(
    text: str,
    *,
    part_chars: int,
    sections: Sequence[CaseSection | Mapping] = (),
    page_spans: Sequence[PageSpan] = (),
    max_parts: int = SummarySettings().max_map_parts,
) -> list[Part]:
    """Parts of at most ``part_chars`` characters along section lines (see the module doc);
    past ``max_parts`` parts (settings ``summaries.max_map_parts``), runs of neighbours are
    merged and exceed it."""
    units: list[tuple[str, int, int]] = []
    for name, start, end in text_segments(text, sections):
        if end - start <= part_chars:
            units.append((name, start, end))
            continue
        # chunk_text wants page spans; the pages of a part are computed below, from the whole text.
        whole_segment = [PageSpan(page=1, char_start=0, char_end=end - start)]
        for piece in chunk_text(text[start:end], whole_segment, size_chars=part_chars, overlap_chars=0):
            units.append((name, start + piece.char_start, start + piece.char_end))
    groups: list[list[tuple[str, int, int]]] = []
    for unit in units:
        if groups and unit[2] - groups[-1][0][1] <= part_chars:
            groups[-1].append(unit)
        else:
            groups.append([unit])
    if len(groups) > max_parts:
        step = len(groups) / max_parts
        groups = [[unit for group in groups[round(i * step):round((i + 1) * step)] for unit in group]
                  for i in range(max_parts)]
    return [
        Part(sections=tuple(dict.fromkeys(name for name, _, _ in group)),
             char_start=group[0][1], char_end=group[-1][2],
             pages=tuple(pages_in_range(list(page_spans), group[0][1], group[-1][2])) if page_spans else ())
        for group in groups
    ]


def part_input(
    text: str, part: Part, *, page_spans: Sequence[PageSpan] = (), focus_areas: Sequence[str] = (),
    words: int = SummarySettings().map_input_words,
    overshoot: float = SummarySettings().input_overshoot,
    extractive_settings: ExtractiveSettings = ExtractiveSettings(),
) -> PartInput:
    """The part's text on one line, or its most central sentences (LexRank, focus-boosted)
    within ``words`` (settings ``summaries.map_input_words``) when longer, cut after
    ``overshoot`` times ``words`` words (``summaries.input_overshoot``); the part's pages
    become those of the sentences kept.

    >>> part_input("One. Two three.", Part(("text",), 0, 15, (1,))).text
    'One. Two three.'
    """
    part_text = text[part.char_start:part.char_end]
    if len(part_text.split()) <= words:
        return PartInput(part, " ".join(part_text.split()))
    chosen = extractive.summarize(part_text, length=words, focus_areas=focus_areas, settings=extractive_settings)
    pages = part.pages
    if page_spans:
        pages = tuple(sorted({
            page for sentence in chosen.sentences
            for page in pages_in_range(list(page_spans), part.char_start + sentence.char_start,
                                       part.char_start + sentence.char_end)
        }))
    condensed = Part(part.sections, part.char_start, part.char_end, pages)
    return PartInput(condensed, first_words(chosen.text, round(words * overshoot)))


def prepare_parts(
    text: str, *, part_chars: int, sections: Sequence[CaseSection | Mapping] = (),
    page_spans: Sequence[PageSpan] = (), focus_areas: Sequence[str] = (),
    map_input_words: int = SummarySettings().map_input_words,
    max_parts: int = SummarySettings().max_map_parts,
    overshoot: float = SummarySettings().input_overshoot,
    extractive_settings: ExtractiveSettings = ExtractiveSettings(),
) -> list[PartInput]:
    """``plan_parts`` then ``part_input`` for each part (CPU work: run it off the event loop)."""
    parts = plan_parts(text, part_chars=part_chars, sections=sections, page_spans=page_spans, max_parts=max_parts)
    return [part_input(text, part, page_spans=page_spans, focus_areas=focus_areas, words=map_input_words,
                       overshoot=overshoot, extractive_settings=extractive_settings) for part in parts]


def output_tokens(words: int, context_tokens: int) -> int:
    """``max_tokens`` for about ``words`` words, at most half the context.

    >>> output_tokens(100, 2048), output_tokens(2000, 2048)
    (174, 1024)
    """
    return min(round(words * OUTPUT_TOKENS_PER_WORD) + OUTPUT_TOKENS_SLACK, context_tokens // 2)


def input_chars(context_tokens: int, completion_tokens: int, chars_per_token: float) -> int:
    """Characters of source text a prompt may carry beside a completion of ``completion_tokens``.

    >>> input_chars(2048, 249, 4.0)
    5681
    """
    return int((context_tokens - completion_tokens - PROMPT_OVERHEAD_TOKENS) * chars_per_token * BUDGET_SAFETY)


def part_words(target_words: int, part_count: int) -> int:
    """Words asked of each part's summary: its share of the length, within bounds.

    >>> part_words(250, 2), part_words(100, 10), part_words(2000, 3)
    (125, 40, 150)
    """
    return max(MIN_PART_WORDS, min(MAX_PART_WORDS, round(target_words / max(part_count, 1))))


def reduce_groups(partials: Sequence[str], budget_chars: int) -> list[list[int]]:
    """Runs of consecutive partial summaries whose text fits ``budget_chars`` together
    (a longer one stands alone).

    >>> reduce_groups(["aaaa", "bbbb", "cccc", "d" * 20], 16)
    [[0, 1], [2], [3]]
    """
    groups: list[list[int]] = []
    size = 0
    for index, partial in enumerate(partials):
        length = len(partial) + 4  # the "n. " number and the line break
        if groups and size + length <= budget_chars:
            groups[-1].append(index)
            size += length
        else:
            groups.append([index])
            size = length
    return groups


# Clean-up of what the model wrote


def clean_generated(text: str, *, extractive_settings: ExtractiveSettings = ExtractiveSettings()) -> str:
    """The model's text as plain sentences: markdown and a preface line gone, repeated
    sentences (the content words of one nearly all in the other) dropped, an unfinished last sentence cut.
    Sentences are split as ``extractive_settings`` say.

    >>> clean_generated("Here is a summary:\\n- The appeal was dismissed. The appeal was dismissed. "
    ...                 "Costs were awarded to the")
    'The appeal was dismissed.'
    """
    lines = [BULLET.sub("", line).strip() for line in text.replace("**", "").splitlines()]
    joined = PREFACE.sub("", " ".join(line for line in lines if line)).strip()
    kept: list[str] = []
    seen: list[set[str]] = []
    for sentence in split_sentences(joined, max_segment_chars=extractive_settings.max_segment_chars,
                                    max_segment_periods=extractive_settings.max_segment_periods):
        words = set(content_words(sentence.text))
        if not words or any(_overlap(words, earlier) >= REPEAT_OVERLAP for earlier in seen):
            continue
        kept.append(sentence.text)
        seen.append(words)
    if kept and not TERMINAL.search(kept[-1]):
        kept.pop()
    return " ".join(kept)


def trim_to_words(text: str, words: int, *, extractive_settings: ExtractiveSettings = ExtractiveSettings()) -> str:
    """Whole sentences of ``text`` (split as ``extractive_settings`` say) up to ``words`` words
    (the first one at least).

    >>> trim_to_words("One two. Three four five. Six.", 4)
    'One two.'
    """
    kept, total = [], 0
    for sentence in split_sentences(text, max_segment_chars=extractive_settings.max_segment_chars,
                                    max_segment_periods=extractive_settings.max_segment_periods):
        count = len(sentence.text.split())
        if kept and total + count > words:
            break
        kept.append(sentence.text)
        total += count
    return " ".join(kept)


def condense(
    text: str, words: int, *, overshoot: float = SummarySettings().input_overshoot,
    extractive_settings: ExtractiveSettings = ExtractiveSettings(),
) -> str:
    """``text`` itself when within ``words`` words, else its most central sentences, cut after
    ``overshoot`` times ``words`` words (settings ``summaries.input_overshoot``).

    >>> condense("The appeal fails. The court held the lease void. Costs follow.", 6)
    'The court held the lease void.'
    """
    if len(text.split()) <= words:
        return text
    chosen = extractive.summarize(text, length=words, skip_header=False, settings=extractive_settings).text
    return first_words(chosen or text, round(words * overshoot))


def first_words(text: str, words: int) -> str:
    """``text`` on one line, cut after ``words`` words.

    >>> first_words("One  two\\nthree four", 3)
    'One two three'
    """
    return " ".join(text.split()[:words])


def extractive_result(summary: ExtractiveSummary) -> dict[str, Any]:
    """An extractive summary as the API shows it: each sentence with its span and first page."""
    return {
        "text": summary.text,
        "pages": summary.pages,
        "word_count": summary.word_count,
        "sentences": [{"text": sentence.text, "page": sentence.pages[0] if sentence.pages else None,
                       "pages": list(sentence.pages), "char_start": sentence.char_start,
                       "char_end": sentence.char_end} for sentence in summary.sentences],
    }


# The model calls


@dataclass
class MapReduceSummarizer:
    """Map-reduce summaries on ``generate`` (see the module doc), within ``context_tokens``.

    ``chars_per_token`` is the tokenizer's ratio on the text at hand (the deployment measures it);
    ``settings`` and ``extractive_settings`` are the ``summaries`` and ``extractive`` groups.
    """

    generate: Generate
    context_tokens: int = 2048
    chars_per_token: float = DEFAULT_CHARS_PER_TOKEN
    settings: SummarySettings = field(default_factory=SummarySettings)
    extractive_settings: ExtractiveSettings = field(default_factory=ExtractiveSettings)

    def part_chars(self) -> int:
        return input_chars(self.context_tokens, output_tokens(MAX_PART_WORDS, self.context_tokens),
                           self.chars_per_token)

    async def summarize(
        self,
        text: str,
        *,
        length: str | int = DEFAULT_LENGTH,
        focus_areas: Sequence[str] = (),
        sections: Sequence[CaseSection | Mapping] = (),
        page_spans: Sequence[PageSpan] = (),
    ) -> AbstractiveSummary:
        target = validate_options(length, focus_areas)
        if not content_words(text):
            raise SummaryOptionError("the text has no words to summarise")
        inputs = await asyncio.to_thread(
            prepare_parts, text, part_chars=self.part_chars(), sections=sections,
            page_spans=page_spans, focus_areas=focus_areas, map_input_words=self.settings.map_input_words,
            max_parts=self.settings.max_map_parts, overshoot=self.settings.input_overshoot,
            extractive_settings=self.extractive_settings)
        source = await asyncio.to_thread(source_facts, text) if self.settings.check_facts else None
        return await self.summarize_parts(inputs, target, focus_areas, source=source)

    async def summarize_parts(
        self, inputs: Sequence[PartInput], target_words: int, focus_areas: Sequence[str] = (), *,
        source: SourceFacts | None = None,
    ) -> AbstractiveSummary:
        """The map step on ``inputs``, then ``combine``; with ``source``, every reply checked against it."""
        words = part_words(target_words, len(inputs))
        removed: list[RemovedFact] = []
        outputs = await asyncio.gather(*(
            self.generate_text(map_messages(part.text, words, focus_areas), words, source=source, removed=removed)
            for part in inputs))
        used = [(part, output) for part, output in zip(inputs, outputs, strict=True) if output]
        if not used:
            raise SummaryGenerationError("the model produced no usable summary of any part")
        text = await self.combine([output for _, output in used], target_words, focus_areas, source=source,
                                  removed=removed)
        return AbstractiveSummary(text, tuple(part.part for part, _ in used), tuple(removed))

    async def combine(self, partials: list[str], target_words: int, focus_areas: Sequence[str] = (), *,
                      source: SourceFacts | None = None, removed: list[RemovedFact] | None = None) -> str:
        """The partial summaries joined when they fit ``target_words`` (times
        ``summaries.join_slack``), else reduced by the model (each reply checked against
        ``source`` when given, what it removes added to ``removed``)."""
        budget = input_chars(self.context_tokens, output_tokens(target_words, self.context_tokens),
                             self.chars_per_token)
        for _ in range(MAX_REDUCE_ROUNDS):
            total = sum(len(partial.split()) for partial in partials)
            if total <= target_words * self.settings.join_slack:
                break
            groups = reduce_groups(partials, budget)
            if len(groups) == 1:
                final = await self.generate_text(reduce_messages(partials, target_words, focus_areas), target_words,
                                                 source=source, removed=removed)
                return final or trim_to_words(" ".join(partials), target_words,
                                              extractive_settings=self.extractive_settings)
            partials = list(await asyncio.gather(*(
                self._reduce_group([partials[index] for index in group], target_words, total, focus_areas,
                                   source=source, removed=removed)
                for group in groups)))
        return " ".join(partials)

    async def _reduce_group(self, group: list[str], target_words: int, total_words: int,
                            focus_areas: Sequence[str], *, source: SourceFacts | None,
                            removed: list[RemovedFact] | None) -> str:
        if len(group) == 1:
            return group[0]
        share = max(MIN_PART_WORDS, round(target_words * sum(len(p.split()) for p in group) / total_words))
        reduced = await self.generate_text(reduce_messages(group, share, focus_areas), share, source=source,
                                           removed=removed)
        return reduced or trim_to_words(" ".join(group), share, extractive_settings=self.extractive_settings)

    async def compare(
        self, cases: Sequence[tuple[str, str]], *, length: str | int = DEFAULT_LENGTH,
        focus_areas: Sequence[str] = (),
    ) -> CheckedText:
        """A comparison of ``(label, summary)`` cases, each summary condensed to its share of the
        context; its facts checked against the labels and summaries (``removed``: what went)."""
        target = validate_options(length, focus_areas)
        budget = input_chars(self.context_tokens, output_tokens(target, self.context_tokens), self.chars_per_token)
        share = max(20, int((budget - len(cases) * (CASE_LABEL_CHARS + 16)) / CHARS_PER_WORD / len(cases)))
        condensed = await asyncio.to_thread(
            lambda: [(label[:CASE_LABEL_CHARS], condense(summary, share, overshoot=self.settings.input_overshoot,
                                                         extractive_settings=self.extractive_settings))
                     for label, summary in cases])
        source = None
        if self.settings.check_facts:
            source = await asyncio.to_thread(source_facts, "\n\n".join(f"{label}\n\n{summary}" for label, summary in cases))
        removed: list[RemovedFact] = []
        text = await self.generate_text(compare_messages(condensed, target, focus_areas), target, source=source,
                                        removed=removed)
        if not text:
            raise SummaryGenerationError("the model produced no usable comparison")
        return CheckedText(text, tuple(removed))

    async def generate_text(self, messages: list[dict[str, str]], words: int, *, source: SourceFacts | None = None,
                            removed: list[RemovedFact] | None = None) -> str:
        """The cleaned reply, without the sentences stating facts ``source`` does not hold
        (when given; added to ``removed``); one sampled retry when the greedy one comes to nothing."""
        params = {**SAMPLING, "max_tokens": output_tokens(words, self.context_tokens)}
        for attempt in (params, {**params, **RETRY_SAMPLING}):
            reply = await self.generate(messages, attempt)
            cleaned = clean_generated(reply["text"], extractive_settings=self.extractive_settings)
            if cleaned and source is not None:
                checked = await asyncio.to_thread(check_summary, cleaned, source,
                                                  max_parenthesis_chars=self.settings.max_removed_aside_chars)
                cleaned = checked.text
                if removed is not None and cleaned:
                    removed.extend(checked.removed)
            if cleaned:
                return cleaned
        return ""


def _trimmed(text: str, name: str, start: int, end: int) -> tuple[str, int, int]:
    """The segment without the whitespace at its ends."""
    segment = text[start:end]
    return name, start + len(segment) - len(segment.lstrip()), start + len(segment.rstrip())


def _overlap(first: set[str], second: set[str]) -> float:
    """Share of the smaller word set that is in the other one."""
    return len(first & second) / min(len(first), len(second))
