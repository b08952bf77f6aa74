"""The kind of case (criminal, habeas, civil, appeal) from plain evidence in its caption.

>>> find_case_type("Case 2:19-cv-00123 Document 1", [], [])
'civil'
"""

from __future__ import annotations

import re

from lexray.settings import EnrichSettings
from pipelines.enrich.courts import STATE_PATTERN

GOVERNMENT_PARTY = re.compile(
    rf"^(?:(?:the\s+)?state\s+of\s+(?:{STATE_PATTERN})|(?:the\s+)?people(?:\s+of\s+the\s+state\s+of\s+\w+(?:\s+\w+)?)?"
    r"|(?:the\s+)?commonwealth(?:\s+of\s+\w+)?|united\s+states(?:\s+of\s+america)?|state)$",
    re.I,
)
CRIMINAL_CUES = re.compile(
    r"\b(?:convicted|conviction|sentenced|guilty|indictment|indicted|felony|misdemeanor|prosecution|criminal\s+case)\b",
    re.I,
)


def find_case_type(
    text: str, plaintiffs: list[str], defendants: list[str], *, head_chars: int = EnrichSettings().head_chars
) -> str | None:
    """``criminal``, ``habeas``, ``civil`` or ``appeal`` from plain evidence; None when unsure.
    Docket numbers and labels are looked for in the first ``head_chars`` characters (settings
    ``enrich.head_chars``).

    >>> find_case_type("appeals the denial of her motion for post-conviction relief", ["Jagels"], ["State of Missouri"])
    'criminal'
    """
    head = text[:head_chars]
    if re.search(r"\b\d{1,2}:\d{2}-cr-\d", head, re.I):
        return "criminal"
    if re.search(r"\b\d{1,2}:\d{2}-cv-\d", head, re.I):
        return "civil"
    if re.search(r"\bhabeas\s+corpus\b", head, re.I):
        return "habeas"
    if re.search(r"\bpost-?conviction\b|\bRule\s+(?:24\.035|29\.15)\b", head, re.I):
        return "criminal"
    government_plaintiff = bool(plaintiffs) and bool(GOVERNMENT_PARTY.match(plaintiffs[0]))
    government_defendant = bool(defendants) and bool(GOVERNMENT_PARTY.match(defendants[0]))
    if re.search(r"\bPlaintiffs?\b", head) and not government_plaintiff:
        return "civil"
    if (government_plaintiff or government_defendant) and CRIMINAL_CUES.search(head):
        return "criminal"
    if re.search(r"\bcertiorari\b|\bappeal(?:ed)?\s+from\b|\bappellants?\b|\bpetition\s+for\s+review\b", head, re.I):
        return "appeal"
    return None
