"""The per-document steps, shared by the Ray Data batch job and the single-upload path.

    bytes --extract_case_text--> pages + cleaned text --enrich_case--> case fields + chunks + citations
          --(embedder)--> chunk vectors --store_and_index--> MongoDB + index actor + citator

``process_registered_case`` runs them all in one process (the upload path);
``pipelines.stages`` runs the same steps as Ray Data stages. Step functions take their
collaborators (store, embedder, index) as arguments, so nothing here knows whether it runs in a
Ray task, an actor or a test.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import TypeVar

import numpy as np
from pydantic import BaseModel, Field

from lexray.citator import case_year
from lexray.errors import DocumentTooComplexError, LexRayError, NoTextError, StoreUnavailableError
from lexray.fair_share import backoff_seconds
from lexray.ids import chunk_id_for, sha256_hex, vector_id_for
from lexray.models import CaseCitations, CaseMetadata, CaseSection, Chunk, PageSpan, PageText, ProcessingStatus
from lexray.settings import LimitSettings, Settings
from lexray.store import CaseStore, Registration
from pipelines.chunk import chunk_text
from pipelines.clean import clean_pages, join_pages
from pipelines.enrich import case_citations, extract_metadata
from pipelines.extract import extract_pages
from pipelines.sections import detect_sections

OcrRunner = Callable[[bytes, list[int]], list[PageText]]
T = TypeVar("T")


class CaseText(BaseModel):
    """Text of one document after extraction and cleaning."""

    pages: list[PageText]
    content: str
    cleaned_content: str
    page_spans: list[PageSpan]

    @property
    def ocr_pages(self) -> int:
        return sum(page.source == "ocr" for page in self.pages)

    @property
    def ocr_confidence(self) -> float | None:
        scores = [page.ocr_confidence for page in self.pages if page.ocr_confidence is not None]
        return round(float(np.mean(scores)), 2) if scores else None


class EnrichedCase(BaseModel):
    """What is stored for a case before its vectors exist."""

    title: str | None
    content: str
    cleaned_content: str
    page_spans: list[PageSpan]
    sections: list[CaseSection]
    metadata: CaseMetadata
    chunks: list[Chunk]
    citations: CaseCitations = Field(default_factory=CaseCitations)

    def case_fields(self) -> dict:
        """The ``cases`` fields this step fills in (the citations go to the citator's
        collections when the case is stored and indexed)."""
        fields = self.model_dump(mode="python", exclude={"chunks", "citations"})
        fields["chunk_count"] = len(self.chunks)
        return fields

    def decision_year(self) -> int | None:
        """The year the case was decided (else filed, else of its own reporter citation): what
        a citation's year is matched with (``lexray.citator.case_year``)."""
        return case_year(self.metadata.date_decided or self.metadata.date_filed, self.citations.own)


@dataclass
class DocumentOutcome:
    """One document's result, as the batch job and the upload endpoint report it."""

    case_id: str | None
    filename: str
    status: str  # "indexed" | "duplicate" | "failed" | "retry" (a transient failure, not recorded)
    reason: str = ""
    message: str = ""
    pages: int = 0
    ocr_pages: int = 0
    chunks: int = 0


def failure_reason(exc: Exception) -> tuple[str, str]:
    """(machine-readable code, message) for a document's failure."""
    # An error raised in a Ray task arrives wrapped; its message would carry a traceback.
    exc = getattr(exc, "cause", None) or exc
    if isinstance(exc, LexRayError):
        return exc.code, exc.message
    return "internal_error", f"{type(exc).__name__}: {exc}"


def is_transient(exc: Exception) -> bool:
    """A failure of the surroundings, not of the document: MongoDB unreachable, the index actor
    restarting. Retrying later can succeed, so the document must not fail for good."""
    import ray.exceptions
    from pymongo.errors import ConnectionFailure

    exc = getattr(exc, "cause", None) or exc
    return isinstance(exc, (ConnectionFailure, StoreUnavailableError, ray.exceptions.RayActorError,
                            ray.exceptions.ActorUnavailableError))


