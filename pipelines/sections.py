"""Find the parts of an opinion (syllabus, facts, analysis, holding, order, dissent, ...).

A section starts at a recognised heading line ("I. BACKGROUND", "Standard of Review", "Held:")
or at an opening line that names its author ("JUSTICE SOTOMAYOR delivered the opinion of the
Court.", "BARRON, Circuit Judge, concurring."), and runs to the next one. Text before the first
heading (the caption) belongs to no section.

>>> text = "CAPTION\\n\\nBackground\\n\\nFacts here.\\n\\nConclusion\\n\\nWe affirm."
>>> [(section.name, section.heading) for section in detect_sections(text, [])]
[('facts', 'Background'), ('conclusion', 'Conclusion')]
"""

from __future__ import annotations

import re

from lexray.models import CaseSection, PageSpan
from pipelines.clean import page_of_offset

MAX_HEADING_CHARS = 80

# Heading words (enumerator and punctuation removed, lower case) -> canonical section name.
VERDICT = r"(?:affirmed|reversed|remanded|vacated|dismissed|modified|denied|granted)"
HEADING_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"syllabus"), "syllabus"),
    (re.compile(
        r"(?:statement of (?:the )?)?(?:issues?|questions?)(?: presented)?(?: for review| on appeal)?"
        r"|points? (?:relied on|on appeal)"
    ), "issues"),
    (re.compile(
        r"(?:(?:factual|procedural|relevant)\s+)?(?:background|facts|history)"
        r"(?:\s+(?:and|&)\s+(?:procedural\s+)?(?:background|history|posture))?"
        r"|statement of (?:the )?(?:facts|case)|procedural posture"
    ), "facts"),
    (re.compile(
        r"discussion|analysis|legal analysis|law and analysis|standards? of review|legal standards?"
        r"|applicable law|merits"
    ), "analysis"),
    (re.compile(r"holdings?|held"), "holding"),
    (re.compile(r"(?:summary and )?conclusions?"), "conclusion"),
    (re.compile(
        r"(?:(?:it is )?so )?ordered|orders?|judgment|disposition|decree"
        rf"|(?:(?:judgment|order)\s+)?(?:{VERDICT}(?:\s+(?:in part|and|as modified))*\s*)+"
    ), "order"),
    (re.compile(r"dissent(?:ing)?(?: opinion)?"), "dissent"),
    (re.compile(r"concurr(?:ence|ing)(?: opinion)?"), "concurrence"),
    (re.compile(r"opinion(?: of the court)?|memorandum(?: opinion)?(?: and order)?|per curiam|introduction"), "opinion"),
]
HEADING_PREFIX = re.compile(r"^(?:[IVXLC]{1,6}|[A-Z]|\d{1,2})[.)]\s+|^\(\w{1,4}\)\s+")
# Lines that open a part of the opinion by naming its author.
JUSTICE = r"^(?:CHIEF\s+)?JUSTICE\s+[A-Z][A-Z’'\-]+"
OPENING_LINES: list[tuple[re.Pattern[str], str | None]] = [
    (re.compile(JUSTICE + r",[^.\n]{0,200}?\bdissenting\b[^.\n]*\."), "dissent"),
    (re.compile(JUSTICE + r",[^.\n]{0,200}?\bconcurring\b[^.\n]*\."), "concurrence"),
    (re.compile(JUSTICE + r"\s+(?:delivered|announced)\s+the\s+(?:opinion|judgment)[^.\n]*\."), "opinion"),
    # "SELYA, Circuit Judge." / "HUDSON, Justice." / "BARRON, Circuit Judge, concurring ..." (kind
    # read from the words).
    (re.compile(
        r"^[A-Z][A-Z’'\-]+,\s+(?:Chief\s+|Senior\s+)?(?:Circuit\s+|District\s+|Associate\s+)?"
        r"(?:Judge|Justice|C\.\s?J\.|J\.)(?:,\s+[^.\n]*)?\."
    ), None),
    (re.compile(r"^PER\s+CURIAM\b[.:]?"), "opinion"),
    (re.compile(r"^Held:"), "holding"),
    (re.compile(r"^(?:[A-Z]+,\s+)?IT\s+IS\s+(?:HEREBY\s+|FURTHER\s+|SO\s+)?ORDERED\b(?:[^.\n:]{0,60}[.:])?", re.I), "order"),
]


def detect_sections(text: str, page_spans: list[PageSpan]) -> list[CaseSection]:
    """Sections of a cleaned opinion in order; they abut each other and never overlap.

    Consecutive headings of the same kind make one section (named by the first heading).
    ``[]`` when no heading is recognised.

    >>> [s.name for s in detect_sections("I. BACKGROUND\\n\\nText.\\n\\nIII. CONCLUSION\\n\\nSo Ordered.", [])]
    ['facts', 'conclusion', 'order']
    """
    starts: list[tuple[int, str, str]] = []
    for line in re.finditer(r"(?m)^[^\n]+", text):
        found = classify_heading(line.group(0))
        if found and (not starts or starts[-1][1] != found[0]):
            starts.append((line.start(), found[0], found[1]))
    sections = []
    for index, (start, name, heading) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(text)
        page_start, page_end = _page_range(page_spans, start, end)
        sections.append(CaseSection(
            name=name, heading=heading, char_start=start, char_end=end, page_start=page_start, page_end=page_end,
        ))
    return sections


def classify_heading(line: str) -> tuple[str, str] | None:
    """(canonical name, heading as written) when a line starts a section, else None.

    >>> classify_heading("IV. Conclusion"), classify_heading("We affirm the judgment.")
    (('conclusion', 'IV. Conclusion'), None)
    >>> classify_heading("BARRON, Circuit Judge, concurring in part. I agree that ...")
    ('concurrence', 'BARRON, Circuit Judge, concurring in part.')
    """
    line = line.strip()
    for pattern, name in OPENING_LINES:
        match = pattern.match(line)
        if match:
            heading = match.group(0).strip()
            if name is None:
                name = "dissent" if "dissent" in heading else "concurrence" if "concurr" in heading else "opinion"
            return name, heading
    if len(line) > MAX_HEADING_CHARS:
        return None
    words = HEADING_PREFIX.sub("", line).strip(" .:*—–-()[]").lower()
    words = " ".join(words.replace("&", " & ").split())
    for pattern, name in HEADING_RULES:
        if pattern.fullmatch(words):
            return name, line
    return None


def _page_range(page_spans: list[PageSpan], start: int, end: int) -> tuple[int, int]:
    if not page_spans:
        return 1, 1
    # The section's last character, not the page separator or the next heading after it.
    return page_of_offset(page_spans, start), page_of_offset(page_spans, max(start, end - 1))
