"""The questions a court decides, as short phrases: "Whether ...", a syllabus's holdings.

>>> find_legal_issues("ISSUE: Did the trial court err? We think not.")
['Did the trial court err?']
"""

from __future__ import annotations

import re

from lexray.settings import EnrichSettings

# Each names the issue's first word "issue": the phrase kept starts there.
ISSUE_PATTERNS = [
    re.compile(
        r"\b(?:the|one|a)\s+(?:sole\s+|central\s+|only\s+|narrow\s+|principal\s+|threshold\s+)?(?:question|issue)s?\s+"
        r"(?:presented\s+|before\s+(?:us|the\s+court)\s+|on\s+appeal\s+|in\s+this\s+(?:case|appeal)\s+)?(?:here\s+)?"
        r"(?:is|are|was)\s+(?P<issue>whether\b)",
        re.I,
    ),
    re.compile(r"\bwe\s+(?:must\s+)?(?:decide|consider|address|determine)\s+(?P<issue>whether\b)", re.I),
    re.compile(r"\bgranted\s+(?:certiorari|review)\s+to\s+(?:decide|consider|resolve)\s+(?P<issue>whether\b)", re.I),
    re.compile(r"\bAt\s+issue\s+(?:here\s+|in\s+this\s+case\s+)?(?:is|are)\s+(?P<issue>\w)"),
    re.compile(
        r"(?m)^(?:ISSUES?(?:\s+PRESENTED)?|QUESTIONS?\s+PRESENTED|Issues?(?:\s+Presented)?|Questions?\s+Presented)"
        r"(?:[ \t]*:[ \t]*|[ \t]*\n\s*)(?:\d+\.\s*)?(?P<issue>\w)"
    ),
]
HELD_BLOCK = re.compile(r"(?m)^Held:\s*(?P<rest>.*)$")
PAGE_REFERENCE = re.compile(r"\s*\bPp?\.\s*[\d–\-, ]+\.?\s*$")
SENTENCE_ABBREVIATIONS = {
    "v", "vs", "no", "nos", "co", "corp", "inc", "ltd", "mr", "mrs", "ms", "dr", "st", "e.g", "i.e",
    "cf", "jr", "sr", "pp", "p", "art", "ch", "sec", "id", "ann", "stat", "rev", "supp", "app",
    "u.s", "n.c", "n.c.g.s", "u.s.c", "f", "ct", "dist", "cir", "cal", "mo",
}


def find_legal_issues(
    text: str, *, max_issues: int = EnrichSettings().max_issues, max_chars: int = EnrichSettings().max_issue_chars
) -> list[str]:
    """Questions the court decides, as short phrases ("Whether ..."): at most ``max_issues``
    (settings ``enrich.max_issues``, five by default), each cut to ``max_chars`` characters
    (``enrich.max_issue_chars``).

    >>> find_legal_issues("The question presented is whether a compact pre-empts state law. We hold it does not.")
    ['Whether a compact pre-empts state law.']
    """
    found: list[tuple[int, str]] = []
    for pattern in ISSUE_PATTERNS:
        for match in pattern.finditer(text):
            found.append((match.start(), _sentence_from(text, match.start("issue"), max_chars)))
    for match in HELD_BLOCK.finditer(text):
        found += _holdings(text, match.start("rest"), max_chars)
    issues: list[str] = []
    for _, issue in sorted(found):
        issue = _shorten(issue, max_chars)
        if issue and issue not in issues:
            issues.append(issue)
    return issues[:max_issues]


def _holdings(text: str, start: int, max_chars: int) -> list[tuple[int, str]]:
    """The numbered holdings of a syllabus "Held:" part (or its first sentence)."""
    end = re.search(r"\n\n(?:[A-Z][A-Z’'\-]+, (?:C\. )?J\., delivered|JUSTICE )", text[start:])
    block = text[start:start + end.start()] if end else text[start:start + 6000]
    holdings = [
        (start + match.start("holding"), _sentence_from(block, match.start("holding"), max_chars))
        for match in re.finditer(r"(?m)^\d{1,2}\.\s+(?P<holding>[A-Z])", block)
    ]
    if not holdings and block.strip():
        holdings = [(start, _sentence_from(block, len(block) - len(block.lstrip()), max_chars))]
    return holdings


def _sentence_from(text: str, start: int, max_chars: int) -> str:
    """The sentence beginning at ``start`` (periods of abbreviations and initials do not end it);
    without an end in sight, the rest of its line up to ``2 * max_chars`` characters."""
    for match in re.finditer(r"[.?!](?=[\"”’)]*(?:\s+[A-Z“\"(]|\s*$))", text[start:start + 1500]):
        word_before = re.search(r"([\w.]+)\.$", text[start:start + match.end()])
        word = word_before.group(1).lower() if word_before else ""
        if match.group(0) == "." and ((len(word) == 1 and word.isalpha()) or word in SENTENCE_ABBREVIATIONS):
            continue
        return text[start:start + match.end()].strip()
    return text[start:start + max_chars * 2].split("\n")[0].strip()


def _shorten(sentence: str, max_chars: int) -> str:
    sentence = PAGE_REFERENCE.sub("", " ".join(sentence.split()))
    if sentence and sentence[0].islower():
        sentence = sentence[0].upper() + sentence[1:]
    if len(sentence) <= max_chars:
        return sentence
    return sentence[:max_chars - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