def retry_transient(step: Callable[[], T], settings: Settings) -> T:
    """``step()``, run again after a transient failure (``is_transient``: MongoDB unreachable,
    the index actor restarting after its node was lost) with exponential backoff, at most
    ``uploads.transient_retries`` times; any other error, and the last one, is raised."""
    retries = settings.uploads
    for retry in range(1, retries.transient_retries + 2):
        try:
            return step()
        except Exception as exc:
            if retry > retries.transient_retries or not is_transient(exc):
                raise
            time.sleep(backoff_seconds(retry, retries.retry_backoff_s, retries.retry_backoff_max_s))
    raise AssertionError("unreachable")


def document_deadline(limits: LimitSettings) -> float:
    """The ``time.monotonic()`` by which a document starting now must be done."""
    return time.monotonic() + limits.document_timeout_s


def check_deadline(deadline: float | None, limits: LimitSettings, stage: str) -> None:
    """DocumentTooComplexError once the document's time is up (checked between stages).

    >>> check_deadline(time.monotonic() - 1, LimitSettings(document_timeout_s=60), "enrichment")
    Traceback (most recent call last):
    ...
    lexray.errors.DocumentTooComplexError: the document passed its 60 s processing limit before enrichment
    """
    if deadline is not None and time.monotonic() >= deadline:
        raise DocumentTooComplexError(
            f"the document passed its {limits.document_timeout_s:.0f} s processing limit before {stage}")


def display_name(path_or_name: str) -> str:
    """The bare file name kept as ``original_filename`` (no directories from the client)."""
    return PurePath(path_or_name.replace("\\", "/")).name or "document.pdf"


def register_document(
    data: bytes, filename: str, store: CaseStore, settings: Settings, *, tenant_id: str
) -> Registration:
    return store.register_document(
        document_hash=sha256_hex(data),
        tenant_id=tenant_id,
        original_filename=display_name(filename),
        file_size=len(data),
        retry_failed=settings.ingest.retry_failed,
    )


def extract_case_text(
    data: bytes, settings: Settings, ocr_runner: OcrRunner | None = None, *, deadline: float | None = None
) -> CaseText:
    """PDF bytes -> page texts (text layer, OCR where thin) -> cleaned text with page spans.

    ``deadline`` (``time.monotonic()``) defaults to ``limits.document_timeout_s`` from now."""
    pages = extract_pages(data, ocr=settings.ocr, limits=settings.limits, ocr_runner=ocr_runner,
                          deadline=deadline)
    check_deadline(deadline, settings.limits, "cleaning")
    cleaned_pages = clean_pages([page.text for page in pages])
    cleaned_content, page_spans = join_pages(cleaned_pages, first_page=pages[0].number if pages else 1)
    if not cleaned_content.strip():
        raise NoTextError("no text left after cleaning the extracted pages")
    return CaseText(
        pages=pages,
        content="\n\n".join(page.text for page in pages),
        cleaned_content=cleaned_content,
        page_spans=page_spans,
    )


def enrich_case(case_id: str, case_text: CaseText, settings: Settings, *, tenant_id: str) -> EnrichedCase:
    """Metadata, sections and page-aware chunks of a case."""
    metadata = extract_metadata(
        case_text.cleaned_content,
        page_count=len(case_text.pages),
        ocr_confidence=case_text.ocr_confidence,
        settings=settings.enrich,
    )
    citations = case_citations(case_text.cleaned_content, case_text.page_spans, title=metadata.title,
                               case_number=metadata.case_number, settings=settings.citator)
    sections = detect_sections(case_text.cleaned_content, case_text.page_spans)
    text_chunks = chunk_text(
        case_text.cleaned_content,
        case_text.page_spans,
        size_chars=settings.chunk.size_chars,
        overlap_chars=settings.chunk.overlap_chars,
    )
    chunks = [
        Chunk(
            chunk_id=chunk_id_for(case_id, index),
            vector_id=vector_id_for(chunk_id_for(case_id, index)),
            case_id=case_id,
            tenant_id=tenant_id,
            chunk_index=index,
            text=piece.text,
            page_numbers=piece.page_numbers,
            char_start=piece.char_start,
            char_end=piece.char_end,
        )
        for index, piece in enumerate(text_chunks)
    ]
    return EnrichedCase(
        title=metadata.title,
        content=case_text.content,
        cleaned_content=case_text.cleaned_content,
        page_spans=case_text.page_spans,
        sections=sections,
        metadata=metadata,
        chunks=chunks,
        citations=citations,
    )


