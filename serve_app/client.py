"""Python client of LexRay's HTTP API: a method per route, answers as ``serve_app.schemas`` models.

Over HTTP (``make up`` serves the API on http://127.0.0.1:8000)::

    from serve_app.client import LexRayAPIError, LexRayClient

    with LexRayClient("http://127.0.0.1:8000", api_key="s3cret", max_retries_on_429=2) as lexray:
        upload = lexray.upload("samples/pdfs/doctor__missouri.pdf", court="Mo. Ct. App.")
        case = lexray.wait_until_processed(upload.case_id, timeout_s=300)
        print(case.processing_status, case.page_count, case.chunk_count, case.failure_reason)
        try:
            lexray.status("no-such-case")
        except LexRayAPIError as error:
            print(error.status_code, error.code, error.message, error.request_id)

Retrieval: search (POST or GET), similar cases, a case, the filtered listing, stats and
metadata values, tenant-scoped by the key (same ``lexray`` as above)::

    hits = lexray.search("guilty plea withdrawn", limit=5, filters={"court": "Mo. Ct. App."})
    for hit in hits.results:
        print(hit.case_id, hit.title, hit.date, hit.score, hit.snippet)  # snippet: HTML, <mark>
    like_it = lexray.similar_to_case(hits.results[0].case_id, limit=5)
    like_pdf = lexray.similar_to_pdf("draft.pdf", filters={"case_type": "criminal"})
    page = lexray.filter_cases({"date_from": "2020-01-01"}, skip=0, limit=20)

Arguments the API models refuse (a limit of 0, an unknown filter) raise pydantic's
``ValidationError`` before anything is sent.

Inside the Ray cluster (a Ray job, another deployment, or a driver after
``ray.init(address="auto")``), callers can skip HTTP and call the gateway deployment's two
plain methods through its handle. They mirror ``POST .../upload`` and
``GET .../status/{case_id}`` and answer dicts with the same fields (validate them with the
same models if you like), but take the tenant explicitly, since no API key travels with the
call, and pass through neither auth nor rate limits::

    from pathlib import Path
    from ray import serve

    handle = serve.get_app_handle("lexray")
    pdf_bytes = Path("samples/pdfs/doctor__missouri.pdf").read_bytes()
    upload = handle.ingest_pdf.remote(pdf_bytes, "x.pdf", "tenant").result()
    case = handle.case_status.remote(upload["case_id"], "tenant").result()
    print(case["processing_status"])

Every non-2xx response raises ``LexRayAPIError`` with the fields of the error body
(``{"error": {"code", "message", "request_id", "timestamp"}}``); a body of another shape (a
proxy's plain-text 404 or 502, FastAPI's ``{"detail": ...}``) still gives the status, a
``http_<status>`` code and the body's text. Network failures propagate as
``httpx.TransportError``.
"""

from __future__ import annotations

