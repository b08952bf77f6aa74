"""One FAISS shard of chunk vectors: a plain object, no Ray in it.

Vectors are L2-normalised, so inner product is cosine similarity. Ids are the chunks'
``vector_id`` (int64); the shard also remembers each vector's case and each case's tenant,
for ``remove_case`` and for filtered search: tenant and case filters are applied inside FAISS,
before ranking, so a tenant always gets its own top-k, never someone else's hits filtered away.

Every vector is kept exactly, in a flat index (``IndexIDMap2(IndexFlatIP)``; in an IVF-PQ shard
a memory-mapped file instead). That answers small shards and selective filters, and an
approximate index is built (and rebuilt) from it. With ``IndexSettings.index_type`` "auto", a
shard switches to ``approximate_type`` from ``approximate_threshold`` vectors and to IVF-PQ from
``pq_threshold``; an explicit "ivf", "hnsw" or "ivfpq" forces the type:

- IVF (``IndexIVFFlat``, inner product) is trained on the shard's vectors when built and
  retrained when the list count it would choose has doubled; it stores ids and removes natively.
  With too few vectors to train it, the shard stays exact.
- HNSW (``IndexHNSWFlat``) cannot remove vectors, so it is addressed by position: a removed
  vector's position is masked out at search time, and the graph is rebuilt once a quarter of
  its positions are dead.
- IVF-PQ (``IndexIVFPQ``, "ivfpq"; ``auto`` picks it from ``pq_threshold`` vectors when ``pq_m``
  divides the dimension) compresses each vector to ``pq_m`` codes of ``pq_nbits`` bits, trained
  and retrained like IVF (with its lists and probes) once there are 39 vectors per code
  centroid. Its scores are approximate, so a search takes ``rerank_factor`` x k candidates from
  it and re-scores them by exact inner products on the stored float vectors
  (``exact_vectors``) for the final top-k (recall@10 about 0.73 without, 0.99 with a factor of
  4 on 20k clustered 384-d vectors; see the tests).

The price: an approximate shard holds its vectors twice (exact and approximate), in its
snapshot and, for IVF and HNSW, in memory. An IVF-PQ shard moves its exact vectors out of RAM
into a memory-mapped float32 file (``search.mapped_vectors``, under ``vector_file_dir``): RAM
holds the compressed index (about 131 bytes per vector at 20k vectors, falling towards 48 code
bytes, 8 id bytes and the id table as a shard grows, against 1,536 for 384 float32s), and the page
cache the rows re-ranking and exact fallbacks read. Why a local file and not MongoDB: a query
re-scores a few hundred candidates, a page-cache read each instead of a database round trip
per search; the file is scratch, refilled from the snapshot on load. Building, retraining and
snapshotting still gather every vector in RAM for the moment it takes.

An approximate search whose filter left it short of hits is redone exactly, so
every search returns min(k, matching vectors) hits.
"""

from __future__ import annotations

import io
import logging
import math
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import faiss
import numpy as np

from search.mapped_vectors import MappedVectors
from search.snapshot_file import write_atomically
from lexray.settings import IndexSettings

logger = logging.getLogger(__name__)

IndexKind = Literal["flat", "ivf", "hnsw", "ivfpq"]
INDEX_KINDS: tuple[IndexKind, ...] = ("flat", "ivf", "hnsw", "ivfpq")

# FAISS's k-means wants at least 39 training vectors per list; fewer lists than this are not
# worth an IVF index.
TRAINING_VECTORS_PER_LIST = 39
MIN_IVF_LISTS = 16
# A filter that allows at most this many vectors is searched exactly: gathering and scoring a
# few thousand vectors is fast and, unlike an approximate index with a selector, complete.
EXACT_FILTER_LIMIT = 4096
HNSW_DEAD_FRACTION_REBUILD = 0.25


@dataclass(frozen=True)
class VectorHit:
    vector_id: int
    case_id: str
    score: float


