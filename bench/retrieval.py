"""Retrieval quality on a BEIR-layout legal benchmark, for bm25, dense and hybrid ranking.

    python -m bench.retrieval --dataset ../shared/data/retrieval/aila2019/casedocs_mteb_subset \\
        [--split test] [--modes bm25,dense,hybrid] [--tune-split train]

The corpus goes through the same code as real ingestion — ``pipelines.chunk`` (page-aware
chunks), ``pipelines.embed`` (the configured model) and ``actors.index_actor.IndexService``
(FAISS + BM25 shards) — into a fresh index in a temporary folder. Vectors are cached under
``<data_dir>/cache/embeddings`` keyed by model and chunk hash, so reruns skip the embedding.

Long queries (fact descriptions) are cut into passages like documents; each passage is
searched, each case scores as its best chunk per passage, and passages are averaged
(``pipelines``-independent logic lives in ``lexray.ranking``). Hybrid blends the min-max
normalised dense and BM25 case scores with a weight tuned on ``--tune-split`` only.

Prints a table and, as its last line, one JSON object
``{mode: {"ndcg@10", "recall@10", "recall@100", "map", "mrr", "p@10", "p50_ms", "p99_ms"}}``.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.beir import load_beir
from bench.results import add_json_option, emit_figures
from lexray.evaluation import evaluate, latency_percentiles
from lexray.ids import vector_id_for
from lexray.ranking import blend_case_scores, case_scores_from_passages
from lexray.settings import Settings, get_settings
from pipelines.chunk import QueryPassages, query_passages, text_passages

BENCH_TENANT = "bench"
SAVE_EVERY_BATCHES = 40
MIN_DECISIVE_QUERIES = 3
RESULT_CASES = 100
HYBRID_WEIGHTS = [round(w, 3) for w in np.linspace(0.0, 1.0, 41)]


class EmbeddingCache:
    """Vectors by sha256 of (model, text), kept in one .npz per model."""

    def __init__(self, folder: Path, model_name: str) -> None:
        self.path = folder / f"{model_name.replace('/', '_')}.npz"
        self.model_name = model_name
        self.vectors: dict[str, np.ndarray] = {}
        if self.path.exists():
            with np.load(self.path) as saved:
                self.vectors = dict(zip(saved["keys"].tolist(), saved["vectors"], strict=True))

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model_name}\0{text}".encode()).hexdigest()

    def encode(self, texts: list[str], embedder_factory) -> np.ndarray:
        keys = [self.key(text) for text in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self.vectors}.items())
        if missing:
            embedder = embedder_factory()
            for start in range(0, len(missing), 256):
                part = missing[start:start + 256]
                encoded = embedder.encode([text for _, text in part])
                self.vectors.update({key: vector for (key, _), vector in zip(part, encoded, strict=True)})
                print(f"  embedded {min(start + 256, len(missing))}/{len(missing)} new texts", flush=True)
                if (start // 256 + 1) % SAVE_EVERY_BATCHES == 0:
                    self.save()  # a long first run that is interrupted resumes from here
            self.save()
        return np.vstack([self.vectors[key] for key in keys]) if keys else np.zeros((0, 0), np.float32)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = list(self.vectors)
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(keys), vectors=np.vstack([self.vectors[k] for k in keys]))
        tmp.replace(self.path)


def passages(text: str, settings: Settings) -> list[str]:
    pieces = text_passages(text, size_chars=settings.chunk.size_chars,
                           overlap_chars=settings.chunk.overlap_chars)
    return pieces or [text]


def build_index(corpus: dict, settings: Settings, cache: EmbeddingCache, embedder_factory, *, dense: bool = True):
    """The corpus chunked and indexed; without ``dense`` (a BM25-only run) nothing is embedded
    and the vector side holds 1-d placeholders that are never searched."""
    from actors.index_actor import IndexService

    ids, cases, texts = [], [], []
    for doc_id, doc in corpus.items():
        body = "\n\n".join(part for part in (doc.get("title"), doc.get("text")) if part)
        for index, text in enumerate(passages(body, settings)):
            ids.append(vector_id_for(f"{doc_id}:{index}"))
            cases.append(doc_id)
            texts.append(text)
    print(f"corpus: {len(corpus)} documents -> {len(texts)} chunks", flush=True)
    vectors = cache.encode(texts, embedder_factory) if dense else np.zeros((len(texts), 1), np.float32)
    service = IndexService(settings)
    for start in range(0, len(ids), 2000):
        end = start + 2000
        service.add(ids[start:end], cases[start:end], [BENCH_TENANT] * len(ids[start:end]),
                    vectors[start:end], texts[start:end])
    return service


def search_query(service, query_vectors: np.ndarray | None, passages_of_query: QueryPassages, candidates: int
                 ) -> tuple[dict[str, dict], dict[str, float]]:
    """Case scores per mode for one query (dense and bm25; hybrid is blended later), and the
    seconds each mode's search took. No ``query_vectors``: BM25 only."""
    started = time.perf_counter()
    dense = {}
    if query_vectors is not None:
        dense_hits = service.search(query_vectors, candidates, tenant_id=BENCH_TENANT)
        dense = case_scores_from_passages([[(h.case_id, h.score) for h in hits] for hits in dense_hits])
    dense_done = time.perf_counter()
    lexical_hits = [service.search_lexical(text, candidates, tenant_id=BENCH_TENANT)
                    for text in passages_of_query.lexical]
    bm25 = case_scores_from_passages([[(h.case_id, h.score) for h in hits] for hits in lexical_hits],
                                     normalise=True)
    bm25_done = time.perf_counter()
    return {"dense": dense, "bm25": bm25}, {"dense": dense_done - started, "bm25": bm25_done - dense_done}


