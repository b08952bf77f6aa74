"""The gateway: LexRay's FastAPI ingress on Ray Serve.

It owns everything HTTP (auth, tenants, rate limits, errors, headers: ``serve_app.http``) and
forwards each request to the deployment of its concern through a DeploymentHandle.
"""


import asyncio
import json
import time
from typing import Annotated, TypeVar

import ray
from fastapi import Depends, FastAPI, File, Form, Path, Query, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ValidationError
from ray import serve
from ray.serve.handle import DeploymentHandle, DeploymentResponseGenerator

from generation.openai_format import (
    SSE_DONE,
    StreamFramer,
    chat_completion,
    model_card,
    sse,
    text_completion,
)
from lexray.errors import LexRayError
from lexray.redaction import redact_text
from lexray.settings import Settings, settings_from_json
from lexray.store import CaseStore
from serve_app.audit import install_audit
from lexray.api_keys import KeyRing
from serve_app.errors import ApiError, error_response, install_error_handlers, status_for
from serve_app.http import install_http_layer, principal_of
from serve_app.ingestion import safe_filename
from serve_app.rate_limit import get_rate_limiter
from serve_app.logs import replica_logger
from serve_app.schemas import (
    MAX_SESSION_ID_CHARS,
    AuditLogResponse,
    AuditQuery,
    BatchJobResponse,
    BatchRequest,
    CaseErasureResponse,
    CaseListQuery,
    CaseListResponse,
    CaseResponse,
    CaseStatusResponse,
    ChatAskRequest,
    ChatCompletionRequest,
    ChatCompletionResponse,
    ChatMessageRequest,
    ChatResponse,
    ChatSessionResponse,
    ComparisonResponse,
    CompletionRequest,
    CompletionResponse,
    DeletedSessionResponse,
    ErrorResponse,
    FocusAreasResponse,
    HealthResponse,
    IngestionStatsResponse,
    IntentsResponse,
    MetadataValuesResponse,
    ModelList,
    NewSessionResponse,
    PublicHealthResponse,
    QuestionRequest,
    QuestionSetResponse,
    QuestionTypesResponse,
    QuestionUploadForm,
    RetrievalStatsResponse,
    RootResponse,
    SearchRequest,
    SearchResponse,
    SimilarForm,
    SimilarRequest,
    SimilarResponse,
    StoredQuestionSetsResponse,
    StoredSummariesResponse,
    SuggestionsQuery,
    SuggestionsResponse,
    SummarizeCaseRequest,
    SummarizeManyRequest,
    SummarizeTextRequest,
    SummarizeUploadForm,
    SummaryResponse,
    SupportedLengthsResponse,
    TextSearchQuery,
    TypedQuestionRequest,
    UploadResponse,
)

logger = replica_logger(__name__)

VERSION = "0.1.0"
HEALTH_TIMEOUT_S = 3.0
ERRORS = {status: {"model": ErrorResponse} for status in (400, 401, 404, 413, 415, 422, 429, 503)}
GENERATION_ERRORS = {**ERRORS, 502: {"model": ErrorResponse}, 504: {"model": ErrorResponse}}
OPENAI_ERRORS = {**ERRORS, 504: {"model": ErrorResponse},
                 200: {"description": "JSON; with `stream: true` server-sent events of chunks, "
                                      "ending with `data: [DONE]`",
                       "content": {"text/event-stream": {"schema": {"type": "string"}}}}}

app = FastAPI(
    title="LexRay",
    version=VERSION,
    description="Legal case retrieval and analysis on Ray: ingestion, retrieval, summarization, "
                "questions and chat with grounded citations. Authenticate with "
                "`Authorization: Bearer <API key>`.",
)


RETRIEVAL = "/api/v1/retrieval"
SUMMARIZATION = "/api/v1/summarization"
QUESTIONS = "/api/v1/questions"
CHAT = "/api/v1/chat"
CHAT_STREAM_ERRORS = {**GENERATION_ERRORS,
                      200: {"description": "JSON; with `stream: true` server-sent events: `token` events, "
                                           "one `answer` event with the response body, then `data: [DONE]`",
                            "content": {"text/event-stream": {"schema": {"type": "string"}}}}}
