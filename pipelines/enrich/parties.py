"""Plaintiffs and defendants named in a caption, and the case title made from them.

>>> plaintiffs, defendants = find_parties("ACME CORP., Plaintiff, v. JOHN DOE, Defendant.")
>>> case_title(plaintiffs, defendants)
'Acme Corp. v. John Doe'
"""

from __future__ import annotations

import re

from lexray.settings import EnrichSettings
from pipelines.enrich.caption import is_upper, title_case
from pipelines.enrich.dates import DATE

ROLE_WORD = (
    r"(?:cross[- ])?(?:plaintiffs?|petitioners?|appellants?|appellees?|respondents?|defendants?"
    r"|movants?|claimants?|intervenors?|relators?|complainants?|counter-defendants?|counter-claimants?)"
)
# Possessive separators: with plain ones the spaces between "," could go to either side, and a
# run like "plaintiffs , , , , x" was tried every way (exponential).
ROLE_SEPARATORS = r"(?:\s*+(?:[,/&—–-]|and)\s*+)*+"
ROLE_LABEL = re.compile(rf"^(?:{ROLE_WORD}{ROLE_SEPARATORS})+[.,;]?$", re.I)
ROLE_SUFFIX = re.compile(rf"(?<![\s,])[\s,]++(?:{ROLE_WORD}{ROLE_SEPARATORS})+[.,;]?$", re.I)
PLAINTIFF_ROLE = re.compile(r"plaintiff|petitioner|appellant|movant|claimant|relator|complainant", re.I)
PARTY_SEPARATOR = re.compile(r"(?:^|\s)(?:v\.|vs\.|V\.|VS\.|versus|VERSUS|against)(?=\s|$)")
# Caption pieces that are not party names: docket lines, the court below, dates, headings.
NOT_A_PARTY = re.compile(
    r"^(?:Nos?\.|Case\b|Docket|Civil\s+Action|Criminal\s+Action|Appeal"
    r"|On\s+(?:appeal|petition|writ|certiorari|discretionary)|Certiorari|CERTIORARI|Honorable|Hon\.|The\s+Honorable"
    r"|Filed|Dated|Decided|Argued|Submitted|Heard|Judge|USDC|D\.C\.\s+No|Before|\[|\(|Syllabus|Opinion|OPINION"
    r"|ORDER|Order|Per\s+Curiam|PER\s+CURIAM)"
    rf"|^{DATE}$",
)
COURT_WORDS = re.compile(r"\b(?:COURT|CIRCUIT|DIVISION|DISTRICT\s+OF|TERM)\b", re.I)
# A match starts at the comma or where the whitespace before "in" starts, never inside that run
# (from every space of a long run it was rescanned to the run's end).
OFFICIAL_CAPACITY = re.compile(
    r"(?:,|(?<![\s,]))\s*+in\s+(?:his|her|its|their)\s+(?:official|individual)(?:\s+and\s+(?:official|individual))?"
    r"\s+capacit(?:y|ies)(?:\s+as\s+[^,;]+)?,?",
    re.I,
)
ET_AL = re.compile(r"(?:,|(?<![\s,]))\s*+\bet\s+al\.?", re.I)

ABBREVIATION_END = re.compile(r"(?:\b(?:Inc|Co|Corp|Ltd|Jr|Sr|Bros|Assn)|\b[A-Za-z])\.$", re.I)


def find_parties(text: str, *, head_chars: int = EnrichSettings().head_chars) -> tuple[list[str], list[str]]:
    """Plaintiffs and defendants named in the caption ("X, Plaintiff, v. Y, Defendant."), read
    from the first ``head_chars`` characters (settings ``enrich.head_chars``).

    Names in capitals are title-cased; "et al." and "in his official capacity" are dropped.

    >>> find_parties("GIFT SURPLUS, LLC, and SANDHILL AMUSEMENTS, INC.,\\n\\nPlaintiffs,\\n\\nv.\\n\\n"
    ...              "ROY COOPER, in his official capacity.")
    (['Gift Surplus, LLC', 'Sandhill Amusements, Inc.'], ['Roy Cooper'])
    """
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text[:head_chars]) if block.strip()]
    for index, block in enumerate(blocks):
        if len(block) > 500:
            continue
        for separator in PARTY_SEPARATOR.finditer(block):
            left = block[:separator.start()].strip()
            right = block[separator.end():].strip()
            before = ([left] if left else []) + blocks[max(0, index - 6):index][::-1]
            after = ([right] if right else []) + blocks[index + 1:index + 9]
            if not _is_caption(before, after):
                continue
            plaintiffs = _collect_plaintiffs(before)
            defendants = _collect_defendants(after)
            if plaintiffs and defendants:
                return split_parties(plaintiffs), split_parties(defendants)
    return [], []


