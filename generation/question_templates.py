"""A question for a fact (``generation.question_facts.Fact``) without a model: what a request
falls back on when the model's phrasing fails validation or its model-call budget is spent.

A short fact is asked for in its own sentence, the fact replaced by a question phrase of its
kind ("... entered judgment on what date?"); a caption fact by a fixed question ("Which court
decided this case?"); a holding or statement by the words that lead to it; a reason by the
clause it explains ("Why does the court say that ...?").

>>> from generation.question_facts import extract_facts
>>> text = "The district court entered judgment on March 3, 2019, after a bench trial."
>>> date = next(f for f in extract_facts(text) if f.kind == "date")
>>> template_question(date, text)
'The district court entered judgment on what date, after a bench trial?'
"""

from __future__ import annotations

import re

from generation.question_facts import Fact, is_prose
from generation.words import content_words

MAX_TEMPLATE_WORDS = 30  # as generation.questions.MAX_QUESTION_WORDS: a longer question is refused
WORDS_BEFORE, WORDS_AFTER, TOPIC_WORDS = 12, 8, 18
CAPTION_QUESTIONS: dict[str, str] = {
    "court": "Which court decided this case?",
    "lower_court": "From which court did this case come to the deciding court?",
    "plaintiff": "Who is the first party named on the plaintiff's, petitioner's or appellant's side of this case?",
    "defendant": "Who is the first party named on the defendant's, respondent's or appellee's side of this case?",
    "date_decided": "On what date was this opinion decided or filed?",
}
QUESTION_PHRASES: dict[str, str] = {
    "date": "what date", "amount": "what amount", "statute": "which provision", "citation": "which reported decision",
    "posture": "what kind of motion or proceeding", "standard": "what standard", "name": "whom",
}
MID_CONNECTIVE = re.compile(r",\s(?:therefore|thus|accordingly|consequently|hence),\s", re.IGNORECASE)
PREPOSITIONS = frozenset({"by", "to", "for", "against", "with", "from", "of", "on", "upon", "between", "and", "or",
                          "before", "after", "under", "toward", "towards", "about", "including", "like"})
# Sentence openers lower-cased when a clause is quoted inside a question.
OPENERS = frozenset({"the", "this", "that", "these", "those", "it", "we", "he", "she", "they", "there", "a", "an",
                     "its", "our", "his", "her", "their", "in", "on", "at", "but", "and", "as", "when", "if",
                     "although", "here", "such", "no", "any", "each", "both", "neither", "none"})
LEADING_CONNECTIVES = ("but ", "and ", "however, ", "here, ", "so ", "yet ", "moreover, ", "further, ",
                       "furthermore, ", "indeed, ", "still, ", "finally, ", "similarly, ", "thus, ", "then, ",
                       "additionally, ", "also, ", "instead, ", "again, ", "first, ", "second, ", "third, ",
                       "likewise, ", "nevertheless, ", "nonetheless, ", "in addition, ", "ultimately, ",
                       "specifically, ", "as noted, ", "in any event, ", "rather, ", "notably, ")


def template_question(fact: Fact, text: str) -> str | None:
    """A question whose answer is ``fact``'s span of ``text``, or None when none fits (too long)."""
    if fact.kind in CAPTION_QUESTIONS:
        return CAPTION_QUESTIONS[fact.kind]
    if fact.kind == "standard" and fact.topic:
        return bounded(f"Under what standard does the court review {clause(text, fact.topic)}?")
    if fact.kind == "standard_rule" and fact.topic:
        return bounded(f"How does the court review {clause(text, fact.topic)}?")
    if fact.kind in ("holding", "statement") and fact.topic:
        lead = " ".join(text[fact.passage_start:fact.topic[1]].split()[-TOPIC_WORDS:])
        return bounded(f'How does the court complete the statement "{lead} ..."?')
    if fact.kind == "disposition":
        return "What does the court order in disposing of the case?"
    if fact.kind == "reason" and fact.topic:
        return why(text, fact.topic, "Why does the court say that {}?")
    if fact.kind == "conclusion" and fact.topic:
        return why(text, fact.topic, "Why does the court conclude that {}?")
    if fact.kind == "means" and fact.topic:
        return bounded(f"How, according to the court, does a party {clause(text, fact.topic)}?")
    if fact.kind == "support" and fact.topic:
        return why(text, fact.topic, "How does the court support its conclusion that {}?")
    return echo_question(fact, text)


