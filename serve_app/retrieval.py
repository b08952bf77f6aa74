"""Retrieval deployment: bm25, dense or hybrid search over the index actor, tenant-scoped, and
the reads around it (a case, a filtered listing, stats, metadata values).

A query longer than one chunk (a fact description, a whole judgement) is cut into passages
like documents are; each passage is searched, a case scores as its best chunk per passage,
averaged over passages (``search.ranking``), and hybrid fuses the two rankings. Metadata
filters become the set of cases the index may return, so they apply before ranking. Hits come
back per case with the matched chunks' pages, character spans and highlighted snippets.
"""

from __future__ import annotations

import time

import numpy as np
import ray
from ray import serve

from actors.index_actor import find_index_actor, get_index_actor
from lexray.metrics import record_search
from lexray.models import CaseFilters, ProcessingStatus
from search.priors import Priors, reference_year, years_of
from search.ranking import RankedCases, blend_case_scores, rank_cases, top_chunks_of_cases
from search.snippets import highlight_snippet, query_terms
from lexray.store import CaseStore, vector_from_bytes
from lexray.settings import settings_from_json
from search.query import QueryPassages, query_passages, search_passages, spread
from pipelines.document import extract_case_text
from pipelines.embed import Embedder
from pipelines.ocr_tasks import ray_ocr_runner
from serve_app import schemas
from serve_app.citation_checks import verified_citations
from serve_app.errors import ApiError
from serve_app.deployment_helpers import case_with_text, validate_pdf

QUERY_ECHO_CHARS = 500
INDEX_STATS_TIMEOUT_S = 5
METADATA_FIELDS = ("court", "case_type")
def decision_date(metadata: dict):
    """Date decided, else date filed, as a date (stored as a BSON datetime), or None."""
    decided = metadata.get("date_decided") or metadata.get("date_filed")
    return decided.date() if hasattr(decided, "date") else decided


