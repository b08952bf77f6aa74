"""Dense search latency: raw FAISS, ``VectorShard`` (exact and approximate), the Ray index
actor and, with ``--http``, the deployed LexRay application, all on the same synthetic chunk
vectors, with raw FAISS measured in the same run as the baseline.

    python -m bench.search_latency [--sizes 10000,100000] [--queries 200] [--k 10] [--threads 1]
        [--address RAY_ADDRESS] [--skip-actor] [--http] [--http-modes dense,bm25,hybrid]
        [--mongodb-uri URI]

For each size N: N 384-dim L2-normalised vectors drawn around N/50 random centres (so
neighbours exist, as with real embeddings, and approximate indexes meet realistic data), 20
chunks per case, one tenant; ``--queries`` query vectors from the same centres. Every row
answers its queries one at a time (batch 1, top ``--k``), sequentially, after 10 untimed
warm-up queries:

- ``raw FAISS flat``: ``IndexFlatIP.search`` over the vectors, the baseline (exact).
- ``VectorShard flat|ivf|hnsw``: the shard in this process, ``index_type`` forced and the
  other ``IndexSettings`` as configured (``LEXRAY_INDEX_*``); it also maps ids to cases. The
  header says which one ``auto`` picks at that size (``approximate_threshold``).
- ``VectorShard <auto>, 1% of cases``: the same search restricted by ``case_ids`` to 1% of the
  cases (inside FAISS, before ranking); recall is against the exact filtered top-k.
- ``Ray index actor``: ``ray.get(actor.search.remote(q, k))`` on a fresh ``IndexActor`` in a
  fresh local Ray instance unless ``--address`` names a cluster (own actor name, empty data
  dir, a MongoDB URI nothing listens on, so it starts empty instead of reconciling with a
  real store; no snapshots during the run; one shard), filled through ``add`` in batches of
  5,000 chunks with short synthetic texts for its BM25 side. Its index type is whatever
  ``IndexService`` builds: auto by size.

With ``--http`` (a fresh local Ray instance only, so no ``--address``), once the rows above
are measured for every size, the bench deploys the real application (``build_app``, LLM
deployment included: its load takes a minute or so and is not timed) with ``serve.start`` on a
free loopback port, its own app name, index actor name, database and data dir, auth on with a
key made for the run (tenant ``bench``) and the rate limit out of the way. Beside it, in the
same Serve instance and on the same port under ``/priors-off``, a second copy of the application
whose only difference is ``ranking`` with both priors off (``search.priors.priors_off``: no
precedent prior, no citation smoothing, so ``rank_cases`` ranks as before the priors and reads
nothing for them); it shares the first one's index actor and database, so both search the same
index and resolve against the same data. Its LLM deployment starts no replica (search never
asks it), so the second copy takes little of the machine. MongoDB is a
MongoDB-protocol server the bench starts on a free port, in memory, unless ``--mongodb-uri``
names one (a database of its own there, dropped afterwards). Then, per size, on the same
synthetic chunks (the corpus is generated again from the same seed):

- the app's index actor is replaced by an empty one (the collections emptied first, so its
  reconcile at start finds nothing), filled through ``add`` exactly like the actor row, and
  MongoDB gets what ingestion would have stored: one ``indexed`` case per 20 chunks and the
  chunks with their vectors; a ``reconcile`` afterwards must find nothing to add or remove.
- ``query embedding``: ``Embedder(settings.embedding).encode([q])`` in this process, on the
  text queries the HTTP rows send (no index involved): the model's share of an HTTP search.
- ``app index actor, k=<5k>``: the app's actor searched the way the Retrieval deployment
  does for one short query: top ``max(k x index.chunks_per_case, index.candidate_chunks)``
  candidate chunks (the first round of ``search.ranking.rank_cases``), filtered
  to the tenant (recall of its first k against exact search).
- ``HTTP search/text, <mode>``: ``GET /api/v1/retrieval/search/text?q=...&mode=<mode>&limit=k``
  with httpx, one connection, concurrency 1, for each of ``--http-modes`` (dense, bm25,
  hybrid). It embeds the query text in the Retrieval replica (dense, hybrid), searches the
  actor, reads the hit cases and chunks from MongoDB and builds snippets. Every answer must
  hold k cases, each with its matched chunks, or a note says the hits did not resolve.
  So HTTP dense - query embedding - app index actor is the gateway, Serve's handle hops,
  MongoDB reads and the response; the bench prints that difference.
- ``HTTP search/text, <mode>, priors off``: the same requests to the copy with the priors off,
  the baseline of the row above (issue 14: p50 with the priors within 1.5x of the ranking
  without them). The two are interleaved: each query goes to both, back to back, the copy
  with the priors off first on every other query, so a change in the machine's load or a
  cache warmed by the first request falls on both alike. ``on/off`` is the priors' row's p50
  over this one's; the bench also prints the p99 ratio. The bench's queries are short (a few
  words), so of the two priors only citation smoothing applies (the precedent prior needs a
  fact description of ``ranking.precedent_min_query_chars``); the row above it times the
  reads both would make.

Columns: ``p50``/``p99`` latency in ms, ``QPS`` queries over the seconds of the sequential run,
``vs FAISS`` p50 over raw FAISS's p50 at that size, ``on/off`` (HTTP rows) p50 with the ranking
priors over p50 without them, ``recall@k`` against exact search (raw FAISS,
or the flat shard for the filtered row), ``build s`` seconds to fill the index. FAISS in this
process uses ``--threads`` OpenMP threads (default 1, like the actor, whose Ray worker gets
OMP_NUM_THREADS=1; on a busy 2-core machine more threads mostly wait on each other).

Prints a table and, as its last line, one JSON object with the figures.
"""

