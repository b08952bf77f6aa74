"""Questions about a judgement, each with its answer and the passage (span and page) it comes
from: the answer is a fact extracted from the text, the question phrased for it.

1. Facts are extracted from the text (``generation.question_facts``): parties, court, dates,
   amounts, provisions, citations and names for easy questions; holdings, rules and standards for
   medium ones; reasons for hard ones. ``select_facts`` orders them for a question type:

   - ``common``: the judgement's main points (court, parties, holding, disposition ...), their
     sentences by LexRank centrality;
   - ``rare``: specific details (numbers, dates, sections and rules, citations, names), the less
     central sentences first;
   - ``unexpected``: facts in sentences far from the text's centroid, those with an aside's marks
     (dissent, "we note", "need not", "however", a clerical error, a remand) first.

   With ``focus_areas``, facts whose passage holds one of the areas' keywords come first.
2. The model phrases a question for each fact's answer with guided JSON (``generation.structured``,
   ``phrasing_schema``); a phrasing that fails validation (``reply_problem``: a question ending in
   "?", about the passage, not giving the answer away), or one past the request's model calls, is
   the fact's template question (``generation.question_templates``), validated alike.
3. Duplicates (the same question, or one whose content words nearly equal an earlier one's) are
   dropped; the next facts are tried until there are ``num_questions`` questions, or the facts
   run out: ``InsufficientMaterialError`` (422), never padding.

Everything here is pure except the calls to the model, an async ``chat(messages, params)`` like
the LLM deployment's.

>>> text = ("The appellant was charged under section 19 of the Rent Control Act on 3 May 1951. "
...         "The magistrate convicted the appellant and imposed a fine of 500 rupees.")
>>> [c.answer for c in select_facts(text, question_type="rare", difficulty="easy")]
['section 19 of the Rent Control Act', '3 May 1951', '500 rupees']
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ValidationInfo, model_validator

from generation.extractive import focus_keywords, focus_matches, lexrank_graph, pagerank
from generation.prompts import phrasing_messages
from generation.question_facts import CASE_KINDS, Fact, extract_facts
from generation.question_templates import template_question
from generation.sentences import split_sentences
from generation.engine import (
    GenerationFailedError,
    GenerationRequestError,
    GenerationTimeoutError,
    GenerationUnavailableError,
)
from generation.structured import Chat, GuidedDecodingError, StructuredOutputError, generate_structured
from generation.words import content_words, stemmed_words
from lexray.errors import LexRayError
from lexray.models import PageSpan
from lexray.settings import ExtractiveSettings, QuestionSettings
from lexray.summary_options import FOCUS_AREAS
from pipelines.clean import pages_in_range

QuestionType = Literal["common", "rare", "unexpected"]
Difficulty = Literal["easy", "medium", "hard"]
QUESTION_TYPES: dict[str, str] = {
    "common": "The judgement's main points: questions on its most central sentences (LexRank).",
    "rare": "Specific details: questions on sentences with numbers, dates, sections, rules, citations "
            "or names, the less central first.",
    "unexpected": "Asides and outliers: questions on the sentences furthest from the judgement's "
                  "centre, dissents, notes, procedural remarks and clerical points first.",
}
DIFFICULTIES: dict[str, str] = {
    "easy": "A fact (a name, number, date or a few words) stated in the passage; the answer is short.",
    "medium": "What a rule, finding or holding in the passage is, or why it was made.",
    "hard": "The court's reasoning: how the rule in the passage applies, or what follows from it.",
}

MIN_QUESTION_WORDS, MAX_QUESTION_WORDS = 4, 30

NUMBER = re.compile(r"\d[\d,.:/\u2013-]*")
TOKEN_NUMBER = re.compile(r"\d+")
MONTH = re.compile(r"\b(january|february|march|april|may|june|july|august|september|october|november|"
                   r"december)\b", re.IGNORECASE)
STATUTE = re.compile(r"(\u00a7+\s*\d|\b(section|sec|rule|article|art|act|code|u\.s\.c|c\.f\.r|order|"
                     r"clause|regulation)\.?\s+\d)", re.IGNORECASE)
CITATION = re.compile(r"\b\d+\s+(?:[A-Z][A-Za-z]*\.?\s?){1,4}(?:\d+[a-z]{1,2}\s+)?\d+\b")
CASE_NAME = re.compile(r"\b[A-Z][\w'\u2019.-]*\s+v(?:s)?\.\s+[A-Z]")
PROPER_NAME = re.compile(r"(?<=[\w,;:)]\s)[A-Z][a-z'\u2019]+")
# Marks of an aside, a dissent or a procedural point.
ASIDE = re.compile(
    r"\b(dissent\w*|concurr\w*|footnote|obiter|we note|note that|need not|not necessary|do not reach|"
    r"decline to|even if|although|however|nevertheless|notwithstanding|incidental\w*|parenthetical\w*|"
    r"aside|clerical|nunc pro tunc|remand\w*|waive[sd]?|moot|sua sponte|procedur\w*|we observe)\b",
    re.IGNORECASE)


class QuestionOptionError(LexRayError, ValueError):
    """An invalid number of questions, type, difficulty or focus area."""

    code = "validation_error"
    http_status = 422


class InsufficientMaterialError(LexRayError):
    """Fewer valid, distinct questions than asked once the text's facts ran out."""

    code = "insufficient_material"
    http_status = 422


