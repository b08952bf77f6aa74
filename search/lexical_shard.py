"""One BM25 shard of chunk texts, the lexical twin of ``VectorShard``: a plain object, no Ray in it.

Same id model: each chunk is a ``vector_id`` (int64) with a case and, through the case, a tenant;
adding an id again replaces it; ``remove_case`` drops a case's chunks; a tenant-filtered search
ranks only that tenant's chunks, so a tenant always gets its own top-k.

bm25s indexes are static, and ``bm25s.BM25.index`` is pure Python per document (5-7.5 s for
100k chunks here), too slow to rerun after every ~20-chunk upload. So the shard keeps each
chunk's term counts itself, term-major (CSC, like the bm25s score matrix), merges new chunks in
with O(postings) numpy work, and after any change rebuilds the BM25 score matrix, vectorised,
lazily at the next search; a ``bm25s.BM25`` holding that matrix does the scoring. The matrix is
the one ``bm25s.BM25(method="lucene").index`` builds from the same tokens (a test checks).

Statistics are per tenant: a shard keeps one ``Bm25Corpus`` per tenant, so the idf and the
average chunk length that score tenant A's chunks come from A's chunks only. With shared
statistics a tenant could watch its own scores move as another tenant ingests documents and so
learn which terms the other's documents hold; per-tenant corpora close that channel (a test
checks that A's scores stay identical while B ingests), and make a tenant's search score only
its own postings.
"""

from __future__ import annotations

import heapq
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from search.snapshot_file import write_atomically
from search.tokens import legal_tokens

# 2: one corpus per tenant (1, shared statistics, is refused and rebuilt from MongoDB).
SNAPSHOT_FORMAT = 2


@dataclass(frozen=True)
class LexicalHit:
    vector_id: int
    case_id: str
    score: float


@dataclass(frozen=True)
class BM25Params:
    """Lucene's defaults: k1 saturates repeated terms, b normalises for chunk length."""

    k1: float = 1.2
    b: float = 0.75


@dataclass(frozen=True)
class TermCounts:
    """Term counts of chunks, term-major: term ``t``'s postings are ``rows[starts[t]:starts[t+1]]``."""

    starts: np.ndarray  # int64, one more than the vocabulary
    rows: np.ndarray  # int32, ascending within a term
    counts: np.ndarray  # float32, how often the term occurs in that row's chunk


def bm25_score_matrix(term_counts: TermCounts, row_lengths: np.ndarray, params: BM25Params) -> np.ndarray:
    """BM25 weight of every posting (bm25s's "lucene" variant), aligned with ``term_counts.rows``.

    >>> counts = TermCounts(np.array([0, 2, 3]), np.array([0, 1, 1], np.int32),
    ...                     np.array([1, 1, 2], np.float32))
    >>> [round(float(score), 3) for score in bm25_score_matrix(counts, np.array([1.0, 3.0]), BM25Params())]
    [0.104, 0.069, 0.38]
    """
    doc_freqs = np.diff(term_counts.starts)
    num_docs = len(row_lengths)
    idf = np.log1p((num_docs - doc_freqs + 0.5) / (doc_freqs + 0.5)).astype(np.float32)
    average_length = float(row_lengths.mean()) if num_docs else 0.0
    # All-empty chunks have length 0; any positive average leaves their (absent) scores alone.
    length_ratio = row_lengths[term_counts.rows] / (average_length or 1.0)
    tf = term_counts.counts
    tf_component = tf / (tf + params.k1 * (1.0 - params.b + params.b * length_ratio))
    return (np.repeat(idf, doc_freqs) * tf_component).astype(np.float32, copy=False)