from __future__ import annotations

import lexray  # noqa: F401  (first: sets the environment Ray reads when it is imported)

import argparse
import hashlib
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import faiss
import numpy as np

from search.priors import priors_off
from search.vector_shard import VectorShard, planned_kind
from lexray.local_stack import free_port, wait_for
from lexray.models import CaseMetadata, Chunk, CitationStatus, LegalCaseDocument, ProcessingStatus
from lexray.settings import IndexSettings, Settings, get_settings
from lexray.store import CaseStore, to_bson, vector_to_bytes
from lexray.store.connection import CITATIONS

from bench.cli import option_type, positive_ints
from bench.deploy import added_app, app_settings, deployed_app, exit_on_sigterm, mongodb_server, start_ray
from bench.results import add_json_option, emit_figures
from bench.stats import percentiles_ms, rate
from bench.tables import Column, text_table

DIMENSION = 384
CHUNKS_PER_CASE = 20
VECTORS_PER_CENTRE = 50
# Noise around a centre, relative to the centre's length: top-10 cosine about 0.3-0.4.
SPREAD = 1.5
ADD_BATCH = 5000
WARM_UP_QUERIES = 10
TENANT = "bench"
CITES_PER_CASE = 3
FILTERED_CASE_FRACTION = 0.01
VOCABULARY = (
    "court appeal judgment appellant respondent evidence witness contract negligence damages "
    "statute section liability plaintiff defendant injunction tenancy property murder bail "
    "sentence conviction acquittal testimony precedent jurisdiction tribunal petition writ order "
    "constitution article fundamental rights arbitration award clause breach compensation "
).split()
SEARCH_TEXT_PATH = "/api/v1/retrieval/search/text"
HTTP_MODES = ("dense", "bm25", "hybrid")
# Where the copy of the application with the ranking priors off answers (same port).
PRIORS_OFF_PREFIX = "/priors-off"
PRIORS_OFF_SUFFIX = "_priors_off"  # its rows' keys: the priors' row's key and this
PRIORS_BOUND = 1.5  # issue 14: search/text p50 with the priors within 1.5x of without
# The copy's LLM deployment is never asked (search only): no replica, so no vLLM engine.
NO_LLM_REPLICA = {"LLM": {"autoscaling_config": {"min_replicas": 0}}}
# Deploying includes loading the LLM deployment's model (vLLM, ~30-50 s on CPUs).


@dataclass
class Corpus:
    vectors: np.ndarray  # (N, DIMENSION) float32, row i is vector id i
    case_ids: list[str]
    texts: list[str]
    queries: np.ndarray