def ivf_list_count(settings: IndexSettings, vector_count: int) -> int:
    """Lists of an IVF index trained on ``vector_count`` vectors; 0 when too few to train one.

    >>> ivf_list_count(IndexSettings(), 100_000), ivf_list_count(IndexSettings(), 10_000)
    (1265, 256)
    >>> ivf_list_count(IndexSettings(), 500), ivf_list_count(IndexSettings(ivf_nlist=100), 3_000)
    (0, 0)
    """
    if settings.ivf_nlist:
        enough = vector_count >= TRAINING_VECTORS_PER_LIST * settings.ivf_nlist
        return settings.ivf_nlist if enough else 0
    lists = min(round(4 * math.sqrt(vector_count)), vector_count // TRAINING_VECTORS_PER_LIST)
    return lists if lists >= MIN_IVF_LISTS else 0


def pq_trainable(settings: IndexSettings, vector_count: int) -> bool:
    """Whether ``vector_count`` vectors train an IVF-PQ index: its lists, and 39 vectors per
    centroid of each sub-quantizer.

    >>> pq_trainable(IndexSettings(), 9_983), pq_trainable(IndexSettings(), 9_984)
    (False, True)
    """
    enough_for_codes = vector_count >= TRAINING_VECTORS_PER_LIST * 2 ** settings.pq_nbits
    return enough_for_codes and ivf_list_count(settings, vector_count) > 0


def planned_kind(
    settings: IndexSettings, vector_count: int, current: IndexKind = "flat", dimension: int | None = None
) -> IndexKind:
    """The index a shard of ``vector_count`` vectors should use, given the one it has. ``auto``
    compresses (IVF-PQ) from ``pq_threshold`` vectors when ``pq_m`` divides ``dimension``.

    >>> planned_kind(IndexSettings(approximate_threshold=1000), 999)
    'flat'
    >>> planned_kind(IndexSettings(approximate_threshold=1000), 1000)
    'hnsw'
    >>> planned_kind(IndexSettings(approximate_threshold=1000), 600, current="hnsw")
    'hnsw'
    >>> planned_kind(IndexSettings(index_type="ivf"), 100)
    'flat'
    >>> planned_kind(IndexSettings(pq_threshold=20_000), 60_000, dimension=384)
    'ivfpq'
    >>> planned_kind(IndexSettings(pq_threshold=20_000), 60_000, dimension=100)
    'hnsw'
    """
    wanted = settings.index_type
    pq_fits = dimension is None or dimension % settings.pq_m == 0
    if wanted == "auto" and pq_fits:
        # The same hysteresis as below: kept down to half the threshold.
        pq_threshold = settings.pq_threshold // 2 if current == "ivfpq" else settings.pq_threshold
        if vector_count >= pq_threshold and (current == "ivfpq" or pq_trainable(settings, vector_count)):
            return "ivfpq"
    if wanted == "auto":
        threshold = settings.approximate_threshold
        if current == settings.approximate_type:
            # Kept down to half the threshold, so that removing and re-adding a case at the
            # threshold does not rebuild the index each time.
            threshold //= 2
        wanted = settings.approximate_type if vector_count >= threshold else "flat"
    if wanted == "ivf" and current != "ivf" and not ivf_list_count(settings, vector_count):
        return "flat"
    if wanted == "ivfpq" and current != "ivfpq" and not pq_trainable(settings, vector_count):
        return "flat"
    return wanted


@lru_cache(maxsize=1)
def gpu_count() -> int:
    """GPUs FAISS can use (0 with faiss-cpu); asked once per process."""
    count = faiss.get_num_gpus() if hasattr(faiss, "get_num_gpus") else 0
    return count if hasattr(faiss, "index_cpu_to_all_gpus") else 0


@lru_cache(maxsize=1)
def _log_gpu_fallback() -> None:
    logger.warning("index.use_gpu is set but FAISS sees no GPU (faiss-cpu, or no device): "
                   "searching on CPU")


class IvfIndex:
    """``IndexIVFFlat`` over inner product, with the chunks' vector ids as its ids."""

    kind: IndexKind = "ivf"
    faiss_type = faiss.IndexIVFFlat

    def __init__(self, index: faiss.IndexIVF) -> None:
        self.index = index

    @classmethod
    def _untrained(cls, dimension: int, list_count: int, settings: IndexSettings) -> faiss.IndexIVF:
        return faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, list_count,
                                  faiss.METRIC_INNER_PRODUCT)

    @classmethod
    def build(
        cls, vector_ids: np.ndarray, vectors: np.ndarray, list_count: int, settings: IndexSettings
    ) -> IvfIndex:
        index = cls._untrained(vectors.shape[1], list_count, settings)
        index.train(vectors)
        # A hashtable from id to list entry, so removal does not scan every list.
        index.set_direct_map_type(faiss.DirectMap.Hashtable)
        ivf = cls(index)
        ivf.add(vector_ids, vectors)
        return ivf

    @property
    def list_count(self) -> int:
        return int(self.index.nlist)

    @property
    def live_count(self) -> int:
        return int(self.index.ntotal)

    def add(self, vector_ids: np.ndarray, vectors: np.ndarray) -> None:
        self.index.add_with_ids(vectors, vector_ids)

    def remove(self, vector_ids: np.ndarray) -> None:
        # The hashtable direct map accepts only an IDSelectorArray.
        self.index.remove_ids(faiss.IDSelectorArray(vector_ids))

    def search(
        self, queries: np.ndarray, k: int, allowed_ids: np.ndarray | None, settings: IndexSettings
    ) -> tuple[np.ndarray, np.ndarray]:
        selector = faiss.IDSelectorBatch(allowed_ids) if allowed_ids is not None else None
        params = faiss.SearchParametersIVF(nprobe=min(settings.ivf_nprobe, self.list_count), sel=selector)
        return self.index.search(queries, k, params=params)

    def serialize(self) -> tuple[np.ndarray, np.ndarray]:
        return faiss.serialize_index(self.index), np.zeros(0, dtype=np.int64)

    @classmethod
    def deserialize(cls, saved_index: np.ndarray, position_ids: np.ndarray) -> IvfIndex:
        index = faiss.deserialize_index(saved_index)
        if type(index) is not cls.faiss_type:
            raise ValueError(f"expected an {cls.faiss_type.__name__}, found {type(index).__name__}")
        return cls(index)