import email.utils
import json
import math
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from lexray.errors import LexRayError
from lexray.models import CaseFilters
from serve_app.schemas import (
    AuditLogResponse,
    BatchJobResponse,
    BatchRequest,
    CaseErasureResponse,
    CaseListResponse,
    CaseResponse,
    CaseStatusResponse,
    CitatorCaseResponse,
    ChatAskRequest,
    ChatMessageRequest,
    ChatResponse,
    ChatSessionListResponse,
    ChatSessionResponse,
    ComparisonResponse,
    DeletedSessionResponse,
    ErrorResponse,
    FocusAreasResponse,
    HealthResponse,
    IngestionStatsResponse,
    IntentsResponse,
    MetadataValuesResponse,
    NewSessionResponse,
    QuestionRequest,
    QuestionSetResponse,
    QuestionTypesResponse,
    QuestionUploadForm,
    RetrievalStatsResponse,
    RootResponse,
    SearchMode,
    SearchRequest,
    SearchResponse,
    SimilarRequest,
    SimilarResponse,
    StoredQuestionSetsResponse,
    StoredSummariesResponse,
    SuggestionsResponse,
    SummarizeCaseRequest,
    SummarizeManyRequest,
    SummarizeTextRequest,
    SummarizeUploadForm,
    SummaryMode,
    SummaryResponse,
    SupportedLengthsResponse,
    UploadResponse,
    VerifyRequest,
    VerifyResponse,
)

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
API_PREFIX = "/api/v1/ingestion"
RETRIEVAL_PREFIX = "/api/v1/retrieval"
SUMMARIZATION_PREFIX = "/api/v1/summarization"
QUESTIONS_PREFIX = "/api/v1/questions"
CHAT_PREFIX = "/api/v1/chat"
CITATOR_PREFIX = "/api/v1/citator"
# Abstractive summaries run the LLM over every part of a judgement: minutes on CPUs.
GENERATION_TIMEOUT_S = 600.0
CASE_DONE_STATUSES = frozenset({"indexed", "failed"})
BATCH_DONE_STATUSES = frozenset({"SUCCEEDED", "FAILED", "STOPPED"})
# Waited on a 429 that carries no (readable) Retry-After.
DEFAULT_RETRY_AFTER_S = 1.0
# Text of a non-JSON error body kept in the exception message.
MAX_FALLBACK_MESSAGE_CHARS = 500

ModelT = TypeVar("ModelT", bound=BaseModel)


class LexRayAPIError(LexRayError):
    """A non-2xx answer from the API.

    ``retry_after`` is the ``Retry-After`` header in seconds (429 and some 503), else ``None``.
    ``request_id`` is the server's id of the request, for its logs; ``None`` only when neither
    the body nor the ``X-Request-ID`` header carried one.

    >>> error = LexRayAPIError(429, "rate_limited", "slow down", "abc123", retry_after=2.0)
    >>> str(error)
    'HTTP 429 rate_limited: slow down (request abc123)'
    >>> error.code, error.retry_after
    ('rate_limited', 2.0)
    """

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        request_note = f" (request {request_id})" if request_id else ""
        super().__init__(f"HTTP {status_code} {code}: {message}{request_note}", code=code)
        self.status_code = status_code
        self.detail = message
        self.request_id = request_id
        self.retry_after = retry_after

    @property
    def message(self) -> str:
        """The server's message alone (``str(error)`` adds status, code and request id)."""
        return self.detail

    @classmethod
    def from_response(cls, response: httpx.Response) -> LexRayAPIError:
        """Build the error from a non-2xx response, whatever its body.

        >>> body = {"error": {"code": "not_pdf", "message": "not a PDF", "request_id": "r1",
        ...                   "timestamp": "2025-01-01T00:00:00Z"}}
        >>> LexRayAPIError.from_response(httpx.Response(415, json=body)).code
        'not_pdf'
        >>> error = LexRayAPIError.from_response(httpx.Response(502, text="Bad Gateway"))
        >>> error.code, error.message
        ('http_502', 'Bad Gateway')
        """
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        header_request_id = response.headers.get("X-Request-ID")
        fallback_code = f"http_{response.status_code}"
        try:
            detail = ErrorResponse.model_validate_json(response.content).error
        except ValidationError:
            pass
        else:
            return cls(
                response.status_code, detail.code, detail.message,
                detail.request_id or header_request_id, retry_after,
            )
        # Not the API's error shape: keep what is readable of it.
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            error_body = body["error"]
            return cls(
                response.status_code,
                str(error_body.get("code") or fallback_code),
                str(error_body.get("message") or response.reason_phrase),
                error_body.get("request_id") or header_request_id,
                retry_after,
            )
        if isinstance(body, dict) and "detail" in body:
            message = str(body["detail"])
        else:
            message = response.text.strip() or response.reason_phrase or "no body"
        return cls(
            response.status_code, fallback_code, message[:MAX_FALLBACK_MESSAGE_CHARS],
            header_request_id, retry_after,
        )


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds: delta-seconds or an HTTP date; ``None`` if absent or unreadable.

    >>> parse_retry_after("3"), parse_retry_after(None), parse_retry_after("soon")
    (3.0, None, None)
    >>> parse_retry_after("Wed, 01 Jan 2025 00:00:10 GMT",
    ...                   now=datetime(2025, 1, 1, tzinfo=timezone.utc))
    10.0
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def _form_bool(value: bool) -> str:
    return "true" if value else "false"


