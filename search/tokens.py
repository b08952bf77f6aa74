"""Tokens for BM25 over legal text: words, plus legal references kept whole.

Generic tokenizers shred what a lawyer searches for: "§ 5.01(a)" becomes "5", "01", "a";
"569 U. S. 614" becomes "569", "u", "s", "614"; "I.P.C." becomes three letters. So references
are found first, on the original text, and each becomes one normalised token (plus its parts,
for recall); the rest of the text is split into lower-cased words. BM25 is a bag of words,
so the reference tokens come after the words rather than in text order.

Normalised forms (what a query and a chunk both turn into):

- section:   "s. 302", "Section 302", "sec. 302", "§ 302"        -> "s.302", "302"
             "§§ 5.01(a)"                                          -> "s.5.01(a)", "s.5.01", "5.01"
             "302 IPC", "Section 302 I.P.C."                       -> "s.302", "302", "ipc"
- article:   "Article 21", "Art. 19(1)(a)"                         -> "art.21", "21"; "art.19(1)(a)", ...
- citation:  "569 U. S. 614"                                       -> "569_us_614", "569", "us", "614"
             "(2013) 4 SCC 1"                                      -> "2013_4_scc_1", "2013", "4", "scc", "1"
             "AIR 1980 SC 898"                                     -> "air_1980_sc_898", "air", "1980", "sc", "898"
- code:      "42 U.S.C. § 1983"                                    -> "42_usc_1983", "42", "usc", "s.1983", "1983"
- case no.:  "No. 11-889", "No. 1234 of 2013"                      -> "no.11-889", "11-889"; "no.1234/2013", ...
- acronym:   "I.P.C.", "Cr.P.C.", "U. S."                          -> "ipc", "crpc", "us"

The plain number is emitted beside "s.302" because texts cite the same provision both ways
("Section 302" and "under 302 IPC" / "302 of the Code"): "s.302" is the precise, rare token
that ranks exact references first; "302" lets a query that says it differently still match.

Words: hyphenated compounds are kept whole and, when alphabetic, also split ("cross-examination"
-> "cross-examination", "cross", "examination"); possessives are stripped; numbers are kept
("1,000" -> "1000"); English stopwords and single letters are dropped; the rest get a light
plural stemmer (Harman's S-stemmer). PyStemmer, which bm25s uses when present, is not installed
in this project, and the S-stemmer is the conservative choice: it conflates "sections"/"section"
and "liabilities"/"liability" but never "murder"/"murdered", so it cannot merge unrelated terms.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Articles, pronouns, auxiliaries, prepositions, conjunctions; "v"/"vs" from case captions.
# Legal words such as "shall", "court" and "section" stay: BM25's idf already discounts them.
STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each eg etc few for
from further had has have having he her here hers herself him himself his how i ie if in into
is it its itself just me more most my myself no nor not of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them themselves
then there these they this those through to too under until up upon very v vs was we were what
when where which while who whom why will with would you your yours yourself yourselves
""".split())

# Tokens longer than this are OCR debris or URLs; dropping them keeps the vocabulary sane.
MAX_TOKEN_CHARS = 64

# Reporters, longest first so "F. Supp. 2d" wins over "F. Supp." and "F.".
_REPORTERS = (
    "U.S.", "S. Ct.", "L. Ed. 2d", "L. Ed.", "F.4th", "F.3d", "F.2d", "F.", "F. Supp. 3d",
    "F. Supp. 2d", "F. Supp.", "F. App'x", "B.R.", "Fed. Cl.", "A.3d", "A.2d", "A.", "P.3d",
    "P.2d", "P.", "N.E.3d", "N.E.2d", "N.E.", "N.W.2d", "N.W.", "S.E.2d", "S.E.", "S.W.3d",
    "S.W.2d", "S.W.", "So. 3d", "So. 2d", "So.", "Cal. Rptr. 3d", "Cal. Rptr. 2d", "Cal. Rptr.",
    "N.Y.S.3d", "N.Y.S.2d", "WL", "SCC", "SCR", "SCALE", "All ER", "WLR", "Cri LJ", "Cr LJ",
)
# Indian and English reports cited as "(year) volume REPORTER page".
_YEAR_REPORTERS = ("SCC", "SCR", "SCALE", "All ER", "WLR", "AC", "QB", "KB", "Ch", "Cri LJ")
_STATUTES = (
    "I.P.C.", "IPC", "Cr.P.C.", "CrPC", "C.P.C.", "CPC", "NDPS", "U.S.C.A.", "U.S.C.", "USC",
    "C.F.R.", "CFR", "U.C.C.", "UCC",
)


def _abbreviation_pattern(abbreviation: str) -> str:
    """Regex for an abbreviation however it is dotted or spaced: "S. Ct." ~ "S.Ct." ~ "S Ct"."""
    pieces = re.findall(r"\d+(?:d|th)|[A-Z][a-z]*(?:'x)?|&", abbreviation)
    joined = r"\.?\s?".join(re.escape(piece).replace("'", "['’]") for piece in pieces)
    return joined + r"\.?"