def clustered_unit_vectors(centres: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One vector per label, around its centre, L2-normalised."""
    rows = centres[labels] + SPREAD * rng.normal(size=(len(labels), centres.shape[1])).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def synthetic_texts(labels: np.ndarray, rng: np.random.Generator, words: int = 12) -> list[str]:
    """Short texts from a small vocabulary plus a word of the vector's centre, so BM25 builds fast."""
    picks = rng.integers(0, len(VOCABULARY), size=(len(labels), words))
    return [" ".join([f"topic{label}", *(VOCABULARY[i] for i in row)]) for label, row in zip(labels, picks)]


def make_corpus(size: int, query_count: int, seed: int = 0) -> Corpus:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(max(50, size // VECTORS_PER_CENTRE), DIMENSION)).astype(np.float32)
    labels = rng.integers(0, len(centres), size)
    return Corpus(
        vectors=clustered_unit_vectors(centres, labels, rng),
        case_ids=[f"bench-case-{i // CHUNKS_PER_CASE}" for i in range(size)],
        texts=synthetic_texts(labels, rng),
        queries=clustered_unit_vectors(centres, rng.integers(0, len(centres), query_count), rng),
    )


def query_texts(count: int, words: int = 8, seed: int = 1) -> list[str]:
    """Text queries for the HTTP rows: a few words of the corpus vocabulary each."""
    rng = np.random.default_rng(seed)
    return [" ".join(VOCABULARY[i] for i in rng.integers(0, len(VOCABULARY), words)) for _ in range(count)]


def case_documents(corpus: Corpus) -> list[dict]:
    """One stored case per synthetic case id, as ingestion leaves it (``indexed``), text omitted."""
    chunks_of_case: dict[str, int] = {}
    for case_id in corpus.case_ids:
        chunks_of_case[case_id] = chunks_of_case.get(case_id, 0) + 1
    return [
        to_bson(LegalCaseDocument(
            case_id=case_id, tenant_id=TENANT, title=f"Synthetic case {number}",
            document_hash=hashlib.sha256(case_id.encode()).hexdigest(),
            metadata=CaseMetadata(court="Synthetic Bench Court", case_type="civil",
                                  date_decided=date(1950 + number % 70, 1 + number % 12, 1)),
            processing_status=ProcessingStatus.INDEXED, chunk_count=chunk_count,
            embedding_dimension=DIMENSION,
        ).model_dump(mode="python"))
        for number, (case_id, chunk_count) in enumerate(chunks_of_case.items())
    ]


def chunk_documents(corpus: Corpus, start: int, end: int) -> list[dict]:
    """Chunks ``start:end`` as ``CaseStore.replace_chunks`` stores them (with their vectors), so a
    reconcile keeps them. A case's chunks follow one another in its (not stored) text.

    >>> corpus = make_corpus(100, 1)
    >>> first, second = chunk_documents(corpus, 0, 2)
    >>> first["chunk_id"], first["vector_id"], second["char_start"] == first["char_end"] + 1
    ('bench-case-0:0', 0, True)
    """
    documents = []
    offset = 0
    # The offset where chunk ``start`` begins in its case: after the case's earlier chunks.
    for row in range(start - start % CHUNKS_PER_CASE, start):
        offset += len(corpus.texts[row]) + 1
    for row in range(start, end):
        chunk_index = row % CHUNKS_PER_CASE
        if chunk_index == 0:
            offset = 0
        text = corpus.texts[row]
        chunk = Chunk(chunk_id=f"{corpus.case_ids[row]}:{chunk_index}", vector_id=row,
                      case_id=corpus.case_ids[row], tenant_id=TENANT, chunk_index=chunk_index,
                      text=text, page_numbers=[1], char_start=offset, char_end=offset + len(text))
        documents.append({**chunk.model_dump(mode="python"), "embedding": vector_to_bytes(corpus.vectors[row])})
        offset += len(text) + 1
    return documents


def citation_documents(corpus: Corpus) -> list[dict]:
    """Resolved citator records: each synthetic case cites the next ``CITES_PER_CASE`` cases,
    so ranking's citation smoothing reads real links (as the citator stores them).

    >>> rows = citation_documents(make_corpus(100, 1))
    >>> len(rows), rows[0]["case_id"], rows[0]["cited_case_id"], rows[0]["status"]
    (15, 'bench-case-0', 'bench-case-1', 'resolved')
    """
    case_ids = list(dict.fromkeys(corpus.case_ids))
    rows = []
    for number, case_id in enumerate(case_ids):
        for position in range(CITES_PER_CASE):
            cited = case_ids[(number + 1 + position) % len(case_ids)]
            key = f"{1000 + number} Bench {position}"
            rows.append({"case_id": case_id, "tenant_id": TENANT, "position": position, "keys": [key],
                         "citation": key, "normalized": key, "depth": 1, "pages": [1],
                         "status": CitationStatus.RESOLVED.value, "cited_case_id": cited, "candidates": [cited],
                         "matched_by": "citation"})
    return rows


def store_corpus(store: CaseStore, corpus: Corpus) -> None:
    """The corpus in MongoDB (cases, their citations, chunks in batches of ``ADD_BATCH``)."""
    store.cases.insert_many(case_documents(corpus), ordered=False)
    store.db[CITATIONS].insert_many(citation_documents(corpus), ordered=False)
    for start in range(0, len(corpus.vectors), ADD_BATCH):
        store.chunks.insert_many(chunk_documents(corpus, start, min(start + ADD_BATCH, len(corpus.vectors))),
                                 ordered=False)


@dataclass
class Row:
    key: str  # name in the JSON line
    label: str  # name in the table
    size: int
    seconds: list[float]  # per query
    recall: float | None = None
    build_s: float | None = None
    kind: str | None = None

    @property
    def percentiles(self) -> dict[str, float | None]:
        return percentiles_ms(self.seconds)

    @property
    def qps(self) -> float:
        return rate(len(self.seconds), sum(self.seconds))

    def figures(self, baseline: Row, priors_off_row: Row | None = None) -> dict:
        figures = {
            **{name: round(value, 3) for name, value in self.percentiles.items()},
            "qps": round(self.qps, 1),
            "p50_vs_faiss": round(self.percentiles["p50_ms"] / baseline.percentiles["p50_ms"], 2),
            "recall_at_k": None if self.recall is None else round(self.recall, 4),
            "build_s": None if self.build_s is None else round(self.build_s, 2),
            "kind": self.kind,
        }
        if priors_off_row is not None:
            figures.update({f"{name}_vs_priors_off": round(ratio, 3)
                            for name, ratio in priors_ratios(self, priors_off_row).items()})
        return figures


def priors_ratios(with_priors: Row, without: Row) -> dict[str, float]:
    """p50 and p99 of ``with_priors`` over ``without``'s.

    >>> priors_ratios(Row("a", "a", 100, [0.03] * 3), Row("b", "b", 100, [0.02] * 3))
    {'p50': 1.5, 'p99': 1.5}
    """
    on, off = with_priors.percentiles, without.percentiles
    return {name: on[f"{name}_ms"] / off[f"{name}_ms"] for name in ("p50", "p99")}


def priors_off_of(row: Row, rows: Sequence[Row]) -> Row | None:
    """The row measured with the priors off against which ``row`` is compared, if any."""
    return next((other for other in rows
                 if other.size == row.size and other.key == row.key + PRIORS_OFF_SUFFIX), None)


def timed_calls(call: Callable, items: Sequence) -> tuple[list[float], list]:
    """Seconds per call and what each returned, after a few untimed warm-up calls."""
    for item in items[:WARM_UP_QUERIES]:
        call(item)
    seconds, returned = [], []
    for item in items:
        started = time.perf_counter()
        result = call(item)
        seconds.append(time.perf_counter() - started)
        returned.append(result)
    return seconds, returned


def interleaved_calls(first: Callable, second: Callable, items: Sequence
                      ) -> tuple[tuple[list[float], list], tuple[list[float], list]]:
    """``timed_calls`` of two calls on the same items, interleaved: per item both, back to
    back, ``second`` first on every other item (ABBA...), so drift in the machine's load, and
    whatever the first call of a pair warms, falls on both alike. Each call's warm-up first.

    >>> order = []
    >>> (a, _), (b, _) = interleaved_calls(lambda x: order.append(("A", x)), lambda x: order.append(("B", x)),
    ...                                    [1, 2, 3])
    >>> order[6:], len(a), len(b)
    ([('A', 1), ('B', 1), ('B', 2), ('A', 2), ('A', 3), ('B', 3)], 3, 3)
    """
    for item in items[:WARM_UP_QUERIES]:
        first(item)
        second(item)
    calls = (first, second)
    timed: tuple[tuple[list[float], list], ...] = (([], []), ([], []))
    for position, item in enumerate(items):
        for which in (0, 1) if position % 2 == 0 else (1, 0):
            started = time.perf_counter()
            result = calls[which](item)
            timed[which][0].append(time.perf_counter() - started)
            timed[which][1].append(result)
    return timed[0], timed[1]


def timed_queries(search_one: Callable[[np.ndarray], list[int]], queries: np.ndarray
                  ) -> tuple[list[float], list[list[int]]]:
    """``timed_calls`` with each query vector as a batch of one."""
    return timed_calls(lambda query: search_one(query[None, :]), queries)


def recall_at_k(found: list[list[int]], exact: list[list[int]]) -> float:
    """Mean share of the exact top-k each search found.

    >>> round(recall_at_k([[1, 2, 3], [4, 5, 9]], [[1, 2, 3], [4, 5, 6]]), 3)
    0.833
    """
    return float(np.mean([len(set(f) & set(e)) / len(e) for f, e in zip(found, exact, strict=True) if e]))


def measure_raw_faiss(corpus: Corpus, k: int) -> tuple[Row, list[list[int]]]:
    started = time.perf_counter()
    index = faiss.IndexFlatIP(DIMENSION)
    index.add(corpus.vectors)
    build_s = time.perf_counter() - started
    seconds, found = timed_queries(lambda q: index.search(q, k)[1][0].tolist(), corpus.queries)
    size = len(corpus.vectors)
    return Row("raw_faiss_flat", "raw FAISS flat", size, seconds, 1.0, build_s, "flat"), found


def exact_top_k(corpus: Corpus, k: int) -> list[list[int]]:
    """Each query's exact top-``k`` vector ids (all queries in one flat search)."""
    index = faiss.IndexFlatIP(DIMENSION)
    index.add(corpus.vectors)
    return index.search(corpus.queries, k)[1].tolist()


def filled_shard(corpus: Corpus, settings: IndexSettings) -> tuple[VectorShard, float]:
    shard = VectorShard(DIMENSION, settings)
    started = time.perf_counter()
    for start in range(0, len(corpus.vectors), ADD_BATCH):
        end = start + ADD_BATCH
        shard.add(np.arange(start, min(end, len(corpus.vectors))), corpus.case_ids[start:end],
                  [TENANT] * len(corpus.case_ids[start:end]), corpus.vectors[start:end])
    return shard, time.perf_counter() - started


def shard_search(shard: VectorShard, k: int, **filters) -> Callable[[np.ndarray], list[int]]:
    return lambda query: [hit.vector_id for hit in shard.search(query, k, **filters)[0]]


def measure_shards(corpus: Corpus, k: int, configured: IndexSettings, exact: list[list[int]]) -> list[Row]:
    """Flat, IVF and HNSW shards, then a filtered search on the one auto picks."""
    size = len(corpus.vectors)
    auto_kind = planned_kind(configured.model_copy(update={"index_type": "auto"}), size)
    rows, auto_shard = [], None
    for index_type in ("flat", "ivf", "hnsw"):
        shard, build_s = filled_shard(corpus, configured.model_copy(update={"index_type": index_type}))
        seconds, found = timed_queries(shard_search(shard, k), corpus.queries)
        marker = " (auto)" if index_type == auto_kind else ""
        rows.append(Row(f"shard_{index_type}", f"VectorShard {index_type}{marker}", size, seconds,
                        recall_at_k(found, exact), build_s, shard.index_kind))
        if index_type == "flat":
            flat_shard = shard
        if index_type == auto_kind:
            auto_shard = shard
    cases = sorted(set(corpus.case_ids))
    allowed_cases = cases[:: max(1, round(1 / FILTERED_CASE_FRACTION))]
    seconds, found = timed_queries(shard_search(auto_shard, k, case_ids=allowed_cases), corpus.queries)
    _, exact_filtered = timed_queries(shard_search(flat_shard, k, case_ids=allowed_cases), corpus.queries)
    rows.append(Row("shard_auto_filtered", f"VectorShard {auto_kind}, 1% of cases", size, seconds,
                    recall_at_k(found, exact_filtered), None, auto_shard.index_kind))
    return rows


def bench_settings(base: Settings, data_dir: Path) -> Settings:
    """A fresh index actor in ``data_dir`` that finds no MongoDB (so it starts empty) and does
    not snapshot during the run."""
    return base.model_copy(update={
        "data_dir": data_dir,
        "index": base.index.model_copy(update={
            "actor_name": f"bench-search-{uuid.uuid4().hex[:8]}", "shards": 1, "snapshot_interval_s": 1e9}),
        "mongodb": base.mongodb.model_copy(update={
            "uri": f"mongodb://127.0.0.1:{free_port()}", "db": "lexray_bench_unused", "timeout_ms": 300}),
    })


def fill_actor(actor, corpus: Corpus) -> float:
    """Seconds to add the corpus to the index actor, in batches of ``ADD_BATCH`` chunks."""
    import ray

    started = time.perf_counter()
    size = len(corpus.vectors)
    for start in range(0, size, ADD_BATCH):
        end = min(start + ADD_BATCH, size)
        ray.get(actor.add.remote(list(range(start, end)), corpus.case_ids[start:end],
                                 [TENANT] * (end - start), corpus.vectors[start:end], corpus.texts[start:end]))
    return time.perf_counter() - started


def actor_kinds(actor) -> str | None:
    import ray

    kinds = ray.get(actor.stats.remote()).get("index_kinds")  # reported by newer actors
    return ",".join(sorted(set(kinds))) if kinds else None


def measure_actor(corpus: Corpus, k: int, base: Settings, exact: list[list[int]]) -> Row:
    import ray

    from actors.index_actor import get_index_actor

    data_dir = Path(tempfile.mkdtemp(prefix="lexray-bench-search-"))
    settings = bench_settings(base, data_dir)
    actor = get_index_actor(settings)
    try:
        ray.get(actor.count.remote())  # started (and its failed reconcile done) before timing
        build_s = fill_actor(actor, corpus)
        seconds, found = timed_queries(
            lambda query: [hit.vector_id for hit in ray.get(actor.search.remote(query, k))[0]],
            corpus.queries)
        kinds = actor_kinds(actor)
    finally:
        ray.kill(actor, no_restart=True)
        shutil.rmtree(data_dir, ignore_errors=True)
    return Row("ray_index_actor", "Ray index actor", len(corpus.vectors), seconds,
               recall_at_k(found, exact), build_s, kinds)


def actor_alive(name: str, namespace: str) -> bool:
    import ray

    try:
        ray.get_actor(name, namespace=namespace)
    except ValueError:
        return False
    return True


def empty_app_index(settings: Settings, store: CaseStore):
    """The app's index actor (found by name, as Retrieval finds it) replaced by an empty one
    over empty collections, so its reconcile at start has nothing to load."""
    import ray

    from actors.index_actor import get_index_actor

    store.client.drop_database(settings.mongodb.db)
    store.ensure_indexes()
    name, namespace = settings.index.actor_name, settings.ray.namespace
    if actor_alive(name, namespace):
        ray.kill(ray.get_actor(name, namespace=namespace), no_restart=True)
        wait_for(lambda: not actor_alive(name, namespace), 60, f"index actor {name} to stop")
    shutil.rmtree(settings.index_dir, ignore_errors=True)
    actor = get_index_actor(settings)
    ray.get(actor.count.remote())  # started, reconcile done
    return actor


def unresolved_answers(responses: list, k: int) -> int:
    """Answers that are not k cases each with its title and matched chunks (so MongoDB
    did not hold what the index found)."""
    def resolved(results: list[dict]) -> bool:
        return len(results) == k and all(hit["title"] and hit["chunks"] for hit in results)

    return sum(not resolved(response.json()["results"]) for response in responses)


def measure_http(base: Settings, sizes: list[int], query_count: int, k: int, modes: list[str],
                 mongodb_uri: str | None) -> tuple[list[Row], dict, list[str]]:
    """Rows of the deployed application per size, facts about the deployment, and notes."""
    import httpx
    import ray

    from pipelines.embed import Embedder

    rows, notes = [], []
    texts = query_texts(query_count)
    work_dir = Path(tempfile.mkdtemp(prefix="lexray-bench-http-"))
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, work_dir, ignore_errors=True)
        uri = cleanup.enter_context(mongodb_server(mongodb_uri, work_dir))
        api_key = secrets.token_urlsafe(24)
        settings = app_settings(base, work_dir / "data", uri, api_key)
        store = CaseStore(settings.mongodb)
        cleanup.callback(store.close)
        if mongodb_uri:  # a server of our own goes away with its data
            cleanup.callback(store.client.drop_database, settings.mongodb.db)
        embedder = Embedder(settings.embedding)
        if embedder.dimension != DIMENSION:
            raise ValueError(f"the embedding model makes {embedder.dimension}-dim vectors, the "
                             f"synthetic index holds {DIMENSION}-dim ones")
        print(f"deploying the LexRay application (LLM deployment included) on port {settings.api.port} ...",
              flush=True)
        deploy_s = cleanup.enter_context(deployed_app(settings))
        print(f"deployed in {deploy_s:.0f}s", flush=True)
        without_priors = settings.model_copy(update={
            "ranking": priors_off(settings.ranking),
            "api": settings.api.model_copy(update={"app_name": f"{settings.api.app_name}-priors-off"})})
        off_deploy_s = cleanup.enter_context(added_app(without_priors, PRIORS_OFF_PREFIX, api_key, NO_LLM_REPLICA))
        print(f"the copy with the ranking priors off deployed under {PRIORS_OFF_PREFIX} in {off_deploy_s:.0f}s",
              flush=True)
        client = cleanup.enter_context(httpx.Client(
            base_url=f"http://{settings.api.host}:{settings.api.port}",
            headers={"Authorization": f"Bearer {api_key}"}, timeout=120))
        # The first round of candidates the served ranking asks for (search.ranking.rank_cases).
        candidates = max(k * settings.index.chunks_per_case, settings.index.candidate_chunks)
        for size in sizes:
            corpus = make_corpus(size, query_count)
            actor = empty_app_index(settings, store)
            build_s = fill_actor(actor, corpus)
            started = time.perf_counter()
            store_corpus(store, corpus)
            store_s = time.perf_counter() - started
            report = ray.get(actor.reconcile.remote())
            if report["added"] or report["removed"] or report["count"] != size:
                notes.append(f"size {size}: the index and MongoDB disagree ({report})")
            kinds = actor_kinds(actor)
            print(f"size {size}: app index filled in {build_s:.1f}s, MongoDB in {store_s:.1f}s; "
                  "measuring over HTTP ...", flush=True)

            seconds, _ = timed_calls(lambda text: embedder.encode([text]), texts)
            rows.append(Row("query_embedding", "query embedding (in process)", size, seconds))
            seconds = priors_reads_seconds(store, corpus, query_count, settings)
            rows.append(Row("priors_store_reads", "ranking priors' MongoDB reads", size, seconds))
            seconds, found = timed_queries(
                lambda query: [hit.vector_id for hit in
                               ray.get(actor.search.remote(query, candidates, TENANT, None))[0]],
                corpus.queries)
            rows.append(Row("app_index_actor", f"app index actor, k={candidates}, tenant", size, seconds,
                            recall_at_k([ids[:k] for ids in found], exact_top_k(corpus, k)), build_s, kinds))
            for mode in modes:
                def search_one(text: str, prefix: str, mode: str = mode) -> httpx.Response:
                    response = client.get(prefix + SEARCH_TEXT_PATH, params={"q": text, "mode": mode, "limit": k})
                    response.raise_for_status()
                    return response

                (seconds, responses), (off_seconds, off_responses) = interleaved_calls(
                    lambda text: search_one(text, ""), lambda text: search_one(text, PRIORS_OFF_PREFIX), texts)
                key = f"http_search_text_{mode}"
                rows.append(Row(key, f"HTTP search/text, {mode}", size, seconds, None, build_s, kinds))
                rows.append(Row(key + PRIORS_OFF_SUFFIX, f"HTTP search/text, {mode}, priors off", size,
                                off_seconds, None, build_s, kinds))
                for label, answers in ((mode, responses), (f"{mode} priors off", off_responses)):
                    if unresolved := unresolved_answers(answers, k):
                        notes.append(f"size {size}, {label}: {unresolved} of {len(answers)} answers held fewer "
                                     f"than {k} cases or cases without chunks; the row is not representative")
    return rows, {"deploy_s": round(deploy_s, 1), "priors_off_deploy_s": round(off_deploy_s, 1),
                  "priors_off": f"a second copy of the application under {PRIORS_OFF_PREFIX}, same index and "
                                "database, ranking priors off; requests interleaved",
                  "mongodb": "given" if mongodb_uri else "own, in memory",
                  "auth": "api key", "shards": 1, "modes": modes}, notes


def priors_reads_seconds(store: CaseStore, corpus: Corpus, count: int, settings: Settings) -> list[float]:
    """Seconds per search of what ranking's priors read from MongoDB in the Retrieval deployment
    (``serve_app.retrieval.StoreSignals``): the decision dates of a round's candidate cases (a
    fact-description query) and the citation links of the best ``citation_smoothing_cases``;
    part of each HTTP search (short queries skip the dates)."""
    from serve_app.retrieval import StoreSignals

    case_ids = list(dict.fromkeys(corpus.case_ids))
    rng = np.random.default_rng(2)
    signals = StoreSignals(store, TENANT, None)
    samples = [[case_ids[i] for i in rng.choice(len(case_ids), min(100, len(case_ids)), replace=False)]
               for _ in range(count)]

    def read(candidates: list[str]) -> None:
        signals.decision_years(candidates)
        signals.citation_links(candidates[:settings.ranking.citation_smoothing_cases])

    return timed_calls(read, samples)[0]


def http_breakdown(rows: list[Row], size: int) -> str | None:
    """``HTTP dense p50 = embedding + app index actor + the rest`` at ``size``, when measured."""
    p50 = {row.key: row.percentiles["p50_ms"] for row in rows if row.size == size}
    if not {"http_search_text_dense", "query_embedding", "app_index_actor"} <= p50.keys():
        return None
    rest = p50["http_search_text_dense"] - p50["query_embedding"] - p50["app_index_actor"]
    return (f"size {size}: HTTP dense p50 {p50['http_search_text_dense']:.2f} ms = query embedding "
            f"{p50['query_embedding']:.2f} + index actor {p50['app_index_actor']:.2f} + {rest:.2f} ms "
            "(gateway, Serve handles, MongoDB reads, snippets, JSON)")


def format_table(rows: list[Row], baselines: dict[int, Row], k: int) -> str:
    columns = [Column("size", 8), Column("measure", 40, "<", gap="  "), Column("kind", 6),
               Column("p50 ms", 9, spec=".3f"), Column("p99 ms", 9, spec=".3f"), Column("QPS", 9, spec=".1f"),
               Column("vs FAISS", 10, spec=".2f", suffix="x"), Column("on/off", 8, spec=".2f", suffix="x"),
               Column(f"recall@{k}", 11, spec=".3f"), Column("build s", 9, spec=".1f")]
    cells = []
    for row in sorted(rows, key=lambda row: row.size):  # stable: each size's rows in run order
        figures = row.figures(baselines.get(row.size, row), priors_off_of(row, rows))
        cells.append((row.size, row.label, row.kind or None, figures["p50_ms"], figures["p99_ms"], figures["qps"],
                      figures["p50_vs_faiss"], figures.get("p50_vs_priors_off"), row.recall, row.build_s))
    return text_table(columns, cells)


def priors_lines(rows: list[Row]) -> list[str]:
    """Per HTTP mode measured with and without the ranking priors: the p50 and p99 ratios and
    whether the p50 one is within ``PRIORS_BOUND``.

    >>> rows = [Row("http_search_text_dense", "", 100, [0.06] * 3),
    ...         Row("http_search_text_dense_priors_off", "", 100, [0.05] * 3)]
    >>> priors_lines(rows)
    ['size 100, dense: priors on/off p50 60.00 / 50.00 ms = 1.20x (within 1.5x), p99 60.00 / 50.00 ms = 1.20x']
    """
    lines = []
    for row in rows:
        off = priors_off_of(row, rows)
        if off is None:
            continue
        ratios = priors_ratios(row, off)
        on_ms, off_ms = row.percentiles, off.percentiles
        verdict = "within" if ratios["p50"] <= PRIORS_BOUND else "NOT within"
        mode = row.key.removeprefix("http_search_text_")
        lines.append(f"size {row.size}, {mode}: priors on/off p50 {on_ms['p50_ms']:.2f} / {off_ms['p50_ms']:.2f} ms "
                     f"= {ratios['p50']:.2f}x ({verdict} {PRIORS_BOUND}x), p99 {on_ms['p99_ms']:.2f} / "
                     f"{off_ms['p99_ms']:.2f} ms = {ratios['p99']:.2f}x")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=option_type(positive_ints), default="10000,100000",
                        help="comma-separated chunk counts")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per row")
    parser.add_argument("--k", type=int, default=10, help="hits per query")
    parser.add_argument("--threads", type=int, default=1, help="FAISS OpenMP threads in this process")
    parser.add_argument("--skip-actor", action="store_true", help="no Ray index actor row")
    parser.add_argument("--address", default=None,
                        help="Ray cluster for the actor row (default: a fresh local instance)")
    parser.add_argument("--http", action="store_true",
                        help="also deploy the application and time GET /search/text on the same chunks")
    parser.add_argument("--http-modes", default=",".join(HTTP_MODES),
                        help=f"search modes timed over HTTP, comma-separated ({', '.join(HTTP_MODES)})")
    parser.add_argument("--mongodb-uri", default=None,
                        help="MongoDB for --http (default: a server started here, in memory)")
    add_json_option(parser)
    args = parser.parse_args(argv)
    sizes = args.sizes
    if min(sizes) < 100 or args.queries < 1 or args.k < 1 or args.threads < 1:
        parser.error("--sizes at least 100 each; --queries, --k and --threads at least 1")
    http_modes = [mode.strip() for mode in args.http_modes.split(",") if mode.strip()]
    if args.http and (not http_modes or not set(http_modes) <= set(HTTP_MODES)):
        parser.error(f"--http-modes: one or more of {', '.join(HTTP_MODES)}")
    if args.http and args.address:
        parser.error("--http deploys its own application on a fresh local Ray instance: leave out --address")

    signal.signal(signal.SIGTERM, exit_on_sigterm)
    faiss.omp_set_num_threads(args.threads)
    base = get_settings()
    configured = base.index
    print(f"{DIMENSION}-dim vectors, {args.queries} queries of batch 1, k={args.k}, {args.threads} "
          f"FAISS thread(s) in process; load avg {os.getloadavg()[0]:.2f}; index settings: "
          f"threshold {configured.approximate_threshold}, approximate {configured.approximate_type}, "
          f"nprobe {configured.ivf_nprobe}, HNSW M {configured.hnsw_m} efSearch {configured.hnsw_ef_search}",
          flush=True)
    rows: list[Row] = []
    baselines: dict[int, Row] = {}
    notes: list[str] = []
    http_facts = None
    with ExitStack() as cleanup:
        if not args.skip_actor or args.http:
            import ray

            # Replica logs (vLLM's above all) stay in Ray's session folder, not on stdout.
            start_ray(base, args.address, worker_logs=not args.http)
            cleanup.callback(ray.shutdown)
            # Ray's core worker installs a SIGTERM handler that aborts, skipping the cleanup.
            signal.signal(signal.SIGTERM, exit_on_sigterm)
        for size in sizes:
            corpus = make_corpus(size, args.queries)
            baseline, exact = measure_raw_faiss(corpus, args.k)
            baselines[size] = baseline
            rows.append(baseline)
            auto = planned_kind(configured.model_copy(update={"index_type": "auto"}), size)
            print(f"size {size}: auto picks {auto}; measuring ...", flush=True)
            rows += measure_shards(corpus, args.k, configured, exact)
            if not args.skip_actor:
                rows.append(measure_actor(corpus, args.k, base, exact))
        if args.http:
            try:
                http_rows, http_facts, http_notes = measure_http(
                    base, sizes, args.queries, args.k, http_modes, args.mongodb_uri)
                rows += http_rows
                notes += http_notes
            except Exception as exc:  # noqa: BLE001 - keep the rows measured so far
                traceback.print_exc()
                notes.append(f"HTTP rows not measured: {type(exc).__name__}: {exc}")
    print(format_table(rows, baselines, args.k))
    print("vs FAISS: p50 over raw FAISS flat's p50 at that size; recall against exact search "
          "(the filtered row: against the flat shard's filtered top-k).")
    for size in sizes:
        if line := http_breakdown(rows, size):
            print(line)
    for line in priors_lines(rows):
        print(line)
    for note in notes:
        print(note)
    figures = {
        "dimension": DIMENSION, "queries": args.queries, "k": args.k, "threads": args.threads,
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "index_settings": configured.model_dump(include={
            "index_type", "approximate_type", "approximate_threshold", "ivf_nlist", "ivf_nprobe",
            "hnsw_m", "hnsw_ef_construction", "hnsw_ef_search"}),
        "results": {str(size): {row.key: row.figures(baselines[size], priors_off_of(row, rows))
                                for row in rows if row.size == size} for size in sizes},
        "http": http_facts,
        "notes": notes,
    }
    emit_figures(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
