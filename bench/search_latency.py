"""Dense search latency: raw FAISS, ``VectorShard`` (exact and approximate) and the Ray index
actor, on synthetic chunk vectors, with raw FAISS measured in the same run as the baseline.

    python -m bench.search_latency [--sizes 10000,100000] [--queries 200] [--k 10] [--threads 1]
        [--address RAY_ADDRESS] [--skip-actor] [--http] [--base-url URL] [--api-key KEY]

For each size N: N 384-dim L2-normalised vectors drawn around N/50 random centres (so
neighbours exist, as with real embeddings, and approximate indexes meet realistic data), 20
chunks per case, one tenant; ``--queries`` query vectors from the same centres. Every row
answers the same queries one at a time (batch 1, top ``--k``), sequentially, after 10 untimed
warm-up queries:

- ``raw FAISS flat``: ``IndexFlatIP.search`` over the vectors, the baseline (exact).
- ``VectorShard flat|ivf|hnsw``: the shard in this process, ``index_type`` forced and the
  other ``IndexSettings`` as configured (``LEXRAY_INDEX_*``); it also maps ids to cases. The
  header says which one ``auto`` picks at that size (``approximate_threshold``).
- ``VectorShard <auto>, 1% of cases``: the same search restricted by ``case_ids`` to 1% of the
  cases (inside FAISS, before ranking); recall is against the exact filtered top-k.
- ``Ray index actor``: ``ray.get(actor.search.remote(q, k))`` on a fresh ``IndexActor`` in a
  fresh local Ray instance unless ``--address`` names a cluster (own actor name, empty data dir, a MongoDB URI nothing listens on, so it starts empty instead of
  reconciling with a real store; no snapshots during the run), filled through ``add`` in
  batches of 5,000 chunks with short synthetic texts for its BM25 side. Its index type is
  whatever ``IndexService`` builds: auto by size once it constructs shards with
  ``VectorShard(dimension, settings.index)``.
- with ``--http``: ``GET /api/v1/retrieval/search/text?mode=dense&limit=10`` against a running
  server (``make up``, loopback only). That is the server's own index and MongoDB, not the
  synthetic vectors, and its query is text, so the row includes embedding the query, the
  gateway and Retrieval deployments and the MongoDB reads; it is printed once, apart.

Columns: ``p50``/``p99`` latency in ms, ``QPS`` queries over the seconds of the sequential run,
``vs FAISS`` p50 over raw FAISS's p50 at that size, ``recall@k`` against exact search (raw FAISS,
or the flat shard for the filtered row), ``build s`` seconds to fill the index. FAISS in this
process uses ``--threads`` OpenMP threads (default 1, like the actor, whose Ray worker gets
OMP_NUM_THREADS=1; on a busy 2-core machine more threads mostly wait on each other).

Prints a table and, as its last line, one JSON object with the figures.
"""

from __future__ import annotations

import lexray  # noqa: F401  (first: sets the environment Ray reads when it is imported)

import argparse
import json
import os
import shutil
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from actors.shard import VectorShard, planned_kind
from lexray.evaluation import latency_percentiles
from lexray.settings import IndexSettings, Settings, get_settings

DIMENSION = 384
CHUNKS_PER_CASE = 20
VECTORS_PER_CENTRE = 50
# Noise around a centre, relative to the centre's length: top-10 cosine about 0.3-0.4.
SPREAD = 1.5
ADD_BATCH = 5000
WARM_UP_QUERIES = 10
TENANT = "bench"
FILTERED_CASE_FRACTION = 0.01
VOCABULARY = (
    "court appeal judgment appellant respondent evidence witness contract negligence damages "
    "statute section liability plaintiff defendant injunction tenancy property murder bail "
    "sentence conviction acquittal testimony precedent jurisdiction tribunal petition writ order "
    "constitution article fundamental rights arbitration award clause breach compensation "
).split()
SEARCH_TEXT_PATH = "/api/v1/retrieval/search/text"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


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
    def percentiles(self) -> dict[str, float]:
        return latency_percentiles(self.seconds)

    @property
    def qps(self) -> float:
        return len(self.seconds) / sum(self.seconds)

    def figures(self, baseline: Row) -> dict:
        return {
            **{name: round(value, 3) for name, value in self.percentiles.items()},
            "qps": round(self.qps, 1),
            "p50_vs_faiss": round(self.percentiles["p50_ms"] / baseline.percentiles["p50_ms"], 2),
            "recall_at_k": None if self.recall is None else round(self.recall, 4),
            "build_s": None if self.build_s is None else round(self.build_s, 2),
            "kind": self.kind,
        }


