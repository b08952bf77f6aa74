"""Prompts of the generation features, in one place.

The default model is tiny (SmolLM2-135M): prompts are short, put the text first and the one
instruction after it, and ask for a number of words rather than a format. Tried on IN-Abs
judgements: with the instruction first and ~1,500 tokens of raw judgement after it, the model
drifts into unrelated prose ("This sentence contains several errors ..."); with a few hundred
words of source sentences and the instruction last, it stays on them.

>>> print(map_messages("The appeal is dismissed.", 60, ["holding"])[1]["content"])
Sentences from part of a court judgment:
The appeal is dismissed.
<BLANKLINE>
Rewrite them as one summary paragraph of about 60 words. Focus on the holding. Keep names, laws cited and the decision.
"""

from __future__ import annotations

from collections.abc import Sequence

# Summarization

SUMMARY_SYSTEM = "You summarise court judgments accurately. Use only facts stated in the text."

MAP_PROMPT = (
    "Sentences from part of a court judgment:\n{text}\n\n"
    "Rewrite them as one summary paragraph of about {words} words.{focus} "
    "Keep names, laws cited and the decision."
)
REDUCE_PROMPT = (
    "Summaries of consecutive parts of one court judgment:\n{text}\n\n"
    "Combine them into one summary of about {words} words.{focus} "
    "Keep names, laws cited and the final decision. Do not repeat sentences."
)
COMPARE_PROMPT = (
    "Summaries of {count} court cases:\n{text}\n\n"
    "Compare the cases in about {words} words: what each court decided, and where the cases "
    "agree or differ.{focus} Refer to each case by its number."
)

# What a focus area asks the model to attend to (keys: generation.extractive.FOCUS_AREAS).
FOCUS_PHRASES: dict[str, str] = {
    "facts": "the facts",
    "issues": "the legal issues",
    "arguments": "the parties' arguments",
    "holding": "the holding",
    "reasoning": "the court's reasoning",
    "statutes": "the statutes applied",
    "precedents": "the precedents cited",
    "relief": "the relief granted",
}


def focus_clause(focus_areas: Sequence[str]) -> str:
    """`` Focus on ...`` for the given areas, or nothing.

    >>> focus_clause(["facts", "holding"]), focus_clause([])
    (' Focus on the facts and the holding.', '')
    """
    phrases = [FOCUS_PHRASES[area] for area in focus_areas]
    if not phrases:
        return ""
    listed = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
    return f" Focus on {listed}."


def _messages(user: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": SUMMARY_SYSTEM}, {"role": "user", "content": user}]


def map_messages(text: str, words: int, focus_areas: Sequence[str] = ()) -> list[dict[str, str]]:
    """Summarise one part of a judgement."""
    return _messages(MAP_PROMPT.format(text=text, words=words, focus=focus_clause(focus_areas)))


def reduce_messages(partials: Sequence[str], words: int, focus_areas: Sequence[str] = ()) -> list[dict[str, str]]:
    """Combine the summaries of consecutive parts, numbered in document order."""
    numbered = "\n".join(f"{index}. {partial}" for index, partial in enumerate(partials, start=1))
    return _messages(REDUCE_PROMPT.format(text=numbered, words=words, focus=focus_clause(focus_areas)))


def compare_messages(cases: Sequence[tuple[str, str]], words: int,
                     focus_areas: Sequence[str] = ()) -> list[dict[str, str]]:
    """Compare cases given as (label, summary) pairs; each is numbered from 1."""
    listed = "\n".join(f"Case {index} ({label}): {summary}"
                       for index, (label, summary) in enumerate(cases, start=1))
    return _messages(COMPARE_PROMPT.format(count=len(cases), text=listed, words=words,
                                           focus=focus_clause(focus_areas)))
