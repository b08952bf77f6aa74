"""The pure parts of chat: what a message asks for (intent), the search query a follow-up
stands for, the history that fits the prompt, the passages shown to the model, and the replies
that need no model (pure: no Ray, no MongoDB, no engine).

    intent = detect_intent("Compare the two bail decisions")          # "comparison"
    query = clean_rewrite(model_reply, message, history) or fallback_query(message, history)
    history = trim_history(turns, budget_tokens, count_tokens)
    messages = chat_answer_messages(question, source_labels(passages, chars), instruction, history)
    draft, invented = without_invented_facts(model_draft, source_texts)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from generation.citations import MARKER_GROUP, tidy, with_markers
from generation.sentences import split_sentences
from generation.summary_checks import Fact, SourceFacts, sources_facts, unsupported_facts
from generation.words import content_words
from lexray.settings import ChatSettings


@dataclass(frozen=True)
class Intent:
    name: str
    description: str
    examples: tuple[str, ...]
    retrieves: bool                 # answered from retrieved passages
    pattern: re.Pattern | None      # None: the default intent


INTENTS: dict[str, Intent] = {intent.name: intent for intent in (
    Intent("greeting", "Greetings and thanks; answered without searching.",
           ("Hello", "Thanks!"), False,
           re.compile(r"^\W*(hi|hello|hey|good (morning|afternoon|evening)|thanks|thank you|cheers)\b[\W\w]{0,30}$",
                      re.IGNORECASE)),
    Intent("help", "What LexRay can do and how to ask; answered without searching.",
           ("What can you do?", "help"), False,
           re.compile(r"^\W*(help|what can you do|how do i use (this|you|lexray)|who are you)\W*$", re.IGNORECASE)),
    Intent("case_search", "Find cases on a topic; answered with the matching cases and pages.",
           ("Find cases about anticipatory bail", "Show me cases on Section 302 IPC"), True,
           re.compile(r"^\W*(find|search( for)?|list|show( me)?|are there|any)\b.{0,40}\b(cases?|judge?ments?|decisions?|opinions?)\b",
                      re.IGNORECASE)),
    Intent("summary_request", "A summary of what the cases say on a topic or of one case.",
           ("Summarise the holding on bail", "Give me an overview of the Missouri case"), True,
           re.compile(r"\b(summar(y|ise|ize|ising|izing)|overview|brief (me|of)|gist|tl;?dr)\b", re.IGNORECASE)),
    Intent("comparison", "How cases or rules differ or agree.",
           ("Compare the two bail decisions", "What is the difference between murder and culpable homicide?"),
           True, re.compile(r"\b(compare|comparison|contrast|differen(ce|t) between|versus|vs\.?)\b", re.IGNORECASE)),
    Intent("legal_question", "A question answered from the indexed cases, with citations (the default).",
           ("What did the court hold about the premium?", "Which statute was applied?"), True, None),
)}
DEFAULT_INTENT = "legal_question"
# Intents about several cases: their chunks are spread over cases (chat.passages_per_case).
SEVERAL_CASES = frozenset({"case_search", "comparison"})
REWRITE_PREFIX = re.compile(r"^\s*((standalone\s+)?(search\s+)?query|rewritten|search|answer)\s*:\s*", re.IGNORECASE)


def detect_intent(message: str) -> str:
    """The first intent whose pattern matches ``message``, else the default.

    >>> detect_intent("hello there"), detect_intent("Find cases about bail")
    ('greeting', 'case_search')
    >>> detect_intent("Compare the sentences"), detect_intent("Why was the fine upheld?")
    ('comparison', 'legal_question')
    """
    for intent in INTENTS.values():
        if intent.pattern is not None and intent.pattern.search(message):
            return intent.name
    return DEFAULT_INTENT


def passages_per_case(intent: str, chat: ChatSettings) -> int:
    """How many of the chunks an answer to ``intent`` is given may come from one case: few for
    case searches and comparisons (they are about several cases), more for other questions
    (the answer is often in one case, and not always in its best chunk).

    >>> passages_per_case("comparison", ChatSettings()), passages_per_case("legal_question", ChatSettings())
    (2, 4)
    """
    return chat.passages_per_case if intent in SEVERAL_CASES else chat.answer_passages_per_case


def without_markers(text: str) -> str:
    """``text`` without citation markers (earlier answers' markers name earlier sources).

    >>> without_markers("Bail was refused [1][2].")
    'Bail was refused.'
    """
    return tidy(MARKER_GROUP.sub("", text))


def clean_rewrite(reply: str, message: str, history: Sequence[dict[str, str]], *,
                  max_chars: int = ChatSettings().max_rewrite_chars) -> str | None:
    """The model's standalone query, or None when it is unusable: empty, longer than
    ``max_chars`` (settings ``chat.max_rewrite_chars``), or sharing no content word with the
    conversation (the small model sometimes answers instead).

    >>> history = [{"role": "user", "content": "Was the tenant fined under section 19?"}]
    >>> clean_rewrite('Query: "tenant fine section 19 appeal"', "Was it upheld?", history)
    'tenant fine section 19 appeal'
    >>> clean_rewrite("I like turtles", "Was it upheld?", history) is None
    True
    """
    lines = [line for line in reply.strip().splitlines() if line.strip()]
    if not lines:
        return None
    query = REWRITE_PREFIX.sub("", lines[0]).strip().strip("\"'`").strip()
    if not query or len(query) > max_chars:
        return None
    known = set(content_words(message))
    for turn in history:
        known.update(content_words(turn["content"]))
    return query if set(content_words(query)) & known else None


def fallback_query(message: str, history: Sequence[dict[str, str]]) -> str:
    """The previous user question and the follow-up together: what a follow-up refers to is
    usually named there.

    >>> fallback_query("Was it upheld?", [{"role": "user", "content": "Why was he fined?"},
    ...                                    {"role": "assistant", "content": "Under s. 19 [1]."}])
    'Why was he fined? Was it upheld?'
    """
    previous = next((turn["content"] for turn in reversed(history) if turn["role"] == "user"), "")
    return f"{previous} {message}".strip()


def trim_history(turns: Sequence[dict[str, str]], budget_tokens: int,
                 count_tokens: Callable[[str], int]) -> list[dict[str, str]]:
    """The latest turns whose tokens fit ``budget_tokens``, oldest dropped first, whole
    user/assistant pairs kept together, markers removed from answers.

    >>> turns = [{"role": "user", "content": "one two"}, {"role": "assistant", "content": "three [1]"},
    ...          {"role": "user", "content": "four"}, {"role": "assistant", "content": "five six"}]
    >>> [t["content"] for t in trim_history(turns, 3, lambda text: len(text.split()))]
    ['four', 'five six']
    """
    cleaned = [{"role": turn["role"], "content": without_markers(turn["content"])
                if turn["role"] == "assistant" else turn["content"]} for turn in turns]
    pairs: list[list[dict[str, str]]] = []
    for turn in cleaned:
        if turn["role"] == "user" or not pairs:
            pairs.append([turn])
        else:
            pairs[-1].append(turn)
    kept: list[list[dict[str, str]]] = []
    used = 0
    for pair in reversed(pairs):
        cost = sum(count_tokens(turn["content"]) for turn in pair)
        if used + cost > budget_tokens:
            break
        kept.append(pair)
        used += cost
    return [turn for pair in reversed(kept) for turn in pair]


def source_label(passage: dict) -> str:
    """How a passage is named in the prompt: its case title and pages.

    >>> source_label({"title": "Tenant v. Landlord", "case_id": "c1", "page_numbers": [2, 3]})
    'Tenant v. Landlord, pages 2-3'
    """
    pages = passage.get("page_numbers") or []
    where = "" if not pages else (f", page {pages[0]}" if len(pages) == 1 else f", pages {pages[0]}-{pages[-1]}")
    return f"{passage.get('title') or passage['case_id']}{where}"


def source_texts(passages: Sequence[dict], max_chars: int, question: str = "") -> list[tuple[str, str]]:
    """(label, text) of each passage, its text cut to the ``max_chars`` around the sentence
    that best matches ``question`` (``best_window``)."""
    return [(source_label(passage), best_window(passage["text"], question, max_chars)) for passage in passages]


def best_window(text: str, question: str, max_chars: int) -> str:
    """The sentences of ``text`` (whitespace collapsed) around the one holding most of
    ``question``'s content words, as many as fit ``max_chars``, "..." where text is left out: a
    chunk is longer than what the model is shown of it, and its answer is not always at its start.

    >>> text = "The hearing was short. Counsel spoke. The State recommended a 22-year sentence. Costs followed."
    >>> best_window(text, "What sentence did the State recommend?", 70)
    '... Counsel spoke. The State recommended a 22-year sentence. ...'
    >>> best_window(text, "", 40), best_window(text, "anything", 200) == text
    ('The hearing was short. ...', True)
    """
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    sentences = [sentence.text for sentence in split_sentences(text)]
    wanted = set(content_words(question))
    best = max(range(len(sentences)), key=lambda index: (len(wanted & set(content_words(sentences[index]))), -index))
    if len(sentences[best]) > max_chars - 8:
        return clip(sentences[best], max_chars)
    first = last = best
    used = len(sentences[best])
    while True:  # the sentence before, then the one after, while they fit
        grown = False
        for index in (first - 1, last + 1):
            if 0 <= index < len(sentences) and used + 1 + len(sentences[index]) <= max_chars - 8:
                used += 1 + len(sentences[index])
                first, last = min(first, index), max(last, index)
                grown = True
        if not grown:
            break
    window = " ".join(sentences[first:last + 1])
    return ("... " if first > 0 else "") + window + (" ..." if last < len(sentences) - 1 else "")


def clip(text: str, max_chars: int) -> str:
    """``text`` with its whitespace collapsed, cut at a word boundary to ``max_chars``.

    >>> clip("The appeal is dismissed with costs.", 20)
    'The appeal is ...'
    """
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 3].rsplit(" ", 1)[0]
    return f"{cut} ..."


def case_list_answer(passages: Sequence[dict]) -> tuple[str, list[int]]:
    """The answer to a case search: each matching case once, with the marker of its best
    passage; and those passages' 1-based numbers in marker order.

    >>> text, sources = case_list_answer([{"case_id": "a", "title": "A v. B", "page_numbers": [3]},
    ...                                   {"case_id": "a", "title": "A v. B", "page_numbers": [5]},
    ...                                   {"case_id": "c", "title": "C v. D", "page_numbers": [1]}])
    >>> print(text); sources
    These cases match:
    - A v. B, page 3 [1]
    - C v. D, page 1 [2]
    [1, 3]
    """
    lines, sources, seen = ["These cases match:"], [], set()
    for number, passage in enumerate(passages, start=1):
        if passage["case_id"] in seen:
            continue
        seen.add(passage["case_id"])
        sources.append(number)
        lines.append(f"- {source_label(passage)} [{len(sources)}]")
    return "\n".join(lines), sources


def evidence_answer(question: str, texts: Sequence[str], max_sentences: int = 2) -> tuple[str, list[int]]:
    """The sentences of the sources that hold most of the question's content words, each
    with its marker: the answer when no generated sentence is supported. Returns the text and
    the 1-based source numbers in marker order.

    >>> evidence_answer("Was the plea voluntary?", ["The hearing was short. The plea was voluntary and knowing.",
    ...                                            "Costs follow the event."])
    ('The plea was voluntary and knowing [1].', [1])
    """
    wanted = set(content_words(question))
    scored = []
    for number, text in enumerate(texts, start=1):
        for position, sentence in enumerate(split_sentences(text)):
            words = set(content_words(sentence.text))
            if words:
                share = len(wanted & words) / len(wanted) if wanted else 0.0
                scored.append((-share, number, position, sentence.text))
    chosen = [item for item in sorted(scored) if item[0] < 0][:max_sentences] or sorted(
        scored, key=lambda item: (item[1], item[2]))[:1]
    chosen.sort(key=lambda item: (item[1], item[2]))  # in source order
    sources: list[int] = []
    sentences = []
    for _, number, _, sentence in chosen:
        if number not in sources:
            sources.append(number)
        sentences.append(with_markers(" ".join(sentence.split()), f"[{sources.index(number) + 1}]"))
    return " ".join(sentences), sources


def invented_facts(sentence: str, sources: SourceFacts) -> list[tuple[Fact, str]]:
    """The facts of ``sentence`` (numbers, dates, amounts, provisions, citations, names) that
    ``sources`` (``summary_checks.sources_facts`` of the passages and their titles) do not hold,
    each with the reason, markers left out: the check summaries get
    (``summary_checks.unsupported_facts``), so that a sentence cannot state what its sources do not
    however many of its other words they share.

    >>> sources = sources_facts(["The State recommended a 22-year aggregate sentence.", "Jagels appealed."])
    >>> invented_facts("Jagels got a 22-year sentence [1].", sources)
    []
    >>> [fact.text for fact, _ in invented_facts("The State recommended a 30-year sentence for Smith.", sources)]
    ['30', 'Smith']
    """
    return unsupported_facts(MARKER_GROUP.sub(" ", sentence), sources)


def without_invented_facts(draft: str, source_texts: Sequence[str]) -> tuple[str, int]:
    """``draft`` without its sentences that state a fact no source holds (``invented_facts``),
    and how many were left out (word overlap alone would let "a 30-year sentence" pass on a
    source's "a 22-year sentence").

    >>> without_invented_facts("Review is de novo [1]. It was decided in 1999 [1].",
    ...                        ["We review the dismissal de novo. The appeal was decided in 2021."])
    ('Review is de novo [1].', 1)
    """
    sources = sources_facts(source_texts)
    kept, dropped = [], 0
    for sentence in split_sentences(draft):
        if invented_facts(sentence.text, sources):
            dropped += 1
        else:
            kept.append(sentence.text)
    return " ".join(kept), dropped


def sentence_support(sentence: str, source_texts: Sequence[str]) -> float:
    """The largest share of ``sentence``'s content words that one sentence of a source, or two
    adjacent ones, holds (1.0 for a sentence without content words). A sentence a chunk
    supports restates one place of it; one assembled from words spread over the chunk does not.

    >>> sources = ["The State recommended a 22-year sentence. The plea was entered in 2016. Costs followed."]
    >>> sentence_support("The State recommended a 22-year sentence [1].", sources)
    1.0
    >>> sentence_support("The plea court recommended costs.", sources)
    0.5
    """
    words = set(content_words(MARKER_GROUP.sub(" ", sentence)))
    if not words:
        return 1.0
    best = 0.0
    for text in source_texts:
        parts = [set(content_words(part.text)) for part in split_sentences(text)]
        for window in [*parts, *(first | second for first, second in zip(parts, parts[1:]))]:
            best = max(best, len(words & window) / len(words))
    return best


def without_scattered_sentences(draft: str, source_texts: Sequence[str], min_overlap: float) -> tuple[str, int]:
    """``draft`` without its sentences whose ``sentence_support`` is below ``min_overlap``
    (settings ``chat.sentence_min_overlap``), and how many were left out.

    >>> without_scattered_sentences("The State recommended a 22-year sentence [1]. The plea recommended costs.",
    ...                             ["The State recommended a 22-year sentence. Costs followed. The plea was late."],
    ...                             0.7)
    ('The State recommended a 22-year sentence [1].', 1)
    """
    kept, dropped = [], 0
    for sentence in split_sentences(draft):
        if sentence_support(sentence.text, source_texts) >= min_overlap:
            kept.append(sentence.text)
        else:
            dropped += 1
    return " ".join(kept), dropped