def merge_term_counts(
    committed: TermCounts, new_rows: np.ndarray, new_terms: np.ndarray, new_counts: np.ndarray,
    vocabulary_size: int,
) -> TermCounts:
    """``committed`` plus new postings (rows numbered above every committed row), still term-major.

    >>> empty = TermCounts(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))
    >>> merged = merge_term_counts(empty, np.array([0, 0, 1]), np.array([1, 0, 1]),
    ...                            np.array([2, 1, 1], np.float32), vocabulary_size=2)
    >>> merged.starts.tolist(), merged.rows.tolist(), merged.counts.tolist()
    ([0, 1, 3], [0, 0, 1], [1.0, 2.0, 1.0])
    """
    order = np.argsort(new_terms, kind="stable")  # stable: rows stay ascending within a term
    new_terms, new_rows, new_counts = new_terms[order], new_rows[order], new_counts[order]
    old_starts = np.concatenate([
        committed.starts,
        np.full(vocabulary_size + 1 - len(committed.starts), committed.starts[-1], dtype=np.int64),
    ])
    added_before = np.zeros(vocabulary_size + 1, dtype=np.int64)
    np.cumsum(np.bincount(new_terms, minlength=vocabulary_size), out=added_before[1:])
    # Each new posting goes after its term's committed postings: that slot, shifted by the
    # new postings already placed before it.
    new_slots = old_starts[new_terms + 1] + np.arange(len(new_terms))
    is_new = np.zeros(len(committed.rows) + len(new_rows), dtype=bool)
    is_new[new_slots] = True
    rows = np.empty(len(is_new), dtype=np.int32)
    counts = np.empty(len(is_new), dtype=np.float32)
    rows[is_new], rows[~is_new] = new_rows, committed.rows
    counts[is_new], counts[~is_new] = new_counts, committed.counts
    return TermCounts(old_starts + added_before, rows, counts)


def keep_rows(term_counts: TermCounts, alive_rows: np.ndarray) -> TermCounts:
    """Drop the postings of dead rows and renumber the live rows 0..n-1 in their old order."""
    keep = alive_rows[term_counts.rows]
    kept_before = np.zeros(len(keep) + 1, dtype=np.int64)
    np.cumsum(keep, out=kept_before[1:])
    new_row_of_old = (np.cumsum(alive_rows) - 1).astype(np.int32)
    return TermCounts(
        kept_before[term_counts.starts], new_row_of_old[term_counts.rows[keep]], term_counts.counts[keep]
    )