@dataclass(frozen=True)
class Passage:
    """``text == full_text[char_start:char_end]``; ``pages`` empty when no page spans were given."""

    text: str
    char_start: int
    char_end: int
    pages: tuple[int, ...]
    score: float

    @property
    def page(self) -> int | None:
        return self.pages[0] if self.pages else None


@dataclass(frozen=True)
class GeneratedQuestion:
    question: str
    answer: str
    passage: Passage
    attempts: int
    # On facts: the answer's span of the text (the answer is it, spaces collapsed), its pages,
    # the fact's kind, and who phrased the question ("model" or "template").
    answer_start: int | None = None
    answer_end: int | None = None
    answer_pages: tuple[int, ...] = ()
    fact_kind: str | None = None
    phrased_by: str = "model"


@dataclass
class QuestionSet:
    questions: list[GeneratedQuestion]
    passages_tried: int = 0
    model_calls: int = 0
    rejected: dict[str, int] = field(default_factory=dict)  # reason -> count, duplicates included

    @property
    def templated(self) -> int:
        return sum(item.phrased_by == "template" for item in self.questions)


# Choosing facts


def check_options(question_type: str, difficulty: str, focus_areas: Iterable[str] = ()) -> None:
    """QuestionOptionError for an unknown type, difficulty or focus area.

    >>> check_options("rare", "tricky")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    generation.questions.QuestionOptionError: unknown difficulty 'tricky'; use one of easy, medium, hard
    """
    if question_type not in QUESTION_TYPES:
        raise QuestionOptionError(f"unknown question type {question_type!r}; use one of {', '.join(QUESTION_TYPES)}")
    if difficulty not in DIFFICULTIES:
        raise QuestionOptionError(f"unknown difficulty {difficulty!r}; use one of {', '.join(DIFFICULTIES)}")
    for area in focus_areas:
        if area not in FOCUS_AREAS:
            raise QuestionOptionError(f"unknown focus area {area!r}; use any of {', '.join(FOCUS_AREAS)}")


def type_scores(
    question_type: str, sentences: Sequence[str], *, damping: float = ExtractiveSettings().damping,
    aside_boost: float = QuestionSettings().aside_boost,
) -> np.ndarray:
    """Each sentence's score for ``question_type``; higher is picked first. ``damping``: of
    LexRank's PageRank (settings ``extractive.damping``); ``aside_boost``: the factor per aside
    mark for unexpected questions (``questions.aside_boost``).

    >>> scores = type_scores("rare", ["The court dismissed the appeal.",
    ...                               "The fine of 500 rupees under section 19 was paid on 3 May 1951."])
    >>> bool(scores[1] > scores[0])
    True
    """
    words = [content_words(sentence) for sentence in sentences]
    if question_type == "common":
        return rank_sentences_lexrank(words, damping=damping)
    if question_type == "rare":
        centrality = rank_sentences_lexrank(words, damping=damping)
        # 0 for the most central sentence, 1 for the least.
        peripheral = np.argsort(np.argsort(-centrality)) / max(len(sentences) - 1, 1)
        return np.array([specificity(sentence) for sentence in sentences]) * (0.5 + peripheral)
    distance = 1.0 - centroid_similarity(words)
    asides = np.array([aside_boost ** min(len(ASIDE.findall(sentence)), 2) for sentence in sentences])
    return distance * asides