class IvfPqIndex(IvfIndex):
    """``IndexIVFPQ`` over inner product: each vector compressed to ``pq_m`` codes of
    ``pq_nbits`` bits (48 bytes instead of 1,536 for 384 floats at the defaults). Its scores are
    approximate, so the shard re-scores ``rerank_factor`` x k of its candidates exactly."""

    kind: IndexKind = "ivfpq"
    faiss_type = faiss.IndexIVFPQ

    @classmethod
    def _untrained(cls, dimension: int, list_count: int, settings: IndexSettings) -> faiss.IndexIVF:
        return faiss.IndexIVFPQ(faiss.IndexFlatIP(dimension), dimension, list_count, settings.pq_m,
                                settings.pq_nbits, faiss.METRIC_INNER_PRODUCT)


class HnswIndex:
    """``IndexHNSWFlat`` over inner product, addressed by position (``position_ids[p]`` is the
    vector id at position p, -1 once removed), since FAISS cannot remove from an HNSW graph."""

    kind: IndexKind = "hnsw"

    def __init__(self, index: faiss.IndexHNSWFlat, position_ids: np.ndarray) -> None:
        self.index = index
        self.position_ids = position_ids
        self.position_of = {int(v): p for p, v in enumerate(position_ids.tolist()) if v >= 0}

    @classmethod
    def build(cls, vector_ids: np.ndarray, vectors: np.ndarray, settings: IndexSettings) -> HnswIndex:
        index = faiss.IndexHNSWFlat(vectors.shape[1], settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = settings.hnsw_ef_construction
        hnsw = cls(index, np.zeros(0, dtype=np.int64))
        hnsw.add(vector_ids, vectors)
        return hnsw

    @property
    def live_count(self) -> int:
        return len(self.position_of)

    @property
    def dead_count(self) -> int:
        return int(self.index.ntotal) - len(self.position_of)

    def add(self, vector_ids: np.ndarray, vectors: np.ndarray) -> None:
        first = int(self.index.ntotal)
        self.index.add(vectors)
        self.position_ids = np.concatenate([self.position_ids, vector_ids])
        self.position_of.update({int(v): first + p for p, v in enumerate(vector_ids.tolist())})

    def remove(self, vector_ids: np.ndarray) -> None:
        positions = [self.position_of.pop(int(v)) for v in vector_ids.tolist() if int(v) in self.position_of]
        self.position_ids[positions] = -1

    def search(
        self, queries: np.ndarray, k: int, allowed_ids: np.ndarray | None, settings: IndexSettings
    ) -> tuple[np.ndarray, np.ndarray]:
        params = faiss.SearchParametersHNSW(efSearch=max(settings.hnsw_ef_search, k))
        if allowed_ids is not None or self.dead_count:
            if allowed_ids is None:
                allowed = self.position_ids >= 0
            else:
                allowed = np.zeros(len(self.position_ids), dtype=bool)
                allowed[[self.position_of[int(v)] for v in allowed_ids.tolist()]] = True
            # The selector reads this buffer during the search, so it must outlive the call.
            bitmap = np.packbits(allowed, bitorder="little")
            params.sel = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bitmap))
        scores, positions = self.index.search(queries, k, params=params)
        return scores, np.where(positions >= 0, self.position_ids[positions], -1)

    def serialize(self) -> tuple[np.ndarray, np.ndarray]:
        return faiss.serialize_index(self.index), self.position_ids

    @classmethod
    def deserialize(cls, saved_index: np.ndarray, position_ids: np.ndarray) -> HnswIndex:
        index = faiss.deserialize_index(saved_index)
        if not isinstance(index, faiss.IndexHNSWFlat) or index.ntotal != len(position_ids):
            raise ValueError("HNSW index does not match its positions")
        return cls(index, np.asarray(position_ids, dtype=np.int64))