def top(scores: dict[str, float], n: int = RESULT_CASES) -> dict[str, float]:
    return dict(sorted(scores.items(), key=lambda item: -item[1])[:n])


def tune_weight(per_query: dict[str, dict], qrels: dict) -> float:
    """The dense weight that maximises nDCG@10 of the blend on the tuning queries; when
    neighbouring weights tie, the middle of the longest run of them.

    A handful of tuning queries gives a stepwise, flat curve: which end of a tied run is
    picked is an accident of those queries; its middle is the choice least tied to them.
    A weight is only learnt from at least ``MIN_DECISIVE_QUERIES`` queries whose nDCG@10
    changes with it; with fewer (on AILA's full corpus 9 of the 10 training queries score 0
    at every weight) the curve is one query's noise, and hybrid keeps to the better of its
    two inputs on the tuning queries (BM25 on a tie).
    """
    per_weight = []
    for weight in HYBRID_WEIGHTS:
        per_weight.append({
            query_id: evaluate({query_id: top(blend_case_scores(s["dense"], s["bm25"], weight))},
                               {query_id: qrels[query_id]})["ndcg@10"]
            for query_id, s in per_query.items() if query_id in qrels
        })
    decisive = [query_id for query_id in per_weight[0]
                if max(scores[query_id] for scores in per_weight) > min(scores[query_id] for scores in per_weight)]
    objective = [sum(scores.values()) / max(len(scores), 1) for scores in per_weight]
    if len(decisive) < MIN_DECISIVE_QUERIES:
        return HYBRID_WEIGHTS[-1] if objective[-1] > objective[0] else HYBRID_WEIGHTS[0]
    return plateau_middle(HYBRID_WEIGHTS, objective)


def plateau_middle(weights: list[float], objective: list[float], tolerance: float = 1e-9) -> float:
    """Middle of the longest run of consecutive weights whose objective is the maximum.

    >>> plateau_middle([0.0, 0.1, 0.2, 0.3], [0.5, 0.7, 0.7, 0.6])
    0.15
    """
    best = max(objective)
    runs, current = [], []
    for weight, value in zip(weights, objective, strict=True):
        if value >= best - tolerance:
            current.append(weight)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    longest = max(runs, key=len)
    return round((longest[0] + longest[-1]) / 2, 4)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.retrieval", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", required=True, type=Path)
    parser.add_argument("--split", default="test")
    parser.add_argument("--tune-split", default="train", help="split the hybrid weight is tuned on")
    parser.add_argument("--modes", default="bm25,dense,hybrid")
    parser.add_argument("--candidates", type=int, default=None,
                        help="chunks retrieved per query passage and mode before aggregation "
                        "(default: index.candidate_chunks, as the search API)")
    add_json_option(parser)
    args = parser.parse_args(argv)
    modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]

    base = get_settings()
    evaluation = load_beir(args.dataset, args.split)
    tuning = load_beir(args.dataset, args.tune_split) if "hybrid" in modes else None
    with tempfile.TemporaryDirectory(prefix="lexray-bench-") as scratch:
        settings = base.model_copy(update={
            "data_dir": Path(scratch),
            # BM25-only runs hold placeholder vectors: keep them in an exact index (an HNSW
            # graph over identical vectors degenerates).
            "index": base.index.model_copy(update={
                "actor_name": "bench", "snapshot_interval_s": 1e9,
                **({} if {"dense", "hybrid"} & set(modes) else {"index_type": "flat"}),
            }),
        })
        cache = EmbeddingCache(base.data_dir / "cache" / "embeddings", settings.embedding.model_name)
        embedder = None

        def embedder_factory():
            nonlocal embedder
            if embedder is None:
                from pipelines.embed import Embedder

                embedder = Embedder(settings.embedding)
            return embedder

        need_dense = bool({"dense", "hybrid"} & set(modes))
        service = build_index(evaluation.corpus, settings, cache, embedder_factory, dense=need_dense)
        queries = {**(tuning.queries if tuning else {}), **evaluation.queries}
        candidates = args.candidates or settings.index.candidate_chunks
        per_query, seconds = {}, {"dense": [], "bm25": [], "hybrid": []}
        for query_id, text in queries.items():
            passages_of_query = query_passages(text, settings.chunk)
            # Query embedding is part of a query's latency: time it uncached.
            started = time.perf_counter()
            vectors = embedder_factory().encode(passages_of_query.dense) if need_dense else None
            embed_seconds = time.perf_counter() - started
            per_query[query_id], timing = search_query(service, vectors, passages_of_query, candidates)
            seconds["dense"].append(embed_seconds + timing["dense"])
            seconds["bm25"].append(timing["bm25"])
            seconds["hybrid"].append(embed_seconds + timing["dense"] + timing["bm25"])
        weight = tune_weight({q: per_query[q] for q in tuning.qrels}, tuning.qrels) if tuning else None

    results = {}
    for mode in modes:
        if mode == "hybrid":
            run = {q: top(blend_case_scores(per_query[q]["dense"], per_query[q]["bm25"], weight))
                   for q in evaluation.qrels}
        else:
            run = {q: top(per_query[q][mode]) for q in evaluation.qrels}
        results[mode] = {**{k: round(v, 4) for k, v in evaluate(run, evaluation.qrels).items()},
                         **latency_percentiles(seconds[mode])}
    print(f"\n{args.dataset.name} split={args.split}: {len(evaluation.qrels)} queries, "
          f"{len(evaluation.corpus)} documents; hybrid dense weight {weight} (tuned on {args.tune_split})")
    header = f"{'mode':<8}" + "".join(f"{key:>11}" for key in next(iter(results.values())))
    print(header)
    for mode, metrics in results.items():
        print(f"{mode:<8}" + "".join(f"{value:>11.4f}" for value in metrics.values()))
    emit_figures(results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