def rank_sentences_lexrank(
    sentence_words: Sequence[Sequence[str]], *, damping: float = ExtractiveSettings().damping
) -> np.ndarray:
    """LexRank centrality (PageRank over tf-idf cosine similarities; no n x n matrix is built)."""
    if not sentence_words:
        return np.zeros(0)
    return pagerank(lexrank_graph(sentence_words), damping=damping)


def centroid_similarity(sentence_words: Sequence[Sequence[str]]) -> np.ndarray:
    """Cosine of each sentence's tf-idf vector with the mean of all (unit) vectors.

    Each row of the LexRank similarity matrix holds a sentence's cosines with the others; with
    its own (1 for a sentence with words) the row sum is ``n * v . mean``.

    >>> [round(float(x), 2) for x in centroid_similarity([["court", "appeal"], ["court", "appeal"], ["rain"]])]
    [0.89, 0.89, 0.45]
    """
    if not sentence_words:
        return np.zeros(0)
    weights = lexrank_graph(sentence_words)
    own = np.array([1.0 if words else 0.0 for words in sentence_words])
    dots = (weights.row_sums() + own) / len(sentence_words)  # v_i . mean
    mean_norm = math.sqrt(max(float(dots.sum()) / len(sentence_words), 1e-12))  # |mean|^2 = mean of dots
    return dots / mean_norm


def specificity(sentence: str) -> float:
    """How many specific facts a sentence states: numbers, dates, sections and rules, citations,
    case names (each of the last three counts twice) and names (half, four at most).

    >>> specificity("The State recommended a 22-year aggregate sentence.")
    1.5
    >>> specificity("Wooldridge v. State, 239 S.W.3d 151, 153 (Mo. App. E.D. 2007).")
    9.0
    """
    return (len(NUMBER.findall(sentence)) + len(MONTH.findall(sentence))
            + 2 * (len(STATUTE.findall(sentence)) + len(CITATION.findall(sentence)) + len(CASE_NAME.findall(sentence)))
            + 0.5 * min(len(PROPER_NAME.findall(sentence)), 4))


# Validating the model's replies


@dataclass(frozen=True)
class PassageContext:
    """What a phrased question is checked against (``PhrasedQuestion``'s validation context)."""

    passage: str
    difficulty: str
    min_grounding: float
    max_answer_words: int = QuestionSettings().max_answer_words  # of a medium or hard answer
    max_easy_answer_words: int = QuestionSettings().max_easy_answer_words


# No ASCII quote, backslash or line break inside: nothing JSON must escape. xgrammar 0.2.8
# cannot compile a counted repetition after an alternation ("(Who|What)[^?]{8,150}"), nor
# maxLength beside a pattern: a question's length is checked by ``reply_problem``.
PLAIN = r'[^"\\?\n]'


def reply_problem(question: str, answer: str, context: PassageContext) -> str | None:
    """Why a question and answer are refused for a passage, or None.

    >>> passage = PassageContext("The State recommended a 22-year aggregate sentence.", "easy", 0.6)
    >>> reply_problem("What sentence did the State recommend?", "A 22-year aggregate sentence.", passage)
    >>> reply_problem("What sentence did the State recommend?", "Life imprisonment in Paris.", passage)
    'answer not grounded in the passage (0% of its words)'
    """
    if not question.endswith("?"):
        return "question does not end with '?'"
    if not MIN_QUESTION_WORDS <= len(question.split()) <= MAX_QUESTION_WORDS:
        return f"question not of {MIN_QUESTION_WORDS} to {MAX_QUESTION_WORDS} words"
    passage_words = grounding_words(context.passage)
    if not set(grounding_words(question)) & set(passage_words):
        return "question not about the passage"
    answer_words = grounding_words(answer)
    if not answer_words:
        return "answer has no content words"
    limit = context.max_easy_answer_words if context.difficulty == "easy" else context.max_answer_words
    if len(answer.split()) > limit:
        return f"answer longer than {limit} words"
    if not set(answer_words) - set(grounding_words(question)):
        return "answer only repeats the question"
    if normalized(answer) in normalized(question):
        return "answer given in the question"
    grounded = sum(word in set(passage_words) for word in answer_words) / len(answer_words)
    if grounded < context.min_grounding:
        return f"answer not grounded in the passage ({grounded:.0%} of its words)"
    return None