SessionId = Annotated[str, Path(min_length=1, max_length=MAX_SESSION_ID_CHARS)]
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
ModelT = TypeVar("ModelT", bound=BaseModel)


def tenant_of(request: Request) -> str:
    return principal_of(request).tenant


def validated(model: type[ModelT], raw: bytes | dict) -> ModelT:
    """``raw`` (JSON bytes or form fields) as ``model``; a 422 in the one error shape if invalid."""
    try:
        return model.model_validate_json(raw) if isinstance(raw, bytes) else model.model_validate(raw)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_context=False)) from exc


def upload_form_body(form_model: type[BaseModel], file_description: str) -> dict:
    """OpenAPI of a route that reads a PDF ``file`` and ``form_model``'s fields from a multipart
    form itself (so FastAPI cannot describe it)."""
    form_schema = form_model.model_json_schema()
    form_schema["properties"]["file"] = {"type": "string", "format": "binary", "description": file_description}
    form_schema["properties"]["focus_areas"] = {"type": "string", "description": "Comma-separated, "
                                                "or the field repeated."}
    form_schema["required"] = ["file"]
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": form_schema}}}}


def similar_request_body() -> dict:
    """OpenAPI of ``POST /similar``'s two request shapes (the route reads the body itself)."""
    json_schema = SimilarRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    json_schema.pop("$defs", None)  # CaseFilters is in components already (SearchRequest)
    form_schema = SimilarForm.model_json_schema()
    form_schema["properties"]["file"] = {"type": "string", "format": "binary",
                                         "description": "A PDF to find similar cases to (not stored)."}
    form_schema["description"] = "Either case_id or file; filters as flat fields."
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": json_schema},
        "multipart/form-data": {"schema": form_schema},
    }}}


async def event_stream(request: Request, chunks: DeploymentResponseGenerator,
                       framer: StreamFramer) -> StreamingResponse:
    """Server-sent events of a streaming handle's chunks, ending with ``data: [DONE]``.

    The first chunk is awaited before the response starts, so an invalid request still gets
    its 4xx in the one error shape; a failure later ends the stream with an error event.
    """
    try:
        first = await anext(chunks)
    except StopAsyncIteration:
        first = None

    async def events():
        chunk = first
        try:
            while chunk is not None:
                for frame in framer.frames(chunk):
                    yield sse(frame)
                chunk = await anext(chunks, None)
        except asyncio.CancelledError:  # the client went away: stop generating for it
            chunks.cancel()
            raise
        except Exception as exc:  # noqa: BLE001 - reported in the stream, whose status is sent
            cause = getattr(exc, "cause", None)
            error = cause if isinstance(cause, LexRayError) else exc
            if isinstance(error, LexRayError):
                status, code, message = status_for(error), error.code, error.message
            else:
                logger.exception("stream failed on %s", request.url.path)
                status, code, message = 500, "internal_error", "internal server error"
            yield sse(json.loads(error_response(request, status, code, message).body))
        yield SSE_DONE

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


class PassThroughFramer:
    """Frames for ``event_stream`` when a deployment yields the events themselves (chat)."""

    def frames(self, event: dict) -> list[dict]:
        return [jsonable_encoder(event)]  # datetimes as ISO strings, like JSON responses