def timed_queries(search_one: Callable[[np.ndarray], list[int]], queries: np.ndarray
                  ) -> tuple[list[float], list[list[int]]]:
    """Seconds per query and the ids each returned, after a few untimed warm-up queries."""
    for query in queries[:WARM_UP_QUERIES]:
        search_one(query[None, :])
    seconds, found = [], []
    for query in queries:
        started = time.perf_counter()
        ids = search_one(query[None, :])
        seconds.append(time.perf_counter() - started)
        found.append(ids)
    return seconds, found


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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


def start_ray(settings: Settings, address: str | None) -> None:
    """Join ``address``, else start a fresh local instance: not whatever cluster this machine
    runs, whose other work would be measured too."""
    import ray

    if address:
        ray.init(address=address, namespace=settings.ray.namespace, logging_level="WARNING")
    else:
        ray.init(address="local", namespace=settings.ray.namespace, include_dashboard=False,
                 object_store_memory=settings.ray.object_store_bytes, logging_level="WARNING")


def measure_actor(corpus: Corpus, k: int, base: Settings, exact: list[list[int]]) -> Row:
    import ray

    from actors.index_actor import get_index_actor

    data_dir = Path(tempfile.mkdtemp(prefix="lexray-bench-search-"))
    settings = bench_settings(base, data_dir)
    actor = get_index_actor(settings)
    try:
        ray.get(actor.count.remote())  # started (and its failed reconcile done) before timing
        started = time.perf_counter()
        size = len(corpus.vectors)
        for start in range(0, size, ADD_BATCH):
            end = min(start + ADD_BATCH, size)
            ray.get(actor.add.remote(list(range(start, end)), corpus.case_ids[start:end],
                                     [TENANT] * (end - start), corpus.vectors[start:end],
                                     corpus.texts[start:end]))
        build_s = time.perf_counter() - started
        seconds, found = timed_queries(
            lambda query: [hit.vector_id for hit in ray.get(actor.search.remote(query, k))[0]],
            corpus.queries)
        kinds = ray.get(actor.stats.remote()).get("index_kinds")  # reported by newer actors
    finally:
        ray.kill(actor, no_restart=True)
        shutil.rmtree(data_dir, ignore_errors=True)
    return Row("ray_index_actor", "Ray index actor", size, seconds, recall_at_k(found, exact), build_s,
               ",".join(sorted(set(kinds))) if kinds else None)


def measure_http(base_url: str, api_key: str | None, query_count: int, k: int) -> Row | str:
    """The running server's dense search endpoint; a reason string when it cannot be measured."""
    import httpx

    if not base_url.split("://", 1)[-1].startswith(LOOPBACK_HOSTS):
        return f"refusing {base_url}: only loopback servers are measured"
    rng = np.random.default_rng(1)
    texts = [" ".join(VOCABULARY[i] for i in rng.integers(0, len(VOCABULARY), 8)) for _ in range(query_count)]
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    with httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=60) as client:
        try:
            client.get("/health/live").raise_for_status()
        except httpx.HTTPError as exc:
            return f"no server answers at {base_url} ({type(exc).__name__}); start one with `make up`"

        def search_one(text: str) -> None:
            response = client.get(SEARCH_TEXT_PATH, params={"q": text, "mode": "dense", "limit": k})
            response.raise_for_status()

        try:
            for text in texts[:WARM_UP_QUERIES]:
                search_one(text)
            seconds = []
            for text in texts:
                started = time.perf_counter()
                search_one(text)
                seconds.append(time.perf_counter() - started)
        except httpx.HTTPError as exc:
            return f"{SEARCH_TEXT_PATH} failed: {exc}"
    return Row("http_search_text", "HTTP GET /search/text, dense", 0, seconds)


