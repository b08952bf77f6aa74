"""The checkable facts of generated text, each looked up in the text it rests on (pure: no
model, no Ray): a summary against what it summarises, a chat answer against its passages. The
small model invents numbers, dates and names ("in 2018" in a 1952 judgement); a sentence stating
one the source does not hold is dropped, and what was removed is listed.

    checked = check_summary(summary_text, source_text)
    checked.text       # the sentences whose facts the source holds
    checked.removed    # RemovedFact(kind, text, reason, sentence) for each unsupported fact
    unsupported_facts(sentence, sources_facts(passage_texts))   # [(Fact, reason)]: chat's check

A fact is one of these kinds, found in this order (an earlier kind's span is not read again):

- ``citation``: a case citation (the Indian and English forms of
  ``pipelines.enrich.citation_forms``, and eyecite's reporter citations);
- ``date``: "20th February, 1950", "February 20, 1950", "20.2.1950", "March 1950";
- ``money``: "Rs. 5,000", "Rs 5000/-", "500 rupees", "Rs. 2 lakhs", "$ 1,500";
- ``reference``: a provision: "section 302 IPC", "s. 19(2)", "Sec. 5", "§ 1983", "Article 21",
  "Order 21 Rule 90", "clause (b)" is not (no number), "302 IPC";
- ``number``: any other digits ("29,000", "1,00,000", "19th", "2.5");
- ``name`` / ``party``: a run of capitalised words ("Durgeshwari Devi", "State of Bombay"), or
  dotted initials ("Cr.P.C.", "W. H."); ``party`` when it stands beside "v." / "vs." / "versus".

How each is looked up in the source (normalised: thousand separators and leading zeros dropped,
ordinals read as numbers, any spelling of a provision's kind, dates in any of the forms above,
names case-insensitively):

- a number or an amount: the same number is in the source (a lakh/crore amount also needs the word);
- a date: the same day (or month) is a date of the source, or its day and month are and its year is
  a number of the source ("1952. February 1." in a caption);
- a reference: the source refers to the same kind of provision with the same number ("section 19"
  is held by "sec. 19 (2)"; "section 19(2)" by "section 19" when the source has the number 2);
- a citation: the source holds the same citation, however spaced or dotted;
- a name: each of its words (stop words, months and one-letter initials aside) is a word of the
  source, or an acronym of one ("IPC" for "Indian Penal Code", "I.P.C.").

An unsupported fact inside a short parenthesis removes the parenthesis; anywhere else it drops
its sentence (a sentence without its number or name would say something else). Every pattern
has bounded repetitions and each scan is linear in the text: generated text is not trusted.

>>> source = "The appellant was convicted under section 19 (2) on 20th February, 1950 and fined Rs. 5,000."
>>> checked = check_summary("The appellant was fined Rs. 5000 under Sec. 19. The appeal was heard in 2018.", source)
>>> checked.text
'The appellant was fined Rs. 5000 under Sec. 19.'
>>> [(fact.kind, fact.text) for fact in checked.removed]
[('number', '2018')]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from generation.sentences import split_sentences
from lexray.settings import SummarySettings
from pipelines.enrich.citation_forms import find_citation_forms
from pipelines.enrich.dates import MONTH, MONTHS
from pipelines.enrich.statutes import INDIAN_CODE_ABBREVIATIONS

NUMBER_KINDS = ("number", "money", "date")
ENTITY_KINDS = ("name", "party", "reference", "citation")

_ORDINAL = r"\d{1,2}(?:st|nd|rd|th)?"
DATE = re.compile(
    rf"(?<![\w.])(?:(?P<dm_day>{_ORDINAL})(?:\s+day)?(?:\s+of)?\s*(?P<dm_month>{MONTH}),?\s*(?P<dm_year>\d{{4}})"
    rf"|(?P<md_month>{MONTH})\s*(?P<md_day>{_ORDINAL}),?\s*(?P<md_year>\d{{4}})"
    rf"|(?P<my_month>{MONTH}),?\s*(?P<my_year>\d{{4}})"
    r"|(?P<n_first>\d{1,2})[./-](?P<n_second>\d{1,2})[./-](?P<n_year>\d{4}))(?!\d)"
)
# "Feb 1" / "1st February" without a year: in a source, with its year a few words away.
DAY_MONTH = re.compile(rf"(?<![\w.])(?:(?P<dm_day>{_ORDINAL})\s*(?P<dm_month>{MONTH})|(?P<md_month>{MONTH})\s*"
                       rf"(?P<md_day>{_ORDINAL}))(?![\w])")
_AMOUNT = r"\d{1,3}(?:,\d{2,3}){1,6}(?:\.\d{1,2})?|\d{1,15}(?:\.\d{1,2})?"
MONEY = re.compile(
    rf"(?:(?<![\w])(?:Rs\.?|Rupees|INR|US\$|\$|₹|£|€)\s*(?P<before>{_AMOUNT})(?:\s*/-)?"
    rf"|(?<![\w,.])(?P<after>{_AMOUNT})\s*(?:/-\s*)?(?=(?i:rupees|dollars|pounds)\b))"
    r"(?:\s*(?P<scale>(?i:lakhs?|lacs?|crores?|thousand|million|billion))\b)?"
)
_PROVISION_NUMBER = r"\d{1,4}[A-Z]{0,2}(?:\s?\(\w{1,4}\)){0,4}"
REFERENCE = re.compile(
    r"(?<![\w.])(?P<kind>[Ss]ections?|SECTIONS?|[Ss]ecs?\.?|[Ss]s?\.|§§?|[Aa]rticles?|ARTICLES?|[Aa]rts?\."
    r"|[Rr]ules?|[Oo]rders?|[Cc]lauses?|[Ss]chedules?|[Pp]aragraphs?|[Pp]aras?\.?)\s*"
    # a year is not a provision: "the Rules 1950", "Order 1967"
    r"(?!(?:1[6-9]|20)\d\d(?!\d))"
    rf"(?P<numbers>{_PROVISION_NUMBER}(?:\s*(?:,|and|or|to|&|/)\s*{_PROVISION_NUMBER}){{0,12}})"
    rf"|(?<![\w.])(?P<bare>{_PROVISION_NUMBER})\s+(?:of\s+the\s+)?"
    r"(?=(?:IPC|I\.\s?P\.\s?C\.|Cr\.?\s?P\.?\s?C\.?|CrPC|C\.P\.C\.|CPC)(?!\w))"
)
_KINDS = {"s": "section", "ss": "section", "§": "section", "§§": "section", "sec": "section", "secs": "section",
          "section": "section", "sections": "section", "art": "article", "arts": "article", "article": "article",
          "articles": "article", "rule": "rule", "rules": "rule", "order": "order", "orders": "order",
          "clause": "clause", "clauses": "clause", "schedule": "schedule", "schedules": "schedule",
          "para": "paragraph", "paras": "paragraph", "paragraph": "paragraph", "paragraphs": "paragraph"}
_ONE_PROVISION = re.compile(_PROVISION_NUMBER)
NUMBER = re.compile(r"(?<!\d)\d{1,20}(?:,\d{2,3}){0,6}(?:\.\d{1,6}(?![.\d]))?")
WORD = re.compile(r"[^\W\d_]{1,60}(?:['’][^\W\d_]{1,3})?")
DOTTED_ACRONYM = re.compile(r"(?<![\w.])(?:[A-Z][a-z]{0,2}\.\s?){1,8}[A-Z](?![a-z])\.?")
PARTY_SEPARATOR_BEFORE = re.compile(r"(?:\bv|\bvs|\bversus)\.?\s{1,3}$", re.IGNORECASE)
PARTY_SEPARATOR_AFTER = re.compile(r"^\.?\s{1,3}(?:v|vs|versus)\.?\s", re.IGNORECASE)
NAME_CONNECTORS = frozenset({"of"})
SENTENCE_END = re.compile(r"(?:(?<=[a-z]{2})|(?<=[\d)]))[.!?]['\")\]]{0,2}\s+")
NAME_GAP = re.compile(r"[\s.]{1,4}")
NUMBER_WORDS = {word: str(value) for value, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}
NUMBER_WORDS.update({"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80",
                     "ninety": "90", "hundred": "100", "thousand": "1000", "first": "1", "second": "2",
                     "third": "3", "fourth": "4", "fifth": "5", "sixth": "6", "seventh": "7", "eighth": "8",
                     "ninth": "9", "tenth": "10"})
WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
MONTH_WORDS = frozenset("january february march april may june july august september october november "
                        "december jan feb mar apr jun jul aug sep sept oct nov dec".split())


@dataclass(frozen=True)
class Fact:
    """A checkable fact of a text: ``text[start:end]``, of ``kind``, with its normalised ``key``."""

    kind: str
    text: str
    start: int
    end: int
    key: tuple = ()


@dataclass(frozen=True)
class RemovedFact:
    kind: str
    text: str
    reason: str
    sentence: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text, "reason": self.reason, "sentence": self.sentence}


@dataclass(frozen=True)
class CheckedText:
    text: str
    removed: tuple[RemovedFact, ...] = ()


@dataclass(frozen=True)
class FactPrecision:
    """Counts behind NumPrec and NEPrec (see ``fact_precision``); they add up over summaries."""

    numbers: int = 0
    supported_numbers: int = 0
    entities: int = 0
    supported_entities: int = 0

    def __add__(self, other: FactPrecision) -> FactPrecision:
        return FactPrecision(self.numbers + other.numbers, self.supported_numbers + other.supported_numbers,
                             self.entities + other.entities, self.supported_entities + other.supported_entities)

    @property
    def num_prec(self) -> float | None:
        """Share of the numbers that are in the source; None with no number."""
        return self.supported_numbers / self.numbers if self.numbers else None

    @property
    def ne_prec(self) -> float | None:
        """Share of the named entities that are in the source; None with none."""
        return self.supported_entities / self.entities if self.entities else None


@dataclass(frozen=True)
class SourceFacts:
    """What a source holds, normalised for look-ups (``source_facts`` builds it)."""

    numbers: frozenset[str]
    dates: frozenset[tuple[int, ...]]     # (year, month, day) and (year, month)
    day_months: frozenset[tuple[int, int]]
    references: frozenset[tuple[str, str]]
    citations: frozenset[str]             # squashed: lower-case letters and digits only
    squashed: str
    words: frozenset[str] = field(default_factory=frozenset)


def source_facts(text: str) -> SourceFacts:
    """The source's numbers, dates, provisions, citations and words (plus acronyms of its
    capitalised runs: "Indian Penal Code" -> "ipc").

    >>> facts = source_facts("Convicted under s. 302 of the Indian Penal Code on 1st March, 1952 (Rs. 1,000).")
    >>> sorted(facts.numbers), sorted(facts.references), "ipc" in facts.words
    (['1', '1000', '1952', '302'], [('section', '302')], True)
    """
    numbers = {_number_key(match.group(0)) for match in NUMBER.finditer(text)}
    words: set[str] = set()
    for match in WORD.finditer(text):
        word = _word_key(match.group(0))
        words.add(word)
        if word in NUMBER_WORDS:
            numbers.add(NUMBER_WORDS[word])
    words.update("".join(word[0] for word in run) for _, _, run in _name_runs(text, ()) if len(run) > 1)
    words.update(_squash(match.group(0)) for match in DOTTED_ACRONYM.finditer(text))
    lowered = text.lower()
    words.update(short.lower() for long, short in INDIAN_CODE_ABBREVIATIONS.items() if long.lower() in lowered)
    dates: set[tuple[int, ...]] = set()
    for match in DATE.finditer(text):
        for key in _date_keys(match):
            dates.add(key)
            dates.add(key[:2])
    day_months = {_day_month(match) for match in DAY_MONTH.finditer(text)}
    references = {key for match in REFERENCE.finditer(text) for full in _provisions(match)
                  for key in ((_reference_kind(match), full), (_reference_kind(match), _base(full)))}
    citations = {_squash(form.text) for form in find_citation_forms(text)}
    return SourceFacts(numbers=frozenset(numbers), dates=frozenset(dates), day_months=frozenset(day_months),
                       references=frozenset(references), citations=frozenset(citations),
                       squashed=_squash(text), words=frozenset(words))


def extract_facts(text: str) -> list[Fact]:
    """The checkable facts of ``text`` in order (see the module doc for the kinds).

    >>> [(fact.kind, fact.text) for fact in extract_facts(
    ...     "On 3rd May 2018 Ram Lal v. State of Punjab, AIR 1980 SC 898, held s. 302 IPC; Rs. 5,000 and 7 days.")]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('date', '3rd May 2018'), ('party', 'Ram Lal'), ('party', 'State of Punjab'), ('citation', 'AIR 1980 SC 898'),
     ('reference', 's. 302'), ('name', 'IPC'), ('money', 'Rs. 5,000'), ('number', '7')]
    """
    taken: list[tuple[int, int]] = []
    facts: list[Fact] = []
    mask = bytearray(len(text))  # 1 where a fact was found: each character is marked once

    def add(kind: str, start: int, end: int, key: tuple = ()) -> None:
        if mask.find(1, start, end) >= 0:
            return
        mask[start:end] = b"\x01" * (end - start)
        taken.append((start, end))
        facts.append(Fact(kind, text[start:end], start, end, key))

    for form in find_citation_forms(text):
        add("citation", form.start, form.end, (_squash(form.text),))
    for start, end in _reporter_citations(text):
        add("citation", start, end, (_squash(text[start:end]),))
    for match in DATE.finditer(text):
        add("date", match.start(), match.end(), tuple(_date_keys(match)))
    for match in MONEY.finditer(text):
        amount = match["before"] or match["after"]
        scale = (match["scale"] or "").lower().rstrip("s")
        add("money", match.start(), match.end(), (_number_key(amount), {"lac": "lakh"}.get(scale, scale)))
    for match in REFERENCE.finditer(text):
        end = match.end("numbers") if match["numbers"] else match.end("bare")
        add("reference", match.start(), end, tuple((_reference_kind(match), full) for full in _provisions(match)))
    for match in NUMBER.finditer(text):
        add("number", match.start(), match.end(), (_number_key(match.group(0)),))
    for match in DOTTED_ACRONYM.finditer(text):  # "Cr.P.C.", "W. H.": one word, as the source's are read
        written = match.group(0).rstrip()
        add("name", match.start(), match.start() + len(written), (_squash(written),))
    for start, end, words in _name_runs(text, taken):
        before, after = text[max(0, start - 12):start], text[end:end + 12]
        party = PARTY_SEPARATOR_BEFORE.search(before) or PARTY_SEPARATOR_AFTER.search(after)
        add("party" if party else "name", start, end, tuple(words))
    return sorted(facts, key=lambda fact: fact.start)


def unsupported_reason(fact: Fact, source: SourceFacts) -> str | None:
    """Why the source does not hold ``fact``, or None when it does.

    >>> source = source_facts("Article 21 was argued before the Bombay High Court on 9th January, 1950.")
    >>> [unsupported_reason(fact, source) for fact in extract_facts("Article 21, Art. 14, the Delhi High Court")]
    [None, 'the source refers to no article 14', "'delhi' is not a word of the source"]
    """
    if fact.kind == "number":
        return None if fact.key[0] in source.numbers else f"the source has no number {fact.key[0]}"
    if fact.kind == "money":
        amount, scale = fact.key
        if amount not in source.numbers:
            return f"the source has no amount {amount}"
        if scale and scale not in source.words and f"{scale}s" not in source.words:
            return f"the source has no amount in {scale}s"
        return None
    if fact.kind == "date":
        return None if any(_date_supported(key, source) for key in fact.key) else "the source has no such date"
    if fact.kind == "reference":
        for kind, full in fact.key:
            if not _reference_supported(kind, full, source):
                return f"the source refers to no {kind} {full}"
        return None
    if fact.kind == "citation":
        squashed = fact.key[0]
        return None if squashed in source.citations or squashed in source.squashed else "the source cites no such case"
    missing = [word for word in fact.key if word not in source.words and word.removesuffix("s") not in source.words]
    return f"'{missing[0]}' is not a word of the source" if missing else None


def sources_facts(texts: Sequence[str]) -> SourceFacts:
    """What several sources hold together (a chat answer's passages and their case titles).

    >>> sorted(sources_facts(["Fined Rs. 500.", "Ram Lal v. State"]).numbers)
    ['500']
    """
    return source_facts("\n\n".join(texts))


def unsupported_facts(text: str, source: str | SourceFacts) -> list[tuple[Fact, str]]:
    """The facts of ``text`` (``extract_facts``) that ``source`` does not hold, each with
    ``unsupported_reason``'s reason: the one check of generated text against what it rests on,
    used for summaries (``check_summary``) and chat answers (``generation.chat``).

    >>> [(fact.kind, fact.text, reason) for fact, reason in unsupported_facts(
    ...     "In 2018 Ram Lal paid Rs. 500.", "Ram Lal paid Rs. 500 in 2017.")]
    [('number', '2018', 'the source has no number 2018')]
    """
    facts_of_source = source if isinstance(source, SourceFacts) else source_facts(source)
    found = []
    for fact in extract_facts(text):
        reason = unsupported_reason(fact, facts_of_source)
        if reason is not None:
            found.append((fact, reason))
    return found


def check_summary(
    text: str, source: str | SourceFacts, *, max_parenthesis_chars: int = SummarySettings().max_removed_aside_chars,
) -> CheckedText:
    """``text`` without the sentences (or short parentheses, up to ``max_parenthesis_chars``
    characters: settings ``summaries.max_removed_aside_chars``) that state a fact ``source``
    does not hold, and the facts removed.

    >>> checked = check_summary("Ram was fined (under Article 99). Shyam Kumar appealed. It failed.",
    ...                         "Ram was fined. It failed.")
    >>> checked.text
    'Ram was fined. It failed.'
    >>> [(fact.kind, fact.text, fact.reason) for fact in checked.removed]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('reference', 'Article 99', 'the source refers to no article 99; parenthesis removed'),
     ('name', 'Shyam Kumar', "'shyam' is not a word of the source; sentence dropped")]
    """
    facts_of_source = source if isinstance(source, SourceFacts) else source_facts(source)
    kept: list[str] = []
    removed: list[RemovedFact] = []
    for sentence in split_sentences(text):
        sentence_text = sentence.text
        cuts: list[tuple[int, int]] = []
        dropped = False
        for fact, reason in unsupported_facts(sentence_text, facts_of_source):
            aside = _parenthesis(sentence_text, fact.start, fact.end, max_parenthesis_chars)
            action = "sentence dropped" if aside is None else "parenthesis removed"
            removed.append(RemovedFact(fact.kind, fact.text, f"{reason}; {action}", sentence_text))
            if aside is None:
                dropped = True
            else:
                cuts.append(aside)
        if dropped:
            continue
        for start, end in sorted(set(cuts), reverse=True):
            sentence_text = sentence_text[:start].rstrip() + sentence_text[end:]
        sentence_text = re.sub(r"\s+([.,;:])", r"\1", sentence_text).strip()
        if re.search(r"[^\W_]", sentence_text):
            kept.append(sentence_text)
    return CheckedText(" ".join(kept), tuple(removed))


def fact_precision(summary: str, source: str | SourceFacts) -> FactPrecision:
    """The counts behind NumPrec and NEPrec of ``summary`` against ``source``.

    NumPrec = supported_numbers / numbers, where ``numbers`` counts every number written in
    digits in the summary (each match of ``NUMBER``: "29,000", "19th", the 302 of "s. 302" and the
    1950 of a date each count once), and a number is supported when the same value (thousand
    separators and leading zeros dropped) is a number of the source, in digits or as a word up to
    twenty. NEPrec = supported_entities / entities, where ``entities`` counts each name, party,
    provision reference and case citation of ``extract_facts`` (a run of capitalised words is one
    entity), supported as ``unsupported_reason`` says. Over a set of summaries add the counts
    (micro-average); a summary with no number (entity) adds nothing to NumPrec (NEPrec).

    >>> counts = fact_precision("In 2018 Ram Lal paid Rs. 500 under section 5.", "Ram Lal paid Rs. 500 under sec. 5.")
    >>> counts, counts.num_prec, counts.ne_prec
    (FactPrecision(numbers=3, supported_numbers=2, entities=2, supported_entities=2), 0.6666666666666666, 1.0)
    """
    facts_of_source = source if isinstance(source, SourceFacts) else source_facts(source)
    numbers = [_number_key(match.group(0)) for match in NUMBER.finditer(summary)]
    entities = [fact for fact in extract_facts(summary) if fact.kind in ENTITY_KINDS]
    return FactPrecision(
        numbers=len(numbers), supported_numbers=sum(number in facts_of_source.numbers for number in numbers),
        entities=len(entities),
        supported_entities=sum(unsupported_reason(fact, facts_of_source) is None for fact in entities))


def total_precision(counts: Iterable[FactPrecision]) -> FactPrecision:
    """The counts of several summaries added up.

    >>> total_precision([FactPrecision(2, 1, 0, 0), FactPrecision(2, 2, 1, 1)]).num_prec
    0.75
    """
    return sum(counts, FactPrecision())


# Normalisation


def _number_key(written: str) -> str:
    """ "1,00,000" -> "100000", "007" -> "7", "2.50" -> "2.50"."""
    plain = written.replace(",", "")
    whole, _, fraction = plain.partition(".")
    whole = whole.lstrip("0") or "0"
    return f"{whole}.{fraction}" if fraction else whole


def _word_key(word: str) -> str:
    word = word.lower().replace("’", "'")
    return word[:-2] if word.endswith("'s") else word


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _month(written: str) -> int:
    return MONTHS[written[:3].lower()]


def _day(written: str) -> int:
    return int(re.match(r"\d+", written).group(0))


def _date_keys(match: re.Match[str]) -> list[tuple[int, ...]]:
    """(year, month, day) or (year, month) readings of a date match; both orders for 1.2.1950."""
    if match["dm_day"]:
        return [(int(match["dm_year"]), _month(match["dm_month"]), _day(match["dm_day"]))]
    if match["md_month"]:
        return [(int(match["md_year"]), _month(match["md_month"]), _day(match["md_day"]))]
    if match["my_month"]:
        return [(int(match["my_year"]), _month(match["my_month"]))]
    first, second, year = int(match["n_first"]), int(match["n_second"]), int(match["n_year"])
    return [(year, month, day) for day, month in ((first, second), (second, first)) if 1 <= month <= 12]


def _day_month(match: re.Match[str]) -> tuple[int, int]:
    if match["dm_day"]:
        return _month(match["dm_month"]), _day(match["dm_day"])
    return _month(match["md_month"]), _day(match["md_day"])


def _date_supported(key: tuple[int, ...], source: SourceFacts) -> bool:
    if key in source.dates:
        return True
    if len(key) == 3:
        return (key[1], key[2]) in source.day_months and str(key[0]) in source.numbers
    return False


def _reference_kind(match: re.Match[str]) -> str:
    if match["bare"]:
        return "section"
    return _KINDS.get(match["kind"].lower().rstrip("."), "section")


def _provisions(match: re.Match[str]) -> list[str]:
    """Each provision number of a reference, without spaces, lower-cased: "19 (2)" -> "19(2)"."""
    numbers = match["numbers"] or match["bare"]
    return [re.sub(r"\s", "", number).lower() for number in _ONE_PROVISION.findall(numbers)]


def _base(provision: str) -> str:
    return provision.split("(", 1)[0]


def _reference_supported(kind: str, full: str, source: SourceFacts) -> bool:
    if (kind, full) in source.references:
        return True
    base = _base(full)
    if (kind, base) not in source.references:
        return False
    return all(_number_key(part) in source.numbers for part in re.findall(r"\d+", full[len(base):]))


def _parenthesis(sentence: str, start: int, end: int, max_chars: int) -> tuple[int, int] | None:
    """The span of the short parenthesis (or brackets) around ``[start, end)``, or None."""
    opening = max(sentence.rfind("(", 0, start), sentence.rfind("[", 0, start))
    if opening < 0 or start - opening > max_chars:
        return None
    closing_char = ")" if sentence[opening] == "(" else "]"
    closing = sentence.find(closing_char, end)
    if closing < 0 or closing - opening > max_chars:
        return None
    # "section 19 (2)": the parenthesis is part of a reference, not an aside around it
    if ")" in sentence[opening:start] or opening == 0 and closing == len(sentence.rstrip(". ")) - 1:
        return None
    return opening, closing + 1


def _name_runs(text: str, taken: Sequence[tuple[int, int]]) -> list[tuple[int, int, list[str]]]:
    """Runs of capitalised words outside ``taken`` spans: (start, end, the words to look up).

    A run's first word at a sentence's start counts only when another capitalised word follows
    (a lone "Thereafter" there is no name); stop words, months, weekdays and one-letter initials
    are not looked up, and a run left with nothing to look up is no name.
    """
    sentence_starts = {0} | {match.end() for match in SENTENCE_END.finditer(text)}
    spans = sorted(taken)
    span_index = 0
    runs: list[tuple[int, int, list[str]]] = []
    current: list | None = None  # [start, end, words]
    connector = False
    for match in WORD.finditer(text):
        while span_index < len(spans) and spans[span_index][1] <= match.start():
            span_index += 1
        written = match.group(0)
        in_taken = span_index < len(spans) and spans[span_index][0] <= match.start()
        if not in_taken and written[0].isupper():
            if current is not None and (connector or NAME_GAP.fullmatch(text[current[1]:match.start()])):
                current[1] = match.end()
                current[2].append(written)
            else:
                if current is not None:
                    runs.append(tuple(current))
                current = [match.start(), match.end(), [written]]
            connector = False
        elif (not in_taken and written in NAME_CONNECTORS and current is not None and not connector
              and text[current[1]:match.start()].isspace()):
            connector = True
        else:
            if current is not None:
                runs.append(tuple(current))
            current, connector = None, False
    if current is not None:
        runs.append(tuple(current))
    found = []
    for start, end, words in runs:
        if start in sentence_starts and len(words) == 1:
            continue
        keys = [_word_key(written) for written in words]
        checked = [key for key in keys if len(key) > 1 and key not in _stopwords() and key not in MONTH_WORDS
                   and key not in WEEKDAYS]
        if checked:
            found.append((start, end, checked))
    return found


def _reporter_citations(text: str) -> list[tuple[int, int]]:
    """Spans of eyecite's full case citations in ``text`` (reporter citations: "569 U.S. 435")."""
    if not re.search(r"\d\s*[A-Z]", text):
        return []
    from eyecite import get_citations
    from eyecite.models import FullCaseCitation

    return [citation.span() for citation in get_citations(text) if isinstance(citation, FullCaseCitation)]


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from summa.preprocessing.stopwords import get_stopwords_by_language

    return frozenset(get_stopwords_by_language("english").split())
