"""Adversarial texts for the whole-text functions (enrichment, cleaning, sections, chunking,
lexical tokens, snippets, citations, the extractive summariser), built at a requested length.

Each class is a repetition that once made some pattern or loop grow faster than the text
(a pattern retried from every start position over a run it can never complete, or a string
rebuilt on every line). ``normal_opinion`` is the baseline of the same length: the real
opinions the tests carry, repeated and cut.

>>> len(build("comma_ones", 1000)), build("comma_ones", 9)
(1000, '1, 1, 1, ')
>>> sorted(CLASSES) == sorted(set(CLASSES))
True
>>> len(normal_opinion(123_456))
123456
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

OPINIONS_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "texts"


def repeated(unit: str, length: int) -> str:
    """``unit`` repeated and cut to exactly ``length`` characters.

    >>> repeated("ab ", 7)
    'ab ab a'
    """
    if length <= 0:
        return ""
    return (unit * (length // len(unit) + 1))[:length]


def capitalised_words(length: int) -> str:
    """Upper-case three-letter words, "ABC DEF GHI ...": the text of the slow uploads in issue 12
    (judges' names as ``JOINED_LIST`` reads them, with no "JJ." ever following)."""
    words = [chr(65 + i % 26) + chr(65 + (i * 7 + 3) % 26) + chr(65 + (i * 11 + 5) % 26) for i in range(97)]
    return repeated(" ".join(words) + " ", length)


def title_case_words(length: int) -> str:
    """ "Abc Def Ghi ...": person-name and party patterns read runs of capitalised words."""
    words = [chr(65 + i % 26) + chr(97 + (i * 7 + 3) % 26) + chr(97 + (i * 11 + 5) % 26) for i in range(97)]
    return repeated(" ".join(words) + " ", length)


def nested_parentheses(length: int) -> str:
    """ "((((...))))": half opening, half closing."""
    half = length // 2
    return "(" * half + ")" * (length - half)


def no_whitespace(length: int) -> str:
    """Letters, digits and punctuation with no whitespace at all (one "word", one "line")."""
    return repeated("Lorem.ipsum-dolor,sit(amet)1§2;", length)


def letters_only(length: int) -> str:
    """One word of ``length`` lower-case letters."""
    return repeated("abcdefghijklmnopqrstuvwxyz", length)


def lone_enumerators(length: int) -> str:
    """ "1.\\n1.\\n...": lines that are only an enumerator (the cleaner joins them to the next line)."""
    return repeated("1.\n", length)


def hyphenated_lines(length: int) -> str:
    """One paragraph of wrapped lines, each ending in a hyphen (a word broken at every line end)."""
    return repeated("the court held that the juris-\ndiction of this court is not at is-\n", length)


def wrapped_paragraph(length: int) -> str:
    """One long paragraph of ordinary wrapped lines (no blank line, no sentence end)."""
    return repeated("and the court further held that the statute applies to the parties here\n", length)


def role_commas(length: int) -> str:
    """Caption blocks whose role label trails off in " , , , ...": the role-label pattern once
    tried every way of sharing the spaces between the commas (exponential)."""
    commas = " ," * 30
    return repeated(f"ABC DEF, plaintiffs{commas} x\n\nv.\n\nGHI JKL, defendants{commas} x\n\n", length)


def four_word_lines(length: int) -> str:
    """Lines of four short words: one sentence each, about 23,000 sentences in 300,000 characters
    (a dense sentence-similarity matrix of that many is 5 GB)."""
    words = [first + second for first in "bcdfghjklmnpqrstvwxz" for second in "aeiou"]
    lines = [" ".join(words[(i * 4 + k * 7) % len(words)] for k in range(4)).capitalize() + "." for i in range(997)]
    return repeated("\n".join(lines) + "\n", length)


def dots_then_closers(length: int) -> str:
    """Dots, then closing brackets and quotes: sentence-end patterns anchored at the line end."""
    half = length // 2
    return "." * half + repeated(")\"”", length - half - 1) + "x"


DIGITS_UNITS = {
    "comma_ones": "1, ",
    "digits": "1234567890",
    "dotted_numbers": "1.",
    "versus": "v. ",
    "section_signs": "§ ",
    "section_numbers": "§ 1 ",
    "dots": ".",
    "judge_titles": "J., ",
    "newlines": "\n",
    "spaced_newlines": " \n \n",
    "case_numbers": "No. 1-1, ",
    "acronyms": "A. B. C. ",
    "usc": "42 U.S.C. ",
    "page_numbers": "Page 1 of 2\n",
    "short_lines": "Abc def ghi.\n",
    "initials_chain": "A.B.C.D.E.F.G.H. ",
}

CLASSES: dict[str, Callable[[int], str]] = {
    "capitalised_words": capitalised_words,
    "title_case_words": title_case_words,
    "nested_parentheses": nested_parentheses,
    "no_whitespace": no_whitespace,
    "letters_only": letters_only,
    "lone_enumerators": lone_enumerators,
    "hyphenated_lines": hyphenated_lines,
    "wrapped_paragraph": wrapped_paragraph,
    "dots_then_closers": dots_then_closers,
    "role_commas": role_commas,
    "four_word_lines": four_word_lines,
    **{name: (lambda length, unit=unit: repeated(unit, length)) for name, unit in DIGITS_UNITS.items()},
}


def build(name: str, length: int) -> str:
    """The adversarial text of class ``name``, ``length`` characters long."""
    return CLASSES[name](length)


@lru_cache(maxsize=1)
def _opinions() -> str:
    texts = [path.read_text(encoding="utf-8") for path in sorted(OPINIONS_DIR.glob("*.txt"))]
    return "\n\n".join(texts) + "\n\n"


def normal_opinion(length: int) -> str:
    """Real opinions (tests/data/texts), one after another, repeated and cut to ``length``."""
    return repeated(_opinions(), length)