def _alternation(abbreviations: tuple[str, ...]) -> str:
    ordered = sorted(abbreviations, key=len, reverse=True)
    return "|".join(_abbreviation_pattern(abbreviation) for abbreviation in ordered)


# At most 8 "(a)" parts: every digit after "(" may start a reference, so an unbounded chain
# "1(1)(1)(1)..." was rescanned to its end from each of them.
_SECTION_NUMBER = r"\d+[A-Za-z]{0,2}(?:\.\d+)*(?:\([0-9A-Za-z]{1,4}\)){0,8}"
_LIST_JOINER = r"\s*(?:,\s*(?:and\s+|or\s+)?|\s(?:and|or|to|through|read\s+with)\s|&|/)\s*"
# Atomic: a list is taken whole or not at all. Backtracking into it (to try shorter lists when
# no statute name follows) made long lists of numbers cost seconds per chunk.
_NUMBER_LIST = rf"(?>{_SECTION_NUMBER}(?:{_LIST_JOINER}{_SECTION_NUMBER})*)"
# A list before a statute name ("302, 34 IPC") has no word before it, so it is tried from each of
# its numbers: unbounded, "1, 1, 1, ..." was quadratic (a 25,000-character query took 42 s).
# A longer list keeps its last numbers as the statute's, the first ones as plain numbers.
_MAX_STATUTE_LIST_NUMBERS = 24
_STATUTE_NUMBER_LIST = (
    rf"(?>{_SECTION_NUMBER}(?:{_LIST_JOINER}{_SECTION_NUMBER}){{0,{_MAX_STATUTE_LIST_NUMBERS - 1}}})"
)

# One scan over the original text; at each position the first matching branch wins, so
# longer or more specific forms come first (a citation's "U. S. 614" must not read as "S. 614").
# References start at a word start; checking that once, before the branches, halves the scan.
LEGAL_REFERENCE = re.compile(
    rf"""
    (?<![\w.])(?=[\w(\[§])(?:
      (?P<year_citation>[(\[](?P<yc_year>\d{{4}})[)\]]\s*+(?P<yc_volume>\d{{1,4}})?\s*
        (?P<yc_reporter>{_alternation(_YEAR_REPORTERS)})\s+(?P<yc_page>\d{{1,6}})(?!\w))
    | (?P<air_citation>AIR\s+(?P<air_year>\d{{4}})\s+
        (?P<air_court>[A-Z][A-Za-z&]{{1,5}})\s+(?P<air_page>\d{{1,6}})(?!\w))
    | (?P<code_citation>(?P<code_title>\d{{1,3}})\s+
        (?P<code_name>{_abbreviation_pattern("U.S.C.A.")}|{_abbreviation_pattern("U.S.C.")}
            |{_abbreviation_pattern("C.F.R.")})
        \s*+(?:§§?|(?i:secs?\.|sections?))?\s*(?P<code_sections>{_NUMBER_LIST}))
    | (?P<citation>(?P<volume>\d{{1,4}})\s+
        (?P<reporter>{_alternation(_REPORTERS)})(?![A-Za-z])\s*(?P<page>\d{{1,6}})(?!\w))
    | (?P<statute_section>(?P<ss_numbers>{_STATUTE_NUMBER_LIST})\s+
        (?P<ss_statute>{_alternation(_STATUTES)})(?![A-Za-z]))
    | (?:(?i:sections?|secs?\.|ss?\.)|§§?)\s*(?P<sections>{_NUMBER_LIST})
    | (?i:articles?|arts?\.)\s*(?P<articles>{_NUMBER_LIST})
    | (?i:nos?\.)\s*(?P<case_numbers>\d+(?:[-/]\d+)+(?:,\s*\d+(?:[-/]\d+)+)*
        |(?P<cn_number>\d+)\s+of\s+(?P<cn_year>\d{{4}}))(?!\w)
    | (?P<statute>{_alternation(_STATUTES)})(?![A-Za-z])
    | (?P<acronym>[A-Z]\.(?:\s?[A-Z]\.)+)
    )""",
    re.VERBOSE,
)

