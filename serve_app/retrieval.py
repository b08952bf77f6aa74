"""Retrieval deployment: dense search over the index actor, scoped to the caller's tenant.

Chunk hits are aggregated to cases (a case scores as its best chunk) and returned with the
matched chunks' pages and character spans. BM25, hybrid fusion and metadata filters come with
the retrieval issue; the interface (query, limit, tenant) stays.
"""

from __future__ import annotations

from collections import defaultdict

import ray
from ray import serve

from actors.index_actor import get_index_actor
from lexray.store import CaseStore
from pipelines.embed import Embedder
from serve_app.errors import ApiError
from serve_app.ingestion import settings_from

# Candidate chunks fetched per requested case, so several chunks of one case don't crowd out others.
CHUNKS_PER_CASE = 5
MAX_LIMIT = 100
MAX_QUERY_CHARS = 20_000


@serve.deployment
class Retrieval:
    def __init__(self, settings_json: str | None = None) -> None:
        self.settings = settings_from(settings_json)
        self.store = CaseStore(self.settings.mongodb)
        self.embedder = Embedder(self.settings.embedding)

    def search(self, query: str, limit: int, tenant_id: str) -> dict:
        query = query.strip()
        if not query:
            raise ApiError("validation_error", "query must not be empty")
        if not 1 <= limit <= MAX_LIMIT:
            raise ApiError("validation_error", f"limit must be between 1 and {MAX_LIMIT}")
        index_actor = get_index_actor(self.settings)
        query_vector = self.embedder.encode([query[:MAX_QUERY_CHARS]])
        hits = ray.get(index_actor.search.remote(query_vector, limit * CHUNKS_PER_CASE, tenant_id))[0]
        chunk_scores: dict[str, list[tuple[float, int]]] = defaultdict(list)
        for hit in hits:
            chunk_scores[hit.case_id].append((hit.score, hit.vector_id))
        ranked = sorted(chunk_scores.items(), key=lambda item: -max(s for s, _ in item[1]))[:limit]
        results = [self._case_result(case_id, scored, tenant_id) for case_id, scored in ranked]
        return {"query": query, "mode": "dense", "results": [r for r in results if r is not None]}

    def _case_result(self, case_id: str, scored: list[tuple[float, int]], tenant_id: str) -> dict | None:
        case = self.store.get_case(case_id, tenant_id=tenant_id, with_content=False)
        if case is None:
            return None
        score_of = {vector_id: score for score, vector_id in scored}
        chunks = self.store.chunks.find(
            {"vector_id": {"$in": list(score_of)}, "tenant_id": tenant_id},
            {"_id": 0, "embedding": 0},
        )
        matched = sorted(
            ({"chunk_id": c["chunk_id"], "score": round(score_of[c["vector_id"]], 4),
              "page_numbers": c["page_numbers"], "char_start": c["char_start"],
              "char_end": c["char_end"], "text": c["text"]} for c in chunks),
            key=lambda c: -c["score"],
        )
        metadata = case.get("metadata") or {}
        decided = metadata.get("date_decided") or metadata.get("date_filed")
        return {
            "case_id": case_id,
            "title": case.get("title"),
            "court": metadata.get("court"),
            "date": decided.date().isoformat() if decided else None,
            "score": matched[0]["score"] if matched else 0.0,
            "chunks": matched,
        }
