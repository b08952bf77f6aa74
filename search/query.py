"""A search query as passages: a query longer than one chunk (a fact description, a whole
judgement) is cut like documents are, and each passage is searched on its own."""

from __future__ import annotations

from dataclasses import dataclass

from lexray.settings import ChunkSettings, IndexSettings
from pipelines.chunk import text_passages


@dataclass(frozen=True)
class QueryPassages:
    """A query cut for each ranker: ``lexical`` like documents are cut (each BM25 passage
    counts a term once), ``dense`` in windows overlapping by ``query_overlap_chars`` —
    queries are cheap to embed, and denser windows make a passage's embedding depend less on
    where its boundaries happen to fall."""

    lexical: list[str]
    dense: list[str]

    def limited(self, pick) -> QueryPassages:
        """Both lists passed through ``pick`` (e.g. a cap or an even spread)."""
        return QueryPassages(pick(self.lexical), pick(self.dense))


def query_passages(text: str, chunk: ChunkSettings) -> QueryPassages:
    """``text`` as passages for BM25 and for dense search.

    >>> query_passages("A short query.", ChunkSettings())
    QueryPassages(lexical=['A short query.'], dense=['A short query.'])
    """
    lexical = text_passages(text, size_chars=chunk.size_chars, overlap_chars=chunk.overlap_chars)
    dense = text_passages(text, size_chars=chunk.size_chars, overlap_chars=chunk.query_overlap_chars)
    return QueryPassages(lexical or [text], dense or [text])


def search_passages(query: str, chunk: ChunkSettings, index: IndexSettings) -> QueryPassages:
    """A search query's passages: the first ``index.max_query_passages`` (the text past them
    is not even chunked, so a huge query costs no more than a capped one).

    >>> len(search_passages("word " * 5000, ChunkSettings(), IndexSettings(max_query_passages=3)).lexical)
    3
    """
    most = index.max_query_passages
    return query_passages(query[: most * chunk.size_chars], chunk).limited(lambda items: items[:most])


def spread(items: list, count: int) -> list:
    """At most ``count`` items, evenly spaced from first to last.

    >>> spread(list(range(10)), 4)
    [0, 3, 6, 9]
    >>> spread([1, 2], 5)
    [1, 2]
    """
    if len(items) <= count:
        return list(items)
    if count == 1:
        return items[:1]
    return [items[round(i * (len(items) - 1) / (count - 1))] for i in range(count)]