_NUMBER_IN_LIST = re.compile(_SECTION_NUMBER)
_CASE_NUMBER = re.compile(r"\d+(?:[-/]\d+)+")
_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]")
_WORD = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)+|[^\W_]+(?:[-'’][^\W_]+)*")


def legal_tokens(text: str) -> list[str]:
    """Lower-cased BM25 tokens of ``text``, legal references kept as single tokens.

    >>> legal_tokens("The appellant's conviction under Section 302 IPC")
    ['appellant', 'conviction', 's.302', '302', 'ipc']
    >>> legal_tokens("Maryland v. King, 569 U. S. 435 (2013)")
    ['maryland', 'king', '2013', '569_us_435', '569', 'us', '435']
    """
    references: list[str] = []

    def keep_reference(match: re.Match[str]) -> str:
        references.extend(_reference_tokens(match))
        return " "

    words_text = LEGAL_REFERENCE.sub(keep_reference, text).lower()
    tokens = [token for word in _WORD.findall(words_text) for token in _word_tokens(word)]
    tokens.extend(references)
    return tokens


def _reference_tokens(match: re.Match[str]) -> list[str]:
    kind = match.lastgroup
    parts = match.groupdict()
    if kind == "year_citation":
        pieces = [parts["yc_year"], parts["yc_volume"], _squash(parts["yc_reporter"]), parts["yc_page"]]
        return _citation_tokens([piece for piece in pieces if piece])
    if kind == "air_citation":
        return _citation_tokens(["air", parts["air_year"], _squash(parts["air_court"]), parts["air_page"]])
    if kind == "code_citation":
        title, code = parts["code_title"], _squash(parts["code_name"])
        numbers = _list_numbers(parts["code_sections"])
        return ([f"{title}_{code}_{number}" for number in numbers] + [title, code]
                + _numbered_tokens("s.", numbers))
    if kind == "citation":
        return _citation_tokens([parts["volume"], _squash(parts["reporter"]), parts["page"]])
    if kind == "statute_section":
        return _numbered_tokens("s.", _list_numbers(parts["ss_numbers"])) + [_squash(parts["ss_statute"])]
    if kind == "sections":
        return _numbered_tokens("s.", _list_numbers(parts["sections"]))
    if kind == "articles":
        return _numbered_tokens("art.", _list_numbers(parts["articles"]))
    if kind == "case_numbers":
        if parts["cn_number"]:
            numbers = [f"{parts['cn_number']}/{parts['cn_year']}"]
            return [f"no.{numbers[0]}", parts["cn_number"], parts["cn_year"]]
        numbers = _CASE_NUMBER.findall(parts["case_numbers"])
        return [token for number in numbers for token in (f"no.{number}", number)]
    if kind == "statute":
        return [_squash(parts["statute"])]
    return [_squash(parts["acronym"])]  # "acronym": bypasses stopwords, "U.S." is not "us"


def _squash(abbreviation: str) -> str:
    """ "F. Supp. 2d" -> "fsupp2d", "I.P.C." -> "ipc": one spelling for every dotting."""
    return _NOT_ALPHANUMERIC.sub("", abbreviation.lower())


def _citation_tokens(pieces: list[str]) -> list[str]:
    """The whole citation as one token, then its pieces for partial matches."""
    return ["_".join(pieces), *pieces]


def _list_numbers(number_list: str) -> list[str]:
    return [number.lower() for number in _NUMBER_IN_LIST.findall(number_list)]


def _numbered_tokens(prefix: str, numbers: list[str]) -> list[str]:
    """ "s." + ["5.01(a)(2)"] -> s.5.01(a)(2), s.5.01(a), s.5.01, 5.01: each enclosing provision.

    >>> _numbered_tokens("art.", ["19(1)(a)"])
    ['art.19(1)(a)', 'art.19(1)', 'art.19', '19']
    """
    tokens: list[str] = []
    for number in numbers:
        provision = number
        while True:
            tokens.append(prefix + provision)
            if not provision.endswith(")"):
                break
            provision = provision[: provision.rindex("(")]
        tokens.append(provision)
    return tokens


@lru_cache(maxsize=1 << 18)
def _word_tokens(word: str) -> tuple[str, ...]:
    """Tokens of one lower-cased word; cached because a corpus repeats a small vocabulary."""
    word = word.replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > MAX_TOKEN_CHARS:
        return ()
    if word[0].isdigit():
        return (word.replace(",", ""),)
    if "-" not in word:
        return _plain_word_tokens(word)
    parts = word.split("-")
    compound = "-".join(parts[:-1] + [_stem(parts[-1])])
    if any(character.isdigit() for character in word):
        return (compound,)  # "11-889", "covid-19": the parts alone would match any number
    return (compound, *(token for part in parts for token in _plain_word_tokens(part)))


def _plain_word_tokens(word: str) -> tuple[str, ...]:
    if len(word) < 2 or word in STOPWORDS:
        return ()
    return (_stem(word),)


def _stem(word: str) -> str:
    """Harman's S-stemmer: plurals only, and only where the rule is safe.

    >>> [_stem(word) for word in ["liabilities", "statutes", "sections", "witnesses", "basis", "gas"]]
    ['liability', 'statute', 'section', 'witnesse', 'basis', 'gas']
    """
    if len(word) <= 3 or not word.isalpha() or not word.endswith("s"):
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith(("ss", "us", "is")):
        return word
    return word[:-1]