def grounding_words(text: str) -> list[str]:
    """Content words (stemmed) and numbers: what an answer shares with its passage.

    >>> grounding_words("Section 19 applies to sums of 29,500 dollars.")
    ['section', 'appli', 'sum', 'dollar', '19', '29', '500']
    """
    return content_words(text) + TOKEN_NUMBER.findall(text)


def normalized(text: str) -> str:
    """Lower-case words and numbers joined by single spaces.

    >>> normalized("  What did the Court hold?  ")
    'what did the court hold'
    """
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def is_duplicate(
    question: str, earlier: Sequence[str], *, min_overlap: float = QuestionSettings().duplicate_overlap
) -> bool:
    """Whether ``question`` asks what one of ``earlier`` asks: the same words, or content words
    and numbers overlapping at least ``min_overlap`` (Jaccard; settings
    ``questions.duplicate_overlap``).

    >>> is_duplicate("What did the court hold?", ["What did the Court hold ?"])
    True
    >>> is_duplicate("Who appealed the judgment?", ["What did the court hold?"])
    False
    """
    words = set(grounding_words(question))
    for other in earlier:
        if normalized(question) == normalized(other):
            return True
        other_words = set(grounding_words(other))
        if words and other_words and len(words & other_words) / len(words | other_words) >= min_overlap:
            return True
    return False


# Generating


def check_count(num_questions: int, settings: QuestionSettings) -> None:
    """QuestionOptionError unless 1 <= num_questions <= settings.max_questions.

    >>> check_count(0, QuestionSettings())
    Traceback (most recent call last):
    ...
    generation.questions.QuestionOptionError: num_questions must be from 1 to 20, not 0
    """
    if isinstance(num_questions, bool) or not 1 <= num_questions <= settings.max_questions:
        raise QuestionOptionError(f"num_questions must be from 1 to {settings.max_questions}, not {num_questions}")


@dataclass
class QuestionGenerator:
    """Questions on chosen facts on ``chat`` (the LLM deployment's), within ``settings``."""

    chat: Chat
    settings: QuestionSettings = field(default_factory=QuestionSettings)

    async def generate_from_facts(
        self, candidates: Sequence[FactCandidate], *, num_questions: int, question_type: str, difficulty: str,
        focus_areas: Sequence[str] = (),
    ) -> QuestionSet:
        """Questions on extracted facts (``select_facts``): see ``generate_from_facts``."""
        return await generate_from_facts(self.chat, candidates, num_questions=num_questions,
                                         question_type=question_type, difficulty=difficulty,
                                         focus_areas=focus_areas, settings=self.settings)

def question_items(question_set: QuestionSet, *, question_type: str, difficulty: str,
                   case_id: str | None) -> list[dict[str, Any]]:
    """The questions as the API shows them, each with its passage as ``source`` and, when built
    on a fact, the answer's own span (``answer_span``), the fact's kind and who phrased it."""
    return [{
        "question": item.question, "type": question_type, "difficulty": difficulty, "answer": item.answer,
        "source": {"case_id": case_id, "page": item.passage.page, "pages": list(item.passage.pages),
                   "char_start": item.passage.char_start, "char_end": item.passage.char_end,
                   "text": item.passage.text},
        "answer_span": None if item.answer_start is None else {
            "char_start": item.answer_start, "char_end": item.answer_end,
            "page": item.answer_pages[0] if item.answer_pages else None, "pages": list(item.answer_pages)},
        "fact_kind": item.fact_kind, "phrased_by": item.phrased_by,
    } for item in question_set.questions]