def store_and_index(
    case_id: str,
    tenant_id: str,
    enriched: EnrichedCase,
    vectors: np.ndarray,
    store: CaseStore,
    index_actor,
    settings: Settings,
) -> None:
    """Chunks (with vectors) to MongoDB first, then to the index, then the case's citations to
    the citator (resolving what it cites and what cited it before it was stored), then mark
    the case indexed.

    The order matters: if the index actor dies in between, its restart reconciles from
    MongoDB's chunks, so nothing is lost; re-adding the same vector ids replaces them, and
    recording the citations again replaces them, so a retried step is safe.
    """
    import ray

    chunks = enriched.chunks
    store.replace_chunks(chunks, vectors, case_id=case_id)
    ray.get(index_actor.remove_case.remote(case_id))
    if chunks:
        ray.get(index_actor.add.remote(
            [chunk.vector_id for chunk in chunks], [case_id] * len(chunks),
            [tenant_id] * len(chunks), vectors, [chunk.text for chunk in chunks],
        ))
    store.record_citations(case_id, tenant_id=tenant_id, citations=enriched.citations, title=enriched.title,
                           year=enriched.decision_year())
    store.set_status(
        case_id,
        ProcessingStatus.INDEXED,
        f"{len(chunks)} chunks indexed",
        embedding_model=settings.embedding.model_name,
        embedding_dimension=int(vectors.shape[1]) if len(chunks) else None,
        chunk_count=len(chunks),
    )


def process_registered_case(
    case_id: str,
    data: bytes,
    *,
    settings: Settings,
    store: CaseStore,
    embedder,
    index_actor,
    tenant_id: str,
    filename: str = "",
    ocr_runner: OcrRunner | None = None,
    metadata_overrides: dict | None = None,
    deadline: float | None = None,
) -> DocumentOutcome:
    """Every step after registration, for a case already stored as ``uploaded``.

    ``metadata_overrides`` (title, court, case_type, jurisdiction given by the uploader) win over
    what extraction found. ``deadline`` (``time.monotonic()``; default: ``limits.document_timeout_s``
    from now) is checked before each stage; past it the case fails as document_too_complex.
    A transient failure (``is_transient``) is not recorded: the outcome says ``retry``.
    """
    name = display_name(filename)
    deadline = deadline if deadline is not None else document_deadline(settings.limits)
    limits = settings.limits
    try:
        store.set_status(case_id, ProcessingStatus.PROCESSING, "extracting text")
        case_text = extract_case_text(data, settings, ocr_runner, deadline=deadline)
        store.set_status(case_id, ProcessingStatus.OCR_COMPLETE,
                         f"{len(case_text.pages)} pages, {case_text.ocr_pages} OCR'd")
        check_deadline(deadline, limits, "enrichment")
        enriched = enrich_case(case_id, case_text, settings, tenant_id=tenant_id)
        if metadata_overrides:
            enriched = apply_overrides(enriched, metadata_overrides)
        store.save_case_content(case_id, enriched.case_fields())
        check_deadline(deadline, limits, "embedding")
        vectors = embedder.encode([chunk.text for chunk in enriched.chunks])
        store.set_status(case_id, ProcessingStatus.EMBEDDING_COMPLETE,
                         f"{len(enriched.chunks)} chunks embedded")
        check_deadline(deadline, limits, "indexing")
        store_and_index(case_id, tenant_id, enriched, vectors, store, index_actor, settings)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the case
        reason, message = failure_reason(exc)
        if is_transient(exc):
            return DocumentOutcome(case_id, name, "retry", reason, message)
        store.mark_failed(case_id, reason, message)
        return DocumentOutcome(case_id, name, "failed", reason, message)
    return DocumentOutcome(case_id, name, "indexed", pages=len(case_text.pages),
                           ocr_pages=case_text.ocr_pages, chunks=len(enriched.chunks))


OVERRIDABLE_METADATA = ("title", "court", "case_type", "jurisdiction")


def apply_overrides(enriched: EnrichedCase, overrides: dict) -> EnrichedCase:
    """Uploader-supplied metadata replaces the extracted values it names."""
    given = {key: value for key, value in overrides.items()
             if key in OVERRIDABLE_METADATA and value not in (None, "")}
    metadata = enriched.metadata.model_copy(update=given)
    return enriched.model_copy(update={"metadata": metadata, "title": given.get("title", enriched.title)})
