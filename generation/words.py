"""Words of a text as the rankers and the overlap checks compare them: lower-cased and stemmed
with summa's English stop-word list and Snowball stemmer, which ship inside the package (no
downloaded data).

>>> content_words("The appeal was dismissed"), stemmed_words("The appeal was dismissed")
(['appeal', 'dismiss'], ['the', 'appeal', 'was', 'dismiss'])
"""

from __future__ import annotations

import re
from functools import lru_cache

from summa.preprocessing.snowball import SnowballStemmer
from summa.preprocessing.stopwords import get_stopwords_by_language

WORD = re.compile(r"[^\W\d_]+")


def content_words(text: str) -> list[str]:
    """Lower-cased, stemmed words, stop words and one-letter words dropped.

    >>> content_words("The appellants were held guilty under Section 302.")
    ['appel', 'held', 'guilti', 'section']
    """
    stopwords = _stopwords()
    return stemmed_words(" ".join(word for word in WORD.findall(text.lower()) if word not in stopwords))


def stemmed_words(text: str) -> list[str]:
    """Lower-cased, stemmed words of two letters or more, stop words kept ("whether", "held").

    >>> stemmed_words("Whether the appeals arise")
    ['whether', 'the', 'appeal', 'aris']
    """
    stemmer = _stemmer()
    return [stemmer.stem(word) for word in WORD.findall(text.lower()) if len(word) > 1]


@lru_cache(maxsize=1)
def _stemmer() -> SnowballStemmer:
    return SnowballStemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    return frozenset(get_stopwords_by_language("english").split())