def echo_question(fact: Fact, text: str) -> str | None:
    """The fact's sentence around it, the fact replaced by its kind's question phrase.

    >>> text = "Jones was sentenced to 120 months in prison."
    >>> from generation.question_facts import Fact
    >>> echo_question(Fact("number", 23, 33, 0, 44, 0), text)
    'Jones was sentenced to how many months in prison?'
    """
    answer = text[fact.answer_start:fact.answer_end]
    phrase = question_phrase(fact.kind, answer)
    before = text[fact.passage_start:fact.answer_start].split()
    after = text[fact.answer_end:fact.passage_end].split()
    cut_before = len(before) > WORDS_BEFORE
    before, after = before[-WORDS_BEFORE:], after[:WORDS_AFTER]
    tail = " ".join(after).rstrip(".;:!?,\"'\u201d\u2019 ")
    separator = "" if tail[:1] in (",", ";", ":", ")") else " "
    if phrase == "whom" and (not before or before[-1].lower() not in PREPOSITIONS):
        phrase = "who"  # the subject ("Appellant who appeals ..."), not an object ("filed by whom")
    if not before:
        question = f"{phrase[0].upper()}{phrase[1:]}{separator}{tail}".strip()
    else:
        lead = ("According to the opinion, " if cut_before else "") + " ".join(before)
        question = f"{lead} {phrase}{separator}{tail}".strip()
    return bounded(question.rstrip(" ,;:") + "?")


def question_phrase(kind: str, answer: str) -> str:
    """What replaces a fact of ``kind`` in its sentence.

    >>> question_phrase("number", "20 days"), question_phrase("number", "3 counts")
    ('how many days', 'how many counts')
    """
    if kind == "number":
        unit = answer.replace("-", " ").split()[-1]
        return f"how many {unit if unit.endswith('s') else unit + 's'}"
    return QUESTION_PHRASES.get(kind, "what")


def clause(text: str, span: tuple[int, int]) -> str:
    """A span of ``text`` as a clause inside a question: one line, a leading connective and a
    trailing comma dropped, a sentence opener lower-cased (a question of too many words is
    refused by ``bounded``).

    >>> clause("However, The notice was late,", (0, 29))
    'the notice was late'
    """
    words = " ".join(text[span[0]:span[1]].split())
    for connective in LEADING_CONNECTIVES:
        if words.lower().startswith(connective):
            words = words[len(connective):]
    words = MID_CONNECTIVE.sub(" ", words).strip(" ,;:")
    first, _, rest = words.partition(" ")
    if first.lower() in OPENERS or not content_words(first) or first.endswith("ing"):
        words = f"{first.lower()} {rest}".strip()
    return words


def why(text: str, topic: tuple[int, int], form: str) -> str | None:
    """``form`` around the topic clause; when that is too long, around the clause's last part
    (after its last comma: the main clause, nearest the reason), else its last words quoted.

    >>> text = "Finding no error in the record below, we affirm the judgment"
    >>> why(text, (0, len(text)), "Why does the court say that {}?")
    'Why does the court say that finding no error in the record below, we affirm the judgment?'
    """
    whole = clause(text, topic)
    if not content_words(whole.split()[-1] if whole else "") or not is_prose(whole):
        return None  # "Tarrant contends that", a citation: no clause to ask why about
    question = bounded(form.format(whole))
    if question:
        return question
    _, comma, main = whole.rpartition(", ")
    if comma and len(main.split()) >= 4:
        question = bounded(form.format(clause(main, (0, len(main)))))
        if question:
            return question
    return bounded(form.format('"... ' + " ".join(whole.split()[-TOPIC_WORDS:]) + '"'))


def bounded(question: str) -> str | None:
    """The question, or None when it is longer than a question may be."""
    return question if len(question.split()) <= MAX_TEMPLATE_WORDS else None
