"""Retrieval quality on a BEIR-layout legal benchmark, for bm25, dense and hybrid ranking.

    python -m bench.retrieval --dataset ../shared/data/retrieval/aila2019/casedocs_mteb_subset \\
        [--split test] [--modes bm25,dense,hybrid] [--weight configured|tuned|FLOAT] [--per-query]

The corpus goes through the same code as real ingestion (``pipelines.chunk`` page-aware chunks,
``pipelines.embed`` with the configured model, ``search.sharded_index.IndexService``: FAISS +
BM25 shards) into a fresh index in a temporary folder. Vectors are cached under
``<data_dir>/cache/embeddings`` keyed by model and chunk hash, so reruns skip the embedding.

Each query is ranked by ``search.ranking.rank_cases``, the function the search API serves
(query passages capped as the API caps them, candidate growth, blend, each case's best chunk
per passage averaged over passages), twice: the first 10 cases are a ``limit=10`` search's (the
API's default page, what nDCG@10 and P@10 judge), the rest to 100 a ``limit=100`` search's.

Hybrid's dense weight (``--weight``): ``configured`` (default: ``index.hybrid_dense_weight``, what
a new tenant gets), ``tuned`` (fit on ``--tune-split`` only; that split must exist), or a number.
A dataset with only a test split works with ``configured`` or a number.

Prints a table (``--per-query``: each query's nDCG@10 per mode first) and, as its last line,
one JSON object ``{mode: {"ndcg@10", "recall@10", "recall@100", "map", "mrr", "p@10", "p50_ms",
"p99_ms"}}``; latency is one ``limit=10`` search with its query embedding.
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
from bench.corpus_citations import corpus_citation_links
from bench.results import add_json_option, emit_figures
from bench.stats import percentiles_ms
from bench.tables import Column, text_table
from lexray.ids import vector_id_for
from lexray.settings import RankingSettings, Settings, get_settings
from pipelines.chunk import text_passages
from search.evaluation import evaluate
from search.query import QueryPassages, search_passages
from pipelines.enrich.dates import find_dates
from search.priors import Priors, reference_year, years_of
from search.ranking import blend_case_scores, rank_cases, score_candidates
from search.sharded_index import IndexService, TenantView

BENCH_TENANT = "bench"
SAVE_EVERY_BATCHES = 40
MIN_DECISIVE_QUERIES = 3
RESULT_CASES = 100
FIRST_PAGE = 10  # the search API's default limit
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
    ids, cases, texts = [], [], []
    for doc_id, doc in corpus.items():
        for index, text in enumerate(passages(document_body(doc), settings)):
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


def showable_all(case_ids: list[str]) -> dict[str, object]:
    """Every benchmark case is indexed and the bench's tenant's: all may be shown."""
    return dict.fromkeys(case_ids)


class CorpusSignals:
    """``search.priors.CaseSignals`` of a benchmark corpus: decision years read from each
    document with the ingestion's own date extraction, citation links given."""

    def __init__(self, years: dict[str, int], links: dict[str, set[str]]) -> None:
        self.years, self.links = years, links

    @classmethod
    def of_corpus(cls, corpus: dict, links: dict[str, set[str]] | None = None) -> CorpusSignals:
        years = years_of((doc_id, find_dates(document_body(doc)).decided) for doc_id, doc in corpus.items())
        return cls(years, links or {})

    def decision_years(self, case_ids: list[str]) -> dict[str, int]:
        return {case_id: self.years[case_id] for case_id in case_ids if case_id in self.years}

    def citation_links(self, case_ids: list[str]) -> dict[str, set[str]]:
        return {case_id: self.links.get(case_id, set()) for case_id in case_ids}


def document_body(doc: dict) -> str:
    return "\n\n".join(part for part in (doc.get("title"), doc.get("text")) if part)