def rejection_reason(problem: str) -> str:
    """A reply's problem without its particulars, to count alike ones together.

    >>> rejection_reason("answer not grounded in the passage (20% of its words)")
    'answer not grounded in the passage'
    >>> rejection_reason("not valid JSON: Unterminated string at: line 1 (char 9) (cut at max_tokens)")
    'not valid JSON (cut at max_tokens)'
    """
    cut = " (cut at max_tokens)" if problem.endswith("(cut at max_tokens)") else ""
    if problem.startswith("not valid JSON"):
        return "not valid JSON" + cut
    if "should match pattern" in problem:
        return problem.split(":")[0] + " does not match its pattern" + cut
    return re.sub(r"\s*\([^()]*\)$", "", problem.removesuffix(cut)) + cut


def _count(counts: dict[str, int], problem: str) -> None:
    reason = rejection_reason(problem)
    counts[reason] = counts.get(reason, 0) + 1


# Questions on extracted facts


# Which facts a question type asks about first (tier 0, then 1, then 2); any fact of the right
# difficulty may serve a type once its first choices run out.
TYPE_TIERS: dict[str, dict[str, int]] = {
    "common": {"court": 0, "plaintiff": 0, "defendant": 0, "date_decided": 0, "lower_court": 0, "holding": 0,
               "disposition": 0, "standard": 0, "standard_rule": 0, "posture": 0, "support": 0, "conclusion": 0,
               "reason": 0},
    "rare": {"statute": 0, "citation": 0, "amount": 0, "number": 0, "date": 0, "name": 0,
             **{kind: 2 for kind in CASE_KINDS}},
    "unexpected": {kind: 2 for kind in CASE_KINDS},
}


@dataclass(frozen=True)
class FactCandidate:
    """A fact ready to ask about: its passage (with pages), the answer as shown (the span,
    spaces collapsed), the answer's pages, and the template question (None when none fits)."""

    fact: Fact
    passage: Passage
    answer: str
    answer_pages: tuple[int, ...]
    template: str | None


def select_facts(
    text: str,
    *,
    question_type: str,
    difficulty: str,
    focus_areas: Iterable[str] = (),
    page_spans: Sequence[PageSpan] = (),
    settings: QuestionSettings = QuestionSettings(),
    extractive_settings: ExtractiveSettings = ExtractiveSettings(),
) -> list[FactCandidate]:
    """The facts of ``text`` (``generation.question_facts``) of ``difficulty``'s kinds, best
    first for ``question_type``: passages holding a focus area's keywords first, then the type's
    preferred kinds (``TYPE_TIERS``; for ``unexpected``, facts in sentences with an aside's
    marks), the kinds taken in turn, each kind's facts by their sentence's score for the type
    (as ``type_scores`` ranks passages). One fact per answer text.

    >>> text = ("The appellant was charged under section 19 of the Rent Control Act on 3 May 1951. "
    ...         "The magistrate convicted the appellant and imposed a fine of 500 rupees.")
    >>> [c.answer for c in select_facts(text, question_type="rare", difficulty="easy")]
    ['section 19 of the Rent Control Act', '3 May 1951', '500 rupees']
    >>> select_facts("Too short.", question_type="common", difficulty="easy")
    []
    """
    check_options(question_type, difficulty)
    keyword_sets = focus_keywords(focus_areas)
    sentences = split_sentences(text, max_segment_chars=extractive_settings.max_segment_chars,
                                max_segment_periods=extractive_settings.max_segment_periods)
    limit = settings.max_easy_answer_words if difficulty == "easy" else settings.max_answer_words
    facts = [fact for fact in extract_facts(text, sentences=sentences, settings=settings,
                                            extractive_settings=extractive_settings)
             if fact.difficulty == difficulty and len(fact.answer(text).split()) <= limit]
    hosts = sorted({fact.sentence for fact in facts if fact.sentence >= 0})
    host_scores = type_scores(question_type, [sentences[index].text for index in hosts],
                              damping=extractive_settings.damping, aside_boost=settings.aside_boost) \
        if hosts else np.zeros(0)
    score_of = dict(zip(hosts, host_scores.tolist(), strict=True))
    tiers = TYPE_TIERS[question_type]

    def tier(fact: Fact) -> int:
        if question_type == "unexpected" and fact.sentence >= 0:
            return 0 if ASIDE.search(sentences[fact.sentence].text) else 1
        return tiers.get(fact.kind, 1)

    def focused(fact: Fact) -> bool:
        passage_words = set(stemmed_words(text[fact.passage_start:fact.passage_end]))
        return not keyword_sets or focus_matches(passage_words, keyword_sets) > 0

    by_score = sorted(facts, key=lambda fact: (-score_of.get(fact.sentence, math.inf), fact.answer_start))
    turn: dict[int, int] = {}  # each fact's rank among its kind's, so that kinds take turns
    seen_kinds: dict[str, int] = {}
    for fact in by_score:
        turn[id(fact)] = seen_kinds.get(fact.kind, 0)
        seen_kinds[fact.kind] = turn[id(fact)] + 1
    ordered = sorted(by_score, key=lambda fact: (not focused(fact), tier(fact), turn[id(fact)]))
    candidates: list[FactCandidate] = []
    answers: set[str] = set()
    for fact in ordered:
        answer = " ".join(fact.answer(text).split())
        if normalized(answer) in answers or not grounding_words(answer):
            continue
        answers.add(normalized(answer))
        passage_text = text[fact.passage_start:fact.passage_end]
        pages = tuple(pages_in_range(list(page_spans), fact.passage_start, fact.passage_end)) if page_spans else ()
        answer_pages = tuple(pages_in_range(list(page_spans), fact.answer_start, fact.answer_end)) \
            if page_spans else ()
        candidates.append(FactCandidate(
            fact, Passage(passage_text, fact.passage_start, fact.passage_end, pages,
                          float(score_of.get(fact.sentence, 0.0))),
            answer, answer_pages, template_question(fact, text)))
    return candidates


