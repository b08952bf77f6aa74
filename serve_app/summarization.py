"""Summarization deployment: summaries of a stored case, an uploaded PDF or plain text, a
comparison of several cases, and the stored summaries of a case.

Extractive summaries are LexRank sentences with their spans and pages
(``generation.extractive``); abstractive ones are map-reduce over the text's sections on the LLM
deployment, called through its handle (``generation.summaries``). What is kept:

- a summary of a stored case: always, in the ``summaries`` collection (insert-only, so a later
  failing request never loses one);
- a summary of an uploaded PDF: only with ``store``, keyed by the file's sha256. The PDF itself
  is neither kept nor ingested (upload it to ``/api/v1/ingestion/upload`` for that); once the
  same bytes are ingested as a case, that case's stored summaries include it;
- a summary of plain text: never.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ray import serve
from ray.serve.handle import DeploymentHandle

from generation import extractive
from generation.words import content_words
from generation.summaries import (
    MapReduceSummarizer,
    extractive_result,
)
from lexray.ids import sha256_hex
from lexray.models import PageSpan, utcnow
from lexray.store import CaseStore
from lexray.summary_options import DEFAULT_LENGTH, LENGTH_WORDS, MAX_SUMMARY_WORDS, SummaryOptionError
from lexray.settings import settings_from_json
from pipelines.document import display_name, extract_case_text
from pipelines.sections import detect_sections
from pipelines.ocr_tasks import ray_ocr_runner
from serve_app import schemas
from serve_app.citation_checks import verified_citations
from serve_app.errors import ApiError
from serve_app.generated_records import GeneratedRecords
from serve_app.deployment_helpers import case_with_text, focus_areas_listing, validate_pdf
from serve_app.llm_client import LLMClient


@serve.deployment
class Summarization:
    def __init__(self, llm: DeploymentHandle, settings_json: str | None = None) -> None:
        self.settings = settings_from_json(settings_json)
        self.store = CaseStore(self.settings.mongodb)
        self.llm = LLMClient(llm)
        self.records = GeneratedRecords.summaries(self.store)

    # Summaries

    async def summarize_case(self, request: schemas.SummarizeCaseRequest,
                             tenant_id: str) -> schemas.SummaryResponse:
        """Summaries of a stored case of the tenant, stored before they are returned."""
        case = await self._case(request.case_id, tenant_id)
        record = await self._summarize(
            case["cleaned_content"], request, sections=case.get("sections") or [],
            page_spans=case.get("page_spans") or [], source="case", case_id=case["case_id"],
            document_hash=case.get("document_hash"), title=case.get("title"),
            filename=case.get("original_filename"), tenant_id=tenant_id)
        return await self.records.save(record, tenant_id)

    async def summarize_upload(self, pdf_bytes: bytes, filename: str, form: schemas.SummarizeUploadForm,
                               tenant_id: str) -> schemas.SummaryResponse:
        """Summaries of a PDF read as ingestion reads it; stored only with ``form.store``."""
        # Read while the request waits: the page cap and time limit of api.sync_pdf_*.
        bounded = self.settings.for_request_pdf()
        await asyncio.to_thread(validate_pdf, pdf_bytes, bounded)
        case_text = await asyncio.to_thread(extract_case_text, pdf_bytes, bounded, ray_ocr_runner(bounded))
        sections = await asyncio.to_thread(detect_sections, case_text.cleaned_content, case_text.page_spans)
        record = await self._summarize(
            case_text.cleaned_content, form, sections=sections, page_spans=case_text.page_spans,
            source="upload", document_hash=sha256_hex(pdf_bytes), filename=display_name(filename),
            tenant_id=tenant_id)
        return await self.records.save(record, tenant_id) if form.store else record

    async def summarize_text(self, request: schemas.SummarizeTextRequest,
                             tenant_id: str) -> schemas.SummaryResponse:
        """Summaries of plain text (no pages); never stored."""
        limit = self.settings.summaries.max_text_chars
        if len(request.text) > limit:
            raise ApiError("validation_error", f"text: at most {limit:,} characters, not {len(request.text):,}")
        sections = await asyncio.to_thread(detect_sections, request.text, [])
        return await self._summarize(request.text, request, sections=sections, page_spans=[], source="text",
                                     tenant_id=tenant_id)

    async def summarize_many(self, request: schemas.SummarizeManyRequest,
                             tenant_id: str) -> schemas.ComparisonResponse:
        """Each case summarised (as ``request.mode`` says), then one generated comparison."""
        cases = await asyncio.gather(*(self._case(case_id, tenant_id) for case_id in request.case_ids))
        if request.mode == "extractive":
            summaries = await asyncio.gather(*(asyncio.to_thread(
                extractive.summarize, case["cleaned_content"], length=request.length,
                page_spans=_page_spans(case), focus_areas=request.focus_areas, settings=self.settings.extractive)
                for case in cases))
        else:
            summaries = await asyncio.gather(*(self._abstractive(
                case["cleaned_content"], request, sections=case.get("sections") or [],
                page_spans=_page_spans(case)) for case in cases))
        labelled = [(case.get("title") or case["case_id"], summary.text) for case, summary in zip(cases, summaries)]
        summarizer = await self._summarizer(" ".join(text for _, text in labelled))
        comparison = await summarizer.compare(
            labelled, length=request.length, focus_areas=request.focus_areas)
        return schemas.ComparisonResponse(
            case_ids=request.case_ids, length=request.length, target_words=request.target_words(),
            focus_areas=request.focus_areas, mode=request.mode,
            cases=[schemas.ComparedCase(case_id=case["case_id"], title=case.get("title"), summary=summary.text,
                                        pages=summary.pages, word_count=summary.word_count)
                   for case, summary in zip(cases, summaries)],
            comparison=schemas.ComparisonResult(
                text=comparison.text, model=await self.llm.model_name(),
                case_citations=await self._case_citations(comparison.text, tenant_id),
                removed=[fact.as_dict() for fact in comparison.removed]),
        )

    # Reads

    async def stored(self, case_id: str, tenant_id: str) -> schemas.StoredSummariesResponse:
        """The tenant's stored summaries of a case (with those of uploads of the same bytes), or
        of an upload by its sha256; newest first."""
        summaries = await self.records.of(case_id, tenant_id)
        return schemas.StoredSummariesResponse(case_id=case_id, summaries=summaries)

    def supported_lengths(self) -> schemas.SupportedLengthsResponse:
        return schemas.SupportedLengthsResponse(
            lengths=[schemas.LengthPreset(name=name, words=words) for name, words in LENGTH_WORDS.items()],
            default=DEFAULT_LENGTH, min_words=1, max_words=MAX_SUMMARY_WORDS)

    def focus_areas(self) -> schemas.FocusAreasResponse:
        return focus_areas_listing()

    # Helpers

    async def _case(self, case_id: str, tenant_id: str) -> dict:
        return await asyncio.to_thread(case_with_text, self.store, case_id, tenant_id)

    async def _summarize(self, text: str, options: schemas.SummaryOptions, *, sections: list, page_spans: list,
                         source: str, tenant_id: str, **identity: Any) -> schemas.SummaryResponse:
        if not content_words(text):
            raise SummaryOptionError("the text has no words to summarise")
        spans = [PageSpan.model_validate(span) for span in page_spans]
        summaries: dict[str, Any] = {}

        async def run_extractive() -> None:
            summary = await asyncio.to_thread(extractive.summarize, text, length=options.length,
                                              page_spans=spans, focus_areas=options.focus_areas, settings=self.settings.extractive)
            summaries["extractive"] = extractive_result(summary)

        async def run_abstractive() -> None:
            summary = await self._abstractive(text, options, sections=sections, page_spans=spans)
            summaries["abstractive"] = {**summary.as_dict(), "model": await self.llm.model_name(),
                                        "case_citations": await self._case_citations(summary.text, tenant_id)}

        runs = {"extractive": [run_extractive], "abstractive": [run_abstractive],
                "both": [run_extractive, run_abstractive]}[options.mode]
        await asyncio.gather(*(run() for run in runs))
        return schemas.SummaryResponse(
            source=source, **identity, length=options.length, target_words=options.target_words(),
            focus_areas=options.focus_areas, mode=options.mode, summaries=schemas.SummaryResults(**summaries),
            stored=False, created_at=utcnow())

    async def _case_citations(self, generated: str, tenant_id: str) -> list[schemas.VerifiedCitation]:
        """The case citations a model wrote, checked against the tenant's cases."""
        return await asyncio.to_thread(verified_citations, self.store, generated, tenant_id=tenant_id,
                                       settings=self.settings.citator)

    async def _abstractive(self, text: str, options, *, sections: list, page_spans: list[PageSpan]):
        summarizer = await self._summarizer(text)
        return await summarizer.summarize(
            text, length=options.length, focus_areas=options.focus_areas, sections=sections,
            page_spans=page_spans)

    async def _summarizer(self, text: str) -> MapReduceSummarizer:
        sample = text[:self.settings.summaries.calibration_chars]
        tokens = await self.llm.count_tokens(sample)
        return MapReduceSummarizer(self.llm.chat, context_tokens=self.settings.llm.max_model_len,
                                   chars_per_token=len(sample) / max(tokens, 1), settings=self.settings.summaries,
                                   extractive_settings=self.settings.extractive)


def _page_spans(case: dict) -> list[PageSpan]:
    return [PageSpan.model_validate(span) for span in case.get("page_spans") or []]
