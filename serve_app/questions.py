"""Question generation deployment (issue 5): questions about a stored case, an uploaded PDF or
text, each with its answer and the page and span of the passage it comes from.

Each question is built on a fact LexRay extracts from the text before the model writes
(``generation.question_facts``): its answer is a span of the text, with its page; the model
only phrases the question (the LLM deployment, through its handle, with guided JSON), and a
template does when the model's phrasing fails validation or the request's model calls are
spent (``generation.questions``, pure). What is
kept, in the ``questions`` collection (insert-only, so a later failing request never loses a set):

- questions about a stored case: always;
- questions about an uploaded PDF: only with ``store``, keyed by the file's sha256 (the PDF
  itself is neither kept nor ingested);
- questions about plain text: never.

A request that fails (bad options, unknown case, too few valid questions) stores nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ray import serve
from ray.serve.handle import DeploymentHandle

from generation.questions import (
    DIFFICULTIES,
    QUESTION_TYPES,
    QuestionGenerator,
    QuestionOptionError,
    check_count,
    question_items,
    select_facts,
)
from lexray.ids import sha256_hex
from lexray.models import PageSpan, utcnow
from lexray.store import CaseStore
from lexray.settings import settings_from_json
from pipelines.document import display_name, extract_case_text
from pipelines.ocr_tasks import ray_ocr_runner
from serve_app import schemas
from serve_app.generated_records import GeneratedRecords
from serve_app.deployment_helpers import case_with_text, focus_areas_listing, validate_pdf
from serve_app.llm_client import LLMClient


@serve.deployment
class Questions:
    def __init__(self, llm: DeploymentHandle, settings_json: str | None = None) -> None:
        self.settings = settings_from_json(settings_json)
        self.store = CaseStore(self.settings.mongodb)
        self.llm = LLMClient(llm)
        self.generator = QuestionGenerator(self.llm.chat, self.settings.questions)
        self.records = GeneratedRecords.question_sets(self.store)

    # Generation

    async def generate(self, request: schemas.QuestionRequest, tenant_id: str) -> schemas.QuestionSetResponse:
        """Questions about a stored case of the tenant (stored) or about plain text (not stored)."""
        check_count(request.num_questions, self.settings.questions)
        if request.text is not None:
            limit = self.settings.questions.max_text_chars
            if len(request.text) > limit:
                raise QuestionOptionError(f"text: at most {limit:,} characters, not {len(request.text):,}")
            return await self._generate(request.text, [], request, request.question_type, origin="text")
        case = await self._case(request.case_id, tenant_id)
        record = await self._generate(
            case["cleaned_content"], case.get("page_spans") or [], request, request.question_type,
            origin="case", case_id=case["case_id"], document_hash=case.get("document_hash"),
            title=case.get("title"), filename=case.get("original_filename"))
        return await self.records.save(record, tenant_id)

    async def generate_upload(self, pdf_bytes: bytes, filename: str, form: schemas.QuestionUploadForm,
                              tenant_id: str) -> schemas.QuestionSetResponse:
        """Questions about a PDF read as ingestion reads it; stored only with ``form.store``."""
        check_count(form.num_questions, self.settings.questions)
        # Read while the request waits: the page cap and time limit of api.sync_pdf_*.
        bounded = self.settings.for_request_pdf()
        await asyncio.to_thread(validate_pdf, pdf_bytes, bounded)
        case_text = await asyncio.to_thread(extract_case_text, pdf_bytes, bounded, ray_ocr_runner(bounded))
        record = await self._generate(
            case_text.cleaned_content, case_text.page_spans, form, form.question_type, origin="upload",
            document_hash=sha256_hex(pdf_bytes), filename=display_name(filename))
        return await self.records.save(record, tenant_id) if form.store else record

    # Reads

    async def stored(self, case_id: str, tenant_id: str) -> schemas.StoredQuestionSetsResponse:
        """The tenant's stored question sets of a case (with those of uploads of the same bytes),
        or of an upload by its sha256; newest first."""
        question_sets = await self.records.of(case_id, tenant_id)
        return schemas.StoredQuestionSetsResponse(case_id=case_id, question_sets=question_sets)

    def types(self) -> schemas.QuestionTypesResponse:
        return schemas.QuestionTypesResponse(
            question_types=[schemas.NamedOption(name=name, description=text)
                            for name, text in QUESTION_TYPES.items()],
            difficulties=[schemas.NamedOption(name=name, description=text) for name, text in DIFFICULTIES.items()],
            default_type="common", default_difficulty="medium",
            max_questions=self.settings.questions.max_questions)

    def focus_areas(self) -> schemas.FocusAreasResponse:
        return focus_areas_listing()

    # Helpers

    async def _case(self, case_id: str, tenant_id: str) -> dict:
        return await asyncio.to_thread(case_with_text, self.store, case_id, tenant_id)

    async def _generate(self, text: str, page_spans: list, options: schemas.QuestionOptions, question_type: str, *,
                        origin: str, **identity: Any) -> schemas.QuestionSetResponse:
        spans = [PageSpan.model_validate(span) for span in page_spans]
        facts = await asyncio.to_thread(
            select_facts, text, question_type=question_type, difficulty=options.difficulty,
            focus_areas=options.focus_areas, page_spans=spans, settings=self.settings.questions,
            extractive_settings=self.settings.extractive)
        question_set = await self.generator.generate_from_facts(
            facts, num_questions=options.num_questions, question_type=question_type,
            difficulty=options.difficulty, focus_areas=options.focus_areas)
        return schemas.QuestionSetResponse(
            origin=origin, **identity, question_type=question_type, difficulty=options.difficulty,
            num_questions=options.num_questions, focus_areas=options.focus_areas, model=await self.llm.model_name(),
            questions=question_items(question_set, question_type=question_type, difficulty=options.difficulty,
                                     case_id=identity.get("case_id")),
            generation=schemas.QuestionGenerationStats(
                passages_tried=question_set.passages_tried, model_calls=question_set.model_calls,
                rejected=question_set.rejected, templated=question_set.templated),
            stored=False, created_at=utcnow(),
        )