def _filter_fields(filters: CaseFilters | dict | None) -> dict[str, str]:
    """Filters as flat query or form fields (only those given).

    >>> _filter_fields({"court": "SC", "date_from": "2020-01-01"})
    {'court': 'SC', 'date_from': '2020-01-01'}
    """
    return CaseFilters.model_validate(filters or {}).model_dump(mode="json", exclude_none=True)


class LexRayClient:
    """Synchronous client of one LexRay server; use as a context manager or call ``close()``.

    ``max_retries_on_429``: how many times a request refused with 429 is sent again, each
    after waiting the server's ``Retry-After`` (``DEFAULT_RETRY_AFTER_S`` when absent); 0
    raises on the first 429. ``transport`` is passed to ``httpx.Client`` (tests hand in an
    ``httpx.MockTransport``).

    >>> def answer(request):
    ...     return httpx.Response(200, json={"name": "LexRay", "version": "0.1.0", "links": {}})
    >>> with LexRayClient(transport=httpx.MockTransport(answer)) as lexray:
    ...     lexray.root().name
    'LexRay'
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str | None = None,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
        *,
        max_retries_on_429: int = 0,
    ) -> None:
        if max_retries_on_429 < 0:
            raise ValueError("max_retries_on_429 must be at least 0")
        headers = {"User-Agent": "lexray-client"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self.max_retries_on_429 = max_retries_on_429
        self._http = httpx.Client(
            base_url=base_url, headers=headers, timeout=timeout, transport=transport
        )

    def __enter__(self) -> LexRayClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def root(self) -> RootResponse:
        return self._get_model("/", RootResponse)

    def health(self) -> HealthResponse:
        """Component health; ``status`` is "degraded" when any component is unhealthy."""
        return self._get_model("/health", HealthResponse)

    def ready(self) -> bool:
        """Whether the server takes traffic (``/health/ready`` 200); False on 503."""
        return self._probe("/health/ready")

    def live(self) -> bool:
        """Whether the server process answers (``/health/live`` 200); False on 503."""
        return self._probe("/health/live")

    def upload(
        self,
        source: str | Path | bytes,
        *,
        filename: str | None = None,
        title: str | None = None,
        case_type: str | None = None,
        court: str | None = None,
        jurisdiction: str | None = None,
        process_immediately: bool = True,
        extract_metadata: bool | None = None,
        generate_summary: bool | None = None,
    ) -> UploadResponse:
        """Upload one PDF (a path, or its bytes); ``duplicate`` is true for bytes seen before.

        ``filename`` defaults to the path's name, or ``upload.pdf`` for bytes. Fields left
        ``None`` are not sent, so the server's defaults apply.
        """
        if isinstance(source, bytes):
            pdf_bytes = source
            filename = filename or "upload.pdf"
        else:
            path = Path(source)
            pdf_bytes = path.read_bytes()
            filename = filename or path.name
        form_fields = {
            "title": title,
            "case_type": case_type,
            "court": court,
            "jurisdiction": jurisdiction,
            "process_immediately": _form_bool(process_immediately),
            "extract_metadata": None if extract_metadata is None else _form_bool(extract_metadata),
            "generate_summary": None if generate_summary is None else _form_bool(generate_summary),
        }
        response = self._request(
            "POST",
            f"{API_PREFIX}/upload",
            data={name: value for name, value in form_fields.items() if value is not None},
            files={"file": (filename, pdf_bytes, "application/pdf")},
        )
        return UploadResponse.model_validate_json(response.content)

    def status(self, case_id: str) -> CaseStatusResponse:
        return self._get_model(f"{API_PREFIX}/status/{quote(case_id, safe='')}", CaseStatusResponse)

    def wait_until_processed(
        self, case_id: str, *, timeout_s: float = 600, poll_s: float = 1.0
    ) -> CaseStatusResponse:
        """Poll ``status`` until the case is indexed or failed; ``TimeoutError`` past ``timeout_s``.

        A failed case is returned, not raised: its ``failure_reason`` says why.
        """
        return self._poll(
            lambda: self.status(case_id),
            done=lambda case: case.processing_status in CASE_DONE_STATUSES,
            describe=lambda case: f"case {case_id} still {case.processing_status}",
            timeout_s=timeout_s,
            poll_s=poll_s,
        )

    def retry(self, case_id: str) -> CaseStatusResponse:
        """Process a failed upload again (409 when it has not failed or its bytes are gone)."""
        response = self._request("POST", f"{API_PREFIX}/retry/{quote(case_id, safe='')}")
        return CaseStatusResponse.model_validate_json(response.content)

    def stats(self) -> IngestionStatsResponse:
        return self._get_model(f"{API_PREFIX}/stats", IngestionStatsResponse)

    def start_batch(self, folder: str, *, retry_failed: bool = False) -> BatchJobResponse:
        """Start ingesting a folder under the server's batch root (a Ray job); returns at once."""
        batch_request = BatchRequest(folder=folder, retry_failed=retry_failed)
        response = self._request("POST", f"{API_PREFIX}/batch", json=batch_request.model_dump())
        return BatchJobResponse.model_validate_json(response.content)

    def batch_status(self, job_id: str) -> BatchJobResponse:
        return self._get_model(f"{API_PREFIX}/batch/{quote(job_id, safe='')}", BatchJobResponse)

    def wait_for_batch(
        self, job_id: str, *, timeout_s: float = 3600, poll_s: float = 2.0
    ) -> BatchJobResponse:
        """Poll ``batch_status`` until SUCCEEDED, FAILED or STOPPED; ``TimeoutError`` otherwise."""
        return self._poll(
            lambda: self.batch_status(job_id),
            done=lambda job: job.status in BATCH_DONE_STATUSES,
            describe=lambda job: f"batch job {job_id} still {job.status} ({job.done} done)",
            timeout_s=timeout_s,
            poll_s=poll_s,
        )

    # Retrieval

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        mode: SearchMode = "hybrid",
        filters: CaseFilters | dict | None = None,
        include_metadata: bool = False,
        include_sections: bool = False,
    ) -> SearchResponse:
        """The ``limit`` cases that best match ``query`` among those matching ``filters``."""
        search_request = SearchRequest(
            query=query, limit=limit, mode=mode, filters=filters or CaseFilters(),
            include_metadata=include_metadata, include_sections=include_sections,
        )
        response = self._request("POST", f"{RETRIEVAL_PREFIX}/search",
                                 json=search_request.model_dump(mode="json"))
        return SearchResponse.model_validate_json(response.content)

    def search_text(
        self,
        query: str,
        *,
        limit: int = 10,
        mode: SearchMode = "hybrid",
        filters: CaseFilters | dict | None = None,
        include_metadata: bool = False,
        include_sections: bool = False,
    ) -> SearchResponse:
        """``search`` through ``GET /search/text`` (query and filters in the URL)."""
        params = {"q": query, "limit": limit, "mode": mode, **_filter_fields(filters),
                  "include_metadata": _form_bool(include_metadata),
                  "include_sections": _form_bool(include_sections)}
        response = self._request("GET", f"{RETRIEVAL_PREFIX}/search/text", params=params)
        return SearchResponse.model_validate_json(response.content)

    def similar_to_case(
        self,
        case_id: str,
        *,
        limit: int = 10,
        mode: SearchMode = "hybrid",
        filters: CaseFilters | dict | None = None,
        include_metadata: bool = False,
        include_sections: bool = False,
    ) -> SimilarResponse:
        """The cases most like a stored one (never the case itself)."""
        similar_request = SimilarRequest(
            case_id=case_id, limit=limit, mode=mode, filters=filters or CaseFilters(),
            include_metadata=include_metadata, include_sections=include_sections,
        )
        response = self._request("POST", f"{RETRIEVAL_PREFIX}/similar",
                                 json=similar_request.model_dump(mode="json"))
        return SimilarResponse.model_validate_json(response.content)

    def similar_to_pdf(
        self,
        source: str | Path | bytes,
        *,
        filename: str | None = None,
        limit: int = 10,
        mode: SearchMode = "hybrid",
        filters: CaseFilters | dict | None = None,
        include_metadata: bool = False,
        include_sections: bool = False,
    ) -> SimilarResponse:
        """The cases most like a PDF (a path, or its bytes), which the server reads but does not store."""
        if isinstance(source, bytes):
            pdf_bytes, filename = source, filename or "query.pdf"
        else:
            path = Path(source)
            pdf_bytes, filename = path.read_bytes(), filename or path.name
        form_fields = {"limit": str(limit), "mode": mode, **_filter_fields(filters),
                       "include_metadata": _form_bool(include_metadata),
                       "include_sections": _form_bool(include_sections)}
        response = self._request("POST", f"{RETRIEVAL_PREFIX}/similar", data=form_fields,
                                 files={"file": (filename, pdf_bytes, "application/pdf")})
        return SimilarResponse.model_validate_json(response.content)

    def case(self, case_id: str, *, include_content: bool = False) -> CaseResponse:
        """A stored case: metadata, sections, status; its texts with ``include_content``."""
        response = self._request("GET", f"{RETRIEVAL_PREFIX}/case/{quote(case_id, safe='')}",
                                 params={"include_content": _form_bool(include_content)})
        return CaseResponse.model_validate_json(response.content)

    def case_pdf(self, case_id: str) -> bytes:
        """The PDF an uploaded case was extracted from (404 for a case ingested from a folder)."""
        return self._request("GET", f"{RETRIEVAL_PREFIX}/case/{quote(case_id, safe='')}/pdf").content

    def filter_cases(
        self, filters: CaseFilters | dict | None = None, *, skip: int = 0, limit: int = 20
    ) -> CaseListResponse:
        """One page of the indexed cases matching ``filters``, newest decision first."""
        params = {**_filter_fields(filters), "skip": skip, "limit": limit}
        response = self._request("GET", f"{RETRIEVAL_PREFIX}/filter", params=params)
        return CaseListResponse.model_validate_json(response.content)

    def retrieval_stats(self) -> RetrievalStatsResponse:
        return self._get_model(f"{RETRIEVAL_PREFIX}/stats", RetrievalStatsResponse)

    def courts(self) -> MetadataValuesResponse:
        """The courts of the indexed cases, with how many cases each."""
        return self._get_model(f"{RETRIEVAL_PREFIX}/metadata/courts", MetadataValuesResponse)

    def case_types(self) -> MetadataValuesResponse:
        """The case types of the indexed cases, with how many cases each."""
        return self._get_model(f"{RETRIEVAL_PREFIX}/metadata/case-types", MetadataValuesResponse)

    # Summarization (abstractive summaries take a while on CPUs: ``timeout`` is per call)

    def summarize_case(
        self, case_id: str, *, length: str | int = "medium", focus_areas: list[str] | None = None,
        mode: SummaryMode = "both", timeout: float = GENERATION_TIMEOUT_S,
    ) -> SummaryResponse:
        """Summaries of a stored case (``summaries.extractive`` / ``.abstractive``), which the
        server also stores."""
        body = SummarizeCaseRequest(case_id=case_id, length=length, focus_areas=focus_areas or [], mode=mode)
        response = self._request("POST", f"{SUMMARIZATION_PREFIX}/summarize1", json=body.model_dump(),
                                 timeout=timeout)
        return SummaryResponse.model_validate_json(response.content)

    def summarize_many(
        self, case_ids: list[str], *, length: str | int = "medium", focus_areas: list[str] | None = None,
        mode: str = "extractive", timeout: float = GENERATION_TIMEOUT_S,
    ) -> ComparisonResponse:
        """Each case summarised, then compared (2 to 10 cases)."""
        body = SummarizeManyRequest(case_ids=case_ids, length=length, focus_areas=focus_areas or [], mode=mode)
        response = self._request("POST", f"{SUMMARIZATION_PREFIX}/summarize-many", json=body.model_dump(),
                                 timeout=timeout)
        return ComparisonResponse.model_validate_json(response.content)

    def summarize_pdf(
        self, source: str | Path | bytes, *, filename: str | None = None, length: str | int = "medium",
        focus_areas: list[str] | None = None, mode: SummaryMode = "both", store: bool = False,
        timeout: float = GENERATION_TIMEOUT_S,
    ) -> SummaryResponse:
        """Summaries of a PDF (a path, or its bytes), which the server reads but does not keep;
        with ``store`` it keeps the summary, under the file's sha256."""
        if isinstance(source, bytes):
            pdf_bytes, filename = source, filename or "upload.pdf"
        else:
            path = Path(source)
            pdf_bytes, filename = path.read_bytes(), filename or path.name
        SummarizeUploadForm(length=length, focus_areas=focus_areas or [], mode=mode, store=store)
        form_fields = {"length": str(length), "mode": mode, "store": _form_bool(store),
                       "focus_areas": ",".join(focus_areas or [])}
        response = self._request("POST", f"{SUMMARIZATION_PREFIX}/summarize-uploaded", data=form_fields,
                                 files={"file": (filename, pdf_bytes, "application/pdf")}, timeout=timeout)
        return SummaryResponse.model_validate_json(response.content)

    def summarize_text(
        self, text: str, *, length: str | int = "medium", focus_areas: list[str] | None = None,
        mode: SummaryMode = "both", timeout: float = GENERATION_TIMEOUT_S,
    ) -> SummaryResponse:
        """Summaries of plain text (no pages; not stored)."""
        body = SummarizeTextRequest(text=text, length=length, focus_areas=focus_areas or [], mode=mode)
        response = self._request("POST", f"{SUMMARIZATION_PREFIX}/summarize-text", json=body.model_dump(),
                                 timeout=timeout)
        return SummaryResponse.model_validate_json(response.content)

    def stored_summaries(self, case_id: str) -> StoredSummariesResponse:
        """Stored summaries of a case (or of an upload, by its sha256), newest first."""
        return self._get_model(f"{SUMMARIZATION_PREFIX}/summary/{quote(case_id, safe='')}",
                               StoredSummariesResponse)

    def supported_lengths(self) -> SupportedLengthsResponse:
        return self._get_model(f"{SUMMARIZATION_PREFIX}/supported-lengths", SupportedLengthsResponse)

    def summary_focus_areas(self) -> FocusAreasResponse:
        return self._get_model(f"{SUMMARIZATION_PREFIX}/focus-areas", FocusAreasResponse)

    # Questions (each question's answer is made by the LLM: ``timeout`` is per call)

    def generate_questions(
        self, *, case_id: str | None = None, text: str | None = None, question_type: str = "common",
        difficulty: str = "medium", num_questions: int = 5, focus_areas: list[str] | None = None,
        timeout: float = GENERATION_TIMEOUT_S,
    ) -> QuestionSetResponse:
        """``num_questions`` questions about a stored case (which the server stores) or about plain
        text, each with its answer and ``source`` (page, char span, passage); exactly one of
        ``case_id`` and ``text``. ``POST /qa-<type>`` is the same with the type in the path."""
        body = QuestionRequest(case_id=case_id, text=text, question_type=question_type, difficulty=difficulty,
                               num_questions=num_questions, focus_areas=focus_areas or [])
        response = self._request("POST", f"{QUESTIONS_PREFIX}/generate", json=body.model_dump(exclude_none=True),
                                 timeout=timeout)
        return QuestionSetResponse.model_validate_json(response.content)

    def generate_questions_from_pdf(
        self, source: str | Path | bytes, *, filename: str | None = None, question_type: str = "common",
        difficulty: str = "medium", num_questions: int = 5, focus_areas: list[str] | None = None,
        store: bool = False, timeout: float = GENERATION_TIMEOUT_S,
    ) -> QuestionSetResponse:
        """Questions about a PDF (a path, or its bytes), which the server reads but does not keep;
        with ``store`` it keeps the questions, under the file's sha256."""
        if isinstance(source, bytes):
            pdf_bytes, filename = source, filename or "upload.pdf"
        else:
            path = Path(source)
            pdf_bytes, filename = path.read_bytes(), filename or path.name
        QuestionUploadForm(question_type=question_type, difficulty=difficulty, num_questions=num_questions,
                           focus_areas=focus_areas or [], store=store)
        form_fields = {"question_type": question_type, "difficulty": difficulty, "num_questions": str(num_questions),
                       "focus_areas": ",".join(focus_areas or []), "store": _form_bool(store)}
        response = self._request("POST", f"{QUESTIONS_PREFIX}/generate-from-upload", data=form_fields,
                                 files={"file": (filename, pdf_bytes, "application/pdf")}, timeout=timeout)
        return QuestionSetResponse.model_validate_json(response.content)

    def stored_questions(self, case_id: str) -> StoredQuestionSetsResponse:
        """Stored question sets of a case (or of an upload, by its sha256), newest first."""
        return self._get_model(f"{QUESTIONS_PREFIX}/case/{quote(case_id, safe='')}/questions",
                               StoredQuestionSetsResponse)

    def question_types(self) -> QuestionTypesResponse:
        return self._get_model(f"{QUESTIONS_PREFIX}/types", QuestionTypesResponse)

    def question_focus_areas(self) -> FocusAreasResponse:
        return self._get_model(f"{QUESTIONS_PREFIX}/focus-areas", FocusAreasResponse)

    # Chat

    def chat(
        self, message: str, *, session_id: str | None = None, filters: CaseFilters | dict | None = None,
        timeout: float = GENERATION_TIMEOUT_S,
    ) -> ChatResponse:
        """An answer with citations; ``session_id`` continues a session, without one a new session
        starts (its id is in the response)."""
        body = ChatMessageRequest(message=message, session_id=session_id, filters=filters or CaseFilters())
        response = self._request("POST", f"{CHAT_PREFIX}/message", json=body.model_dump(mode="json"),
                                 timeout=timeout)
        return ChatResponse.model_validate_json(response.content)

    def chat_stream(
        self, message: str, *, session_id: str | None = None, filters: CaseFilters | dict | None = None,
        timeout: float = GENERATION_TIMEOUT_S,
    ) -> Iterator[dict]:
        """The answer as it is written: ``{"type": "token", "text"}`` events, then
        ``{"type": "answer", ...}`` with the whole response (citations included)."""
        body = ChatMessageRequest(message=message, session_id=session_id, filters=filters or CaseFilters(),
                                  stream=True)
        with self._http.stream("POST", f"{CHAT_PREFIX}/message", json=body.model_dump(mode="json"),
                               timeout=timeout) as response:
            if not response.is_success:
                response.read()
                raise LexRayAPIError.from_response(response)
            for line in response.iter_lines():
                if not line.startswith("data: ") or line == "data: [DONE]":
                    continue
                event = json.loads(line[len("data: "):])
                if "error" in event:  # failed after the response (status 200) began
                    raise LexRayAPIError.from_response(httpx.Response(response.status_code, json=event))
                yield event

    def ask(self, message: str, *, filters: CaseFilters | dict | None = None,
            timeout: float = GENERATION_TIMEOUT_S) -> ChatResponse:
        """A one-shot answer with citations; no session is kept."""
        body = ChatAskRequest(message=message, filters=filters or CaseFilters())
        response = self._request("POST", f"{CHAT_PREFIX}/ask", json=body.model_dump(mode="json"), timeout=timeout)
        return ChatResponse.model_validate_json(response.content)

    def conversation(self, session_id: str) -> ChatSessionResponse:
        return self._get_model(f"{CHAT_PREFIX}/conversation/{quote(session_id, safe='')}", ChatSessionResponse)

    def chat_sessions(self, *, skip: int = 0, limit: int = 20) -> ChatSessionListResponse:
        """The tenant's chat sessions without their messages, most recently used first."""
        response = self._request("GET", f"{CHAT_PREFIX}/sessions", params={"skip": skip, "limit": limit})
        return ChatSessionListResponse.model_validate_json(response.content)

    def delete_conversation(self, session_id: str) -> DeletedSessionResponse:
        response = self._request("DELETE", f"{CHAT_PREFIX}/conversation/{quote(session_id, safe='')}")
        return DeletedSessionResponse.model_validate_json(response.content)

    def new_session(self) -> NewSessionResponse:
        return self._get_model(f"{CHAT_PREFIX}/session/new", NewSessionResponse)

    def intents(self) -> IntentsResponse:
        return self._get_model(f"{CHAT_PREFIX}/intents", IntentsResponse)

    def suggestions(self, session_id: str | None = None) -> SuggestionsResponse:
        params = {"session_id": session_id} if session_id else {}
        response = self._request("GET", f"{CHAT_PREFIX}/suggestions", params=params)
        return SuggestionsResponse.model_validate_json(response.content)

    # The citator

    def citator_case(self, case_id: str) -> CitatorCaseResponse:
        """What a stored case cites (each resolved to a case or not) and the cases citing it."""
        return self._get_model(f"{CITATOR_PREFIX}/case/{quote(case_id, safe='')}", CitatorCaseResponse)

    def verify_citations(self, text: str) -> VerifyResponse:
        """Each citation of ``text``: found among the tenant's cases, not found, ambiguous, or of
        an unknown reporter."""
        body = VerifyRequest(text=text).model_dump(mode="json")
        return VerifyResponse.model_validate_json(self._request("POST", f"{CITATOR_PREFIX}/verify", json=body).content)

    # Erasure and the audit trail

    def delete_case(self, case_id: str) -> CaseErasureResponse:
        """Erase one of the tenant's cases and everything stored of it (404: no such case)."""
        response = self._request("DELETE", f"/api/v1/cases/{quote(case_id, safe='')}")
        return CaseErasureResponse.model_validate_json(response.content)

    def audit(self, *, skip: int = 0, limit: int = 50) -> AuditLogResponse:
        """One page of the tenant's audit entries, newest first."""
        response = self._request("GET", "/api/v1/audit", params={"skip": skip, "limit": limit})
        return AuditLogResponse.model_validate_json(response.content)

    def _poll(
        self,
        fetch: Callable[[], ModelT],
        *,
        done: Callable[[ModelT], bool],
        describe: Callable[[ModelT], str],
        timeout_s: float,
        poll_s: float,
    ) -> ModelT:
        deadline = time.monotonic() + timeout_s
        while True:
            latest = fetch()
            if done(latest):
                return latest
            remaining_s = deadline - time.monotonic()
            if remaining_s <= 0:
                raise TimeoutError(f"{describe(latest)} after {timeout_s:g} s")
            time.sleep(min(poll_s, remaining_s))

    def _get_model(self, path: str, model: type[ModelT]) -> ModelT:
        return model.model_validate_json(self._request("GET", path).content)

    def _probe(self, path: str) -> bool:
        try:
            self._request("GET", path)
        except LexRayAPIError as error:
            if error.status_code == 503:
                return False
            raise
        return True

    def _request(self, method: str, path: str, **kwargs) -> httpx.Response:
        retries_left = self.max_retries_on_429
        while True:
            response = self._http.request(method, path, **kwargs)
            if response.is_success:
                return response
            error = LexRayAPIError.from_response(response)
            if response.status_code != 429 or retries_left <= 0:
                raise error
            retries_left -= 1
            time.sleep(DEFAULT_RETRY_AFTER_S if error.retry_after is None else error.retry_after)