# What a call to the model may raise that a template can stand in for.
MODEL_ERRORS = (GuidedDecodingError, GenerationTimeoutError, GenerationFailedError, GenerationRequestError,
                GenerationUnavailableError)
# The first words a phrased question may take, by the fact's kind (easy) or the difficulty.
KIND_OPENERS: dict[str, str] = {
    "date": "When|On what date|What date|On which date|In what year",
    "date_decided": "When|On what date|What date|On which date",
    "amount": "How much|What amount|What sum|What was the amount",
    "number": "How many|How long|What number",
    "court": "Which court|What court|In which court|In what court",
    "lower_court": "From which court|From what court|Which court|What court",
    "plaintiff": "Who|Which party|What party", "defendant": "Who|Which party|What party",
    "statute": "Which|What|Under which|Under what", "citation": "Which|What", "name": "Who|Whom|Which|What",
    "posture": "What|Which", "standard": "What standard|Which standard|Under what standard|Under which standard",
}
DIFFICULTY_OPENERS: dict[str, str] = {
    "easy": "What|Which|Who|When|Where|How many|How much",
    "medium": "What|Which|Who|How|Under what|Under which|According to",
    "hard": "Why|How",
}


class PhrasedQuestion(BaseModel):
    """The model's question for a given answer; validated as a reply is (``reply_problem``),
    the context's answer standing for the reply's."""

    question: str

    @model_validator(mode="after")
    def _valid_for_answer(self, info: ValidationInfo) -> PhrasedQuestion:
        self.question = " ".join(self.question.split())
        if isinstance(info.context, PhrasingContext):
            problem = reply_problem(self.question, info.context.answer, info.context.passage)
            if problem:
                raise ValueError(problem)
        return self


@dataclass(frozen=True)
class PhrasingContext:
    answer: str
    passage: PassageContext


def phrasing_schema(kind: str, difficulty: str) -> dict[str, Any]:
    """The guided-decoding schema of a question for a fact of ``kind``.

    >>> phrasing_schema("amount", "easy")["properties"]["question"]["pattern"][:40]
    '^(How much|What amount|What sum|What was'
    """
    openers = KIND_OPENERS.get(kind, DIFFICULTY_OPENERS["easy"]) if difficulty == "easy" \
        else DIFFICULTY_OPENERS[difficulty]
    return {"type": "object", "properties": {"question": {"type": "string", "pattern": rf"^({openers}){PLAIN}+\?$"}},
            "required": ["question"]}


def _fact_context(candidate: FactCandidate, difficulty: str, settings: QuestionSettings) -> PassageContext:
    return PassageContext(candidate.passage.text, difficulty, settings.min_answer_grounding, settings.max_answer_words,
                          settings.max_easy_answer_words)


