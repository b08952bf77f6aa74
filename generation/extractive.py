"""Extractive summary of a judgement: its most central sentences, in document order.

Centrality is PageRank over a sentence-similarity graph: continuous LexRank (tf-idf cosine) by
default, or TextRank (shared words). Sentences come from ``generation.sentences`` (pysbd with a
legal-abbreviation repair: ``s. 302``, ``Art. 14``, ``No. 8`` do not end a sentence) and their
words from ``generation.words`` (summa's stop words and Snowball stemmer). The sentence graph and
PageRank are computed here with numpy rather than by ``summa.summarizer.summarize``, because
summa re-splits the text with its own regex (it breaks ``s. 302``), loses character offsets,
merges identical sentences and solves a dense eigenproblem that is slow on long judgements.

The default method, ``sectioned``, takes LexRank's sentences by MMR within each rhetorical
role's share of the budget (``generation.selection``); ``lexrank`` and ``textrank`` take the most
central first.

Every selected sentence keeps its ``[char_start, char_end)`` in the text and the pages it lies
on, so a summary can say which pages it drew on.

>>> text = ("The appellant was convicted under s. 302 of the Penal Code. "
...         "The High Court confirmed the conviction under s. 302. "
...         "The appellant appeals against the conviction. It rained.")
>>> summary = summarize(text, length=17)
>>> summary.text
'The appellant was convicted under s. 302 of the Penal Code. The appellant appeals against the conviction.'
>>> [(s.char_start, s.char_end) for s in summary.sentences]
[(0, 59), (114, 159)]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from generation.selection import mmr_select, sentence_role
from generation.sentences import Sentence, split_sentences
from generation.words import WORD, content_words, stemmed_words
from lexray.models import PageSpan
from lexray.summary_options import DEFAULT_LENGTH, FOCUS_AREAS, SummaryOptionError, word_budget
from lexray.settings import ExtractiveSettings, SummarySettings
from pipelines.clean import pages_in_range

# textrank and lexrank are the published rankers, their best sentences taken first; lexrank_mmr
# takes LexRank's by MMR (generation.selection), sectioned also gives each rhetorical role its
# share of the budget. docs/benchmarks.md has their ROUGE on the IN-Abs dev set.
METHODS: tuple[str, ...] = ("textrank", "lexrank", "lexrank_mmr", "sectioned")
SELECTING_METHODS: frozenset[str] = frozenset({"lexrank_mmr", "sectioned"})
# The highest mean ROUGE-1/2/L on the IN-Abs dev set, and on each half with the MMR weight chosen
# on the other half (docs/benchmarks.md).
DEFAULT_METHOD = "sectioned"

# Lines of a judgement's caption and appearance block, not of its reasoning.
HEADER_PATTERNS = tuple(re.compile(pattern, re.IGNORECASE) for pattern in (
    # "Criminal Appeal No. 8 of 1951.", "ivil Appeals Nos. 259 and 260 of 1958." (OCR ate a "C")
    r"^.{0,8}?\b(civil|criminal|writ|original|special|leave)?\s*(appeals?|petitions?|cases?|suits?|"
    r"applications?|references?)\s*,?\s*nos?\b[\w\s,./()&-]{0,40}$",
    r"^\W*no\.?\s*[\w-]+\W*$",
    r"^\W*(on\s+)?appeals?\s+(by\s+(special\s+leave|certificate)\s+)?(from|against)\b",
    r"^\W*appeals?\s+by\s+(special\s+leave|certificate)\b",
    r"^\W*from\s+the\s+(judgment|order|award|decree|decision)\b",
    r"\b(solicitor|attorney|advocate)[\s-]+general\b",
    r"^\W*(petition|application)s?\s+under\s+(art|article|section|s)\b",
    r"\bfor\s+(the\s+)?(appellants?|respondents?|petitioners?|plaintiffs?|defendants?|applicants?|"
    r"complainants?|accused|interveners?)\b",
    r",\s*with\s+(him|them)\s*\)|\bwith\s+whom\b|\bamic(us|i)\s+curiae\b|\bon\s+(the\s+)?brief\b",
    r"\b(was|were)\s+delivered\s+by\b",
    r"\bdelivered\s+(the|a)\s+(following\s+)?(dissenting\s+)?(judgment|opinion)\b",
    r"^\W*(before|coram|per\s+curiam)\b",
    r"\b(circuit|district)\s+judges?\b",
))
# A counsel line never argues; a sentence with one of these verbs is content even in the header.
ARGUMENT_WORDS = re.compile(r"\b(contend|argu|submit|urg|plead|pleaded|rel(y|ied))", re.IGNORECASE)


@dataclass(frozen=True)
class SummarySentence:
    text: str
    char_start: int
    char_end: int
    pages: tuple[int, ...]  # pages the sentence lies on; empty when no page spans were given
    score: float  # centrality after the focus boost; higher is more central


@dataclass(frozen=True)
class ExtractiveSummary:
    sentences: tuple[SummarySentence, ...]  # in document order
    target_words: int

    @property
    def text(self) -> str:
        return " ".join(sentence.text for sentence in self.sentences)

    @property
    def pages(self) -> list[int]:
        """Every page the summary drew on, ascending."""
        return sorted({page for sentence in self.sentences for page in sentence.pages})

    @property
    def word_count(self) -> int:
        return sum(len(sentence.text.split()) for sentence in self.sentences)


def is_header_line(sentence: str) -> bool:
    """Whether a sentence reads like a caption or appearance line rather than content.

    >>> is_header_line("K. T. Desai and R. Nath, for the appellants.")
    True
    >>> is_header_line("Learned counsel for the appellants contended that the lease was void.")
    False
    """
    if ARGUMENT_WORDS.search(sentence):
        return False
    return any(pattern.search(sentence) for pattern in HEADER_PATTERNS)


def focus_keywords(focus_areas: Iterable[str]) -> list[frozenset[str]]:
    """Stemmed keyword sets (one per keyword) of the given focus areas.

    >>> sorted(sorted(words) for words in focus_keywords(["issues"]))[:2]
    [['aris'], ['controversi']]
    >>> ["whether"] in [sorted(words) for words in focus_keywords(["issues"])]
    True
    >>> focus_keywords(["gossip"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lexray.summary_options.SummaryOptionError: unknown focus area 'gossip'; use any of facts, issues, ...
    """
    keyword_sets = []
    for area in focus_areas:
        if area not in FOCUS_AREAS:
            raise SummaryOptionError(f"unknown focus area {area!r}; use any of {', '.join(FOCUS_AREAS)}")
        keyword_sets.extend(frozenset(stemmed_words(keyword)) for keyword in FOCUS_AREAS[area])
    return keyword_sets


def summarize(
    text: str,
    *,
    length: str | int = DEFAULT_LENGTH,
    page_spans: Sequence[PageSpan] | None = None,
    focus_areas: Iterable[str] = (),
    method: str = DEFAULT_METHOD,
    skip_header: bool = True,
    position_bias: float = 0.0,
    max_graph_sentences: int = SummarySettings().max_graph_sentences,
    settings: ExtractiveSettings = ExtractiveSettings(),
) -> ExtractiveSummary:
    """The most central sentences of ``text`` within ``length`` words, in document order.

    ``method``: ``textrank`` or ``lexrank`` take the most central first; ``lexrank_mmr`` takes
    LexRank's by MMR with ``settings.redundancy``; ``sectioned`` (the default) also gives each
    rhetorical role (``generation.selection``) its share of the budget, unless ``focus_areas``
    ask for a summary that leans toward some parts.
    The word count lands within half the longest sentence of the budget, unless the text is
    shorter than that (then all of it comes back). ``focus_areas`` multiply the centrality of a
    sentence by ``settings.focus_boost`` per keyword of theirs it holds, twice at most;
    ``position_bias`` is passed to ``rank_sentences`` (0 by default: where a corpus's reference
    summaries draw from is a property of that corpus, not of judgements), and so is
    ``max_graph_sentences`` (settings ``summaries.max_graph_sentences``). ``settings`` (the
    ``extractive`` group) also says how sentences are split and which are candidates.

    >>> summarize("").sentences, summarize("Only one sentence here.").text
    ((), 'Only one sentence here.')
    >>> spans = [PageSpan(page=1, char_start=0, char_end=22), PageSpan(page=2, char_start=24, char_end=45)]
    >>> summarize("The Act was valid here.\\n\\nThe appeal is dismissed.", page_spans=spans).pages
    [1, 2]
    """
    budget = word_budget(length)
    if method not in METHODS:
        raise SummaryOptionError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    keyword_sets = focus_keywords(focus_areas)
    sentences = split_sentences(text, max_segment_chars=settings.max_segment_chars,
                                max_segment_periods=settings.max_segment_periods)
    candidates = candidate_indexes(sentences, skip_header=skip_header, min_words=settings.min_sentence_words,
                                   body_run=settings.body_run)
    if sum(len(sentences[index].text.split()) for index in candidates) <= budget:
        chosen = candidates
        scores = np.ones(len(sentences))
    else:
        sentence_words = [content_words(sentences[index].text) for index in candidates]
        graph = lexrank_graph(sentence_words) if method in SELECTING_METHODS else None
        if graph is None:
            centrality = rank_sentences(sentence_words, method=method, position_bias=position_bias,
                                        max_graph_sentences=max_graph_sentences, damping=settings.damping)
        else:
            centrality = pagerank(graph, restart=restart_weights(len(candidates), position_bias),
                                  damping=settings.damping)
        scores = np.zeros(len(sentences))
        for position, index in enumerate(candidates):
            boost = (focus_factor(set(stemmed_words(sentences[index].text)), keyword_sets, boost=settings.focus_boost)
                     if keyword_sets else 1.0)
            scores[index] = centrality[position] * boost
        word_counts = [len(sentence.text.split()) for sentence in sentences]
        if graph is None:
            chosen = select_within_budget(candidates, scores, word_counts, budget)
        else:
            # A focused summary is meant to lean toward its areas, so the roles' shares give way.
            by_role = method == "sectioned" and not (keyword_sets and settings.focus_boost > 1)
            roles = [sentence_role(sentences[index].text) for index in candidates] if by_role else None
            taken = mmr_select(scores[candidates], graph.vectors, [word_counts[index] for index in candidates], budget,
                               redundancy=settings.redundancy, roles=roles)
            chosen = [candidates[position] for position in taken]
    return ExtractiveSummary(
        sentences=tuple(
            SummarySentence(
                text=sentences[index].text,
                char_start=sentences[index].char_start,
                char_end=sentences[index].char_end,
                pages=_pages(page_spans, sentences[index]),
                score=float(scores[index]),
            )
            for index in sorted(chosen)
        ),
        target_words=budget,
    )


def candidate_indexes(
    sentences: Sequence[Sentence],
    *,
    skip_header: bool = True,
    min_words: int = ExtractiveSettings().min_sentence_words,
    body_run: int = ExtractiveSettings().body_run,
) -> list[int]:
    """Sentences worth picking: of ``min_words`` words or more (settings
    ``extractive.min_sentence_words``), and (with ``skip_header``) not in the header
    (``header_indexes`` with ``body_run``).

    When nothing qualifies every sentence with a word does, so a short text still gets a summary.

    >>> candidate_indexes(split_sentences("Appeal No. 5 of 1950. The appeal fails on the facts."))
    [1]
    """
    header = header_indexes(sentences, min_words=min_words, body_run=body_run) if skip_header else set()
    candidates = [
        index for index, sentence in enumerate(sentences)
        if len(sentence.text.split()) >= min_words and index not in header
    ]
    return candidates or [index for index, sentence in enumerate(sentences) if WORD.search(sentence.text)]


def header_indexes(
    sentences: Sequence[Sentence],
    *,
    min_words: int = ExtractiveSettings().min_sentence_words,
    body_run: int = ExtractiveSettings().body_run,
) -> set[int]:
    """Header lines before the body, which starts at ``body_run`` content sentences (not header
    lines, of ``min_words`` words or more) in a row (settings ``extractive.body_run``).

    >>> text = ("Criminal Appeal No. 8 of 1951. The facts are stated in the judgment.\\n"
    ...         "A. Rao, for the appellant. The Judgment of the Court was delivered by Das J.\\n"
    ...         "The appellant was a tenant of a flat. He paid the rent monthly. He left for England in 1948.\\n"
    ...         "Counsel for the appellant was heard at length. It failed.")
    >>> sorted(header_indexes(split_sentences(text)))
    [0, 2, 3]
    """
    header, run = set(), 0
    for index, sentence in enumerate(sentences):
        if is_header_line(sentence.text):
            header.add(index)
            run = 0
        elif len(sentence.text.split()) >= min_words:
            run += 1
            if run >= body_run:
                break
    return header


def rank_sentences(
    sentence_words: Sequence[Sequence[str]],
    *,
    method: str = DEFAULT_METHOD,
    position_bias: float = 0.0,
    max_graph_sentences: int = SummarySettings().max_graph_sentences,
    damping: float = ExtractiveSettings().damping,
) -> np.ndarray:
    """PageRank centrality of each sentence (summing to 1) in its similarity graph, with
    ``damping`` (settings ``extractive.damping``).

    ``textrank`` (Mihalcea & Tarau 2004): shared words / (log len1 + log len2).
    ``lexrank`` (continuous LexRank, Erkan & Radev 2004): tf-idf cosine, no threshold; also the
    ranking of ``lexrank_mmr`` and ``sectioned``, which differ in how they select.
    ``position_bias`` tilts the random walk's restarts toward late sentences (> 0) or early
    ones (< 0): restart odds grow as exp(position_bias * relative position). 0 is plain PageRank.

    Memory stays bounded for any text: LexRank's graph is never built (``LexRankGraph``), and
    TextRank's dense one ranks at most ``max_graph_sentences`` sentences at a time: a longer
    text is ranked in consecutive windows, each window's scores weighted by its share of the
    restarts (a 300,000-character text of 4-word lines is 25,000 sentences, 5 GB per dense matrix).

    >>> words = [["court", "appeal"], ["court", "appeal", "fail"], ["rain"]]
    >>> [round(float(score), 3) for score in rank_sentences(words, method="textrank")]
    [0.465, 0.465, 0.07]
    >>> late = rank_sentences(words, method="textrank", position_bias=3.0)
    >>> bool(late[2] > 0.07 and late[1] > late[0])
    True
    """
    if not sentence_words:
        return np.zeros(0)
    if method not in METHODS:
        raise SummaryOptionError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    restart = restart_weights(len(sentence_words), position_bias)
    if method != "textrank":
        return pagerank(lexrank_graph(sentence_words), restart=restart, damping=damping)
    windows = -(-len(sentence_words) // max_graph_sentences)
    if windows == 1:
        return pagerank(textrank_similarity(sentence_words), restart=restart, damping=damping)
    scores = np.zeros(len(sentence_words))
    for window in np.array_split(np.arange(len(sentence_words)), windows):
        start, stop = int(window[0]), int(window[-1]) + 1
        share = restart[start:stop].sum() / restart.sum()
        weights = textrank_similarity(sentence_words[start:stop])
        scores[start:stop] = share * pagerank(weights, restart=restart[start:stop], damping=damping)
    return scores


def restart_weights(count: int, position_bias: float = 0.0) -> np.ndarray:
    """PageRank's restart odds of ``count`` sentences: exp(position_bias * relative position).

    >>> restart_weights(3).tolist(), [round(float(x), 2) for x in restart_weights(3, 1.0)]
    ([1.0, 1.0, 1.0], [1.0, 1.65, 2.72])
    """
    return np.exp(position_bias * np.arange(count) / max(count - 1, 1))


def textrank_similarity(sentence_words: Sequence[Sequence[str]]) -> np.ndarray:
    incidence = _incidence(sentence_words, binary=True)
    shared = (incidence @ incidence.T).toarray()
    log_lengths = np.log([max(len(words), 1) for words in sentence_words])
    denominator = log_lengths[:, None] + log_lengths[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = np.where(denominator > 0, shared / denominator, 0.0)
    np.fill_diagonal(weights, 0.0)
    return weights


def lexrank_similarity(sentence_words: Sequence[Sequence[str]]) -> np.ndarray:
    counts = _incidence(sentence_words, binary=False)
    document_frequency = np.asarray((counts > 0).sum(axis=0)).ravel()
    idf = np.log(len(sentence_words) / np.maximum(document_frequency, 1)) + 1.0
    vectors = counts.multiply(idf[None, :]).tocsr()
    norms = np.sqrt(np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel())
    vectors = sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ vectors
    weights = (vectors @ vectors.T).toarray()
    np.fill_diagonal(weights, 0.0)
    return weights


@dataclass(frozen=True)
class LexRankGraph:
    """Continuous LexRank's graph without its n x n matrix: the weights are ``V @ V.T`` with a
    zero diagonal, ``V`` the sparse unit tf-idf rows, so products with them are two sparse
    products (memory grows with the words, not with the square of the sentences).

    >>> graph = lexrank_graph([["court", "appeal"], ["court", "appeal", "fail"], ["rain"]])
    >>> np.allclose(graph.dense(), lexrank_similarity([["court", "appeal"], ["court", "appeal", "fail"], ["rain"]]))
    True
    """

    vectors: sparse.csr_matrix
    own: np.ndarray  # each row's squared norm (1, or 0 without words): the diagonal taken out
    isolated: np.ndarray  # rows sharing no word with any other: no edge at all

    def __len__(self) -> int:
        return self.vectors.shape[0]

    def times(self, values: np.ndarray) -> np.ndarray:
        """``weights @ values``."""
        product = self.vectors @ (self.vectors.T @ values) - self.own * values
        return np.where(self.isolated, 0.0, product)

    def row_sums(self) -> np.ndarray:
        return self.times(np.ones(len(self)))

    def dense(self) -> np.ndarray:
        """The n x n weights (small graphs only: tests, comparisons)."""
        weights = (self.vectors @ self.vectors.T).toarray()
        np.fill_diagonal(weights, 0.0)
        return weights


def lexrank_graph(sentence_words: Sequence[Sequence[str]]) -> LexRankGraph:
    """The tf-idf cosine graph of ``lexrank_similarity``, kept as its sparse vectors."""
    counts = _incidence(sentence_words, binary=False)
    document_frequency = np.asarray((counts > 0).sum(axis=0)).ravel()
    idf = np.log(len(sentence_words) / np.maximum(document_frequency, 1)) + 1.0
    vectors = counts.multiply(idf[None, :]).tocsr()
    norms = np.sqrt(np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel())
    vectors = (sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ vectors).tocsr()
    own = np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel()
    shared_words = (counts > 0).astype(np.float64) @ (document_frequency > 1).astype(np.float64)
    return LexRankGraph(vectors, own, np.asarray(shared_words).ravel() == 0)


def pagerank(
    weights: np.ndarray | LexRankGraph,
    *,
    restart: np.ndarray | None = None,
    damping: float = ExtractiveSettings().damping,
    tolerance: float = 1e-8,
) -> np.ndarray:
    """Stationary scores of a random walk over ``weights`` that restarts, with probability
    ``1 - damping`` and from an isolated node always, at a node drawn by ``restart`` (uniform
    when None; scaled to sum to 1). ``weights`` is a symmetric matrix or a ``LexRankGraph``.

    >>> [round(float(x), 3) for x in pagerank(np.array([[0.0, 1.0], [1.0, 0.0]]))]
    [0.5, 0.5]
    """
    count = len(weights)
    restart = np.full(count, 1.0 / count) if restart is None else restart / restart.sum()
    if isinstance(weights, LexRankGraph):
        out_weight = weights.row_sums()
        isolated = weights.isolated
        divisor = np.where(isolated, 1.0, out_weight)

        def step(scores: np.ndarray) -> np.ndarray:  # transition.T @ scores; the weights are symmetric
            return weights.times(scores / divisor)
    else:
        out_weight = weights.sum(axis=1)
        isolated = out_weight == 0
        transition = weights / np.where(isolated, 1.0, out_weight)[:, None]

        def step(scores: np.ndarray) -> np.ndarray:
            return transition.T @ scores
    scores = restart.copy()
    for _ in range(200):
        walked = step(scores) + scores[isolated].sum() * restart
        updated = (1 - damping) * restart + damping * walked
        if np.abs(updated - scores).sum() < tolerance:
            return updated
        scores = updated
    return scores


def focus_matches(words: set[str], keyword_sets: Sequence[frozenset[str]]) -> int:
    """How many of the keywords (stemmed) the sentence's ``words`` hold.

    >>> focus_matches({"held", "appeal"}, focus_keywords(["holding"])), focus_matches({"rain"}, focus_keywords(["holding"]))
    (1, 0)
    """
    return sum(1 for keywords in keyword_sets if keywords and keywords <= words)


def focus_factor(
    words: set[str], keyword_sets: Sequence[frozenset[str]], *, boost: float = ExtractiveSettings().focus_boost
) -> float:
    """``boost`` (settings ``extractive.focus_boost``) to the power of the number of keywords
    (stemmed) the sentence holds, capped at two.

    >>> focus_factor({"held", "appeal"}, focus_keywords(["holding"]))
    2.0
    >>> focus_factor({"rain"}, focus_keywords(["holding"]))
    1.0
    """
    return boost ** min(focus_matches(words, keyword_sets), 2)


def select_within_budget(
    candidates: Sequence[int], scores: np.ndarray, word_counts: Sequence[int], budget: int
) -> list[int]:
    """Best-scored sentences first, each taken only if it brings the total closer to the budget.

    So the total ends within half a sentence of the budget, on either side.

    >>> select_within_budget([0, 1, 2], np.array([0.5, 0.3, 0.2]), [8, 30, 5], 14)
    [0, 2]
    """
    chosen, total = [], 0
    for index in sorted(candidates, key=lambda index: (-scores[index], index)):
        if total >= budget:
            break
        if abs(budget - total - word_counts[index]) <= abs(budget - total):
            chosen.append(index)
            total += word_counts[index]
    return chosen


def _pages(page_spans: Sequence[PageSpan] | None, sentence: Sentence) -> tuple[int, ...]:
    if not page_spans:
        return ()
    return tuple(pages_in_range(list(page_spans), sentence.char_start, sentence.char_end))


def _incidence(sentence_words: Sequence[Sequence[str]], *, binary: bool) -> sparse.csr_matrix:
    """Sentence x word counts (or 0/1), sparse: a long judgement has thousands of each."""
    vocabulary: dict[str, int] = {}
    rows, columns = [], []
    for row, words in enumerate(sentence_words):
        for word in (set(words) if binary else words):
            rows.append(row)
            columns.append(vocabulary.setdefault(word, len(vocabulary)))
    # Duplicate (row, column) entries are summed, which is what counting wants.
    return sparse.csr_matrix(
        (np.ones(len(rows)), (rows, columns)), shape=(len(sentence_words), max(len(vocabulary), 1))
    )
