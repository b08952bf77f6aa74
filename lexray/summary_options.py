"""What a summary request may ask for: length presets and word counts, focus areas. Plain
data and checks, shared by the API's schemas (and so the Python client) and the summarisers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lexray.errors import LexRayError


class SummaryOptionError(LexRayError, ValueError):
    """An unknown length, focus area or method."""

    code = "validation_error"


# Fixed budgets rather than a share of the document: a reader's time, the UI and the context
# window of a later abstractive pass are fixed, while judgements run from 2 to 200 pages (a
# share would give 40 words for one and 8,000 for the other). A caller that wants a relative
# length passes a word count instead.
LENGTH_WORDS: dict[str, int] = {"short": 100, "medium": 250, "long": 500}
SUPPORTED_LENGTHS: tuple[str, ...] = tuple(LENGTH_WORDS)
DEFAULT_LENGTH = "medium"

# Keywords per focus area; a sentence holding one (any inflection: they are stemmed) is boosted.
# Multi-word entries match when all their words occur in the sentence.
FOCUS_AREAS: dict[str, tuple[str, ...]] = {
    "facts": ("facts", "fact", "incident", "occurred", "happened", "complainant", "prosecution case",
              "alleged", "background", "events", "first information report"),
    "issues": ("issue", "question", "whether", "point for determination", "arises", "falls for",
               "controversy", "dispute"),
    "arguments": ("contended", "contention", "argued", "argument", "submitted", "submission", "urged",
                  "learned counsel", "on behalf of", "plea", "canvassed"),
    "holding": ("held", "hold", "holding", "conclude", "conclusion", "accordingly", "dismissed",
                "allowed", "set aside", "quashed", "affirmed", "upheld", "answer", "order"),
    "reasoning": ("reason", "because", "therefore", "consequently", "follows", "view", "opinion",
                  "consider", "principle", "interpretation", "construed"),
    "statutes": ("section", "article", "act", "rule", "clause", "provision", "statute", "code",
                 "constitution", "ordinance", "regulation", "schedule", "sub section"),
    "precedents": ("precedent", "relied", "followed", "overruled", "distinguished", "decision",
                   "observed", "reported", "ratio", "authority", "approved"),
    "relief": ("relief", "sentence", "compensation", "costs", "damages", "injunction", "directed",
               "direction", "remanded", "acquitted"),
}

# The longest summary a request may ask for (more is a 422): four times the "long" preset, above
# the longest IN-Abs reference (1,400 words).
MAX_SUMMARY_WORDS = 2000


def word_budget(length: str | int) -> int:
    """Words for a length preset, or a positive word count passed through.

    >>> word_budget("short"), word_budget(42)
    (100, 42)
    >>> word_budget("huge")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lexray.summary_options.SummaryOptionError: unknown length 'huge'; use one of short, medium, long ...
    """
    if isinstance(length, bool):
        raise SummaryOptionError(f"length must be a preset or a word count, not {length!r}")
    if isinstance(length, int):
        if length < 1:
            raise SummaryOptionError(f"a word count must be at least 1, not {length}")
        return length
    if isinstance(length, str) and length.strip().isdigit():
        return word_budget(int(length))
    if length not in LENGTH_WORDS:
        raise SummaryOptionError(
            f"unknown length {length!r}; use one of {', '.join(SUPPORTED_LENGTHS)} or a word count"
        )
    return LENGTH_WORDS[length]


def check_focus_areas(focus_areas: Iterable[str]) -> None:
    """SummaryOptionError for an unknown focus area.

    >>> check_focus_areas(["facts", "issues"])
    >>> check_focus_areas(["gossip"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lexray.summary_options.SummaryOptionError: unknown focus area 'gossip'; use any of facts, issues, ...
    """
    for area in focus_areas:
        if area not in FOCUS_AREAS:
            raise SummaryOptionError(f"unknown focus area {area!r}; use any of {', '.join(FOCUS_AREAS)}")


def validate_options(length: str | int, focus_areas: Sequence[str]) -> int:
    """The target word count; SummaryOptionError (422) for a bad length or focus area.

    >>> validate_options("short", ["facts"])
    100
    """
    target = word_budget(length)
    if target > MAX_SUMMARY_WORDS:
        raise SummaryOptionError(f"a word count must be at most {MAX_SUMMARY_WORDS}, not {target}")
    check_focus_areas(focus_areas)
    return target