@serve.deployment
class Retrieval:
    def __init__(self, settings_json: str | None = None) -> None:
        self.settings = settings_from_json(settings_json)
        self.store = CaseStore(self.settings.mongodb)
        self.embedder = Embedder(self.settings.embedding)

    # Searches

    def search(self, query: str, tenant_id: str,
               options: schemas.SearchOptions | None = None) -> schemas.SearchResponse:
        options = options or schemas.SearchOptions()
        query = query.strip()
        if not query:
            raise ApiError("validation_error", "query must not be empty")
        started = time.perf_counter()
        result = self._search(query, tenant_id, options)
        record_search(options.mode, (time.perf_counter() - started) * 1000)
        return result

    def _search(self, query: str, tenant_id: str, options: schemas.SearchOptions) -> schemas.SearchResponse:
        passages = search_passages(query, self.settings.chunk, self.settings.index)
        results = self._search_passages(passages, tenant_id, options,
                                        query_year=reference_year(query, self.settings.ranking))
        return schemas.SearchResponse(query=query[:QUERY_ECHO_CHARS], mode=options.mode, filters=options.filters,
                                      results=results)

    def similar_to_case(self, case_id: str, tenant_id: str,
                        options: schemas.SearchOptions | None = None) -> schemas.SimilarResponse:
        """Cases like a stored one (never itself): its text is the query."""
        options = options or schemas.SearchOptions()
        text = case_with_text(self.store, case_id, tenant_id)["cleaned_content"]
        passages = query_passages(text, self.settings.chunk).limited(
            lambda items: spread(items, self.settings.index.max_similar_passages))
        results = self._search_passages(passages, tenant_id, options, exclude_case_id=case_id)
        return schemas.SimilarResponse(source_case_id=case_id, mode=options.mode, filters=options.filters,
                                       results=results)

    def similar_to_pdf(
        self, pdf_bytes: bytes, filename: str, tenant_id: str, options: schemas.SearchOptions | None = None
    ) -> schemas.SimilarResponse:
        """Cases like an uploaded PDF, read as ingestion reads it but not stored."""
        options = options or schemas.SearchOptions()
        # Read while the request waits: the page cap and time limit of api.sync_pdf_*.
        bounded = self.settings.for_request_pdf()
        validate_pdf(pdf_bytes, bounded)
        case_text = extract_case_text(pdf_bytes, bounded, ray_ocr_runner(bounded))
        passages = query_passages(case_text.cleaned_content, self.settings.chunk).limited(
            lambda items: spread(items, self.settings.index.max_similar_passages))
        results = self._search_passages(passages, tenant_id, options)
        return schemas.SimilarResponse(source_filename=filename, mode=options.mode, filters=options.filters,
                                       results=results)

    def passages(self, query: str, tenant_id: str, filters: CaseFilters | None = None, *,
                 limit: int = 5, per_case: int = 2) -> list[dict]:
        """The chunks that best answer ``query`` (chat's context): hybrid at chunk level (the
        min-max blend of dense and BM25 chunk scores with the configured weight), at most
        ``per_case`` of one case, each with ``relevance``, its cosine similarity to the query
        under the embedding model (an absolute scale, unlike the blended score)."""
        query = query.strip()
        if not query:
            raise ApiError("validation_error", "query must not be empty")
        case_ids = self._allowed_case_ids(filters or CaseFilters(), tenant_id, None)
        if case_ids == []:
            return []
        allowed = ray.put(case_ids) if case_ids is not None else None
        index_actor = get_index_actor(self.settings)
        # The first chunk-sized window of the query: chat queries are questions, not documents.
        query_vector = self.embedder.encode(query_passages(query, self.settings.chunk).dense[:1])
        candidates = self.settings.index.candidate_chunks
        while True:
            dense_hits, lexical_hits = ray.get([
                index_actor.search.remote(query_vector, candidates, tenant_id, allowed),
                index_actor.search_lexical.remote(query, candidates, tenant_id, allowed)])
            more_in_index = max(len(dense_hits[0]), len(lexical_hits)) >= candidates
            blended = blend_case_scores({hit.vector_id: hit.score for hit in dense_hits[0]},
                                        {hit.vector_id: hit.score for hit in lexical_hits},
                                        self.settings.index.hybrid_dense_weight)
            case_of = {hit.vector_id: hit.case_id for hit in [*dense_hits[0], *lexical_hits]}
            ranked = [vector_id for vector_id, _ in sorted(blended.items(), key=lambda item: (-item[1], item[0]))]
            chosen, chunks, cases = self._indexed_chunks(ranked, case_of, tenant_id, limit, per_case)
            index = self.settings.index
            if len(chosen) >= limit or not more_in_index or candidates >= index.max_candidates_per_passage:
                break
            candidates = min(candidates * index.candidate_growth, index.max_candidates_per_passage)
        if not chosen:
            return []
        # The stored vectors (normalised like the query's): no chunk is embedded again per request.
        relevance = np.vstack([vector_from_bytes(chunks[v]["embedding"]) for v in chosen]) @ query_vector[0]
        return [{"vector_id": vector_id, "chunk_id": chunks[vector_id]["chunk_id"],
                 "case_id": chunks[vector_id]["case_id"],
                 "title": (cases.get(chunks[vector_id]["case_id"]) or {}).get("title"),
                 "page_numbers": chunks[vector_id]["page_numbers"],
                 "char_start": chunks[vector_id]["char_start"], "char_end": chunks[vector_id]["char_end"],
                 "text": chunks[vector_id]["text"], "score": round(blended[vector_id], 4),
                 "relevance": round(float(score), 4)}
                for vector_id, score in zip(chosen, relevance, strict=True)]

    def _indexed_chunks(
        self, ranked: list[int], case_of: dict[int, str], tenant_id: str, limit: int, per_case: int
    ) -> tuple[list[int], dict[int, dict], dict[str, dict]]:
        """The best ``limit`` of ``ranked`` chunks (at most ``per_case`` of a case) that are
        stored and belong to indexed cases, with the chunks (and vectors) and cases read.

        The index may hold chunks of cases that are not searchable (vectors are added before a
        case is marked indexed; a case that failed after a partial index keeps them until
        reconcile): they are skipped here, and more of ``ranked`` is read in their place.
        """
        chosen: list[int] = []
        chunks: dict[int, dict] = {}
        cases: dict[str, dict] = {}
        skipped_cases: set[str] = set()
        per_case_count: dict[str, int] = {}
        position = 0
        while len(chosen) < limit and position < len(ranked):
            picked = []
            while len(chosen) + len(picked) < limit and position < len(ranked):
                vector_id, position = ranked[position], position + 1
                case_id = case_of[vector_id]
                if case_id not in skipped_cases and per_case_count.get(case_id, 0) < per_case:
                    picked.append(vector_id)
                    per_case_count[case_id] = per_case_count.get(case_id, 0) + 1
            if not picked:
                break
            chunks.update({chunk["vector_id"]: chunk for chunk in self.store.chunks_by_vector_id(
                picked, tenant_id=tenant_id, with_vectors=True)})
            unread = list({case_of[vector_id] for vector_id in picked} - cases.keys() - skipped_cases)
            if unread:
                cases.update(self.store.cases_by_id(unread, tenant_id=tenant_id))
            for vector_id in picked:
                case_id = case_of[vector_id]
                if is_indexed(cases.get(case_id)) and vector_id in chunks:  # else deleted or not searchable
                    chosen.append(vector_id)
                elif not is_indexed(cases.get(case_id)):
                    skipped_cases.add(case_id)
                else:
                    per_case_count[case_id] -= 1
        return chosen, chunks, cases

    def _search_passages(
        self, passages: QueryPassages, tenant_id: str, options: schemas.SearchOptions, *,
        exclude_case_id: str | None = None, query_year: int | None = None,
    ) -> list[schemas.SearchHit]:
        """The hits for ``passages``; ``query_year``: a fact description's reference year (the
        precedent prior; None for similar-case searches, which may want later cases too)."""
        case_ids = self._allowed_case_ids(options.filters, tenant_id, exclude_case_id)
        if case_ids == []:
            return []
        passage_vectors = self.embedder.encode(passages.dense) if options.mode != "bm25" else None
        allowed = ray.put(case_ids) if case_ids is not None else None
        ranked = rank_cases(
            ActorCandidates(get_index_actor(self.settings), tenant_id, allowed), passages, passage_vectors,
            mode=options.mode, limit=options.limit, settings=self.settings.index,
            showable=lambda ids: self._indexed_cases(ids, tenant_id, options), exclude_case_id=exclude_case_id,
            priors=Priors(StoreSignals(self.store, tenant_id, case_ids), query_year, self.settings.ranking))
        return self._hits(ranked, query_terms(" ".join(passages.lexical)), tenant_id, options)

    def _allowed_case_ids(
        self, filters: CaseFilters, tenant_id: str, exclude_case_id: str | None
    ) -> list[str] | None:
        """The cases the index may return (None: all of the tenant's)."""
        if filters.is_empty() and exclude_case_id is None:
            return None
        # Excluding the query's own case inside the index keeps its chunks from filling the
        # candidates (they are the closest to its own passages).
        matching = self.store.case_ids_matching(filters, tenant_id=tenant_id)
        return [case_id for case_id in matching if case_id != exclude_case_id]

    def _indexed_cases(self, case_ids: list[str], tenant_id: str,
                       options: schemas.SearchOptions) -> dict[str, dict]:
        """Those of ``case_ids`` that may be shown, as stored. The index may hold chunks of
        cases that are not searchable (vectors are added before a case is marked indexed; a
        case that failed after a partial index keeps them until reconcile): they are left out."""
        found = self.store.cases_by_id(case_ids, tenant_id=tenant_id, with_sections=options.include_sections)
        return {case_id: case for case_id, case in found.items() if is_indexed(case)}

    def _hits(self, ranked: RankedCases, terms: frozenset[str], tenant_id: str,
              options: schemas.SearchOptions) -> list[schemas.SearchHit]:
        best, cases, chunk_hits = ranked.best, ranked.shown, ranked.chunk_hits
        if not best:
            return []
        vector_ids = top_chunks_of_cases(chunk_hits, [case_id for case_id, _ in best],
                                         self.settings.index.chunks_per_case)
        chunks_of_case: dict[str, list[dict]] = {}
        for chunk in self.store.chunks_by_vector_id(vector_ids, tenant_id=tenant_id):
            chunks_of_case.setdefault(chunk["case_id"], []).append(chunk)
        cited_by = self.store.cited_by_counts([case_id for case_id, _ in best], tenant_id=tenant_id)
        hits = []
        for case_id, score in best:
            case = cases[case_id]
            matched = sorted(
                (schemas.MatchedChunk.model_validate({
                    **chunk, "score": round(chunk_hits[chunk["vector_id"]][1], 4),
                    "snippet": highlight_snippet(chunk["text"], terms)})
                 for chunk in chunks_of_case.get(case_id, [])),
                key=lambda chunk: (-chunk.score, chunk.char_start),
            )
            metadata = case.get("metadata") or {}
            hits.append(schemas.SearchHit(
                case_id=case_id, title=case.get("title"), court=metadata.get("court"), date=decision_date(metadata),
                score=round(score, 4), cited_by_count=cited_by.get(case_id, 0), snippet=matched[0].snippet if matched else "", chunks=matched,
                metadata=metadata if options.include_metadata else None,
                sections=(case.get("sections") or []) if options.include_sections else None,
            ))
        return hits

    # Reads

    def case(self, case_id: str, tenant_id: str, include_content: bool = False) -> schemas.CaseResponse:
        case = self.store.get_case(case_id, tenant_id=tenant_id, with_content=include_content)
        if case is None:
            # Another tenant's case answers exactly like a missing one: existence must not leak.
            raise ApiError("not_found", f"no case {case_id!r}")
        metadata = case.get("metadata") or {}
        # Without include_content the store leaves the texts out, so content stays None.
        return schemas.CaseResponse.model_validate({
            **case, "metadata": metadata, "page_count": metadata.get("page_count", 0),
            "sections": case.get("sections") or []})

    def case_pdf(self, case_id: str, tenant_id: str) -> tuple[bytes, str]:
        """The PDF the case was extracted from, as uploaded, and its file name."""
        case = self.store.get_case(case_id, tenant_id=tenant_id, with_content=False)
        if case is None:
            raise ApiError("not_found", f"no case {case_id!r}")
        pdf_bytes = self.store.load_upload(tenant_id=tenant_id, document_hash=case["document_hash"])
        if pdf_bytes is None:
            # Cases ingested from a folder by a batch job keep their text, not their bytes.
            raise ApiError("not_found", f"the PDF of case {case_id!r} is not stored (it was ingested "
                                        "from a folder, not uploaded)")
        return pdf_bytes, case.get("original_filename") or f"{case_id}.pdf"

    def list_cases(self, filters: CaseFilters, tenant_id: str, skip: int = 0,
                   limit: int = 20) -> schemas.CaseListResponse:
        rows = self.store.list_cases(filters, tenant_id=tenant_id, skip=skip, limit=limit)
        cases = []
        for row in rows:
            metadata = row.get("metadata") or {}
            cases.append(schemas.CaseSummary(
                case_id=row["case_id"], title=row.get("title"), court=metadata.get("court"),
                case_type=metadata.get("case_type"), jurisdiction=metadata.get("jurisdiction"),
                date=decision_date(metadata), original_filename=row.get("original_filename"),
                chunk_count=row.get("chunk_count", 0), metadata=metadata,
            ))
        return schemas.CaseListResponse(total=self.store.count_matching(filters, tenant_id=tenant_id), skip=skip,
                                        limit=limit, filters=filters, cases=cases)

    def stats(self, tenant_id: str) -> schemas.RetrievalStatsResponse:
        by_status = self.store.status_counts(tenant_id=tenant_id)
        try:
            index_actor = find_index_actor(self.settings)  # None: not started yet; the counts still answer
            index = (ray.get(index_actor.stats.remote(), timeout=INDEX_STATS_TIMEOUT_S)
                     if index_actor is not None else None)
            index_stats = None if index is None else {
                "vectors": index["count"], "shard_vectors": index["shards"],
                "shards": len(index["shards"]), "dimension": index["dimension"]}
        except Exception:  # noqa: BLE001 - the index is restarting or slow; the counts still answer
            index_stats = None
        return schemas.RetrievalStatsResponse(
            tenant_id=tenant_id,
            total_cases=sum(by_status.values()),
            cases_by_status=by_status,
            indexed_cases=by_status.get("indexed", 0),
            total_chunks=self.store.count_chunks(tenant_id=tenant_id),
            index=index_stats,
        )

    # The citator

    def citator_case(self, case_id: str, tenant_id: str) -> schemas.CitatorCaseResponse:
        """What a stored case cites and which of the tenant's cases cite it."""
        if self.store.get_case(case_id, tenant_id=tenant_id, with_content=False) is None:
            raise ApiError("not_found", f"no case {case_id!r}")
        cites = [schemas.CitedCase.model_validate({**row, "case_id": row.get("cited_case_id")})
                 for row in self.store.cites_of(case_id, tenant_id=tenant_id)]
        cited_by = [schemas.CitingCase.model_validate(row) for row in self.store.cited_by(case_id, tenant_id=tenant_id)]
        return schemas.CitatorCaseResponse(cites=cites, cited_by=cited_by)

    def verify_citations(self, text: str, tenant_id: str) -> schemas.VerifyResponse:
        """The citations of ``text``, each found among the tenant's cases or not (eyecite runs
        here, in the replica, never on the gateway's event loop)."""
        return schemas.VerifyResponse(
            citations=verified_citations(self.store, text, tenant_id=tenant_id, settings=self.settings.citator))

    def metadata_values(self, field: str, tenant_id: str) -> schemas.MetadataValuesResponse:
        if field not in METADATA_FIELDS:
            raise ApiError("validation_error", f"field must be one of {', '.join(METADATA_FIELDS)}")
        counts = self.store.metadata_value_counts(field, tenant_id=tenant_id)
        return schemas.MetadataValuesResponse(
            field=field, values=[schemas.ValueCount(value=value, count=count) for value, count in counts])


