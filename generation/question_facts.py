"""Facts of a judgement a question can be built on, each a span of the text LexRay finds itself
before any model writes: the deciding court and the court below, the parties, the decision
date, statutes and sections, case citations, dates, amounts and numbers, the standard of
review, the procedural posture, the holding and disposition sentences, and the court's reasons.

A ``Fact`` is the answer (``text[answer_start:answer_end]``, verbatim) inside its passage
(the sentence, or for a reason the sentences, it comes from); ``topic`` is the span a template
question names (the clause a "why" asks about, what a standard of review applies to).
Extraction reuses ``pipelines.enrich`` (courts, parties, dates, statutes, eyecite citations);
the patterns added here are linear (no nested quantifiers): the text is hostile input.

Each kind has the difficulty it serves (``KIND_DIFFICULTY``): a short fact for ``easy``, a
clause (a holding, a disposition, the end of a rule's statement) for ``medium``, the court's
reason for ``hard``.

>>> text = ("The district court granted summary judgment on March 3, 2019. We review the grant of "
...         "summary judgment de novo. We affirm the district court's judgment because the claim was filed too late.")
>>> [(f.kind, text[f.answer_start:f.answer_end]) for f in extract_facts(text) if f.kind != "statement"]
... # doctest: +NORMALIZE_WHITESPACE
[('date', 'March 3, 2019'), ('posture', 'summary judgment'), ('posture', 'summary judgment'),
 ('standard', 'de novo'), ('reason', 'because the claim was filed too late')]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from eyecite.models import FullCaseCitation, FullLawCitation

from generation.sentences import Sentence, split_sentences
from generation.words import content_words
from lexray.settings import EnrichSettings, ExtractiveSettings, QuestionSettings
from pipelines.enrich.citations import eyecite_citations, is_plausible_case_citation
from pipelines.enrich.courts import COURT_PATTERNS, LOWER_COURT_CUE
from pipelines.enrich.dates import DATE, DECIDED_PATTERNS, FILED_PATTERNS, MONTH
from pipelines.enrich.parties import find_parties
from pipelines.enrich.statutes import BARE_SECTION, CODE_NAME, CONSTITUTION, INDIAN_SECTION, NAMED_CODE_SECTION

EASY, MEDIUM, HARD = "easy", "medium", "hard"
KIND_DIFFICULTY: dict[str, str] = {
    "court": EASY, "lower_court": EASY, "plaintiff": EASY, "defendant": EASY, "date_decided": EASY,
    "date": EASY, "statute": EASY, "citation": EASY, "amount": EASY, "number": EASY, "standard": EASY,
    "posture": EASY, "name": EASY,
    "holding": MEDIUM, "disposition": MEDIUM, "standard_rule": MEDIUM, "statement": MEDIUM,
    "reason": HARD, "conclusion": HARD, "support": HARD, "means": HARD,
}
# The caption's facts: once per judgement, asked about as the case's (common) facts.
CASE_KINDS = frozenset({"court", "lower_court", "plaintiff", "defendant", "date_decided"})

DATE_SPAN = re.compile(DATE)
MONTH_YEAR = re.compile(rf"\b{MONTH}\s\d{{4}}\b")  # "in August 2015"
AMOUNT = re.compile(r"\$\s?\d[\d,]*(?:\.\d+)?(?:\s(?:million|billion|thousand))?"
                    r"|\b(?:Rs\.?|INR)\s?\d[\d,]*(?:\.\d+)?|\b\d[\d,]*(?:\.\d+)?\s(?:dollars|rupees|percent)\b")
# A count or a duration: a number before a time unit or a plural noun ("22 cases", "120 months").
NUMBER = re.compile(r"\b\d[\d,]*(?:\.\d+)?[\s-](?:years?|months?|days?|hours?|weeks?|[a-z]{2,20}s)\b(?!['\u2019])")
# Two to four capitalised words in running text after a lower-case word: a person's or party's name.
# Possessive quantifiers: nothing inside the repetition can backtrack.
# A person's name: with a middle initial ("Nichole M. Jagels"), or after a title ("Judge Kozinski").
NAME = re.compile(r"(?<=[a-z,] )[A-Z][a-z]++ [A-Z]\. [A-Z][a-z]++(?![\w'\u2019-])"
                  r"|\b(?:Mr\.|Ms\.|Mrs\.|Dr\.|Judge|Justice|Officer|Detective|Agent|Trooper|Sergeant|Deputy|Governor)"
                  r" [A-Z][a-z]++(?: [A-Z][a-z]++)?+(?![\w'\u2019-])")
# Words that make a capitalised run a title, a law or a place rather than a person's name.
NOT_NAME_WORDS = frozenset({
    "act", "amendment", "clause", "code", "court", "circuit", "order", "rule", "rules", "reports", "street", "panel",
    "state", "states", "united", "county", "city", "district", "department", "office", "board", "commission",
    "constitution", "article", "section", "title", "chapter", "appeals", "supreme", "federal", "compact", "river",
    "avenue", "road", "company", "corporation", "bank", "insurance", "act's", "government", "congress", "house",
    "senate", "agency", "service", "services", "university", "school", "church", "association", "union", "law",
    "after", "before", "policy", "plan", "program", "center", "foundation", "project", "report", "trust", "fund"})
STANDARD = re.compile(r"\b(?:de novo|abuse of discretion|clear error|clearly erroneous|substantial evidence|"
                      r"plain error|harmless error|arbitrary and capricious|reasonable doubt)\b", re.IGNORECASE)
POSTURE = re.compile(r"\b(?:summary judgment|motion to dismiss|motion to suppress|petition for review|"
                     r"writ of habeas corpus|habeas petition|guilty plea|jury verdict|bench trial|default judgment|"
                     r"preliminary injunction|class certification|judgment on the pleadings|motion for a new trial|"
                     r"petition for rehearing|writ of certiorari|writ petition|special leave petition)\b",
                     re.IGNORECASE)
HOLDING = re.compile(r"\b(?:we|the court|this court|it)\s(?:hold|holds|held|conclude|concludes|concluded|agree|"
                     r"agrees|agreed|find|finds|found|determine|determines|determined|are satisfied|is satisfied|"
                     r"are persuaded|accept|reject|rejects|recognize|recognized)\sthat\s", re.IGNORECASE)
# "we find Jagels' argument lacks merit": present tense only ("as we held over a century ago" is no holding).
HOLDING_PLAIN = re.compile(r"\b(?:we|the court|this court)\s(?:hold|holds|conclude|concludes|find|finds)\s(?!that\b)",
                           re.IGNORECASE)
DISPOSITION = re.compile(r"\b(?:affirm|affirmed|reverse|reversed|vacate|vacated|remand|remanded|dismiss|"
                         r"dismissed|allowed|set aside)\b", re.IGNORECASE)
# Not "since" (often a time: "since the Code was enacted") nor "in light of" (often an aside).
BECAUSE = re.compile(r"(?<!,)\s(?:because|given that|on the ground that|on the grounds that|on the basis that|"
                     r"for the reason that|in order to|so that)\s")
# "since" as a reason, not a time ("since 2015", "since May 2015", "since then").
SINCE = re.compile(r"(?<!,)\ssince\s(?!\d|then\b|[A-Z][a-z]+\s\d|at least\b)")
# "Because the notice was late, the claim fails.": the reason comes first, up to its comma.
BECAUSE_FIRST = re.compile(r"^(?:because|since|given(?: that)?|in light of)\s[^,]{10,300},\s", re.IGNORECASE)
# "We must, therefore, mount ...": the sentence before is the reason.
MID_CONCLUSION = re.compile(r",\s(?:therefore|thus|accordingly|consequently|hence),\s", re.IGNORECASE)
# "To overcome this presumption, the movant must ...": how a party reaches a legal end.
PURPOSE_FIRST = re.compile(r"^(?:in order to|to)\s(?!(?:this|that|the|these|those|a|an|date|be|some|what|which|"
                           r"such|my|our|its|his|her|their)\b)(?P<end>[a-z]+\s[^,]{8,200}),\s", re.IGNORECASE)
# "This is because ...": the reason for the sentence before.
THIS_BECAUSE = re.compile(r"^(?:this|that|it) is (?:so )?(?=because\s)", re.IGNORECASE)
# "..., and thus ...": the clause before is the reason for the one after.
SO = re.compile(r"[,;]\s(?:and\s)?(?:thus|therefore|so|hence|accordingly|consequently)\s(?![a-z]+ing\b)")
CONCLUSION = re.compile(r"^(?:therefore|thus|accordingly|consequently|hence|for these reasons|for the foregoing "
                        r"reasons|for the reasons (?:stated|given) above|in sum|as such|as a result(?=,)|it follows that|"
                        r"in short|because of this|for that reason|for this reason)\b,?\s", re.IGNORECASE)
REVIEW = re.compile(r"\breview(?:s|ed|ing)?\s")
# "section 19 of the Rent Control Act", "Rule 65", "Article 14": a provision by its number, and
# the act named after it. Each repeated piece starts with a capital and ends at a space: nothing
# to backtrack over.
SECTION_OF_ACT = re.compile(r"\b(?:[Ss]ection|[Rr]ule|[Aa]rticle|[Cc]lause)\s\d++(?:\.\d++)*+[A-Za-z]?(?:\(\w{1,4}\))*+"
                            r"(?:\sof\s(?:the\s)?(?:[A-Z][A-Za-z]*+\s){0,5}(?:Act|Code|Rules|Constitution)\b)?")
LOWER_WORD = re.compile(r"\b[a-z][a-z'\u2019-]+\b")


@dataclass(frozen=True)
class Fact:
    """A span of the text to ask for: ``text[answer_start:answer_end]`` inside the passage
    ``text[passage_start:passage_end]``; ``topic`` (a span, or None) what a template names."""

    kind: str
    answer_start: int
    answer_end: int
    passage_start: int
    passage_end: int
    sentence: int  # index of the sentence holding the answer among ``split_sentences``; -1 in the caption
    topic: tuple[int, int] | None = None

    @property
    def difficulty(self) -> str:
        return KIND_DIFFICULTY[self.kind]

    def answer(self, text: str) -> str:
        return text[self.answer_start:self.answer_end]


def extract_facts(
    text: str,
    *,
    sentences: Sequence[Sentence] | None = None,
    settings: QuestionSettings = QuestionSettings(),
    extractive_settings: ExtractiveSettings = ExtractiveSettings(),
    head_chars: int = EnrichSettings().head_chars,
) -> list[Fact]:
    """Every fact of ``text`` in text order (caption facts first), at most one per answer span.
    ``sentences``: ``split_sentences(text)`` when the caller has them; ``head_chars``: how much
    of the text is the caption (settings ``enrich.head_chars``)."""
    if sentences is None:
        sentences = split_sentences(text, max_segment_chars=extractive_settings.max_segment_chars,
                                    max_segment_periods=extractive_settings.max_segment_periods)
    facts = caption_facts(text, head_chars=head_chars, max_chars=settings.max_fact_passage_chars)
    cited = citation_spans(text)
    for index, sentence in enumerate(sentences):
        if len(sentence.text.split()) > settings.max_passage_words:
            continue  # a table or broken extraction, not a sentence
        inside = [(kind, start - sentence.char_start, end - sentence.char_start) for kind, start, end in cited
                  if sentence.char_start <= start and end <= sentence.char_end]
        facts.extend(sentence_facts(text, sentences, index, settings, cited=inside))
    seen: set[tuple[int, int]] = set()
    unique: list[Fact] = []
    for fact in facts:
        if (fact.answer_start, fact.answer_end) not in seen and fact.answer_end > fact.answer_start:
            seen.add((fact.answer_start, fact.answer_end))
            unique.append(fact)
    return unique


def caption_facts(text: str, *, head_chars: int = EnrichSettings().head_chars,
                  max_chars: int = QuestionSettings().max_fact_passage_chars) -> list[Fact]:
    """The deciding court, the court below, the first plaintiff and defendant and the decision
    date, where the caption (the first ``head_chars`` characters) prints them; each passage is
    the caption around it (up to ``max_chars``).

    >>> head = "UNITED STATES COURT OF APPEALS FOR THE FIRST CIRCUIT\\n\\nJOHN DOE,\\nPlaintiff, Appellant,\\n\\nv.\\n\\nACME CORP.,\\nDefendant.\\n\\nDecided: May 2, 2019"
    >>> [(f.kind, head[f.answer_start:f.answer_end]) for f in caption_facts(head)]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('court', 'UNITED STATES COURT OF APPEALS FOR THE FIRST CIRCUIT'), ('plaintiff', 'JOHN DOE'),
     ('defendant', 'ACME CORP'), ('date_decided', 'May 2, 2019')]
    """
    head = text[:head_chars]
    facts: list[Fact] = []
    courts: dict[str, tuple[int, int]] = {}
    for pattern, _ in COURT_PATTERNS:
        for match in pattern.finditer(head):
            kind = "lower_court" if LOWER_COURT_CUE.search(head[max(0, match.start() - 40):match.start()]) else "court"
            if kind not in courts or match.start() < courts[kind][0]:
                courts[kind] = match.span()
    for kind in ("court", "lower_court"):
        if kind in courts:
            facts.append(_caption_fact(text, kind, *courts[kind], max_chars))
    plaintiffs, defendants = find_parties(text, head_chars=head_chars)
    for kind, parties in (("plaintiff", plaintiffs), ("defendant", defendants)):
        span = find_words(head, parties[0]) if parties else None
        if span:
            facts.append(_caption_fact(text, kind, *span, max_chars))
    for pattern in DECIDED_PATTERNS + FILED_PATTERNS:
        match = pattern.search(head)
        if match:
            facts.append(_caption_fact(text, "date_decided", *match.span("date"), max_chars))
            break
    return facts


def find_words(text: str, phrase: str) -> tuple[int, int] | None:
    """Where ``phrase``'s words occur in ``text`` in that order (any case, any spaces between,
    trailing punctuation of the phrase ignored).

    >>> find_words("GIFT SURPLUS,\\n LLC, Plaintiffs", "Gift Surplus, LLC")
    (0, 18)
    """
    words = phrase.strip(" ,.;:").split()
    if not words:
        return None
    match = re.search(r"\s+".join(re.escape(word) for word in words), text, re.IGNORECASE)
    return match.span() if match else None


def citation_spans(text: str) -> list[tuple[str, int, int]]:
    """Case citations (``citation``: the reporter reference, plausible as enrichment keeps them)
    and statutes (``statute``) eyecite finds in ``text``, as (kind, start, end).

    >>> text = "See Oklahoma v. Texas, 258 U. S. 574 (1922); 42 U.S.C. § 1983."
    >>> [(kind, text[start:end]) for kind, start, end in citation_spans(text)]
    [('citation', '258 U. S. 574'), ('statute', '42 U.S.C. § 1983')]
    """
    spans: list[tuple[str, int, int]] = []
    for citation in eyecite_citations(text):
        if isinstance(citation, FullCaseCitation) and is_plausible_case_citation(citation, text):
            spans.append(("citation", *citation.span()))
        elif isinstance(citation, FullLawCitation):
            spans.append(("statute", *citation.span()))
    return spans


def sentence_facts(text: str, sentences: Sequence[Sentence], index: int,
                   settings: QuestionSettings = QuestionSettings(),
                   cited: Sequence[tuple[str, int, int]] = ()) -> list[Fact]:
    """The facts of sentence ``index``: its short facts (easy), its holding, disposition or rule
    (medium) and the court's reason it states or concludes from (hard). ``cited``: its
    citations (``citation_spans``), spans within the sentence."""
    sentence = sentences[index]
    start, body = sentence.char_start, sentence.text
    if not is_prose(body, settings.min_lowercase_share):
        return []
    facts: list[Fact] = []

    def add(kind: str, answer: tuple[int, int], passage: tuple[int, int] = (sentence.char_start, sentence.char_end),
            topic: tuple[int, int] | None = None) -> None:
        facts.append(Fact(kind, answer[0], answer[1], passage[0], passage[1], index, topic))

    for kind, spans in short_fact_spans(body, cited).items():
        for span_start, span_end in spans:
            add(kind, (start + span_start, start + span_end))
    for match in STANDARD.finditer(body):
        review = REVIEW.search(body, 0, match.start())
        topic = (start + review.end(), start + match.start()) if review else None
        add("standard", (start + match.start(), start + match.end()), topic=topic)
        if review and len(text[start + match.end():trimmed_end(text, sentence)].split()) >= 3:
            add("standard_rule", (start + match.start(), trimmed_end(text, sentence)), topic=topic)
    holding = HOLDING.search(body) or HOLDING_PLAIN.search(body)
    if holding and len(body) - holding.end() > 20:
        add("holding", (start + holding.end(), trimmed_end(text, sentence)),
            topic=(start + holding.start(), start + holding.end()))
    if DISPOSITION.search(body) and index >= len(sentences) * settings.disposition_tail:
        add("disposition", (start, trimmed_end(text, sentence)))
    because = BECAUSE.search(body) or SINCE.search(body)
    if because and because.start() >= settings.min_reason_chars and len(body) - because.end() > 15:
        add("reason", (start + because.start() + 1, trimmed_end(text, sentence)),
            topic=(start, start + because.start()))
    so = SO.search(body)
    if so and so.start() >= settings.min_reason_chars and len(body) - so.end() > 15:
        add("conclusion", (start, start + so.start()), topic=(start + so.end(), trimmed_end(text, sentence)))
    because_first = BECAUSE_FIRST.match(body)
    if because_first and len(body) - because_first.end() > 15:
        add("reason", (start, start + because_first.end() - 2),
            topic=(start + because_first.end(), trimmed_end(text, sentence)))
    purpose = PURPOSE_FIRST.match(body)
    if purpose and len(body) - purpose.end() > 15:
        add("means", (start + purpose.end(), trimmed_end(text, sentence)),
            topic=(start + purpose.start("end"), start + purpose.end("end")))
    previous = previous_prose(sentences, index)
    this_because = THIS_BECAUSE.match(body)
    if this_because and previous is not None:
        add("reason", (start + this_because.end(), trimmed_end(text, sentence)),
            passage=(previous.char_start, sentence.char_end), topic=(previous.char_start, trimmed_end(text, previous)))
    conclusion = CONCLUSION.match(body)
    # What the sentence concludes: after a leading "Therefore,"; all of it around a ", therefore,".
    concluded_from = conclusion.end() if conclusion else 0 if MID_CONCLUSION.search(body) else None
    if concluded_from is not None and previous is not None and \
            len(previous.text.split()) <= settings.max_answer_words:
        add("conclusion", (previous.char_start, trimmed_end(text, previous)),
            passage=(previous.char_start, sentence.char_end), topic=(start + concluded_from, trimmed_end(text, sentence)))
    if holding and previous is not None and not CONCLUSION.match(body) and \
            len(previous.text.split()) <= settings.max_answer_words:  # the reasoning that leads to it
        add("support", (previous.char_start, trimmed_end(text, previous)),
            passage=(previous.char_start, sentence.char_end),
            topic=(start + holding.end(), trimmed_end(text, sentence)))
    if holding and index + 1 < len(sentences) and is_prose(sentences[index + 1].text) and \
            not CONCLUSION.match(sentences[index + 1].text):  # "Therefore, ..." follows from it, not supports it
        following = sentences[index + 1]
        if len(following.text.split()) <= settings.max_answer_words:
            add("support", (following.char_start, trimmed_end(text, following)),
                passage=(sentence.char_start, following.char_end),
                topic=(start + holding.end(), trimmed_end(text, sentence)))
    words = body.split()
    if settings.min_statement_words <= len(words) <= settings.max_answer_words:
        cut = statement_cut(body)
        if cut:
            add("statement", (start + cut, trimmed_end(text, sentence)), topic=(start, start + cut))
    return facts


def previous_prose(sentences: Sequence[Sentence], index: int, *, look_back: int = 3) -> Sentence | None:
    """The last sentence of running text before ``index``, passing over the citations (at most
    ``look_back`` sentences back) that separate a court's reason from its "Therefore, ...".

    >>> from generation.sentences import split_sentences
    >>> sentences = split_sentences("The notice was served too late. Smith v. Jones, 12 F.3d 4 (1990). Thus, it fails.")
    >>> previous_prose(sentences, 2).text
    'The notice was served too late.'
    """
    for earlier in range(index - 1, max(index - 1 - look_back, -1), -1):
        if is_prose(sentences[earlier].text):
            return sentences[earlier]
    return None


def short_fact_spans(sentence: str, cited: Sequence[tuple[str, int, int]] = ()) -> dict[str, list[tuple[int, int]]]:
    """A sentence's short facts by kind, spans within it, none inside another; ``cited``: the
    citations eyecite found in it (``citation_spans``), as (kind, start, end).

    >>> short_fact_spans("Under 42 U.S.C. § 1983, Jane M. Roe sued in May 2015 for $5,000 and 20 years.")
    ... # doctest: +NORMALIZE_WHITESPACE
    {'statute': [(6, 22)], 'date': [(44, 52)], 'amount': [(57, 63)], 'number': [(68, 76)], 'name': [(24, 35)]}
    """
    found: dict[str, list[tuple[int, int]]] = {}
    taken: list[tuple[int, int]] = []

    def keep(kind: str, span: tuple[int, int]) -> None:
        if span[1] > span[0] and not any(span[0] < end and start < span[1] for start, end in taken):
            taken.append(span)
            found.setdefault(kind, []).append(span)

    for match in NAMED_CODE_SECTION.finditer(sentence):
        if CODE_NAME.search(match["code"]):
            keep("statute", match.span())
    for pattern in (BARE_SECTION, CONSTITUTION, INDIAN_SECTION, SECTION_OF_ACT):
        for match in pattern.finditer(sentence):
            keep("statute", (match.start("sign"), match.end()) if "sign" in pattern.groupindex else match.span())
    for kind, start, end in cited:
        keep(kind, (start, end))
    for pattern, kind in ((DATE_SPAN, "date"), (MONTH_YEAR, "date"), (AMOUNT, "amount"), (NUMBER, "number"), (POSTURE, "posture"),
                          (NAME, "name")):
        for match in pattern.finditer(sentence):
            if kind != "name" or not NOT_NAME_WORDS.intersection(match.group(0).lower().split()):
                keep(kind, match.span())
    return found


def is_prose(sentence: str, min_lowercase_share: float = QuestionSettings().min_lowercase_share) -> bool:
    """A sentence of running text: three lower-case content words or more, and at least
    ``min_lowercase_share`` of its words lower-case (not a caption, an address block or a
    citation line).

    >>> is_prose("Wooldridge v. State, 239 S.W.3d 151 (Mo. App. 2007)."), is_prose("We affirm the judgment below today.")
    (False, True)
    >>> is_prose("JOHN DOE jdoe@example.org 1313 West Eighth Street Los Angeles, CA 90017 Telephone: (213) 977-9500")
    False
    """
    lower = LOWER_WORD.findall(sentence)
    words = sentence.split()
    return len(content_words(" ".join(lower))) >= 3 and len(lower) >= min_lowercase_share * len(words)


def trimmed_end(text: str, sentence: Sentence) -> int:
    """The sentence's end without its final punctuation and closing marks."""
    end = sentence.char_end
    while end > sentence.char_start and text[end - 1] in ".;:!?,\"'\u201d\u2019) ":
        if text[end - 1] == ")" and text.count("(", sentence.char_start, end) >= text.count(")", sentence.char_start, end):
            break  # "Rule 29.12(c)": the parenthesis closes one of the sentence's own
        end -= 1
    return end


