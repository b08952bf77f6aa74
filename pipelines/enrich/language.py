"""The language of a case's text, by common-word counts.

>>> detect_language("Le tribunal a rejeté la demande des requérants et de la société pour les motifs")
'fr'
"""

from __future__ import annotations

import re

LANGUAGE_STOPWORDS = {
    "en": {"the", "and", "of", "to", "in", "that", "is", "for", "was", "court", "with", "not"},
    "es": {"el", "la", "de", "que", "y", "en", "los", "las", "por", "del", "una", "tribunal"},
    "fr": {"le", "la", "les", "de", "des", "et", "que", "du", "une", "est", "pour", "dans"},
    "de": {"der", "die", "das", "und", "den", "des", "nicht", "ist", "mit", "von", "zu", "dem"},
    "pt": {"o", "a", "os", "de", "que", "e", "do", "da", "em", "não", "uma", "para"},
    "it": {"il", "la", "di", "che", "e", "del", "della", "per", "non", "una", "sono", "nel"},
}


def detect_language(text: str) -> str:
    """ISO code of the text's language by common-word counts; English unless clearly not.

    >>> detect_language("El tribunal de la ciudad y los jueces de la sala que")
    'es'
    """
    words = re.findall(r"[^\W\d_]+", text[:20000].lower())
    if len(words) < 8:
        return "en"
    counts = {language: sum(word in stopwords for word in words) for language, stopwords in LANGUAGE_STOPWORDS.items()}
    best = max(counts, key=counts.get)
    return best if counts[best] > 2 * counts["en"] else "en"
