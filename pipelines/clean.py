"""Clean PDF page texts and join them into one text with page spans.

``clean_pages`` removes what the page layout added (running headers and footers, page numbers,
pleading-paper line numbers, line-end hyphens, hard line wraps) and keeps every word of the
body. Each page comes back as paragraphs, one per line, separated by a blank line; headings
stay paragraphs of their own.

>>> clean_pages(["1\\nThe court's juris-\\ndiction is\\nclear.", "2\\nIt is so ordered."])
["The court's jurisdiction is clear.", 'It is so ordered.']
>>> join_pages(["First page.", "Second page."])[1][1]
PageSpan(page=2, char_start=13, char_end=25)
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter

from lexray.models import PageSpan

PAGE_SEPARATOR = "\n\n"

# Headers/footers are looked for among this many content lines at the top and bottom of a page.
FURNITURE_DEPTH = 4
# A paragraph whose last line is shorter than this share of the page's usual line ends there.
SHORT_LINE_RATIO = 0.7
DEFAULT_LINE_WIDTH = 80

CHARACTER_REPLACEMENTS = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
    "\u2010": "-",
    "\u2011": "-",
    "\u2028": "\n",
    "\u2029": "\n",
    "\x85": "\n",
    "\r\n": "\n",
    "\r": "\n",
    "\f": "\n",
    "\v": "\n",
    "\t": " ",
}
SPACE_CHARACTERS = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
SOFT_HYPHEN = "\u00ad"

PAGE_NUMBER_LINE = re.compile(
    r"^(?:page|pg\.|p\.)?\s*[\[(]?\s*[-–—]?\s*\d{1,4}\s*[-–—]?\s*[\])]?(?:\s*(?:of|/)\s*\d{1,4})?$",
    re.IGNORECASE,
)
# Separator rules (footnote rules, signature lines) carry no text; they end a paragraph.
RULE_LINE = re.compile(r"^[_\-–—=─━]{3,}$")
# Column marks of a caption, e.g. the ")" column between parties and the docket number.
CAPTION_MARK_LINE = re.compile(r"^[)(|§:]+$")
# An enumerator alone on its line belongs to the text on the next line: "1." / "(a)" / "I." / "¶ 2".
LONE_ENUMERATOR = re.compile(
    r"^(?:\(?\d{1,3}[.)]|\([a-z]{1,3}\)|\([ivx]{1,5}\)|[IVXLC]{1,6}\.|[A-Z]\.|¶\s*\d{1,4})$"
)
ENUMERATOR_PREFIX = re.compile(r"^(?:\(?\d{1,3}[.)]|\([a-zA-Z]{1,3}\)|[IVXLC]{1,6}\.|[A-Z]\.|¶\s*\d{1,4})\s+")
ITEM_START = re.compile(r"^(?:\(\w{1,4}\)|\d{1,3}\.|[IVXLC]{1,6}\.|[A-Z]\.)\s")
ROMAN_OR_LETTER = re.compile(r"^(?:[IVXLC]{1,6}|[A-Z])$")
BRACKETED_LINE = re.compile(r"^\[[^\]]*\]$")
# "..., Dowd, J." ends a list of judges although "J." is an abbreviation.
JUDGE_TITLE_END = re.compile(r",\s*(?:P\.\s?J|C\.\s?J|J|JJ)\.$")
# What may follow a sentence's final mark: "clear.)" / "so.”" (see ``_ends_sentence``).
SENTENCE_CLOSERS = "\"”’')]"
SENTENCE_MARKS = ".?!:"
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# Characters of a word broken at a line end ("O'Neill-Smi-"), and the most of them looked at:
# a longer run is no word, and scanning it back on every line made one long paragraph quadratic.
WORD_CHARACTERS = re.compile(r"[\w’'-]")
MAX_WORD_CHARS = 100
LEADING_LETTERS = re.compile(r"^[^\W\d_]+")

# Words after which a line still continues (a period here is not a sentence end).
ABBREVIATIONS = {
    "v.", "vs.", "no.", "nos.", "co.", "corp.", "inc.", "ltd.", "mr.", "mrs.", "ms.", "dr.",
    "st.", "e.g.", "i.e.", "cf.", "jr.", "sr.", "pp.", "p.", "art.", "ch.", "sec.",
    "hon.", "ex.", "rel.", "dist.", "dept.", "assn.", "ct.", "app.", "supp.", "stat.", "rev.",
}
CONTINUING_WORDS = {"v.", "vs.", "and", "or", "of", "the", "for", "to", "&", "in", "a", "an", "by", "at", "on", "dba"}
TITLE_SMALL_WORDS = {
    "a", "an", "and", "as", "at", "by", "de", "for", "from", "in", "of", "on", "or", "the", "to",
    "v.", "vs.", "with", "dba", "ex", "rel.",
}


def clean_pages(page_texts: list[str]) -> list[str]:
    """Cleaned text of each page, in order (same length as ``page_texts``).

    A line that repeats at the top of several pages (allowing different numbers in it, e.g.
    ``Cite as: 569 U. S. ____ (2013)  3``) is a running header and goes from every page; a
    repeating bottom line (a docket stamp) goes from every page but the first, where it is the
    only record of the filing date and full docket number.

    >>> clean_pages(["Page 1 of 2\\nA so-called\\nrule.", "Page 2 of 2\\nIt ap-\\nplies."])
    ['A so-called rule.', 'It applies.']
    """
    page_lines = [_drop_line_number_runs(_page_lines(text)) for text in page_texts]
    header_keys, footer_keys = _running_line_keys(page_lines)
    body_lines = [
        _strip_page_furniture(lines, header_keys, footer_keys if index else set())
        for index, lines in enumerate(page_lines)
    ]
    vocabulary = _vocabulary(body_lines)
    return [_unwrap(lines, vocabulary) for lines in body_lines]


def join_pages(cleaned_pages: list[str], first_page: int = 1) -> tuple[str, list[PageSpan]]:
    """The pages joined with a blank line, and where each page lies in the result.

    An empty page gets a zero-length span; ``full_text[span.char_start:span.char_end]`` is
    always the page's cleaned text.

    >>> full_text, spans = join_pages(["A.", "", "B."], first_page=3)
    >>> full_text, [(span.page, span.char_start, span.char_end) for span in spans]
    ('A.\\n\\n\\n\\nB.', [(3, 0, 2), (4, 4, 4), (5, 6, 8)])
    """
    spans = []
    offset = 0
    for index, page_text in enumerate(cleaned_pages):
        if index:
            offset += len(PAGE_SEPARATOR)
        spans.append(PageSpan(page=first_page + index, char_start=offset, char_end=offset + len(page_text)))
        offset += len(page_text)
    return PAGE_SEPARATOR.join(cleaned_pages), spans


def page_of_offset(page_spans: list[PageSpan], offset: int) -> int:
    """Page holding character ``offset``; a separator between pages counts to the page before.

    Offsets before the first page or past the last count to the first or last page.

    >>> spans = join_pages(["Alpha.", "Beta."])[1]
    >>> page_of_offset(spans, 0), page_of_offset(spans, 7), page_of_offset(spans, 8)
    (1, 1, 2)
    """
    if not page_spans:
        raise ValueError("no page spans")
    index = max(bisect_right(page_spans, offset, key=lambda span: span.char_start) - 1, 0)
    # An empty page owns no character; go back to the last page that has text.
    while index > 0 and page_spans[index].char_start == page_spans[index].char_end:
        index -= 1
    return page_spans[index].page


def pages_in_range(page_spans: list[PageSpan], start: int, end: int) -> list[int]:
    """Pages whose text overlaps ``[start, end)``, in order.

    A range that lies wholly in a separator (or is empty) gets the page of ``start``.

    >>> spans = join_pages(["Alpha.", "Beta.", "Gamma."])[1]
    >>> pages_in_range(spans, 3, 10), pages_in_range(spans, 0, 3)
    ([1, 2], [1])
    """
    first = bisect_right(page_spans, start, key=lambda span: span.char_end)
    last = bisect_left(page_spans, end, key=lambda span: span.char_start)
    pages = [span.page for span in page_spans[first:last] if span.char_end > span.char_start]
    return pages or [page_of_offset(page_spans, start)]


def normalize_characters(text: str) -> str:
    """Text with ligatures spelled out, odd spaces made plain, control characters dropped.

    A soft hyphen at a line end is kept (it marks a word broken at the line end, mended by
    ``clean_pages``); elsewhere it is invisible and goes.

    >>> normalize_characters("e\\ufb03cient\\u00a0de\\u00adsign\\x07")
    'efficient design'
    """
    text = unicodedata.normalize("NFC", text)
    for old, new in CHARACTER_REPLACEMENTS.items():
        text = text.replace(old, new)
    text = text.translate({ord(char): " " for char in SPACE_CHARACTERS})
    text = re.sub(f"{SOFT_HYPHEN}(?![ ]*\n)", "", text)
    return "".join(
        char
        for char in text
        if char in "\n" + SOFT_HYPHEN or unicodedata.category(char) not in ("Cc", "Cf")
    )


def is_page_number_line(line: str) -> bool:
    """Whether a line is only a page number: ``3``, ``- 3 -``, ``Page 3 of 17``.

    >>> is_page_number_line("- 3 -"), is_page_number_line("Page 3 of 17"), is_page_number_line("3.")
    (True, True, False)
    """
    return bool(PAGE_NUMBER_LINE.match(line.strip()))


def _page_lines(page_text: str) -> list[str]:
    """Stripped lines with runs of spaces collapsed; rules and caption marks become blank."""
    lines = []
    for raw_line in normalize_characters(page_text).split("\n"):
        line = re.sub(r" {2,}", " ", raw_line).strip()
        if RULE_LINE.match(line) or CAPTION_MARK_LINE.match(line):
            line = ""
        lines.append(line)
    return lines


def _drop_line_number_runs(lines: list[str], min_run: int = 5) -> list[str]:
    """Blank out pleading-paper line numbers: a run of lines 1, 2, 3, ... each alone."""
    kept = list(lines)
    index = 0
    while index < len(lines):
        if lines[index] != "1":
            index += 1
            continue
        expected, run = 1, []
        for position in range(index, len(lines)):
            if not lines[position]:
                continue
            if lines[position] != str(expected):
                break
            run.append(position)
            expected += 1
        if len(run) >= min_run:
            for position in run:
                kept[position] = ""
            index = run[-1] + 1
        else:
            index += 1
    return kept


def _line_key(line: str) -> str | None:
    """How a line compares with its repeats on other pages (numbers may differ)."""
    if sum(char.isalpha() for char in line) < 2 or len(line) < 5:
        return None
    return re.sub(r"\d+", "#", line.lower())


def _zone_indexes(lines: list[str], from_top: bool) -> list[int]:
    """Indexes of the page-number lines and first content lines at one end of a page."""
    order = range(len(lines)) if from_top else range(len(lines) - 1, -1, -1)
    indexes, content_seen = [], 0
    for index in order:
        if not lines[index]:
            continue
        indexes.append(index)
        if not is_page_number_line(lines[index]):
            content_seen += 1
            if content_seen == FURNITURE_DEPTH:
                break
    return indexes


def _running_line_keys(page_lines: list[list[str]]) -> tuple[set[str], set[str]]:
    """Keys of the lines repeated at the top (headers) and bottom (footers) of pages."""
    pages_with_text = sum(1 for lines in page_lines if any(lines))
    if pages_with_text < 2:
        return set(), set()
    # Short documents repeat a header on every page; long ones alternate odd/even headers.
    min_repeats = 2 if pages_with_text <= 4 else 3
    top_counts: Counter[str] = Counter()
    bottom_counts: Counter[str] = Counter()
    for lines in page_lines:
        for counts, from_top in ((top_counts, True), (bottom_counts, False)):
            keys = {_line_key(lines[index]) for index in _zone_indexes(lines, from_top)}
            counts.update(key for key in keys if key)
    return (
        {key for key, count in top_counts.items() if count >= min_repeats},
        {key for key, count in bottom_counts.items() if count >= min_repeats},
    )


def _strip_page_furniture(lines: list[str], header_keys: set[str], footer_keys: set[str]) -> list[str]:
    """The page's lines without the page numbers and running lines at its top and bottom.

    Running lines go only from the very edge: the first other line ends them, so a caption
    line that happens to equal a running header ("No. 21-50498") stays.
    """
    kept = list(lines)
    for from_top, keys in ((True, header_keys), (False, footer_keys)):
        at_edge = True
        for index in _zone_indexes(lines, from_top):
            if is_page_number_line(lines[index]):
                kept[index] = ""
            elif at_edge and _line_key(lines[index]) in keys:
                kept[index] = ""
            else:
                at_edge = False
    if not any(kept):
        # A page made only of "running" lines is a page of repeated body text (a form, a
        # one-line order): keep it rather than empty the page.
        return ["" if is_page_number_line(line) else line for line in lines]
    return kept


def _vocabulary(pages_lines: list[list[str]]) -> set[str]:
    """Lower-case words (hyphenated ones whole) written within a line anywhere in the document."""
    return {word.lower() for lines in pages_lines for line in lines for word in WORD.findall(line)}


def _merge_lone_enumerators(lines: list[str]) -> list[str]:
    """Put an enumerator alone on its line ("1.", "(a)", "¶ 2") in front of the next text line.

    >>> _merge_lone_enumerators(["1.", "", "(a)", "The text.", "2."])
    ['1. (a) The text.', '2.']
    """
    merged: list[str] = []
    pending: list[str] = []  # joined once: appending to one string made "1.\n" * n quadratic
    for line in lines:
        if not line:
            if not pending:
                merged.append(line)
            continue
        if LONE_ENUMERATOR.match(line):
            pending.append(line)
            continue
        merged.append(" ".join([*pending, line]) if pending else line)
        pending = []
    if pending:
        merged.append(" ".join(pending))
    return merged


def _typical_width(lines: list[str]) -> int:
    """Length of a full line on this page (a high percentile, so short lines do not count)."""
    lengths = sorted(len(line) for line in lines if len(line) >= 20)
    if len(lengths) < 5:
        return DEFAULT_LINE_WIDTH
    return lengths[int(0.8 * (len(lengths) - 1))]


def _ends_sentence(line: str) -> bool:
    # A mark of SENTENCE_MARKS and then only closers: a "[.?!:][closers]*$" regex, searched, was
    # retried from every mark of a long run of them.
    if line.rstrip(SENTENCE_CLOSERS)[-1:] not in tuple(SENTENCE_MARKS):
        return False
    if JUDGE_TITLE_END.search(line):
        return True
    last_word = line.rsplit(" ", 1)[-1].lower()
    # "Janet T." / "U. S." / "v." end with a period but the text goes on.
    return last_word not in ABBREVIATIONS and not re.fullmatch(r"[a-z]\.", last_word)


def _is_upper_line(line: str) -> bool:
    letters = [char for char in line if char.isalpha()]
    return len(letters) >= 4 and sum(char.isupper() for char in letters) >= 0.6 * len(letters)


def _is_title_case(line: str) -> bool:
    words = [word.strip("()[]\"“”'‘’*:,") for word in line.split()]
    significant = [word for word in words if word and word.lower() not in TITLE_SMALL_WORDS]
    return bool(significant) and all(not word[0].isalpha() or word[0].isupper() for word in significant)


def _looks_like_heading(
    line: str, previous: str | None, previous_is_heading: bool, following: str | None, width: int
) -> bool:
    """Whether a line is a heading: short, set apart from the sentence before, capitalised."""
    if len(line) > 80 or len(line.split()) > 12:
        return False
    if BRACKETED_LINE.match(line):
        return True
    if previous is not None and not (previous_is_heading or _ends_sentence(previous)):
        return False
    if following and following[0].islower():
        return False
    body = ENUMERATOR_PREFIX.sub("", line)
    if ROMAN_OR_LETTER.match(body):
        return True
    last_word = line.rsplit(" ", 1)[-1].lower()
    if line[-1] in ",;-" or last_word in CONTINUING_WORDS:
        return False
    if line.endswith(":") and len(line) <= 60:
        return True
    if line.endswith("."):
        return False
    if _is_upper_line(body):
        return True
    # Title-case headings are short ("Standard of Review"); a longer title-case line is
    # more likely the first line of a paragraph that starts with a name.
    return (
        _is_title_case(body)
        and len(body.split()) <= 7
        and not any(mark in body for mark in ",;")
        and len(line) <= max(0.6 * width, 30)
    )


def _ends_paragraph(line: str, width: int) -> bool:
    return _ends_sentence(line) and len(line) < SHORT_LINE_RATIO * width


def _keep_line_end_hyphen(left: str, right: str, vocabulary: set[str]) -> bool:
    """Whether ``left-`` + ``right`` at a line break is a hyphenated word, not a broken one.

    The document itself is the dictionary: the word written whole or hyphenated elsewhere in it
    decides; else a compound (``out-of-``) or a number keeps its hyphen and a plain word is joined.
    """
    if not right or not right[0].islower():
        return True
    if f"{left}{right}".lower() in vocabulary:
        return False
    if f"{left}-{right}".lower() in vocabulary:
        return True
    return "-" in left or left[-1].isdigit()


def _join_wrapped(parts: list[str], line: str, vocabulary: set[str]) -> None:
    """Join the next wrapped line onto a paragraph (``"".join(parts)``, lines non-empty), mending
    a word broken at the line end. The paragraph stays in parts: rebuilding one string for every
    line made a long paragraph quadratic.

    >>> parts = ["The court's juris-"]
    >>> _join_wrapped(parts, "diction is", {"jurisdiction"}); _join_wrapped(parts, "clear.", set())
    >>> "".join(parts)
    "The court's jurisdiction is clear."
    """
    ending = _ending(parts, 2)
    if ending.endswith(("-", SOFT_HYPHEN)) and not ending.endswith((" -", "--")):
        parts[-1] = parts[-1][:-1]
        if not parts[-1]:
            parts.pop()
        left = _trailing_word(parts)
        right_match = LEADING_LETTERS.match(line)
        right = right_match.group(0) if right_match else ""
        if left and not _keep_line_end_hyphen(left, right, vocabulary):
            parts.append(line)
        else:
            parts.append("-" + line)
    elif ending.endswith(("—", "–")) and not ending.endswith((" —", " –")):
        parts.append(line)
    else:
        parts.append(" " + line)


def _ending(parts: list[str], count: int) -> str:
    """The last ``count`` characters of ``"".join(parts)``."""
    taken: list[str] = []
    length = 0
    for part in reversed(parts):
        taken.append(part[-(count - length):])
        length += len(taken[-1])
        if length >= count:
            break
    return "".join(reversed(taken))


def _trailing_word(parts: list[str]) -> str:
    """The word ``"".join(parts)`` ends with (letters, digits, ', ’, -; ending in a letter or
    digit), "" if none; at most its last ``MAX_WORD_CHARS`` characters."""
    ending = _ending(parts, MAX_WORD_CHARS)
    if not ending or not WORD_CHARACTERS.match(ending[-1]) or ending[-1] in "’'-":
        return ""
    start = len(ending)
    while start > 0 and WORD_CHARACTERS.match(ending[start - 1]):
        start -= 1
    return ending[start:]


def _breaks_between(previous: str, line: str, width: int) -> bool:
    """Whether a new paragraph starts at ``line`` (neither line being a heading)."""
    # A line that starts in lower case continues the sentence before it.
    if line[0].islower() or previous.endswith(("-", SOFT_HYPHEN)):
        return False
    if _ends_paragraph(previous, width):
        return True
    return ITEM_START.match(line) is not None and _ends_sentence(previous)


def _unwrap(lines: list[str], vocabulary: set[str]) -> str:
    """Paragraphs of a page, each on one line, separated by a blank line."""
    lines = _merge_lone_enumerators(lines)
    width = _typical_width(lines)
    paragraphs: list[str] = []
    paragraph: list[str] = []  # pieces of the paragraph being built (see _join_wrapped)
    previous: str | None = None
    previous_is_heading = False
    for index, line in enumerate(lines):
        if not line:
            if paragraph:
                paragraphs.append("".join(paragraph))
            paragraph, previous, previous_is_heading = [], None, False
            continue
        following = lines[index + 1] if index + 1 < len(lines) else None
        is_heading = _looks_like_heading(line, previous, previous_is_heading, following, width)
        starts_new = (
            not paragraph
            or is_heading
            or previous_is_heading
            or (previous is not None and _breaks_between(previous, line, width))
        )
        if starts_new:
            if paragraph:
                paragraphs.append("".join(paragraph))
            paragraph = [line]
        else:
            _join_wrapped(paragraph, line, vocabulary)
        previous, previous_is_heading = line, is_heading
    if paragraph:
        paragraphs.append("".join(paragraph))
    # A soft hyphen left at a paragraph end has no partner line; it was never visible.
    return "\n\n".join(paragraph.replace(SOFT_HYPHEN, "") for paragraph in paragraphs)