STATEMENT_CUES = re.compile(r"(?<=\s)(?:that|is|are|was|were|must|may|shall|requires|required|provides|provided|"
                            r"means|held|found|argues|argued|contends|contended)\s")


def statement_cut(sentence: str, *, min_words: int = 4) -> int | None:
    """Where a statement splits into what a question can quote and what it asks for: after the
    first cue word ("that", "is", "must" ...) with ``min_words`` words on each side, else in
    the middle; None for a sentence of fewer than ``2 * min_words`` words.

    >>> sentence = "The statute plainly requires that the notice be served within thirty days."
    >>> sentence[statement_cut(sentence):]
    'the notice be served within thirty days.'
    """
    for match in STATEMENT_CUES.finditer(sentence):
        if len(sentence[:match.start()].split()) >= min_words and len(sentence[match.end():].split()) >= min_words:
            return match.end()
    words = list(re.finditer(r"\S+", sentence))
    if len(words) >= 2 * min_words:
        return words[len(words) // 2].start()  # no cue: the sentence's second half is asked for
    return None


def _caption_fact(text: str, kind: str, start: int, end: int, max_chars: int) -> Fact:
    """A caption fact with the caption around it (``max_chars`` in all, cut at spaces) as passage:
    a caption line alone ("JOHN DOE,") says nothing a question could be about."""
    margin = max(0, (max_chars - (end - start)) // 2)
    passage_start = max(0, start - margin)
    passage_end = min(len(text), end + margin)
    while passage_start > 0 and not text[passage_start - 1].isspace() and passage_start < start:
        passage_start += 1
    while passage_end < len(text) and not text[passage_end].isspace() and passage_end > end:
        passage_end -= 1
    return Fact(kind, start, end, passage_start, passage_end, -1)