def top_k_rows(scores: np.ndarray, rows: np.ndarray, row_vector_ids: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` best-scoring of ``rows`` with a positive score, by score then vector id.

    Ties break on vector id so a reloaded shard (same rows, maybe renumbered) ranks identically.

    >>> top_k_rows(np.array([0.5, 0.0, 0.9, 0.5]), np.arange(4), np.array([13, 11, 12, 10]), 2)
    array([2, 3])
    """
    rows = rows[scores[rows] > 0]
    if len(rows) > k:
        kth_best = np.partition(scores[rows], len(rows) - k)[len(rows) - k]
        rows = rows[scores[rows] >= kth_best]
    order = np.lexsort((row_vector_ids[rows], -scores[rows]))
    return rows[order[:k]]


class Bm25Corpus:
    """BM25 over one tenant's chunk texts in a shard: the statistics are this corpus's own.

    >>> corpus = Bm25Corpus()
    >>> corpus.add([7, 8], ["case-a", "case-b"], ["murder under Section 302 IPC", "a contract dispute"])
    >>> [hit.case_id for hit in corpus.search("s. 302", 5)]
    ['case-a']
    """

    def __init__(self, params: BM25Params = BM25Params()) -> None:
        self.params = params
        self.case_of_vector: dict[int, str] = {}
        self.vectors_of_case: dict[str, set[int]] = defaultdict(set)
        self.term_id_of: dict[str, int] = {}
        self.terms: list[str] = []
        self.row_of_vector: dict[int, int] = {}
        # Committed rows, merged into the term-major counts; rows may be dead until compaction.
        self._term_counts = TermCounts(np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32))
        self._row_vector_ids = np.zeros(0, np.int64)
        self._row_lengths = np.zeros(0, np.float32)
        # Rows added since: (vector_id, term ids, their counts, token count), numbered after the committed.
        self._pending_rows: list[tuple[int, np.ndarray, np.ndarray, int]] = []
        self._retriever: bm25s.BM25 | None = None

    @property
    def count(self) -> int:
        return len(self.row_of_vector)

    def add(self, vector_ids: Sequence[int], case_ids: list[str], texts: list[str]) -> None:
        """Add (or replace) chunks; adding an id twice keeps one copy, the latest text."""
        for vector_id, case_id, text in zip(vector_ids, case_ids, texts, strict=True):
            vector_id = int(vector_id)
            self.remove_ids([vector_id])  # no-op unless replacing, even within this batch
            tokens = legal_tokens(text)
            term_ids, counts = np.unique(np.array(self._term_ids(tokens), np.int64), return_counts=True)
            self.row_of_vector[vector_id] = len(self._row_vector_ids) + len(self._pending_rows)
            self._pending_rows.append((vector_id, term_ids, counts.astype(np.float32), len(tokens)))
            self.case_of_vector[vector_id] = case_id
            self.vectors_of_case[case_id].add(vector_id)
        self._retriever = None

    def remove_ids(self, vector_ids: Iterable[int]) -> int:
        removed = 0
        for vector_id in vector_ids:
            if self.row_of_vector.pop(int(vector_id), None) is None:
                continue
            removed += 1
            case_id = self.case_of_vector.pop(int(vector_id))
            self.vectors_of_case[case_id].discard(int(vector_id))
            if not self.vectors_of_case[case_id]:
                del self.vectors_of_case[case_id]
        if removed:
            self._retriever = None
        return removed

    def search(self, query_text: str, k: int, *, case_ids: Iterable[str] | None = None) -> list[LexicalHit]:
        """Top-``k`` chunks by BM25, best first; only chunks of ``case_ids`` when given (applied
        before ranking). Chunks sharing no term with the query are not hits."""
        query_tokens = legal_tokens(query_text)
        if k <= 0 or not query_tokens or not self.row_of_vector:
            return []
        retriever = self._current_retriever()
        query_term_ids = retriever.get_tokens_ids(query_tokens)
        if not query_term_ids:
            return []
        if case_ids is None:
            candidate_rows = np.arange(len(self._row_vector_ids))
        else:
            candidate_rows = self._case_rows(case_ids)
        scores = retriever.get_scores_from_ids(query_term_ids)
        best_rows = top_k_rows(scores, candidate_rows, self._row_vector_ids, k)
        return [
            LexicalHit(vector_id, self.case_of_vector[vector_id], float(score))
            for vector_id, score in zip(self._row_vector_ids[best_rows].tolist(), scores[best_rows].tolist())
        ]

    def arrays(self) -> dict[str, np.ndarray]:
        """The corpus as named arrays (term counts, vocabulary, rows), for a snapshot."""
        self._commit_rows()
        return {
            # Tokens never hold whitespace, so one newline-joined blob stores any vocabulary
            # compactly (a fixed-width string array would pad every term to the longest).
            "vocabulary": np.frombuffer("\n".join(self.terms).encode(), dtype=np.uint8),
            "term_starts": self._term_counts.starts,
            "posting_rows": self._term_counts.rows,
            "posting_counts": self._term_counts.counts,
            "row_vector_ids": self._row_vector_ids,
            "row_lengths": self._row_lengths,
            "row_cases": np.array([self.case_of_vector[vector_id] for vector_id in self._row_vector_ids.tolist()],
                                  dtype=np.str_),
        }

    @classmethod
    def from_arrays(cls, arrays, params: BM25Params) -> Bm25Corpus:
        """The corpus ``arrays`` (as ``arrays()`` made them) describe; ValueError when inconsistent
        and KeyError when one is missing."""
        corpus = cls(params)
        vocabulary = arrays["vocabulary"].tobytes().decode()
        corpus.terms = vocabulary.split("\n") if vocabulary else []
        corpus.term_id_of = {term: term_id for term_id, term in enumerate(corpus.terms)}
        corpus._term_counts = TermCounts(arrays["term_starts"], arrays["posting_rows"], arrays["posting_counts"])
        corpus._row_vector_ids = arrays["row_vector_ids"]
        corpus._row_lengths = arrays["row_lengths"]
        row_cases = arrays["row_cases"].tolist()
        if len(row_cases) != len(corpus._row_vector_ids):
            raise ValueError("rows and their cases differ in number")
        for row, (vector_id, case_id) in enumerate(zip(corpus._row_vector_ids.tolist(), row_cases, strict=True)):
            corpus.row_of_vector[vector_id] = row
            corpus.case_of_vector[vector_id] = case_id
            corpus.vectors_of_case[case_id].add(vector_id)
        starts, rows = corpus._term_counts.starts, corpus._term_counts.rows
        if (len(starts) != len(corpus.terms) + 1 or starts[-1] != len(rows)
                or len(corpus._row_lengths) != len(corpus._row_vector_ids)
                or len(corpus.row_of_vector) != len(corpus._row_vector_ids)
                or (len(rows) and int(rows.max()) >= len(corpus._row_vector_ids))):
            raise ValueError("term counts and rows are inconsistent")
        return corpus

    def _term_ids(self, tokens: list[str]) -> list[int]:
        """Ids of ``tokens``, giving new terms the next free ids."""
        term_ids = []
        for token in tokens:
            term_id = self.term_id_of.get(token)
            if term_id is None:
                term_id = self.term_id_of[token] = len(self.terms)
                self.terms.append(token)
            term_ids.append(term_id)
        return term_ids

    def _case_rows(self, case_ids: Iterable[str]) -> np.ndarray:
        """Rows of the chunks of ``case_ids`` (cases this corpus does not hold are ignored)."""
        return np.unique(np.fromiter(
            (self.row_of_vector[vector_id]
             for case_id in case_ids for vector_id in self.vectors_of_case.get(case_id, ())),
            dtype=np.int64,
        ))

    def _current_retriever(self) -> bm25s.BM25:
        """The bm25s scorer for the corpus as it is now, rebuilt only after a change."""
        if self._retriever is None:
            self._commit_rows()
            retriever = bm25s.BM25(k1=self.params.k1, b=self.params.b, method="lucene")
            retriever.scores = {
                "data": bm25_score_matrix(self._term_counts, self._row_lengths, self.params),
                "indices": self._term_counts.rows,
                "indptr": self._term_counts.starts,
                "num_docs": len(self._row_vector_ids),
            }
            retriever.vocab_dict = self.term_id_of
            retriever.nonoccurrence_array = None
            self._retriever = retriever
        return self._retriever

    def _commit_rows(self) -> None:
        """Merge pending rows into the term-major counts and drop dead rows (and unused terms)."""
        if self._pending_rows:
            first_row = len(self._row_vector_ids)
            new_vector_ids, new_term_ids, new_counts, new_lengths = zip(*self._pending_rows, strict=True)
            new_rows = np.arange(first_row, first_row + len(new_vector_ids), dtype=np.int32)
            self._term_counts = merge_term_counts(
                self._term_counts,
                np.repeat(new_rows, [len(term_ids) for term_ids in new_term_ids]),
                np.concatenate(new_term_ids),
                np.concatenate(new_counts),
                vocabulary_size=len(self.terms),
            )
            self._row_vector_ids = np.concatenate([self._row_vector_ids, np.array(new_vector_ids, np.int64)])
            self._row_lengths = np.concatenate([self._row_lengths, np.array(new_lengths, np.float32)])
            self._pending_rows = []
        if len(self.row_of_vector) < len(self._row_vector_ids):
            alive_rows = np.zeros(len(self._row_vector_ids), dtype=bool)
            alive_rows[np.fromiter(self.row_of_vector.values(), np.int64, len(self.row_of_vector))] = True
            self._term_counts = keep_rows(self._term_counts, alive_rows)
            self._row_vector_ids = self._row_vector_ids[alive_rows]
            self._row_lengths = self._row_lengths[alive_rows]
            self.row_of_vector = {
                vector_id: row for row, vector_id in enumerate(self._row_vector_ids.tolist())
            }
            self._drop_unused_terms()

    def compact(self) -> None:
        """Drop dead rows now, and every term no live chunk has (not only past half the vocabulary)."""
        self._commit_rows()
        self._drop_unused_terms(force=True)
        self._retriever = None

    def _drop_unused_terms(self, force: bool = False) -> None:
        """Forget terms no live chunk has, once they are half the vocabulary (churn from re-uploads),
        or whenever there are any with ``force``."""
        used = np.diff(self._term_counts.starts) > 0
        if used.all() or (not force and (len(used) < 1024 or used.sum() * 2 > len(used))):
            return
        self.terms = [term for term, is_used in zip(self.terms, used.tolist(), strict=True) if is_used]
        self.term_id_of = {term: term_id for term_id, term in enumerate(self.terms)}
        self._term_counts = TermCounts(
            np.concatenate([[0], np.cumsum(np.diff(self._term_counts.starts)[used])]).astype(np.int64),
            self._term_counts.rows,
            self._term_counts.counts,
        )


class LexicalShard:
    """BM25 over the chunk texts of the cases hashed to this shard: one ``Bm25Corpus`` per
    tenant, so one tenant's documents never change another's scores.

    >>> shard = LexicalShard()
    >>> shard.add([7, 8], ["case-a", "case-b"], ["t1", "t1"],
    ...           ["murder under Section 302 IPC", "a contract dispute"])
    >>> [hit.case_id for hit in shard.search("s. 302", 5, tenant_id="t1")]
    ['case-a']
    >>> shard.search("s. 302", 5, tenant_id="t2")
    []
    """

    def __init__(self, params: BM25Params = BM25Params()) -> None:
        self.params = params
        self.corpora: dict[str, Bm25Corpus] = {}
        self.tenant_of_vector: dict[int, str] = {}
        self.tenant_of_case: dict[str, str] = {}

    @property
    def count(self) -> int:
        return len(self.tenant_of_vector)

    def vector_ids(self) -> set[int]:
        return set(self.tenant_of_vector)

    def case_of(self, vector_id: int) -> str:
        return self.corpora[self.tenant_of_vector[vector_id]].case_of_vector[vector_id]

    def add(
        self, vector_ids: Sequence[int], case_ids: list[str], tenant_ids: list[str], texts: list[str]
    ) -> None:
        """Add (or replace) chunks; adding an id twice keeps one copy, the latest text and tenant."""
        vector_ids = [int(vector_id) for vector_id in vector_ids]
        if not len(vector_ids) == len(case_ids) == len(tenant_ids) == len(texts):
            raise ValueError(
                f"expected as many case ids, tenant ids and texts as the {len(vector_ids)} vector ids, "
                f"got {len(case_ids)}, {len(tenant_ids)}, {len(texts)}"
            )
        for vector_id, case_id, tenant_id, text in zip(vector_ids, case_ids, tenant_ids, texts, strict=True):
            if self.tenant_of_vector.get(vector_id, tenant_id) != tenant_id:
                self.remove_ids([vector_id])  # an id moving to another tenant leaves the old corpus
            corpus = self.corpora.get(tenant_id)
            if corpus is None:
                corpus = self.corpora[tenant_id] = Bm25Corpus(self.params)
            corpus.add([vector_id], [case_id], [text])
            self.tenant_of_vector[vector_id] = tenant_id
            self.tenant_of_case[case_id] = tenant_id

    def remove_ids(self, vector_ids: Iterable[int]) -> int:
        by_tenant: dict[str, list[int]] = defaultdict(list)
        for vector_id in vector_ids:
            tenant_id = self.tenant_of_vector.pop(int(vector_id), None)
            if tenant_id is not None:
                by_tenant[tenant_id].append(int(vector_id))
        removed = 0
        for tenant_id, ids in by_tenant.items():
            corpus = self.corpora[tenant_id]
            cases = {corpus.case_of_vector[vector_id] for vector_id in ids}
            removed += corpus.remove_ids(ids)
            for case_id in cases - corpus.vectors_of_case.keys():
                self.tenant_of_case.pop(case_id, None)
            if not corpus.count:
                del self.corpora[tenant_id]
        return removed

    def remove_case(self, case_id: str) -> int:
        corpus = self.corpora.get(self.tenant_of_case.get(case_id, ""))
        return self.remove_ids(sorted(corpus.vectors_of_case.get(case_id, ()))) if corpus else 0

    def erase_case(self, case_id: str) -> int:
        """``remove_case``, compacted at once: the case's rows and every term only they used are
        gone from memory and from the next snapshot (an erasure leaves none of its words).

        >>> shard = LexicalShard()
        >>> shard.add([1, 2], ["kept", "gone"], ["t", "t"], ["a contract", "zyzzogeton estoppel"])
        >>> shard.erase_case("gone"), "zyzzogeton" in shard.corpora["t"].terms, shard.vector_ids()
        (1, False, {1})
        """
        corpus = self.corpora.get(self.tenant_of_case.get(case_id, ""))
        removed = self.remove_case(case_id)
        if corpus is not None and corpus.count:
            corpus.compact()
        return removed

    def search(
        self, query_text: str, k: int, *, tenant_id: str | None = None,
        case_ids: Iterable[str] | None = None,
    ) -> list[LexicalHit]:
        """Top-``k`` chunks by BM25, best first: ``tenant_id``'s chunks scored with that tenant's
        statistics, only chunks of ``case_ids`` when given (applied before ranking).

        Without ``tenant_id`` (tools, not the API) every tenant's top-``k`` is merged by score,
        each scored with its own tenant's statistics.
        """
        if tenant_id is not None:
            corpus = self.corpora.get(tenant_id)
            return corpus.search(query_text, k, case_ids=case_ids) if corpus is not None else []
        if case_ids is not None:
            case_ids = list(case_ids)
        hits = (hit for corpus in self.corpora.values()
                for hit in corpus.search(query_text, k, case_ids=case_ids))
        return heapq.nlargest(k, hits, key=lambda hit: (hit.score, -hit.vector_id))

    def save(self, path: Path) -> None:
        """Write every tenant's corpus to one local file, atomically (tmp file, then rename)."""
        write_atomically(path, self.to_bytes())

    def to_bytes(self) -> bytes:
        """The snapshot: every tenant's corpus in one ``.npz`` (``from_bytes`` reads it)."""
        tenants = sorted(self.corpora)
        arrays = {f"{number}/{name}": array for number, tenant_id in enumerate(tenants)
                  for name, array in self.corpora[tenant_id].arrays().items()}
        buffer = io.BytesIO()
        np.savez(buffer, format=np.int64(SNAPSHOT_FORMAT), k1=np.float64(self.params.k1),
                 b=np.float64(self.params.b), tenants=np.array(tenants, dtype=np.str_), **arrays)
        return buffer.getvalue()

    @classmethod
    def load(cls, path: Path, params: BM25Params | None = None) -> LexicalShard:
        """Read a snapshot file (see ``from_bytes``)."""
        try:
            snapshot = Path(path).read_bytes()
        except OSError as exc:
            raise ValueError(f"snapshot {path} is unreadable: {exc}") from exc
        return cls.from_bytes(snapshot, params, source=str(path))

    @classmethod
    def from_bytes(
        cls, snapshot: bytes, params: BM25Params | None = None, source: str = "snapshot"
    ) -> LexicalShard:
        """Read a snapshot, with its saved k1/b unless ``params`` is given (raw counts are stored,
        so any parameters apply); ValueError when it is damaged or of another layout."""
        try:
            with np.load(io.BytesIO(snapshot), allow_pickle=False) as saved:
                if int(saved["format"]) != SNAPSHOT_FORMAT:
                    raise ValueError(f"format {int(saved['format'])}, not {SNAPSHOT_FORMAT}")
                shard = cls(params or BM25Params(k1=float(saved["k1"]), b=float(saved["b"])))
                for number, tenant_id in enumerate(saved["tenants"].tolist()):
                    prefix = f"{number}/"
                    names = [name[len(prefix):] for name in saved.files if name.startswith(prefix)]
                    corpus = Bm25Corpus.from_arrays({name: saved[prefix + name] for name in names}, shard.params)
                    shard.corpora[tenant_id] = corpus
                    for vector_id in corpus.row_of_vector:
                        if shard.tenant_of_vector.setdefault(vector_id, tenant_id) != tenant_id:
                            raise ValueError(f"chunk {vector_id} belongs to two tenants")
                    shard.tenant_of_case.update(dict.fromkeys(corpus.vectors_of_case, tenant_id))
        except KeyError as exc:
            raise ValueError(f"snapshot {source} lacks {exc}") from exc
        except ValueError as exc:
            raise ValueError(f"snapshot {source}: {exc}") from exc
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise ValueError(f"snapshot {source} is damaged: {exc}") from exc
        return shard
