"""The caption: the head of the text, where opinions print their caption fields (number, court,
parties, dates, judges), and the casing of names printed there in capitals.

>>> is_upper("STATE OF MISSOURI"), is_upper("State of Missouri")
(True, False)
"""

from __future__ import annotations

import re

# A word's first letter, and any after an apostrophe or hyphen, but not after "." (".com").
WORD_START = re.compile(r"(?:(?<![\w.])|(?<=['’\-]))[a-z]")

NAME_SMALL_WORDS = {
    "of", "the", "and", "for", "in", "on", "at", "by", "to", "ex", "rel.", "dba", "d/b/a", "de", "v.", "vs.",
}
NAME_KEEP_UPPER = {"LLC", "LLP", "PLLC", "LP", "PC", "NA", "USA", "II", "III", "IV", "FBI", "EPA", "IRS"}


def is_upper(piece: str) -> bool:
    """Whether a caption piece is written in capitals (70% of its letters, three letters at least)."""
    letters = [char for char in piece if char.isalpha()]
    return len(letters) >= 3 and sum(char.isupper() for char in letters) >= 0.7 * len(letters)


def title_case(name: str) -> str:
    """``STATE OF MISSOURI`` -> ``State of Missouri``; names already in mixed case stay.

    >>> title_case("CONSUMERINFO.COM, INC. dba O'NEILL-SMITH LLC")
    "Consumerinfo.com, Inc. dba O'Neill-Smith LLC"
    """
    name = " ".join(name.split())
    if not is_upper(name):
        return name
    words = []
    for position, word in enumerate(name.split(" ")):
        bare = word.strip(",.;:()")
        if bare.upper() in NAME_KEEP_UPPER or re.fullmatch(r"(?:[A-Z]\.){2,}", bare):
            words.append(word)
        elif position and word.lower() in NAME_SMALL_WORDS:
            words.append(word.lower())
        else:
            words.append(WORD_START.sub(lambda letter: letter.group(0).upper(), word.lower()))
    return " ".join(words)