def is_indexed(case: dict | None) -> bool:
    """Whether a stored case (or None: not stored) may appear in results."""
    return case is not None and case.get("processing_status") == ProcessingStatus.INDEXED.value


class StoreSignals:
    """``search.priors.CaseSignals`` from the tenant's stored cases and resolved citations;
    with ``allowed`` (a filtered search), links to cases outside it are left out, so
    citation smoothing never brings in a case the filters exclude."""

    def __init__(self, store: CaseStore, tenant_id: str, allowed: list[str] | None) -> None:
        self.store, self.tenant_id = store, tenant_id
        self.allowed = set(allowed) if allowed is not None else None

    def decision_years(self, case_ids: list[str]) -> dict[str, int]:
        return years_of(self.store.decision_dates(case_ids, tenant_id=self.tenant_id).items())

    def citation_links(self, case_ids: list[str]) -> dict[str, set[str]]:
        links = self.store.citation_links(case_ids, tenant_id=self.tenant_id)
        if self.allowed is None:
            return links
        return {case_id: linked & self.allowed for case_id, linked in links.items()}


class ActorCandidates:
    """The index actor as ``search.ranking.CandidateIndex``, scoped to a tenant and to the
    allowed cases (``allowed``: an object ref of the case id list, or None for all)."""

    def __init__(self, index_actor, tenant_id: str, allowed) -> None:
        self.index_actor, self.tenant_id, self.allowed = index_actor, tenant_id, allowed

    def dense(self, passage_vectors, k: int):
        return ray.get(self.index_actor.search.remote(passage_vectors, k, self.tenant_id, self.allowed))

    def lexical(self, passage_texts: list[str], k: int):
        return ray.get([self.index_actor.search_lexical.remote(text, k, self.tenant_id, self.allowed)
                        for text in passage_texts])
