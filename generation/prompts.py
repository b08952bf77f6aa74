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

# What a focus area asks the model to attend to (keys: lexray.summary_options.FOCUS_AREAS).
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


# Chat

CHAT_SYSTEM = (
    "You answer questions about court cases using only the numbered sources you are given. "
    "Cite the source of each sentence as [1], [2]. If the sources do not answer the question, say so."
)
CHAT_PROMPT = (
    "Sources:\n{sources}\n\n"
    "Question: {question}\n\n"
    "{instruction} Use only the sources and cite them as [n]."
)
# What each retrieval-backed intent asks of the answer (keys: generation.chat.INTENTS).
CHAT_INSTRUCTIONS: dict[str, str] = {
    "legal_question": "Answer in two to four sentences.",
    "summary_request": "Summarise what the sources say about it in three to five sentences.",
    "comparison": "Compare what the sources say, case by case, in three to five sentences.",
}
REWRITE_PROMPT = (
    "Conversation:\n{history}\n\n"
    "Follow-up: {message}\n\n"
    "Rewrite the follow-up as one standalone search query that names what it refers to. "
    "Reply with the query only."
)


def source_block(sources: Sequence[tuple[str, str]]) -> str:
    """Numbered sources from (label, text) pairs.

    >>> print(source_block([("Roe v. Wade, p. 3", "The appeal is dismissed.")]))
    [1] Roe v. Wade, p. 3: The appeal is dismissed.
    """
    return "\n".join(f"[{number}] {label}: {text}" for number, (label, text) in enumerate(sources, start=1))


def chat_answer_messages(question: str, sources: Sequence[tuple[str, str]], instruction: str,
                         history: Sequence[dict[str, str]] = ()) -> list[dict[str, str]]:
    """Earlier turns, then the question with its numbered sources."""
    prompt = CHAT_PROMPT.format(sources=source_block(sources), question=question, instruction=instruction)
    return [{"role": "system", "content": CHAT_SYSTEM}, *history, {"role": "user", "content": prompt}]


def rewrite_messages(history: Sequence[dict[str, str]], message: str) -> list[dict[str, str]]:
    """Ask for a standalone search query for a follow-up ``message``."""
    conversation = "\n".join(f"{turn['role'].capitalize()}: {turn['content']}" for turn in history)
    return [{"role": "user", "content": REWRITE_PROMPT.format(history=conversation, message=message)}]


# Questions on extracted facts: the answer is given (a span of the judgment), the model only asks.

# How each question type leans (keys: generation.questions.QUESTION_TYPES); the facts
# themselves were chosen for it.
QUESTION_KINDS: dict[str, str] = {
    "common": "",
    "rare": " Ask about a specific detail.",
    "unexpected": " Ask about a point a reader could easily miss.",
}
# One worked example per difficulty, as an earlier turn of the chat: the 135M model copies the
# instruction back ("Question 1", "What is the answer to this question?") without one.
QUESTION_EXAMPLE_PASSAGE = (
    "The High Court held that the landlord's notice of 15 days was invalid under section 106 of the "
    "Transfer of Property Act, because a monthly tenancy can only be ended by a notice of one month."
)

PHRASING_SYSTEM = "You write exam questions about court judgments. You are given the answer; write the question."
PHRASING_PROMPT = ("Passage from a court judgment:\n{passage}\n\nAnswer: {answer}\n\nWrite one question about the "
                   "passage whose answer is exactly this answer. Do not put the answer in the question.{kind} "
                   "Reply in JSON.")
PHRASING_EXAMPLES: dict[str, tuple[str, str]] = {
    "easy": ("15 days", '{"question":"How many days of notice did the landlord give?"}'),
    "medium": ("the notice of 15 days was invalid under section 106 of the Transfer of Property Act",
               '{"question":"What did the High Court hold about the landlord\'s notice?"}'),
    "hard": ("because a monthly tenancy can only be ended by a notice of one month",
             '{"question":"Why was the landlord\'s notice of 15 days invalid?"}'),
}


def phrasing_messages(passage: str, answer: str, *, question_type: str, difficulty: str) -> list[dict[str, str]]:
    """The question for a given ``answer`` (a span of ``passage``), after a worked example.

    >>> messages = phrasing_messages("The fine was 500 rupees.", "500 rupees", question_type="rare",
    ...                              difficulty="easy")
    >>> print(messages[-1]["content"])
    Passage from a court judgment:
    The fine was 500 rupees.
    <BLANKLINE>
    Answer: 500 rupees
    <BLANKLINE>
    Write one question about the passage whose answer is exactly this answer. Do not put the answer in the question. Ask about a specific detail. Reply in JSON.
    """
    example_answer, example_reply = PHRASING_EXAMPLES[difficulty]

    def ask(text: str, answer_text: str, kind: str = "") -> str:
        return PHRASING_PROMPT.format(passage=" ".join(text.split()), answer=" ".join(answer_text.split()), kind=kind)

    return [
        {"role": "system", "content": PHRASING_SYSTEM},
        {"role": "user", "content": ask(QUESTION_EXAMPLE_PASSAGE, example_answer)},
        {"role": "assistant", "content": example_reply},
        {"role": "user", "content": ask(passage, answer, QUESTION_KINDS[question_type])},
    ]
