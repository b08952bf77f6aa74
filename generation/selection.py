"""Which ranked sentences make an extractive summary: rhetorical roles, their shares of the
budget, and redundancy removal (MMR).

A judgement states facts, reports the arguments, frames the issues, quotes statutes and
precedents, reasons to its holding and ends with an order; an IN-Abs headnote covers these parts
roughly as much as the judgement does (on the IN-Abs dev set, the sentences sharing the most
bigrams with the headnote are 46 % facts, 26 % statutes, 13 % holding, 8 % arguments and 6 %
issues by words, against 49, 23, 10, 11 and 6 % of the judgements), while LexRank alone takes
what is most central overall: statute sentences (37 %) and arguments (15 %), few facts (26 %).
So each role gets the share of the budget that its sentences have of the text (``role_quotas``:
no fitted proportions), and within it sentences are taken by Maximal Marginal Relevance (Carbonell & Goldstein 1998): centrality less ``redundancy``
times the cosine to the closest sentence already taken, so a near-repeat of a chosen sentence
loses its place (``mmr_select``).

>>> sentence_role("The appeal is accordingly dismissed with costs.")
'order'
>>> sentence_role("Learned counsel for the appellant contended that the lease was void.")
'arguments'
>>> sentence_role("The appellant was a tenant of a flat in Bombay.")
'facts'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from scipy import sparse

# First match wins, in this order: an order sentence often also says "therefore", a holding
# often names the section it construes. Cues are the words judgements use to open each part.
ROLE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (role, re.compile(pattern, re.IGNORECASE)) for role, pattern in (
        ("order", r"\b(appeals?|petitions?|applications?)\b[^.]{0,60}\b(is|are|stands?|must\s+be|be)\s+"
                  r"(dismissed|allowed|disposed|rejected|accepted)|\bno\s+order\s+as\s+to\s+costs\b|"
                  r"\bwith\s+costs\b|\bin\s+the\s+result\b"),
        ("holding", r"\b(we|i)\s+(hold|are\s+of\s+(the\s+)?(opinion|view)|agree|think|find|see\s+no|are\s+unable|"
                    r"have\s+no\s+hesitation|are\s+satisfied|conclude)|\bin\s+our\s+(opinion|view|judgment)\b|"
                    r"\bit\s+(follows|must\s+be\s+held)\b|\b(therefore|accordingly|consequently|thus)\b"),
        ("arguments", r"\b(contend|contention|argu|submi|urged|pleaded|canvass|relied)|"
                      r"\blearned\s+(counsel|advocate|solicitor|attorney)"),
        ("issues", r"\b(question|issue|point)s?\b[^.]{0,80}\b(is|are|was|arises?|whether|for\s+(our\s+)?"
                   r"(decision|determination|consideration))\b|\bwhether\b"),
        ("statutes", r"\b(section|sections|s\.|ss\.|article|art\.|rule|clause|sub\s+section)\s*\d|"
                     r"\b(act|code|constitution|ordinance),?\s+\d{4}\b"),
        ("precedents", r"\bv(s)?\.\s|\bversus\b|\bair\s*\d|\bs\.?c\.?r\b|\(\d{4}\)|\[\d{4}\]"),
    )
)
ROLES: tuple[str, ...] = (*(role for role, _ in ROLE_PATTERNS), "facts")


def sentence_role(text: str) -> str:
    """The rhetorical role a sentence's cue words give it; ``facts`` when it has none.

    >>> sentence_role("The only question for our decision is whether the property passed on shipment.")
    'issues'
    >>> sentence_role("Section 19 of the Act creates an offence.")
    'statutes'
    >>> sentence_role("In our opinion the words must be strictly construed.")
    'holding'
    """
    return next((role for role, pattern in ROLE_PATTERNS if pattern.search(text)), "facts")


def role_quotas(roles: Sequence[str], word_counts: Sequence[int], budget: int) -> dict[str, float]:
    """Each role's share of ``budget``: the share of the words its sentences hold.

    >>> role_quotas(["facts", "holding", "facts"], [30, 20, 50], 50)
    {'facts': 40.0, 'holding': 10.0}
    """
    words: dict[str, int] = {}
    for role, count in zip(roles, word_counts):
        words[role] = words.get(role, 0) + count
    total = sum(words.values())
    return {role: budget * count / total for role, count in words.items()} if total else {}


def mmr_select(
    relevance: np.ndarray,
    vectors: sparse.csr_matrix,
    word_counts: Sequence[int],
    budget: int,
    *,
    redundancy: float,
    roles: Sequence[str] | None = None,
) -> list[int]:
    """Positions (into ``relevance``) taken greedily by ``(1 - redundancy) * relevance -
    redundancy * max cosine to a taken sentence``, each only while it brings the total closer to
    its budget: its role's quota (``role_quotas``) when ``roles`` are given, and always the whole
    ``budget`` (a second pass fills what the quotas left). So the total ends within half a
    sentence of ``budget``, as ``generation.extractive.select_within_budget`` promises.
    ``relevance`` is scaled to a maximum of 1; ``vectors`` are unit rows (LexRank's tf-idf), so a
    row's products with them are its cosines.

    Every step takes a sentence (those that no longer fit are masked out first), so there are at
    most as many steps as sentences fit in the budget, each a sparse product with the rows and a
    few vector operations over the sentences: linear in the text for a bounded budget.

    >>> vectors = sparse.csr_matrix(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))
    >>> mmr_select(np.array([1.0, 0.99, 0.5]), vectors, [5, 5, 5], 10, redundancy=0.0)
    [0, 1]
    >>> mmr_select(np.array([1.0, 0.99, 0.5]), vectors, [5, 5, 5], 10, redundancy=0.5)
    [0, 2]
    """
    count = len(relevance)
    if count == 0:
        return []
    relevance = relevance / relevance.max() if relevance.max() > 0 else np.zeros(count)
    lengths = np.asarray(word_counts, dtype=float)
    closest = np.zeros(count)
    available = np.ones(count, dtype=bool)
    chosen: list[int] = []
    passes: list[tuple[np.ndarray, np.ndarray]] = []  # (each sentence's group, each group's words left)
    if roles is not None:
        quotas = role_quotas(roles, word_counts, budget)
        names = list(quotas)
        passes.append((np.array([names.index(role) for role in roles]), np.array([quotas[name] for name in names])))
    passes.append((np.zeros(count, dtype=int), np.array([np.inf])))  # then the budget alone
    budget_left = float(budget)
    for groups, left in passes:
        while True:
            # A sentence brings its group closer to its quota while length <= 2 * what is left,
            # and the whole summary closer to the budget likewise.
            group_left = np.minimum(left[groups], budget_left)
            fits = available & (group_left > 0) & (lengths <= 2 * group_left)
            if not fits.any():
                break
            value = np.where(fits, (1 - redundancy) * relevance - redundancy * closest, -np.inf)
            position = int(np.argmax(value))
            chosen.append(position)
            available[position] = False
            left[groups[position]] -= lengths[position]
            budget_left -= lengths[position]
            if redundancy > 0:
                cosines = np.asarray((vectors @ vectors[position].T).todense()).ravel()
                closest = np.maximum(closest, cosines)
    return chosen