APPROXIMATE_INDEXES = {"ivf": IvfIndex, "hnsw": HnswIndex, "ivfpq": IvfPqIndex}


class VectorShard:
    """Inner-product search over the chunks of the cases hashed to this shard.

    >>> shard = VectorShard(dimension=2)
    >>> shard.add(np.array([7]), ["case-a"], ["t1"], np.array([[1.0, 0.0]], dtype=np.float32))
    >>> [hit.case_id for hit in shard.search(np.array([[1.0, 0.0]], dtype=np.float32), 5)[0]]
    ['case-a']
    >>> shard.search(np.array([[1.0, 0.0]], dtype=np.float32), 5, tenant_id="t2")
    [[]]
    >>> shard.index_kind
    'flat'
    """

    def __init__(self, dimension: int, index_settings: IndexSettings | None = None) -> None:
        self.dimension = dimension
        self.settings = index_settings or IndexSettings()
        self.exact_index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        # An IVF-PQ shard's exact vectors, moved out of RAM (then exact_index stays empty).
        self.mapped: MappedVectors | None = None
        self.approximate: IvfIndex | HnswIndex | None = None
        self.case_of_vector: dict[int, str] = {}
        self.vectors_of_case: dict[str, set[int]] = defaultdict(set)
        self.tenant_of_case: dict[str, str] = {}
        if self.settings.index_type == "ivfpq" and dimension % self.settings.pq_m:
            raise ValueError(f"index.pq_m {self.settings.pq_m} does not divide the dimension {dimension}")
        self.use_gpu = self.settings.use_gpu and gpu_count() > 0
        if self.settings.use_gpu and not self.use_gpu:
            _log_gpu_fallback()
        # GPU copy of the index unfiltered searches use; dropped on every change.
        self._gpu_index = None

    @property
    def count(self) -> int:
        return int(self.mapped.ntotal if self.mapped is not None else self.exact_index.ntotal)

    @property
    def index_kind(self) -> IndexKind:
        return self.approximate.kind if self.approximate is not None else "flat"

    def vector_ids(self) -> set[int]:
        return set(self.case_of_vector)

    def add(
        self, vector_ids: np.ndarray, case_ids: list[str], tenant_ids: list[str], vectors: np.ndarray
    ) -> None:
        """Add (or replace) vectors; adding an id twice, even in one call, keeps one copy."""
        vector_ids = np.asarray(vector_ids, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if (vectors.shape != (len(vector_ids), self.dimension)
                or not len(case_ids) == len(tenant_ids) == len(vector_ids)):
            raise ValueError(
                f"expected {len(vector_ids)} vectors of dimension {self.dimension}, got {vectors.shape}"
            )
        if not len(vector_ids):
            return
        rows = _last_occurrences(vector_ids)
        vector_ids, vectors = vector_ids[rows], vectors[rows]
        self._remove([v for v in vector_ids.tolist() if v in self.case_of_vector])
        if self.mapped is not None:
            self.mapped.add(vector_ids, vectors)
        else:
            self.exact_index.add_with_ids(vectors, vector_ids)
        if self.approximate is not None:
            self.approximate.add(vector_ids, vectors)
        for row, vector_id in zip(rows.tolist(), vector_ids.tolist(), strict=True):
            case_id = case_ids[row]
            self.case_of_vector[vector_id] = case_id
            self.vectors_of_case[case_id].add(vector_id)
            self.tenant_of_case[case_id] = tenant_ids[row]
        self._changed()

    def remove_ids(self, vector_ids: Iterable[int]) -> int:
        removed = self._remove(vector_ids)
        if removed:
            self._changed()
        return removed

    def remove_case(self, case_id: str) -> int:
        return self.remove_ids(sorted(self.vectors_of_case.get(case_id, ())))

    def purge_removed(self) -> None:
        """Rebuild an HNSW graph that still holds removed vectors (FAISS cannot delete from one),
        so an erased case's vectors leave memory and the next snapshot."""
        if isinstance(self.approximate, HnswIndex) and self.approximate.dead_count:
            self._rebuild("hnsw")

    def _remove(self, vector_ids: Iterable[int]) -> int:
        held = np.asarray(sorted({int(v) for v in vector_ids} & self.case_of_vector.keys()), dtype=np.int64)
        if not len(held):
            return 0
        if self.mapped is not None:
            self.mapped.remove(held)
        else:
            self.exact_index.remove_ids(faiss.IDSelectorBatch(held))
        if self.approximate is not None:
            self.approximate.remove(held)
        for vector_id in held.tolist():
            case_id = self.case_of_vector.pop(vector_id)
            self.vectors_of_case[case_id].discard(vector_id)
            if not self.vectors_of_case[case_id]:
                del self.vectors_of_case[case_id]
                self.tenant_of_case.pop(case_id, None)
        return len(held)

    def _changed(self) -> None:
        self._gpu_index = None
        self._fit_index()

    def _fit_index(self) -> None:
        """Switch, retrain or compact the approximate index when the shard's size calls for it."""
        kind = planned_kind(self.settings, self.count, self.index_kind, self.dimension)
        approximate = self.approximate
        if kind != self.index_kind:
            self._rebuild(kind)
        elif isinstance(approximate, IvfIndex) and not self.settings.ivf_nlist:
            if ivf_list_count(self.settings, self.count) >= 2 * approximate.list_count:
                self._rebuild(kind)
        elif isinstance(approximate, HnswIndex):
            if approximate.dead_count > HNSW_DEAD_FRACTION_REBUILD * approximate.index.ntotal:
                self._rebuild(kind)

    def _rebuild(self, kind: IndexKind) -> None:
        if kind == "flat":
            self.approximate = None
            self._place_exact_vectors(mapped=False)
            return
        vector_ids, vectors = self._all_exact_vectors()
        logger.info("building a %s index over %d vectors", kind, len(vector_ids))
        if kind in ("ivf", "ivfpq"):
            self.approximate = APPROXIMATE_INDEXES[kind].build(
                vector_ids, vectors, ivf_list_count(self.settings, self.count), self.settings)
        else:
            self.approximate = HnswIndex.build(vector_ids, vectors, self.settings)
        self._place_exact_vectors(mapped=kind == "ivfpq")

    def _all_exact_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        if self.mapped is not None:
            vector_ids = self.mapped.ids()
            return vector_ids, self.mapped.gather(vector_ids)
        vector_ids = faiss.vector_to_array(self.exact_index.id_map).astype(np.int64)
        return vector_ids, self.exact_index.index.reconstruct_n(0, self.count)

    def _place_exact_vectors(self, mapped: bool) -> None:
        """Move the exact vectors into a memory-mapped file (IVF-PQ: RAM holds only the codes)
        or back into the in-memory flat index (every other kind searches it directly)."""
        if mapped == (self.mapped is not None):
            return
        vector_ids, vectors = self._all_exact_vectors()
        if mapped:
            self.mapped = MappedVectors(self.dimension, self.settings.vector_file_dir)
            self.mapped.add(vector_ids, vectors)
            self.exact_index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dimension))
        else:
            self.exact_index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dimension))
            self.exact_index.add_with_ids(vectors, vector_ids)
            self.mapped.close()
            self.mapped = None

    def matching_vector_ids(
        self, tenant_id: str | None = None, case_ids: Iterable[str] | None = None
    ) -> np.ndarray | None:
        """Ids of the vectors that ``tenant_id`` and ``case_ids`` allow; None when no filter is set."""
        if case_ids is None and tenant_id is None:
            return None
        if isinstance(case_ids, str):
            raise TypeError("case_ids must be an iterable of case ids, not one string")
        cases = self.tenant_of_case.keys() if case_ids is None else set(case_ids) & self.tenant_of_case.keys()
        if tenant_id is not None:
            cases = [case for case in cases if self.tenant_of_case[case] == tenant_id]
            if case_ids is None and len(cases) == len(self.tenant_of_case):
                # The tenant owns the whole shard: no selector to build on every search.
                return None
        return np.fromiter(
            (vector_id for case in cases for vector_id in self.vectors_of_case[case]), dtype=np.int64
        )

    def search(
        self, query_vectors: np.ndarray, k: int, *, tenant_id: str | None = None,
        case_ids: Iterable[str] | None = None,
    ) -> list[list[VectorHit]]:
        """Top-``k`` hits per query row, best first; only ``tenant_id``'s vectors when given, and
        only those of ``case_ids`` when given. Each row has min(k, matching vectors) hits."""
        queries = np.ascontiguousarray(np.atleast_2d(query_vectors), dtype=np.float32)
        empty = [[] for _ in range(len(queries))]
        if self.count == 0 or k <= 0:
            return empty
        allowed = self.matching_vector_ids(tenant_id, case_ids)
        if allowed is not None and not len(allowed):
            return empty
        wanted = min(k, self.count if allowed is None else len(allowed))
        exact = self.approximate is None or (allowed is not None and len(allowed) <= EXACT_FILTER_LIMIT)
        found = self._search_on_gpu(queries, wanted) if allowed is None else None
        if found is None:
            found = (self._search_exact(queries, wanted, allowed) if exact
                     else self._search_approximate(queries, wanted, allowed))
        scores, ids = found
        if not exact:
            short = (ids >= 0).sum(axis=1) < wanted
            if short.any():
                # A selective filter (or many removed HNSW positions) can leave a graph or list
                # search short of hits; those rows are answered exactly.
                scores[short], ids[short] = self._search_exact(queries[short], wanted, allowed)
        return [
            [
                VectorHit(vector_id, self.case_of_vector[vector_id], score)
                for score, vector_id in zip(row_scores.tolist(), row_ids.tolist(), strict=True)
                if vector_id != -1
            ]
            for row_scores, row_ids in zip(scores, ids, strict=True)
        ]

    def _search_approximate(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        factor = self.settings.rerank_factor
        if not isinstance(self.approximate, IvfPqIndex) or not factor:
            return self.approximate.search(queries, k, allowed, self.settings)
        candidate_count = min(k * factor, self.count if allowed is None else len(allowed))
        _, candidates = self.approximate.search(queries, candidate_count, allowed, self.settings)
        return self._rerank(queries, candidates, k)

    def _rerank(self, queries: np.ndarray, candidates: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The top ``k`` of each row's candidate ids by exact inner product (-1 where short)."""
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        for row, (query, row_ids) in enumerate(zip(queries, candidates, strict=True)):
            row_ids = row_ids[row_ids >= 0]
            if not len(row_ids):
                continue
            exact_scores = self.exact_vectors(row_ids) @ query
            best = np.argsort(-exact_scores, kind="stable")[:k]
            scores[row, :len(best)], ids[row, :len(best)] = exact_scores[best], row_ids[best]
        return scores, ids

    def exact_vectors(self, vector_ids: np.ndarray) -> np.ndarray:
        """The stored float vectors of ``vector_ids`` (all held by this shard): from the
        memory-mapped file of an IVF-PQ shard, else from the flat index."""
        vector_ids = np.asarray(vector_ids, dtype=np.int64)
        if self.mapped is not None:
            return self.mapped.gather(vector_ids)
        return self.exact_index.reconstruct_batch(vector_ids)

    def _search_exact(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        if self.mapped is not None:
            return self.mapped.search(queries, k, allowed)
        if allowed is None:
            return self.exact_index.search(queries, k)
        if len(allowed) <= EXACT_FILTER_LIMIT:
            # Scoring a few thousand gathered vectors beats scanning the shard with a selector.
            subset = faiss.IndexFlatIP(self.dimension)
            subset.add(self.exact_index.reconstruct_batch(allowed))
            scores, rows = subset.search(queries, k)
            return scores, np.where(rows >= 0, allowed[rows], -1)
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
        return self.exact_index.search(queries, k, params=params)

    def _search_on_gpu(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray] | None:
        """An unfiltered search on a GPU copy of the flat or IVF index; None when not on GPU."""
        if not self.use_gpu or isinstance(self.approximate, HnswIndex | IvfPqIndex):
            # HNSW has no GPU form; IVF-PQ's candidates are re-ranked on the CPU's exact vectors.
            return None
        try:
            if self._gpu_index is None:
                cpu_index = self.exact_index
                if self.approximate is not None:
                    # The GPU copy takes its nprobe from the CPU index.
                    cpu_index = self.approximate.index
                    cpu_index.nprobe = min(self.settings.ivf_nprobe, self.approximate.list_count)
                self._gpu_index = faiss.index_cpu_to_all_gpus(cpu_index)
            return self._gpu_index.search(queries, k)
        except RuntimeError as exc:
            logger.warning("GPU search failed (%s): searching on CPU from now on", exc)
            self.use_gpu, self._gpu_index = False, None
            return None

    def save(self, path: Path) -> None:
        """Write the indexes and id maps to one local file, atomically (tmp file, then rename)."""
        write_atomically(path, self.to_bytes())

    def to_bytes(self) -> bytes:
        """The snapshot: indexes and id maps in one ``.npz`` (``from_bytes`` reads it)."""
        ids = np.fromiter(self.case_of_vector.keys(), dtype=np.int64, count=len(self.case_of_vector))
        cases = [self.case_of_vector[int(i)] for i in ids]
        approximate_index, position_ids = (
            self.approximate.serialize() if self.approximate is not None
            else (np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int64))
        )
        buffer = io.BytesIO()
        np.savez(
            buffer,
            index=faiss.serialize_index(self._flat_exact_index()),
            kind=np.str_(self.index_kind),
            approximate_index=approximate_index,
            position_ids=position_ids,
            ids=ids,
            cases=np.array(cases, dtype=np.str_),
            tenants=np.array([self.tenant_of_case[case] for case in cases], dtype=np.str_),
            dimension=np.int64(self.dimension),
        )
        return buffer.getvalue()

    def _flat_exact_index(self) -> faiss.IndexIDMap2:
        """The exact vectors as a flat index (the snapshot's layout, whatever holds them now)."""
        if self.mapped is None:
            return self.exact_index
        flat = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dimension))
        vector_ids, vectors = self._all_exact_vectors()
        flat.add_with_ids(vectors, vector_ids)
        return flat

    @classmethod
    def load(cls, path: Path, index_settings: IndexSettings | None = None) -> VectorShard:
        """Read a snapshot file (see ``from_bytes``)."""
        return cls.from_bytes(Path(path).read_bytes(), index_settings, source=str(path))

    @classmethod
    def from_bytes(
        cls, snapshot: bytes, index_settings: IndexSettings | None = None, source: str = "snapshot"
    ) -> VectorShard:
        """Read a snapshot, then fit its index to ``index_settings`` (which may rebuild it);
        ValueError when it is damaged or of an older layout."""
        try:
            shard = cls._load(io.BytesIO(snapshot), index_settings, source)
        except KeyError as exc:
            raise ValueError(f"snapshot {source} lacks {exc}") from exc
        except (RuntimeError, zipfile.BadZipFile, EOFError, OSError) as exc:
            raise ValueError(f"snapshot {source} is damaged: {exc}") from exc
        shard._place_exact_vectors(mapped=shard.index_kind == "ivfpq")
        shard._fit_index()
        return shard

    @classmethod
    def _load(cls, snapshot: io.BytesIO, index_settings: IndexSettings | None, source: str) -> VectorShard:
        with np.load(snapshot, allow_pickle=False) as saved:
            shard = cls(int(saved["dimension"]), index_settings)
            # deserialize_index already returns the concrete class (downcasting its result
            # again would free the index under the new wrapper).
            exact_index = faiss.deserialize_index(saved["index"])
            if not isinstance(exact_index, faiss.IndexIDMap2) or exact_index.d != shard.dimension:
                raise ValueError(f"snapshot {source} holds no exact index of dimension {shard.dimension}")
            shard.exact_index = exact_index
            # Snapshots written before approximate indexes existed hold a flat index only.
            kind = str(saved["kind"]) if "kind" in saved.files else "flat"
            if kind not in INDEX_KINDS:
                raise ValueError(f"snapshot {source} has an unknown index kind {kind!r}")
            if kind != "flat":
                shard.approximate = APPROXIMATE_INDEXES[kind].deserialize(
                    saved["approximate_index"], saved["position_ids"])
            for vector_id, case_id, tenant_id in zip(
                saved["ids"].tolist(), saved["cases"].tolist(), saved["tenants"].tolist(), strict=True
            ):
                shard.case_of_vector[vector_id] = case_id
                shard.vectors_of_case[case_id].add(vector_id)
                shard.tenant_of_case[case_id] = tenant_id
        counts = {shard.count, len(shard.case_of_vector)}
        if shard.approximate is not None:
            counts.add(shard.approximate.live_count)
        if len(counts) != 1:
            raise ValueError(f"snapshot {source} is inconsistent: {shard.count} vectors, "
                             f"{len(shard.case_of_vector)} ids, {shard.index_kind} index")
        return shard


def _last_occurrences(vector_ids: np.ndarray) -> np.ndarray:
    """Rows of each id's last occurrence, in row order (a later row replaces an earlier one).

    >>> _last_occurrences(np.array([5, 3, 5, 9])).tolist()
    [1, 2, 3]
    """
    _, first_from_end = np.unique(vector_ids[::-1], return_index=True)
    return np.sort(len(vector_ids) - 1 - first_from_end)