async def generate_from_facts(
    chat: Chat, candidates: Sequence[FactCandidate], *, num_questions: int, question_type: str, difficulty: str,
    focus_areas: Sequence[str] = (), settings: QuestionSettings = QuestionSettings(),
) -> QuestionSet:
    """``num_questions`` distinct questions on ``candidates`` (best first), in waves of as many
    facts as questions are still missing. The model phrases each question while the request's
    ``settings.max_model_calls`` last (``phrasing_attempts`` per fact); a phrasing that fails
    validation, or one past the budget, is the fact's template question (validated alike). A
    fact with neither is skipped; InsufficientMaterialError when the facts run out first."""
    check_count(num_questions, settings)
    check_options(question_type, difficulty, focus_areas)
    result = QuestionSet([])
    calls_left = settings.max_model_calls
    cursor = 0
    while len(result.questions) < num_questions and cursor < len(candidates):
        wave = list(candidates[cursor:cursor + num_questions - len(result.questions)])
        cursor += len(wave)
        asks = []
        for candidate in wave:
            use_model = calls_left >= settings.phrasing_attempts
            calls_left -= settings.phrasing_attempts if use_model else 0
            asks.append(_phrase(chat, candidate, question_type, difficulty, settings, use_model))
        for candidate, (question, phrased_by, calls, problems) in zip(wave, await asyncio.gather(*asks), strict=True):
            result.passages_tried += 1
            result.model_calls += calls
            if phrased_by == "model":
                calls_left += settings.phrasing_attempts - calls  # a first valid reply leaves the retries unspent
            for problem in problems:
                _count(result.rejected, problem)
            if question is None:
                continue
            earlier = [q.question for q in result.questions]
            if is_duplicate(question, earlier, min_overlap=settings.duplicate_overlap):
                _count(result.rejected, "duplicate question")
                template = candidate.template
                if phrased_by == "template" or template is None or is_duplicate(
                        template, earlier, min_overlap=settings.duplicate_overlap) or reply_problem(
                        template, candidate.answer, _fact_context(candidate, difficulty, settings)):
                    continue
                question, phrased_by = template, "template"  # the model asked what was asked: the template may not
            fact = candidate.fact
            result.questions.append(GeneratedQuestion(
                question, candidate.answer, candidate.passage, calls, fact.answer_start, fact.answer_end,
                candidate.answer_pages, fact.kind, phrased_by))
    if len(result.questions) < num_questions:
        raise InsufficientMaterialError(
            f"only {len(result.questions)} of {num_questions} {question_type} {difficulty} questions could be made "
            f"from the {len(candidates)} facts found in the text"
            f"{'' if candidates else ' (it states none a question can ask for)'}; ask for fewer, or for another "
            "type or difficulty")
    return result


async def _phrase(chat: Chat, candidate: FactCandidate, question_type: str, difficulty: str,
                  settings: QuestionSettings, use_model: bool) -> tuple[str | None, str, int, list[str]]:
    """(question or None, "model" or "template", model calls, problems) for one fact."""
    context = _fact_context(candidate, difficulty, settings)
    problems: list[str] = []
    calls = 0
    if use_model:
        messages = phrasing_messages(candidate.passage.text, candidate.answer, question_type=question_type,
                                     difficulty=difficulty)
        params = {"max_tokens": settings.phrasing_max_tokens, "temperature": settings.temperature,
                  "repetition_penalty": settings.repetition_penalty}
        try:
            reply = await generate_structured(
                chat, messages, PhrasedQuestion, params, attempts=settings.phrasing_attempts,
                retry_params={"temperature": settings.retry_temperature},
                context=PhrasingContext(candidate.answer, context),
                schema=phrasing_schema(candidate.fact.kind, difficulty))
            return reply.value.question, "model", reply.attempts, reply.problems
        except StructuredOutputError as exc:
            problems, calls = exc.problems, len(exc.problems)
        except MODEL_ERRORS as exc:  # a model that fails or is away: the template still asks
            problems, calls = [f"model error: {exc.code}"], 1
    template = candidate.template
    problem = "no template fits" if template is None else reply_problem(template, candidate.answer, context)
    if problem:
        return None, "template", calls, [*problems, f"template: {problem}"]
    return template, "template", calls, problems