def _is_caption(before: list[str], after: list[str]) -> bool:
    """A "v." is a caption's when a role label is near or the names beside it are in capitals."""
    near = before[:3] + after[:3]
    if any(ROLE_LABEL.match(piece) or ROLE_SUFFIX.search(piece) for piece in near):
        return True
    return bool(before and after) and is_upper(before[0]) and is_upper(after[0])


def _collect_plaintiffs(before: list[str]) -> str:
    """Plaintiff text from the caption pieces before the "v.", nearest first."""
    pieces = list(before)
    # Parties precede their role label; what lies between the label and the "v." is another column.
    for position, piece in enumerate(pieces[:6]):
        if ROLE_LABEL.match(piece):
            pieces = pieces[position + 1:]
            break
        if ROLE_SUFFIX.search(piece) and PLAINTIFF_ROLE.search(ROLE_SUFFIX.search(piece).group(0)):
            pieces = [ROLE_SUFFIX.sub("", piece)] + pieces[position + 1:]
            break
    collected: list[str] = []
    for piece in pieces:
        if _is_caption_furniture(piece):
            if collected:
                break
            continue
        # Going back up the caption, a party name runs on while its lines are in capitals or
        # end in a list separator; a full stop or a plain sentence is something else.
        if collected and (piece.endswith(".") or not (is_upper(piece) or piece.endswith((",", ";", "and")))):
            break
        collected.append(piece)
        if len(collected) == 4:
            break
    return " ".join(reversed(collected))


def _is_caption_furniture(piece: str) -> bool:
    """Docket lines, role labels and court names ("DIVISION THREE") around the party names."""
    if NOT_A_PARTY.match(piece) or ROLE_LABEL.match(piece):
        return True
    return bool(COURT_WORDS.search(piece)) and is_upper(piece) and not piece.endswith(",")


def _collect_defendants(after: list[str]) -> str:
    """Defendant text from the caption pieces after the "v.", up to the role label or a full stop."""
    collected: list[str] = []
    for piece in after[:8]:
        if ROLE_LABEL.match(piece):
            break
        if NOT_A_PARTY.match(piece):
            if collected:
                break
            continue
        suffix = ROLE_SUFFIX.search(piece)
        collected.append(ROLE_SUFFIX.sub("", piece) if suffix else piece)
        if suffix or piece.endswith("."):
            break
    return " ".join(collected)


def split_parties(party_text: str) -> list[str]:
    """Separate parties in caption text on ";", ", and" and "in his official capacity".

    >>> split_parties("ESTEBAN LEON; and DOES 1 through 10, inclusive,")
    ['Esteban Leon', 'DOES 1 through 10']
    """
    text = OFFICIAL_CAPACITY.sub(";", party_text)
    text = ET_AL.sub("", text)
    parties = []
    for part in re.split(r";|,\s+and\s+|,\s+&\s+", text):
        part = re.sub(r"^\s*(?:and|&)\s+", "", part)
        part = re.sub(r",?\s*inclusive\b", "", part, flags=re.I)
        part = part.strip(" ,;:")
        # Keep the period of "Inc." / "Co." / "Jr."; drop one that only ended the caption.
        if part.endswith(".") and not ABBREVIATION_END.search(part):
            part = part[:-1].rstrip()
        if len(part) >= 2:
            parties.append(title_case(part))
    return parties


def case_title(plaintiffs: list[str], defendants: list[str]) -> str | None:
    """Short title from the first party on each side.

    >>> case_title(["Tarrant Regional Water District"], ["Herrmann"])
    'Tarrant Regional Water District v. Herrmann'
    """
    if not plaintiffs or not defendants:
        return None
    return f"{plaintiffs[0]} v. {defendants[0]}"
