"""Retrieval deployment: bm25, dense or hybrid search over the index actor, tenant-scoped.

A query longer than one chunk (a fact description, a whole judgement) is cut into passages
like documents are; each passage is searched, a case scores as its best chunk per passage,
averaged over passages (``lexray.ranking``), and hybrid blends the two normalised rankings.
Hits come back per case with the matched chunks' pages and character spans.
"""

from __future__ import annotations

import ray
from ray import serve

from actors.index_actor import get_index_actor
from lexray.ranking import blend_case_scores, case_scores_from_passages
from lexray.store import CaseStore
from pipelines.chunk import text_passages
from pipelines.embed import Embedder
from serve_app.errors import ApiError
from serve_app.ingestion import settings_from

# Candidate chunks fetched per requested case, so several chunks of one case don't crowd out others.
CHUNKS_PER_CASE = 5
MAX_LIMIT = 100
MAX_QUERY_PASSAGES = 64
MODES = ("bm25", "dense", "hybrid")


@serve.deployment
class Retrieval:
    def __init__(self, settings_json: str | None = None) -> None:
        self.settings = settings_from(settings_json)
        self.store = CaseStore(self.settings.mongodb)
        self.embedder = Embedder(self.settings.embedding)

    def _passages(self, query: str) -> list[str]:
        chunk = self.settings.chunk
        pieces = text_passages(query, size_chars=chunk.size_chars, overlap_chars=chunk.overlap_chars)
        return pieces[:MAX_QUERY_PASSAGES] or [query]

    def search(self, query: str, limit: int, tenant_id: str, mode: str = "hybrid") -> dict:
        query = query.strip()
        if not query:
            raise ApiError("validation_error", "query must not be empty")
        if not 1 <= limit <= MAX_LIMIT:
            raise ApiError("validation_error", f"limit must be between 1 and {MAX_LIMIT}")
        if mode not in MODES:
            raise ApiError("validation_error", f"mode must be one of {', '.join(MODES)}")
        index_actor = get_index_actor(self.settings)
        passages = self._passages(query)
        candidates = limit * CHUNKS_PER_CASE
        case_scores: dict[str, dict[str, float]] = {}
        chunk_scores: dict[int, float] = {}
        if mode in ("dense", "hybrid"):
            per_passage = ray.get(index_actor.search.remote(self.embedder.encode(passages), candidates, tenant_id))
            case_scores["dense"] = case_scores_from_passages(
                [[(hit.case_id, hit.score) for hit in hits] for hits in per_passage])
            chunk_scores.update({hit.vector_id: hit.score for hits in per_passage for hit in hits})
        if mode in ("bm25", "hybrid"):
            per_passage = ray.get([index_actor.search_lexical.remote(text, candidates, tenant_id)
                                   for text in passages])
            case_scores["bm25"] = case_scores_from_passages(
                [[(hit.case_id, hit.score) for hit in hits] for hits in per_passage], normalise=True)
            for hits in per_passage:
                for hit in hits:
                    chunk_scores.setdefault(hit.vector_id, hit.score)
        if mode == "hybrid":
            ranked = blend_case_scores(case_scores["dense"], case_scores["bm25"],
                                       self.settings.index.hybrid_dense_weight)
        else:
            ranked = case_scores[mode]
        best = sorted(ranked.items(), key=lambda item: (-item[1], item[0]))[:limit]
        results = [self._case_result(case_id, score, chunk_scores, tenant_id) for case_id, score in best]
        return {"query": query[:500], "mode": mode, "results": [r for r in results if r is not None]}

    def _case_result(self, case_id: str, score: float, chunk_scores: dict[int, float],
                     tenant_id: str) -> dict | None:
        case = self.store.get_case(case_id, tenant_id=tenant_id, with_content=False)
        if case is None:
            return None
        chunks = self.store.chunks.find(
            {"case_id": case_id, "tenant_id": tenant_id, "vector_id": {"$in": list(chunk_scores)}},
            {"_id": 0, "embedding": 0},
        )
        matched = sorted(
            ({"chunk_id": c["chunk_id"], "score": round(chunk_scores[c["vector_id"]], 4),
              "page_numbers": c["page_numbers"], "char_start": c["char_start"],
              "char_end": c["char_end"], "text": c["text"]} for c in chunks),
            key=lambda c: -c["score"],
        )[:CHUNKS_PER_CASE]
        metadata = case.get("metadata") or {}
        decided = metadata.get("date_decided") or metadata.get("date_filed")
        return {
            "case_id": case_id,
            "title": case.get("title"),
            "court": metadata.get("court"),
            "date": decided.date().isoformat() if decided else None,
            "score": round(score, 4),
            "chunks": matched,
        }