def format_table(rows: list[Row], baselines: dict[int, Row], k: int) -> str:
    lines = [f"{'size':>8}  {'measure':<32}{'kind':>6}{'p50 ms':>9}{'p99 ms':>9}{'QPS':>9}"
             f"{'vs FAISS':>10}{f'recall@{k}':>11}{'build s':>9}"]
    for row in rows:
        figures = row.figures(baselines.get(row.size, row))
        ratio = f"{figures['p50_vs_faiss']:.2f}x" if row.size else "-"
        lines.append(
            f"{row.size or '-':>8}  {row.label:<32}{row.kind or '-':>6}{figures['p50_ms']:>9.3f}"
            f"{figures['p99_ms']:>9.3f}{figures['qps']:>9.1f}"
            f"{ratio:>10}"
            f"{'-' if row.recall is None else f'{row.recall:.3f}':>11}"
            f"{'-' if row.build_s is None else f'{row.build_s:.1f}':>9}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated chunk counts")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per row")
    parser.add_argument("--k", type=int, default=10, help="hits per query")
    parser.add_argument("--threads", type=int, default=1, help="FAISS OpenMP threads in this process")
    parser.add_argument("--skip-actor", action="store_true", help="in-process rows only")
    parser.add_argument("--address", default=None,
                        help="Ray cluster for the actor row (default: a fresh local instance)")
    parser.add_argument("--http", action="store_true", help="also time a running server's search")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="server for --http")
    parser.add_argument("--api-key", default=os.environ.get("LEXRAY_BENCH_API_KEY"),
                        help="for --http (default: LEXRAY_BENCH_API_KEY)")
    args = parser.parse_args(argv)
    try:
        sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    except ValueError:
        parser.error("--sizes must be comma-separated integers")
    if not sizes or min(sizes) < 100 or args.queries < 1 or args.k < 1 or args.threads < 1:
        parser.error("--sizes at least 100 each; --queries, --k and --threads at least 1")

    faiss.omp_set_num_threads(args.threads)
    base = get_settings()
    configured = base.index
    print(f"{DIMENSION}-dim vectors, {args.queries} queries of batch 1, k={args.k}, {args.threads} "
          f"FAISS thread(s) in process; load avg {os.getloadavg()[0]:.2f}; index settings: "
          f"threshold {configured.approximate_threshold}, approximate {configured.approximate_type}, "
          f"nprobe {configured.ivf_nprobe}, HNSW M {configured.hnsw_m} efSearch {configured.hnsw_ef_search}",
          flush=True)
    if not args.skip_actor:
        import ray

        start_ray(base, args.address)
    rows: list[Row] = []
    baselines: dict[int, Row] = {}
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
    notes = []
    if args.http:
        http = measure_http(args.base_url, args.api_key, args.queries, args.k)
        if isinstance(http, Row):
            rows.append(http)
        else:
            notes.append(http)
    print(format_table(rows, baselines, args.k))
    print("vs FAISS: p50 over raw FAISS flat's p50 at that size; recall against exact search "
          "(the filtered row: against the flat shard's filtered top-k).")
    if any(row.key == "http_search_text" for row in rows):
        print("HTTP row: the running server's own index, text queries embedded by the server.")
    for note in notes:
        print(note)
    if not args.skip_actor:
        ray.shutdown()
    figures = {
        "dimension": DIMENSION, "queries": args.queries, "k": args.k, "threads": args.threads,
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "index_settings": configured.model_dump(include={
            "index_type", "approximate_type", "approximate_threshold", "ivf_nlist", "ivf_nprobe",
            "hnsw_m", "hnsw_ef_construction", "hnsw_ef_search"}),
        "results": {str(size): {row.key: row.figures(baselines[size]) for row in rows if row.size == size}
                    for size in sizes},
        "http": next((row.figures(row) for row in rows if row.key == "http_search_text"), None),
        "notes": notes,
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