def served_run(index: TenantView, passages_of_query: QueryPassages, vectors: np.ndarray | None, mode: str,
               settings: Settings, weight: float, priors: Priors | None = None) -> tuple[dict[str, float], float]:
    """One query's ranked cases as the API serves them (the first 10 from a ``limit=10``
    search, the rest to ``RESULT_CASES`` from a ``limit=RESULT_CASES`` one), as a run with
    descending scores, and the seconds of the ``limit=10`` search."""
    def ranked(limit: int) -> list[str]:
        result = rank_cases(index, passages_of_query, vectors, mode=mode, limit=limit,
                            settings=settings.index, showable=showable_all, weight=weight, priors=priors)
        return [case_id for case_id, _ in result.best]

    started = time.perf_counter()
    first_page = ranked(FIRST_PAGE)
    seconds = time.perf_counter() - started
    order = first_page + [case_id for case_id in ranked(RESULT_CASES) if case_id not in set(first_page)]
    return {case_id: float(len(order) - position) for position, case_id in enumerate(order)}, seconds


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


def resolve_weight(choice: str, settings: Settings, tuning, index: TenantView, query_inputs) -> float:
    """Hybrid's dense weight for ``--weight``: the configured one, one tuned on the tuning
    split's queries (their case scores from the served first round of candidates), or a number."""
    if choice == "configured":
        return settings.index.hybrid_dense_weight
    if choice != "tuned":
        weight = float(choice)
        if not 0.0 <= weight <= 1.0:
            raise ValueError(f"--weight must be configured, tuned or a number in [0, 1], not {choice!r}")
        return weight
    if tuning is None:
        return settings.index.hybrid_dense_weight  # no hybrid run: nothing to tune
    per_query = {}
    candidates = max(RESULT_CASES * settings.index.chunks_per_case, settings.index.candidate_chunks)
    for query_id in tuning.qrels:
        passages_of_query, vectors, _ = query_inputs(tuning.queries[query_id])
        per_query[query_id] = score_candidates(index, passages_of_query, vectors, candidates, "hybrid").by_ranker
    return tune_weight(per_query, tuning.qrels)


SERVED = "served (both priors)"


def ranking_variants(ranking: RankingSettings) -> dict[str, RankingSettings]:
    """The served ranking settings and the same with each prior, and both, turned off."""
    no_precedent = {"precedent_decay_years": 0.0}
    no_citations = {"citation_smoothing": 0.0}
    return {
        "no priors": ranking.model_copy(update={**no_precedent, **no_citations}),
        "precedent prior only": ranking.model_copy(update=no_citations),
        "citation smoothing only": ranking.model_copy(update=no_precedent),
        SERVED: ranking,
    }


def ablation_table(runs: dict[str, dict[str, dict]], qrels: dict) -> str:
    """One line per ranking variant: nDCG@10 and MAP of each mode."""
    modes = list(next(iter(runs.values())))
    columns = [Column("variant", 26, "<"),
               *(Column(f"{mode} {metric}", 15, spec=".4f") for mode in modes for metric in ("ndcg@10", "map"))]
    rows = []
    for name, by_mode in runs.items():
        figures = {mode: evaluate(by_mode[mode], qrels) for mode in modes}
        rows.append((name, *(figures[mode][metric] for mode in modes for metric in ("ndcg@10", "map"))))
    return text_table(columns, rows)


def per_query_table(runs: dict[str, dict], qrels: dict) -> str:
    """Each query's nDCG@10 per mode, one line per query."""
    columns = [Column("query", 12, "<"), *(Column(mode, 10, spec=".4f") for mode in runs)]
    rows = [(query_id, *(evaluate({query_id: run[query_id]}, {query_id: qrels[query_id]})["ndcg@10"]
                         for run in runs.values()))
            for query_id in qrels]
    return text_table(columns, rows)