@serve.deployment
@serve.ingress(app)
class Gateway:
    def __init__(
        self,
        ingestion: DeploymentHandle,
        retrieval: DeploymentHandle,
        summarization: DeploymentHandle,
        questions: DeploymentHandle,
        chat: DeploymentHandle,
        llm: DeploymentHandle,
        settings_json: str | None = None,
    ) -> None:
        self.settings: Settings = settings_from_json(settings_json)
        self.ingestion = ingestion
        self.retrieval = retrieval
        self.summarization = summarization
        self.questions = questions
        self.chat = chat
        self.llm = llm
        self.store = CaseStore(self.settings.mongodb.model_copy(update={"timeout_ms": 2000}))
        key_ring = KeyRing.of(self.settings)
        self.auth_enabled = key_ring.auth_enabled
        self._health_lock = asyncio.Lock()
        self._health_checked: tuple[float, dict] | None = None
        if key_ring.auth_enabled and not key_ring.hashes_to_tenant:
            logger.warning("auth is enabled but no API keys are configured (LEXRAY_API_KEYS): "
                           "every protected route answers 401")
        limiter = get_rate_limiter(f"{self.settings.api.app_name}-rate-limiter", self.settings.ray.namespace)
        # Before the HTTP layer, so the audit runs inside it: after authentication, with the request id.
        self.audit = install_audit(app, self.store, self.settings.audit)
        install_http_layer(app, self.settings.api, key_ring, limiter)
        install_error_handlers(app)

    # Root and health

    @app.get("/", response_model=RootResponse)
    async def root(self) -> dict:
        return {"name": "LexRay", "version": VERSION,
                "links": {"docs": "/docs", "openapi": "/openapi.json", "health": "/health",
                          "upload": "/api/v1/ingestion/upload", "search": "/api/v1/retrieval/search"}}

    @app.get("/health/live")
    async def live(self) -> dict:
        return {"status": "alive"}

    @app.get("/health", response_model=PublicHealthResponse, responses={429: {"model": ErrorResponse}})
    async def health(self) -> dict:
        """Each component's status and nothing more (public: no hosts, counts, models or error
        text; operators read those on GET /api/v1/operator/health, and in the logs)."""
        report = await self._cached_health()
        return {"status": report["status"], "version": VERSION,
                "components": {name: {"status": component["status"]}
                               for name, component in report["components"].items()}}

    @app.get("/health/ready", responses={503: {"model": ErrorResponse}, 429: {"model": ErrorResponse}})
    async def ready(self, request: Request):
        components = (await self._cached_health())["components"]
        down = [name for name in ("mongodb", "index") if components[name]["status"] != "healthy"]
        if not down:
            return {"status": "ready"}
        return error_response(request, 503, "service_unavailable", f"not ready: {' and '.join(down)} unavailable")

    @app.get("/api/v1/operator/health", response_model=HealthResponse,
             responses={**ERRORS, 403: {"model": ErrorResponse}})
    async def operator_health(self, request: Request) -> dict:
        """The components' detail (node and CPU counts, vectors, model, error text with
        credentials masked), checked now; for the tenants in ``api.operator_tenants`` (any caller
        when auth is off)."""
        tenant = principal_of(request).tenant
        if self.auth_enabled and tenant not in self.settings.api.operator_tenants:
            raise ApiError("forbidden", "this route is for operators (api.operator_tenants)")
        return await self._check_health()

    async def _cached_health(self) -> dict:
        """The last check when younger than ``api.health_cache_s``, else a new one; concurrent
        requests wait for the one check in flight instead of each asking every backend."""
        async with self._health_lock:
            if self._health_checked is not None:
                checked_at, report = self._health_checked
                if time.monotonic() - checked_at < self.settings.api.health_cache_s:
                    return report
            report = await self._check_health()
            self._health_checked = (time.monotonic(), report)
            return report

    async def _check_health(self) -> dict:
        components = dict(zip(
            ("mongodb", "ray", "index", "llm"),
            await asyncio.gather(self._mongo_health(), self._ray_health(), self._index_health(),
                                 self._llm_health()),
            strict=True,
        ))
        for name, component in components.items():
            component["detail"] = redact_text(component["detail"])
            if component["status"] != "healthy":
                logger.warning("health: %s unhealthy: %s", name, component["detail"])
        healthy = all(c["status"] == "healthy" for c in components.values())
        return {"status": "healthy" if healthy else "degraded", "version": VERSION, "components": components}

    async def _mongo_health(self) -> dict:
        try:
            await asyncio.to_thread(self.store.ping)
            return {"status": "healthy", "detail": "ping ok"}
        except Exception as exc:  # noqa: BLE001
            # Masked before cutting: a cut could leave a password without its '@'.
            return {"status": "unhealthy", "detail": redact_text(str(exc))[:500]}

    async def _ray_health(self) -> dict:
        try:
            # Both ask the GCS synchronously: off the event loop.
            cpus, nodes = await asyncio.to_thread(lambda: (ray.cluster_resources().get("CPU", 0), len(ray.nodes())))
            return {"status": "healthy", "detail": f"{nodes} node(s), {cpus:g} CPU"}
        except Exception as exc:  # noqa: BLE001
            return {"status": "unhealthy", "detail": redact_text(str(exc))[:200]}

    async def _index_health(self) -> dict:
        try:
            actor = ray.get_actor(self.settings.index.actor_name, namespace=self.settings.ray.namespace)
            count = await asyncio.wait_for(actor.count.remote(), HEALTH_TIMEOUT_S)
            return {"status": "healthy", "detail": f"{count} vectors"}
        except Exception as exc:  # noqa: BLE001
            return {"status": "unhealthy", "detail": f"index actor unavailable: {type(exc).__name__}"}

    async def _llm_health(self) -> dict:
        try:
            return await asyncio.wait_for(self.llm.health.remote(), HEALTH_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001
            return {"status": "unhealthy", "detail": f"LLM deployment unavailable: {type(exc).__name__}"}

    # Ingestion

    @app.post("/api/v1/ingestion/upload", status_code=202, response_model=UploadResponse, responses=ERRORS)
    async def upload(
        self,
        file: UploadFile = File(..., description="The PDF (detected by content, not by name)."),
        title: str | None = Form(None, max_length=1000),
        case_type: str | None = Form(None, max_length=200),
        court: str | None = Form(None, max_length=500),
        jurisdiction: str | None = Form(None, max_length=200),
        process_immediately: bool = Form(True),
        extract_metadata: bool = Form(True),
        generate_summary: bool = Form(False),
        tenant: str = Depends(tenant_of),
    ) -> dict:
        limit = self.settings.api.max_upload_bytes
        data = await file.read(limit + 1)
        if len(data) > limit:
            raise ApiError("payload_too_large", f"upload larger than {limit} bytes")
        options = {"title": title, "case_type": case_type, "court": court, "jurisdiction": jurisdiction,
                   "process_immediately": process_immediately, "extract_metadata": extract_metadata,
                   "generate_summary": generate_summary}
        return await self.ingestion.upload.remote(data, safe_filename(file.filename or ""), tenant, options)

    @app.get("/api/v1/ingestion/status/{case_id}", response_model=CaseStatusResponse, responses=ERRORS)
    async def status(self, case_id: str, tenant: str = Depends(tenant_of)) -> dict:
        return await self.ingestion.status.remote(case_id, tenant)

    @app.post("/api/v1/ingestion/retry/{case_id}", status_code=202, response_model=CaseStatusResponse,
              responses={**ERRORS, 409: {"model": ErrorResponse}})
    async def retry(self, case_id: str, tenant: str = Depends(tenant_of)) -> dict:
        """Process a failed upload again, e.g. after a transient cause was fixed."""
        return await self.ingestion.retry.remote(case_id, tenant)

    @app.get("/api/v1/ingestion/stats", response_model=IngestionStatsResponse, responses=ERRORS)
    async def stats(self, tenant: str = Depends(tenant_of)) -> dict:
        return await self.ingestion.stats.remote(tenant)

    @app.post("/api/v1/ingestion/batch", status_code=202, response_model=BatchJobResponse, responses=ERRORS)
    async def start_batch(self, batch: BatchRequest, tenant: str = Depends(tenant_of)) -> dict:
        return await self.ingestion.start_batch.remote(batch.folder, tenant, batch.retry_failed)

    @app.get("/api/v1/ingestion/batch/{job_id}", response_model=BatchJobResponse, responses=ERRORS)
    async def batch_status(self, job_id: str, tenant: str = Depends(tenant_of)) -> dict:
        return await self.ingestion.batch_status.remote(job_id, tenant)

    # Retrieval

    @app.post(f"{RETRIEVAL}/search", response_model=SearchResponse, responses=ERRORS)
    async def search(self, search: SearchRequest, tenant: str = Depends(tenant_of)) -> dict:
        return await self.retrieval.search.remote(search.query, tenant, search.search_options())

    @app.get(f"{RETRIEVAL}/search/text", response_model=SearchResponse, responses=ERRORS)
    async def search_text(self, params: Annotated[TextSearchQuery, Query()],
                          tenant: str = Depends(tenant_of)) -> dict:
        return await self.retrieval.search.remote(params.q, tenant, params.search_options())

    @app.post(f"{RETRIEVAL}/similar", response_model=SimilarResponse, responses=ERRORS,
              openapi_extra=similar_request_body())
    async def similar(self, request: Request, tenant: str = Depends(tenant_of)) -> dict:
        """Cases like a stored case (JSON ``{"case_id": ...}``, itself excluded) or like an
        uploaded PDF (multipart ``file``, read like an upload but not stored)."""
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/json":
            similar = validated(SimilarRequest, await request.body())
            return await self.retrieval.similar_to_case.remote(similar.case_id, tenant, similar.search_options())
        if content_type in FORM_TYPES:
            return await self._similar_from_form(request, tenant)
        raise ApiError("unsupported_media_type", "send JSON with a case_id, or a form with a PDF file")

    async def _similar_from_form(self, request: Request, tenant: str) -> dict:
        async with request.form(max_files=1) as form:
            upload = form.get("file")
            fields = {name: value for name, value in form.multi_items() if name != "file"}
            similar = validated(SimilarForm, fields)
            if (upload is None) == (similar.case_id is None):
                raise ApiError("validation_error", "give exactly one of case_id and file")
            if similar.case_id is not None:
                return await self.retrieval.similar_to_case.remote(
                    similar.case_id, tenant, similar.search_options())
            if isinstance(upload, str):
                raise ApiError("validation_error", "file: expected a file, got a text field")
            limit = self.settings.api.max_upload_bytes
            pdf_bytes = await upload.read(limit + 1)
        if len(pdf_bytes) > limit:
            raise ApiError("payload_too_large", f"upload larger than {limit} bytes")
        return await self.retrieval.similar_to_pdf.remote(
            pdf_bytes, safe_filename(upload.filename or ""), tenant, similar.search_options())

    @app.get(f"{RETRIEVAL}/case/{{case_id}}", response_model=CaseResponse, responses=ERRORS)
    async def case(self, case_id: str, include_content: bool = False,
                   tenant: str = Depends(tenant_of)) -> dict:
        return await self.retrieval.case.remote(case_id, tenant, include_content)

    @app.get(f"{RETRIEVAL}/filter", response_model=CaseListResponse, responses=ERRORS)
    async def filter_cases(self, params: Annotated[CaseListQuery, Query()],
                           tenant: str = Depends(tenant_of)) -> dict:
        return await self.retrieval.list_cases.remote(params.case_filters(), tenant, params.skip, params.limit)

    @app.get(f"{RETRIEVAL}/stats", response_model=RetrievalStatsResponse, responses=ERRORS)
    async def retrieval_stats(self, tenant: str = Depends(tenant_of)) -> dict:
        return await self.retrieval.stats.remote(tenant)

    @app.get(f"{RETRIEVAL}/metadata/courts", response_model=MetadataValuesResponse, responses=ERRORS)
    async def courts(self, tenant: str = Depends(tenant_of)) -> dict:
        return await self.retrieval.metadata_values.remote("court", tenant)

    @app.get(f"{RETRIEVAL}/metadata/case-types", response_model=MetadataValuesResponse, responses=ERRORS)
    async def case_types(self, tenant: str = Depends(tenant_of)) -> dict:
        return await self.retrieval.metadata_values.remote("case_type", tenant)

    # Summarization: extractive and abstractive (map-reduce on the LLM) summaries, stored ones

    @app.post(f"{SUMMARIZATION}/summarize1", response_model=SummaryResponse, responses=GENERATION_ERRORS)
    async def summarize_case(self, summarize: SummarizeCaseRequest, tenant: str = Depends(tenant_of)) -> dict:
        """Summarise a stored case; the summary is stored (GET /summary/{case_id})."""
        return await self.summarization.summarize_case.remote(summarize, tenant)

    @app.post(f"{SUMMARIZATION}/summarize-many", response_model=ComparisonResponse, responses=GENERATION_ERRORS)
    async def summarize_many(self, summarize: SummarizeManyRequest, tenant: str = Depends(tenant_of)) -> dict:
        """Summarise 2 to 10 cases, then compare them; not stored."""
        return await self.summarization.summarize_many.remote(summarize, tenant)

    @app.post(f"{SUMMARIZATION}/summarize-uploaded", response_model=SummaryResponse,
              responses=GENERATION_ERRORS,
              openapi_extra=upload_form_body(SummarizeUploadForm, "The PDF to summarise."))
    async def summarize_uploaded(self, request: Request, tenant: str = Depends(tenant_of)) -> dict:
        """Summarise a PDF (multipart ``file`` and the options as form fields). It is read like an
        upload but neither stored nor ingested; with ``store=true`` the summary is kept, keyed by
        the file's sha256."""
        pdf_bytes, filename, options = await self._pdf_form(request, SummarizeUploadForm)
        return await self.summarization.summarize_upload.remote(pdf_bytes, filename, options, tenant)

    @app.post(f"{SUMMARIZATION}/summarize-text", response_model=SummaryResponse, responses=GENERATION_ERRORS)
    async def summarize_text(self, summarize: SummarizeTextRequest, tenant: str = Depends(tenant_of)) -> dict:
        """Summarise plain text; not stored, and without pages."""
        return await self.summarization.summarize_text.remote(summarize, tenant)

    @app.get(f"{SUMMARIZATION}/summary/{{case_id}}", response_model=StoredSummariesResponse, responses=ERRORS)
    async def stored_summaries(self, case_id: str, tenant: str = Depends(tenant_of)) -> dict:
        """Stored summaries of a case, or of an upload by its sha256; newest first."""
        return await self.summarization.stored.remote(case_id, tenant)

    @app.get(f"{SUMMARIZATION}/supported-lengths", response_model=SupportedLengthsResponse, responses=ERRORS)
    async def supported_lengths(self) -> dict:
        return await self.summarization.supported_lengths.remote()

    @app.get(f"{SUMMARIZATION}/focus-areas", response_model=FocusAreasResponse, responses=ERRORS)
    async def summary_focus_areas(self) -> dict:
        return await self.summarization.focus_areas.remote()

    # Questions: grounded questions with answers and source spans, stored ones

    @app.post(f"{QUESTIONS}/generate", response_model=QuestionSetResponse, responses=GENERATION_ERRORS)
    async def generate_questions(self, generate: QuestionRequest, tenant: str = Depends(tenant_of)) -> dict:
        """Questions about a stored case (``case_id``; stored, GET /case/{case_id}/questions) or
        about plain ``text`` (not stored); exactly ``num_questions``, or a 422."""
        return await self.questions.generate.remote(generate, tenant)

    @app.post(f"{QUESTIONS}/qa-common", response_model=QuestionSetResponse, responses=GENERATION_ERRORS)
    async def common_questions(self, generate: TypedQuestionRequest, tenant: str = Depends(tenant_of)) -> dict:
        """``POST /generate`` with ``question_type`` common: the judgement's main points."""
        return await self._typed_questions(generate, "common", tenant)

    @app.post(f"{QUESTIONS}/qa-rare", response_model=QuestionSetResponse, responses=GENERATION_ERRORS)
    async def rare_questions(self, generate: TypedQuestionRequest, tenant: str = Depends(tenant_of)) -> dict:
        """``POST /generate`` with ``question_type`` rare: specific details."""
        return await self._typed_questions(generate, "rare", tenant)

    @app.post(f"{QUESTIONS}/qa-unexpected", response_model=QuestionSetResponse, responses=GENERATION_ERRORS)
    async def unexpected_questions(self, generate: TypedQuestionRequest, tenant: str = Depends(tenant_of)) -> dict:
        """``POST /generate`` with ``question_type`` unexpected: asides and outliers."""
        return await self._typed_questions(generate, "unexpected", tenant)

    async def _typed_questions(self, generate: TypedQuestionRequest, question_type: str, tenant: str) -> dict:
        request = QuestionRequest.model_validate({**generate.model_dump(), "question_type": question_type})
        return await self.questions.generate.remote(request, tenant)

    @app.post(f"{QUESTIONS}/generate-from-upload", response_model=QuestionSetResponse,
              responses=GENERATION_ERRORS,
              openapi_extra=upload_form_body(QuestionUploadForm, "The PDF to ask about."))
    async def questions_from_upload(self, request: Request, tenant: str = Depends(tenant_of)) -> dict:
        """Questions about a PDF (multipart ``file`` and the options as form fields), read like an
        upload but neither stored nor ingested; with ``store=true`` the questions are kept, keyed
        by the file's sha256."""
        pdf_bytes, filename, options = await self._pdf_form(request, QuestionUploadForm)
        return await self.questions.generate_upload.remote(pdf_bytes, filename, options, tenant)

    @app.get(f"{QUESTIONS}/case/{{case_id}}/questions", response_model=StoredQuestionSetsResponse, responses=ERRORS)
    async def stored_questions(self, case_id: str, tenant: str = Depends(tenant_of)) -> dict:
        """Stored question sets of a case, or of an upload by its sha256; newest first."""
        return await self.questions.stored.remote(case_id, tenant)

    @app.get(f"{QUESTIONS}/types", response_model=QuestionTypesResponse, responses=ERRORS)
    async def question_types(self) -> dict:
        return await self.questions.types.remote()

    @app.get(f"{QUESTIONS}/focus-areas", response_model=FocusAreasResponse, responses=ERRORS)
    async def question_focus_areas(self) -> dict:
        return await self.questions.focus_areas.remote()

    # Chat

    @app.post(f"{CHAT}/message", response_model=ChatResponse, responses=CHAT_STREAM_ERRORS)
    async def chat_message(self, message: ChatMessageRequest, request: Request, tenant: str = Depends(tenant_of)):
        if message.stream:
            events = self.chat.options(stream=True).message_stream.remote(message, tenant)
            return await event_stream(request, events, PassThroughFramer())
        return await self.chat.message.remote(message, tenant)

    @app.post(f"{CHAT}/ask", response_model=ChatResponse, responses=GENERATION_ERRORS)
    async def chat_ask(self, question: ChatAskRequest, tenant: str = Depends(tenant_of)) -> dict:
        return await self.chat.ask.remote(question, tenant)

    @app.get(f"{CHAT}/conversation/{{session_id}}", response_model=ChatSessionResponse, responses=ERRORS)
    async def conversation(self, session_id: SessionId, tenant: str = Depends(tenant_of)) -> dict:
        return await self.chat.conversation.remote(session_id, tenant)

    @app.delete(f"{CHAT}/conversation/{{session_id}}", response_model=DeletedSessionResponse, responses=ERRORS)
    async def delete_conversation(self, session_id: SessionId, tenant: str = Depends(tenant_of)) -> dict:
        return await self.chat.delete_conversation.remote(session_id, tenant)

    @app.get(f"{CHAT}/session/new", response_model=NewSessionResponse, responses=ERRORS)
    async def new_session(self, tenant: str = Depends(tenant_of)) -> dict:
        return await self.chat.new_session.remote(tenant)

    @app.get(f"{CHAT}/intents", response_model=IntentsResponse, responses=ERRORS)
    async def intents(self) -> dict:
        return await self.chat.intents.remote()

    @app.get(f"{CHAT}/suggestions", response_model=SuggestionsResponse, responses=ERRORS)
    async def suggestions(self, params: Annotated[SuggestionsQuery, Query()],
                          tenant: str = Depends(tenant_of)) -> dict:
        return await self.chat.suggestions.remote(params.session_id, tenant)

    # Erasure and the audit trail

    @app.delete("/api/v1/cases/{case_id}", response_model=CaseErasureResponse, responses=ERRORS)
    async def erase_case(self, case_id: Annotated[str, Path(min_length=1, max_length=128)], request: Request,
                         tenant: str = Depends(tenant_of)) -> dict:
        """Erase a case for good: the case, its chunks and vectors (every index shard, BM25 too,
        snapshotted at once), its uploaded PDF, its stored summaries and question sets; its
        citations in chat sessions become tombstones (`case_id` null, `erased` true). A receipt
        (who, when, case id, counts; no text) is kept. 404 when the tenant has no such case."""
        principal = principal_of(request)
        removed = await asyncio.to_thread(self._erase_from_store, case_id, tenant, principal.key_id,
                                          request.state.request_id)
        if removed is None:
            raise ApiError("not_found", f"no case {case_id!r}")
        try:
            index = ray.get_actor(self.settings.index.actor_name, namespace=self.settings.ray.namespace)
            from_index = await index.erase_case.remote(case_id)
        except Exception as exc:  # noqa: BLE001 - MongoDB is erased; the index's reconcile finishes it
            logger.warning("case %s erased from MongoDB, not yet from the index: %s", case_id, type(exc).__name__)
            from_index = {"vectors": None, "lexical_chunks": None}
        removed = {**removed, **from_index}
        erased_at = await asyncio.to_thread(self.store.finish_erasure, case_id, removed)
        return {"case_id": case_id, "erased": True, "erased_at": erased_at, "removed": removed}

    def _erase_from_store(self, case_id: str, tenant: str, key_id: str, request_id: str) -> dict | None:
        return self.store.ensure_indexes_once().erase_case(case_id, tenant_id=tenant, key_id=key_id,
                                                           request_id=request_id)

    @app.get("/api/v1/audit", response_model=AuditLogResponse, responses=ERRORS)
    async def audit_log(self, params: Annotated[AuditQuery, Query()], tenant: str = Depends(tenant_of)) -> dict:
        """The caller's tenant's audit entries (every data access), newest first; never another
        tenant's. Entries reach it shortly after their request (they are written in the background)."""
        limit = min(params.limit, self.settings.audit.page_max)
        entries, total = await asyncio.gather(
            asyncio.to_thread(self.store.audit_entries, tenant_id=tenant, skip=params.skip, limit=limit),
            asyncio.to_thread(self.store.count_audit_entries, tenant_id=tenant))
        return {"entries": entries, "skip": params.skip, "limit": limit, "total": total}

    # OpenAI-compatible text generation on the LLM deployment

    @app.get("/v1/models", response_model=ModelList, responses=ERRORS)
    async def models(self) -> dict:
        return {"object": "list", "data": [model_card(await self.llm.model_info.remote())]}

    @app.post("/v1/chat/completions", response_model=ChatCompletionResponse, responses=OPENAI_ERRORS)
    async def chat_completions(self, completion: ChatCompletionRequest, request: Request):
        model = self._served_model(completion.model)
        messages, params = completion.chat_messages(), completion.generation_params()
        if completion.stream:
            chunks = self.llm.options(stream=True).chat_stream.remote(messages, params)
            framer = StreamFramer("chat", model, include_usage=completion.include_usage())
            return await event_stream(request, chunks, framer)
        return chat_completion(await self.llm.chat.remote(messages, params), model)

    @app.post("/v1/completions", response_model=CompletionResponse, responses=OPENAI_ERRORS)
    async def completions(self, completion: CompletionRequest, request: Request):
        model = self._served_model(completion.model)
        prompt, params = completion.prompt_text(), completion.generation_params()
        if completion.stream:
            chunks = self.llm.options(stream=True).complete_stream.remote(prompt, params)
            framer = StreamFramer("text", model, include_usage=completion.include_usage())
            return await event_stream(request, chunks, framer)
        return text_completion(await self.llm.complete.remote(prompt, params), model)

    async def _pdf_form(self, request: Request, form_model: type[ModelT]) -> tuple[bytes, str, ModelT]:
        """A multipart form's PDF ``file`` (at most ``api.max_upload_bytes``), its file name, and
        its other fields as ``form_model`` (``focus_areas`` may repeat; other fields: the last)."""
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in FORM_TYPES:
            raise ApiError("unsupported_media_type", "send a multipart form with a PDF file")
        async with request.form(max_files=1) as form:
            upload = form.get("file")
            fields: dict[str, list[str]] = {}
            for name, value in form.multi_items():
                if name != "file":
                    fields.setdefault(name, []).append(value)
            options = validated(form_model, {
                name: values if name == "focus_areas" else values[-1] for name, values in fields.items()})
            if upload is None or isinstance(upload, str):
                raise ApiError("validation_error", "file: a PDF file is required")
            limit = self.settings.api.max_upload_bytes
            pdf_bytes = await upload.read(limit + 1)
        if len(pdf_bytes) > limit:
            raise ApiError("payload_too_large", f"upload larger than {limit} bytes")
        return pdf_bytes, safe_filename(upload.filename or ""), options

    def _served_model(self, requested: str | None) -> str:
        served = self.settings.llm.served_model_name
        if requested not in (None, served):
            raise ApiError("not_found", f"model {requested!r} is not served here; GET /v1/models lists it")
        return served

    # For in-cluster Python callers holding a handle (serve.get_app_handle): no HTTP, no key;
    # the caller names the tenant.

    async def ingest_pdf(self, data: bytes, filename: str, tenant_id: str, **options) -> dict:
        return await self.ingestion.upload.remote(data, filename, tenant_id, options)

    async def case_status(self, case_id: str, tenant_id: str) -> dict:
        return await self.ingestion.status.remote(case_id, tenant_id)