def results_table(results: dict[str, dict[str, float]]) -> str:
    """One line per mode: its figures (quality metrics, then latency), in the order it holds them."""
    names = list(next(iter(results.values())))
    columns = [Column("mode", 8, "<"), *(Column(name, 11, spec=".4f") for name in names)]
    return text_table(columns, [(mode, *figures.values()) for mode, figures in results.items()])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.retrieval", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", required=True, type=Path)
    parser.add_argument("--split", default="test")
    parser.add_argument("--tune-split", default="train", help="split --weight tuned fits on")
    parser.add_argument("--weight", default="configured",
                        help="hybrid dense weight: configured (index.hybrid_dense_weight), tuned, or a number")
    parser.add_argument("--per-query", action="store_true", help="print each query's nDCG@10 per mode")
    parser.add_argument("--modes", default="bm25,dense,hybrid")
    parser.add_argument("--ablation", action="store_true",
                        help="also rank without each prior (precedent prior, citation smoothing) and "
                             "print nDCG@10 / MAP of each variant per mode")
    parser.add_argument("--candidates", type=int, default=None,
                        help="index.candidate_chunks for this run (default: as configured, as the search API)")
    add_json_option(parser)
    args = parser.parse_args(argv)
    modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]

    base = get_settings()
    evaluation = load_beir(args.dataset, args.split)
    tuning = load_beir(args.dataset, args.tune_split) if "hybrid" in modes and args.weight == "tuned" else None
    with tempfile.TemporaryDirectory(prefix="lexray-bench-") as scratch:
        settings = base.model_copy(update={
            "data_dir": Path(scratch),
            # BM25-only runs hold placeholder vectors: keep them in an exact index (an HNSW
            # graph over identical vectors degenerates).
            "index": base.index.model_copy(update={
                "actor_name": "bench", "snapshot_interval_s": 1e9,
                **({} if {"dense", "hybrid"} & set(modes) else {"index_type": "flat"}),
                **({"candidate_chunks": args.candidates} if args.candidates else {}),
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
        index = TenantView(service, BENCH_TENANT)

        def query_inputs(text: str) -> tuple[QueryPassages, np.ndarray | None, float]:
            passages_of_query = search_passages(text, settings.chunk, settings.index)
            # Query embedding is part of a query's latency: time it uncached.
            started = time.perf_counter()
            vectors = embedder_factory().encode(passages_of_query.dense) if need_dense else None
            return passages_of_query, vectors, time.perf_counter() - started

        weight = resolve_weight(args.weight, settings, tuning, index, query_inputs)
        bodies = {doc_id: (doc.get("title"), document_body(doc)) for doc_id, doc in evaluation.corpus.items()}
        signals = CorpusSignals.of_corpus(evaluation.corpus, corpus_citation_links(bodies, settings.citator))
        variants = ranking_variants(settings.ranking) if args.ablation else {SERVED: settings.ranking}
        runs: dict[str, dict[str, dict]] = {name: {mode: {} for mode in modes} for name in variants}
        seconds: dict[str, list[float]] = {mode: [] for mode in modes}
        for query_id in evaluation.qrels:
            query_text = evaluation.queries[query_id]
            passages_of_query, vectors, embed_seconds = query_inputs(query_text)
            for name, ranking in variants.items():
                priors = Priors(signals, reference_year(query_text, ranking), ranking)
                for mode in modes:
                    runs[name][mode][query_id], search_seconds = served_run(
                        index, passages_of_query, vectors if mode != "bm25" else None, mode, settings, weight,
                        priors)
                    if name == SERVED:
                        seconds[mode].append(search_seconds + (embed_seconds if mode != "bm25" else 0.0))

    served = runs[SERVED]
    results = {mode: {**{k: round(v, 4) for k, v in evaluate(served[mode], evaluation.qrels).items()},
                      **percentiles_ms(seconds[mode])} for mode in modes}
    if args.per_query:
        print(per_query_table(served, evaluation.qrels))
    print(f"\n{args.dataset.name} split={args.split}: {len(evaluation.qrels)} queries, "
          f"{len(evaluation.corpus)} documents; hybrid dense weight {weight} ({args.weight}"
          f"{f' on {args.tune_split}' if args.weight == 'tuned' else ''})")
    print(results_table(results))
    if args.ablation:
        print("\nablation (nDCG@10 / MAP):")
        print(ablation_table(runs, evaluation.qrels))
    emit_figures(results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
