"""Request and response models of the HTTP API (one module, shared by gateway and client)."""

from __future__ import annotations

from datetime import date as Date  # 'date' is also a field name below
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lexray.models import CaseFilters, CaseMetadata, CaseSection
from lexray.summary_options import DEFAULT_LENGTH, FOCUS_AREAS, MAX_SUMMARY_WORDS, validate_options, word_budget


class ErrorDetail(BaseModel):
    code: str = Field(description="Machine-readable error code, e.g. 'not_pdf', 'rate_limited'.")
    message: str
    request_id: str
    timestamp: datetime


class ErrorResponse(BaseModel):
    """The one error shape of every non-2xx response."""

    error: ErrorDetail


class UploadResponse(BaseModel):
    case_id: str
    duplicate: bool
    processing_status: str
    original_filename: str


class ProcessingLogItem(BaseModel):
    status: str
    message: str
    at: datetime


class CaseStatusResponse(BaseModel):
    case_id: str
    processing_status: str
    failure_reason: str | None = None
    original_filename: str | None = None
    title: str | None = None
    page_count: int = 0
    chunk_count: int = 0
    processing_log: list[ProcessingLogItem] = Field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None


class IngestionStatsResponse(BaseModel):
    tenant_id: str
    total_cases: int
    by_status: dict[str, int]
    total_chunks: int
    indexed_vectors: int | None = Field(None, description="Vectors in the index for all tenants.")


class BatchRequest(BaseModel):
    folder: str = Field(
        min_length=1, max_length=4096,
        description="Folder of PDFs, relative to the server's batch root (LEXRAY_API_BATCH_ROOT).",
    )
    retry_failed: bool = False


class StageProgress(BaseModel):
    stage: Literal["extract", "enrich", "embed", "index"]
    done: int = Field(description="Documents that have left this stage (any outcome).")
    total: int | None = Field(None, description="Documents in the job (known once it runs).")
    rate_per_s: float | None = Field(None, description="Documents per second since the stage's first one.")
    eta_s: float | None = Field(None, description="Seconds left for this stage at that rate.")


class BatchJobResponse(BaseModel):
    job_id: str
    status: Literal["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "STOPPED", "UNKNOWN"]
    folder: str
    total: int | None = None
    done: int = Field(0, description="Documents finished (indexed, duplicate or failed).")
    ingested: int = 0
    duplicates: int = Field(0, description="Already stored (a resubmitted job skips them).")
    failed: int = 0
    resumed: int = Field(0, description="Half-done documents of an interrupted run, finished now.")
    attempts: int = Field(0, description="Runs of this job (a killed job resubmitted runs again).")
    stages: list[StageProgress] = Field(default_factory=list, description="Per-stage progress.")
    summary: dict | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class ComponentHealth(BaseModel):
    status: Literal["healthy", "unhealthy"]
    detail: str


class HealthResponse(BaseModel):
    status: Literal["healthy", "degraded"]
    version: str
    components: dict[str, ComponentHealth]


class ComponentStatus(BaseModel):
    status: Literal["healthy", "unhealthy"]


class PublicHealthResponse(BaseModel):
    """``GET /health``: statuses only; the detail is on ``GET /api/v1/operator/health``."""

    status: Literal["healthy", "degraded"]
    version: str
    components: dict[str, ComponentStatus]


class RootResponse(BaseModel):
    name: str
    version: str
    links: dict[str, str]


# Retrieval

SearchMode = Literal["bm25", "dense", "hybrid"]
MAX_QUERY_CHARS = 1_000_000
MAX_RESULTS = 100


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must contain a non-space character")
    return text


def _comma_separated(value: Any) -> Any:
    """A form's list field: comma-separated, the field repeated, or both.

    >>> _comma_separated(["facts, holding", "relief"])
    ['facts', 'holding', 'relief']
    """
    values = [value] if isinstance(value, str) else value
    if isinstance(values, list) and all(isinstance(item, str) for item in values):
        return [item.strip() for value in values for item in value.split(",") if item.strip()]
    return value


class SearchOptions(BaseModel):
    """What every search takes besides its query."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(10, ge=1, le=MAX_RESULTS, description="Cases to return.")
    mode: SearchMode = "hybrid"
    filters: CaseFilters = Field(default_factory=CaseFilters,
                                 description="Metadata the search is restricted to, before ranking.")
    include_metadata: bool = Field(False, description="Give each hit its case's metadata.")
    include_sections: bool = Field(False, description="Give each hit its case's sections.")

    def search_options(self) -> SearchOptions:
        """Just the options (a request without its query or case id)."""
        return SearchOptions.model_validate(self.model_dump(include=set(SearchOptions.model_fields)))


class SearchRequest(SearchOptions):
    query: str = Field(
        min_length=1, max_length=MAX_QUERY_CHARS,
        description="Keywords, a fact description or a whole judgement, up to 1,000,000 characters "
                    "(longer: 422). A long query is cut into passages like a document; the first 64 "
                    "are searched.",
    )

    _query_not_blank = field_validator("query")(_not_blank)


class SimilarRequest(SearchOptions):
    case_id: str = Field(min_length=1, max_length=200, description="Find the cases most like this one.")


class FlatSearchOptions(CaseFilters):
    """``SearchOptions`` with the filters as flat fields: a query string's or a form's shape."""

    limit: int = Field(10, ge=1, le=MAX_RESULTS)
    mode: SearchMode = "hybrid"
    include_metadata: bool = False
    include_sections: bool = False

    def search_options(self) -> SearchOptions:
        return SearchOptions(
            limit=self.limit, mode=self.mode, include_metadata=self.include_metadata,
            include_sections=self.include_sections,
            filters=CaseFilters.model_validate(self.model_dump(include=set(CaseFilters.model_fields))),
        )


class TextSearchQuery(FlatSearchOptions):
    """Query parameters of ``GET /search/text``."""

    q: str = Field(min_length=1, max_length=MAX_QUERY_CHARS, description="The query.")

    _q_not_blank = field_validator("q")(_not_blank)


class SimilarForm(FlatSearchOptions):
    """Form fields of a multipart ``POST /similar`` (beside the PDF ``file``)."""

    case_id: str | None = Field(None, min_length=1, max_length=200)


class CaseListQuery(CaseFilters):
    """Query parameters of ``GET /filter``."""

    skip: int = Field(0, ge=0)
    limit: int = Field(20, ge=1, le=MAX_RESULTS)

    def case_filters(self) -> CaseFilters:
        return CaseFilters.model_validate(self.model_dump(include=set(CaseFilters.model_fields)))


class MatchedChunk(BaseModel):
    """A chunk that made its case a hit: ``text`` is ``cleaned_content[char_start:char_end]``."""

    chunk_id: str
    score: float
    page_numbers: list[int]
    char_start: int
    char_end: int
    text: str
    snippet: str = Field(description="HTML: the best ~240 characters, query terms in <mark>, "
                                     "the rest escaped.")


class SearchHit(BaseModel):
    case_id: str
    title: str | None = None
    court: str | None = None
    date: Date | None = Field(None, description="Date decided, else date filed.")
    score: float
    snippet: str = Field("", description="The best chunk's snippet.")
    chunks: list[MatchedChunk]
    metadata: CaseMetadata | None = Field(None, description="With include_metadata.")
    sections: list[CaseSection] | None = Field(None, description="With include_sections.")


class SearchResponse(BaseModel):
    query: str = Field(description="The query (its first 500 characters).")
    mode: SearchMode
    filters: CaseFilters
    results: list[SearchHit]


class SimilarResponse(BaseModel):
    source_case_id: str | None = Field(None, description="The case the hits are like (excluded).")
    source_filename: str | None = Field(None, description="The uploaded PDF the hits are like.")
    mode: SearchMode
    filters: CaseFilters
    results: list[SearchHit]


class CaseResponse(BaseModel):
    case_id: str
    title: str | None = None
    original_filename: str | None = None
    processing_status: str
    failure_reason: str | None = None
    page_count: int = 0
    chunk_count: int = 0
    metadata: CaseMetadata
    sections: list[CaseSection] = Field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    processed_at: datetime | None = None
    content: str | None = Field(None, description="Extracted text (with include_content).")
    cleaned_content: str | None = Field(
        None, description="Cleaned text, which chunk offsets index (with include_content).")


class CaseSummary(BaseModel):
    case_id: str
    title: str | None = None
    court: str | None = None
    case_type: str | None = None
    jurisdiction: str | None = None
    date: Date | None = Field(None, description="Date decided, else date filed.")
    original_filename: str | None = None
    chunk_count: int = 0
    metadata: CaseMetadata


class CaseListResponse(BaseModel):
    total: int = Field(description="Indexed cases matching the filters.")
    skip: int
    limit: int
    filters: CaseFilters
    cases: list[CaseSummary] = Field(description="Newest decision first.")


class IndexStats(BaseModel):
    """The index as a whole (every tenant's vectors)."""

    vectors: int
    shard_vectors: list[int] = Field(description="Vectors per shard.")
    shards: int
    dimension: int | None = None


class RetrievalStatsResponse(BaseModel):
    tenant_id: str
    total_cases: int
    cases_by_status: dict[str, int]
    indexed_cases: int
    total_chunks: int
    index: IndexStats | None = Field(None, description="None while the index actor is unavailable.")


class ValueCount(BaseModel):
    value: str
    count: int = Field(description="Indexed cases with this value.")


class MetadataValuesResponse(BaseModel):
    field: Literal["court", "case_type"]
    values: list[ValueCount] = Field(description="Most frequent first.")


# OpenAI-compatible text generation (/v1): the subset of OpenAI's API the LLM deployment serves.

OpenAIRole = Literal["system", "user", "assistant"]


class OpenAITextPart(BaseModel):
    type: Literal["text"]
    text: str


class OpenAIChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: OpenAIRole
    content: str | list[OpenAITextPart]
    name: str | None = None

    def text(self) -> str:
        return self.content if isinstance(self.content, str) else "".join(p.text for p in self.content)


class OpenAIStreamOptions(BaseModel):
    include_usage: bool = Field(False, description="Send a last chunk with the token usage.")


class OpenAIJsonSchema(BaseModel):
    name: str = Field("response", max_length=64)
    description: str | None = None
    json_schema: dict[str, Any] = Field(alias="schema", description="The JSON Schema of the output.")
    strict: bool | None = None


class OpenAIResponseFormat(BaseModel):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: OpenAIJsonSchema | None = None

    @model_validator(mode="after")
    def _schema_with_its_type(self) -> OpenAIResponseFormat:
        if (self.type == "json_schema") != (self.json_schema is not None):
            raise ValueError("json_schema is required with type 'json_schema' and only with it")
        return self


class OpenAISampling(BaseModel):
    """Fields shared by chat and text completion requests. Unknown OpenAI fields are ignored."""

    model_config = ConfigDict(extra="ignore")

    model: str | None = Field(None, description="The served model's id (GET /v1/models); optional.")
    max_tokens: int | None = Field(None, ge=1, description="Completion tokens at most; prompt plus "
                                   "completion must fit the model's context.")
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, gt=0, le=1)
    n: int = Field(1, ge=1, le=1, description="Choices per request; only 1 is supported.")
    stop: str | list[str] | None = Field(None, description="Up to 4 stop sequences.")
    seed: int | None = None
    presence_penalty: float = Field(0.0, ge=-2, le=2)
    frequency_penalty: float = Field(0.0, ge=-2, le=2)
    repetition_penalty: float | None = Field(None, gt=0, le=2, description="vLLM's extension; "
                                             "default from the server's settings.")
    stream: bool = Field(False, description="Server-sent events, ending with `data: [DONE]`.")
    stream_options: OpenAIStreamOptions | None = None
    user: str | None = None

    @field_validator("stop")
    @classmethod
    def _at_most_four_stops(cls, stop: str | list[str] | None) -> str | list[str] | None:
        if isinstance(stop, list) and len(stop) > 4:
            raise ValueError("at most 4 stop sequences")
        return stop

    def include_usage(self) -> bool:
        return bool(self.stream_options and self.stream_options.include_usage)

    def generation_params(self) -> dict[str, Any]:
        """The LLM deployment's ``params`` (``generation.engine.GenerationOptions`` fields)."""
        params = {"max_tokens": self.max_tokens, "temperature": self.temperature, "top_p": self.top_p,
                  "repetition_penalty": self.repetition_penalty, "seed": self.seed,
                  "presence_penalty": self.presence_penalty, "frequency_penalty": self.frequency_penalty,
                  "stop": self.stop}
        return {name: value for name, value in params.items() if value is not None}


class ChatCompletionRequest(OpenAISampling):
    messages: list[OpenAIChatMessage] = Field(min_length=1)
    max_completion_tokens: int | None = Field(None, ge=1, description="OpenAI's newer name of max_tokens.")
    response_format: OpenAIResponseFormat | None = Field(
        None, description="json_object or json_schema: output constrained by vLLM's guided decoding.")

    def chat_messages(self) -> list[dict[str, str]]:
        return [{"role": message.role, "content": message.text()} for message in self.messages]

    def generation_params(self) -> dict[str, Any]:
        params = super().generation_params()
        if self.max_completion_tokens is not None:
            params["max_tokens"] = self.max_completion_tokens
        if self.response_format is not None and self.response_format.json_schema is not None:
            params["json_schema"] = self.response_format.json_schema.json_schema
        elif self.response_format is not None and self.response_format.type == "json_object":
            params["json_object"] = True
        return params


class CompletionRequest(OpenAISampling):
    prompt: str | list[str] = Field(description="The text to continue (a list of one is accepted).")

    @field_validator("prompt")
    @classmethod
    def _one_prompt(cls, prompt: str | list[str]) -> str | list[str]:
        if isinstance(prompt, list) and len(prompt) != 1:
            raise ValueError("exactly one prompt per request is supported")
        if not (prompt if isinstance(prompt, str) else prompt[0]).strip():
            raise ValueError("must contain a non-space character")
        return prompt

    def prompt_text(self) -> str:
        return self.prompt if isinstance(self.prompt, str) else self.prompt[0]


class OpenAIUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletionMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChatCompletionChoice(BaseModel):
    index: int
    message: ChatCompletionMessage
    finish_reason: str | None
    logprobs: None = None


class ChatCompletionResponse(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatCompletionChoice]
    usage: OpenAIUsage


class CompletionChoice(BaseModel):
    index: int
    text: str
    finish_reason: str | None
    logprobs: None = None


class CompletionResponse(BaseModel):
    id: str
    object: Literal["text_completion"] = "text_completion"
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: OpenAIUsage


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "lexray"
    max_model_len: int = Field(description="Context length: prompt plus completion tokens.")


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


# Summarization

SummaryMode = Literal["extractive", "abstractive", "both"]
MAX_SUMMARY_TEXT_CHARS = 300_000
MAX_COMPARED_CASES = 10


class SummaryScope(BaseModel):
    """Length and focus, which every summarization request takes."""

    model_config = ConfigDict(extra="forbid")

    length: str | int = Field(
        DEFAULT_LENGTH, description=f"short (100 words), medium (250), long (500), or a word count "
                                    f"from 1 to {MAX_SUMMARY_WORDS}.")
    focus_areas: list[str] = Field(
        default_factory=list, max_length=len(FOCUS_AREAS),
        description="Any of GET /focus-areas: sentences (extractive) and instructions (abstractive) "
                    "lean toward them.")

    @field_validator("length", mode="before")
    @classmethod
    def _preset_or_count(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ValueError("must be short, medium, long or a word count")
        return value

    # SummaryOptionError is a ValueError: pydantic reports it as a 422 on the field.
    @field_validator("length")
    @classmethod
    def _known_length(cls, length: str | int) -> str | int:
        validate_options(length, ())
        return length

    @field_validator("focus_areas")
    @classmethod
    def _known_focus_areas(cls, focus_areas: list[str]) -> list[str]:
        validate_options(DEFAULT_LENGTH, focus_areas)
        return list(dict.fromkeys(focus_areas))

    def target_words(self) -> int:
        return word_budget(self.length)


class SummaryOptions(SummaryScope):
    mode: SummaryMode = Field("both", description="extractive (LexRank sentences with their spans), "
                                                  "abstractive (map-reduce on the LLM), or both.")


class SummarizeCaseRequest(SummaryOptions):
    case_id: str = Field(min_length=1, max_length=200)


class SummarizeTextRequest(SummaryOptions):
    text: str = Field(min_length=1, max_length=MAX_SUMMARY_TEXT_CHARS,
                      description=f"Plain text, up to {MAX_SUMMARY_TEXT_CHARS:,} characters (longer: 422).")

    _text_not_blank = field_validator("text")(_not_blank)


class SummarizeUploadForm(SummaryOptions):
    """Form fields of ``POST /summarize-uploaded`` beside the PDF ``file``."""

    store: bool = Field(False, description="Keep the summary, keyed by the file's sha256 (the PDF "
                                           "itself is not stored or ingested).")

    _focus_areas_from_form = field_validator("focus_areas", mode="before")(_comma_separated)


class SummarizeManyRequest(SummaryScope):
    case_ids: list[str] = Field(min_length=2, max_length=MAX_COMPARED_CASES,
                                description="2 to 10 distinct cases of the caller's tenant.")
    mode: Literal["extractive", "abstractive"] = Field(
        "extractive", description="How each case is summarised before the comparison pass "
                                  "(which is always generated).")

    @field_validator("case_ids")
    @classmethod
    def _distinct_ids(cls, case_ids: list[str]) -> list[str]:
        if any(not 1 <= len(case_id) <= 200 for case_id in case_ids):
            raise ValueError("each case id must have 1 to 200 characters")
        if len(set(case_ids)) != len(case_ids):
            raise ValueError("case ids must be distinct")
        return case_ids


class SummarySentenceItem(BaseModel):
    """``text`` is the source text's ``[char_start, char_end)``."""

    text: str
    page: int | None = Field(description="First page the sentence lies on; None for plain text.")
    pages: list[int]
    char_start: int
    char_end: int


class ExtractiveSummaryResult(BaseModel):
    text: str
    pages: list[int] = Field(description="Every page the sentences lie on.")
    word_count: int
    sentences: list[SummarySentenceItem] = Field(description="In document order.")


class SummaryPartItem(BaseModel):
    """A part of the text the map step summarised."""

    sections: list[str] = Field(description="The sections it covers ('caption': before the first "
                                            "heading; 'text': no section found).")
    char_start: int
    char_end: int
    pages: list[int] = Field(description="Pages of the sentences the model read from this part.")


class AbstractiveSummaryResult(BaseModel):
    text: str
    pages: list[int] = Field(description="Every page of the parts used.")
    word_count: int
    parts_used: list[SummaryPartItem]
    model: str


class SummaryResults(BaseModel):
    extractive: ExtractiveSummaryResult | None = None
    abstractive: AbstractiveSummaryResult | None = None


class SummaryResponse(BaseModel):
    summary_id: str | None = Field(None, description="Set when stored.")
    source: Literal["case", "upload", "text"]
    case_id: str | None = None
    document_hash: str | None = Field(None, description="sha256 of the case's or upload's bytes.")
    filename: str | None = None
    title: str | None = None
    length: str | int
    target_words: int
    focus_areas: list[str]
    mode: SummaryMode
    summaries: SummaryResults
    stored: bool
    created_at: datetime


class StoredSummariesResponse(BaseModel):
    case_id: str = Field(description="The case id or upload sha256 asked for.")
    summaries: list[SummaryResponse] = Field(description="Newest first.")


class ComparedCase(BaseModel):
    case_id: str
    title: str | None = None
    summary: str
    pages: list[int]
    word_count: int


class ComparisonResult(BaseModel):
    text: str
    model: str


class ComparisonResponse(BaseModel):
    case_ids: list[str]
    length: str | int
    target_words: int
    focus_areas: list[str]
    mode: Literal["extractive", "abstractive"]
    cases: list[ComparedCase] = Field(description="In the order asked, each with the pages it drew on.")
    comparison: ComparisonResult


class LengthPreset(BaseModel):
    name: str
    words: int


class SupportedLengthsResponse(BaseModel):
    lengths: list[LengthPreset]
    default: str
    min_words: int
    max_words: int


class FocusAreaItem(BaseModel):
    name: str
    description: str
    keywords: list[str]


class FocusAreasResponse(BaseModel):
    focus_areas: list[FocusAreaItem]


# Questions

QuestionTypeName = Literal["common", "rare", "unexpected"]
DifficultyName = Literal["easy", "medium", "hard"]


class QuestionOptions(BaseModel):
    """What every question request takes besides its input."""

    model_config = ConfigDict(extra="forbid")

    difficulty: DifficultyName = Field("medium", description="easy (a short fact, verbatim from the "
                                       "passage), medium (a rule or holding), hard (the reasoning).")
    num_questions: int = Field(5, ge=1, description="Distinct questions wanted, 1 to the server's "
                               "questions.max_questions (default 20); exactly this many come back, or a 422.")
    focus_areas: list[str] = Field(
        default_factory=list, max_length=len(FOCUS_AREAS),
        description="Any of GET /focus-areas: passages holding their keywords are asked about first.")

    @field_validator("num_questions", mode="before")
    @classmethod
    def _whole_number(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be a whole number")
        return value

    @field_validator("focus_areas")
    @classmethod
    def _known_focus_areas(cls, focus_areas: list[str]) -> list[str]:
        unknown = [area for area in focus_areas if area not in FOCUS_AREAS]
        if unknown:
            raise ValueError(f"unknown focus area {unknown[0]!r}; use any of {', '.join(FOCUS_AREAS)}")
        return list(dict.fromkeys(focus_areas))


class TypedQuestionRequest(QuestionOptions):
    """Body of ``POST /qa-common``, ``/qa-rare``, ``/qa-unexpected``: a case or a text."""

    case_id: str | None = Field(None, min_length=1, max_length=200, description="A stored case of the tenant.")
    text: str | None = Field(None, min_length=1, description="Or plain text (no pages; never stored), up to "
                             "the server's questions.max_text_chars (default 300,000).")

    _text_not_blank = field_validator("text")(lambda cls, text: text if text is None else _not_blank(text))

    @model_validator(mode="after")
    def _case_or_text(self) -> TypedQuestionRequest:
        if (self.case_id is None) == (self.text is None):
            raise ValueError("give exactly one of case_id and text")
        return self


class QuestionRequest(TypedQuestionRequest):
    """Body of ``POST /generate``."""

    question_type: QuestionTypeName = Field("common", description="common (the main points), rare "
                                            "(specific details), unexpected (asides, outliers).")


class QuestionUploadForm(QuestionOptions):
    """Form fields of ``POST /generate-from-upload`` beside the PDF ``file``."""

    question_type: QuestionTypeName = "common"
    store: bool = Field(False, description="Keep the questions, keyed by the file's sha256 (the PDF itself "
                                           "is not stored or ingested).")

    _focus_areas_from_form = field_validator("focus_areas", mode="before")(_comma_separated)


class QuestionSourceSpan(BaseModel):
    """The passage a question was made from: ``text`` is the source text's ``[char_start, char_end)``."""

    case_id: str | None = Field(description="None for plain text and uploads.")
    page: int | None = Field(description="First page of the passage; None for plain text.")
    pages: list[int]
    char_start: int
    char_end: int
    text: str


class QuestionItem(BaseModel):
    question: str
    type: QuestionTypeName
    difficulty: DifficultyName
    answer: str = Field(description="Grounded in the passage: most of its words are the passage's; for easy "
                                    "questions a fact copied from it.")
    source: QuestionSourceSpan


class QuestionGenerationStats(BaseModel):
    passages_tried: int = Field(description="Passages the model was asked about.")
    model_calls: int = Field(description="Calls to the model, retries included.")
    rejected: dict[str, int] = Field(description="Replies refused (and duplicate questions dropped), by reason.")


class QuestionSetResponse(BaseModel):
    question_set_id: str | None = Field(None, description="Set when stored.")
    origin: Literal["case", "upload", "text"]
    case_id: str | None = None
    document_hash: str | None = Field(None, description="sha256 of the case's or upload's bytes.")
    filename: str | None = None
    title: str | None = None
    question_type: QuestionTypeName
    difficulty: DifficultyName
    num_questions: int
    focus_areas: list[str]
    model: str
    questions: list[QuestionItem] = Field(description="Exactly num_questions, distinct, best passages first.")
    generation: QuestionGenerationStats
    stored: bool
    created_at: datetime


class StoredQuestionSetsResponse(BaseModel):
    case_id: str = Field(description="The case id or upload sha256 asked for.")
    question_sets: list[QuestionSetResponse] = Field(description="Newest first.")


class NamedOption(BaseModel):
    name: str
    description: str


class QuestionTypesResponse(BaseModel):
    question_types: list[NamedOption]
    difficulties: list[NamedOption]
    default_type: QuestionTypeName
    default_difficulty: DifficultyName
    max_questions: int



# Chat

# Longest session id accepted (ours are 32 hex characters); longer ones are 422, not a lookup.
MAX_SESSION_ID_CHARS = 100


class ChatAskRequest(BaseModel):
    """One question, answered from the tenant's cases with citations; no session kept."""

    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, description="The question (at most `chat.max_message_chars`, "
                                                   "4,000 by default; longer: 422).")
    filters: CaseFilters = Field(default_factory=CaseFilters,
                                 description="Search only cases with this metadata.")

    _message_not_blank = field_validator("message")(_not_blank)


class ChatMessageRequest(ChatAskRequest):
    """A message in a session: a new one when `session_id` is absent."""

    session_id: str | None = Field(None, min_length=1, max_length=MAX_SESSION_ID_CHARS,
                                   description="Continue this session (404 if unknown).")
    stream: bool = Field(False, description="Answer as server-sent events: `token` events, then "
                                            "one `answer` event with the response body, then `[DONE]`.")


class ChatCitation(BaseModel):
    marker: int = Field(description="The [n] in the answer.")
    case_id: str | None = Field(description="None once the cited case was erased (then `erased`).")
    erased: bool = Field(False, description="The cited case was erased: its title, pages and snippet "
                                            "are gone, and so is the answer text that cited it.")
    title: str | None
    page: int | None = Field(description="First page of the cited chunk.")
    pages: list[int]
    char_start: int = Field(description="Span of the chunk in the case's cleaned text.")
    char_end: int
    chunk_id: str
    snippet: str = Field(description="The chunk's best window, query terms in <mark>.")


class ChatResponse(BaseModel):
    answer: str
    session_id: str | None = Field(description="None for /ask.")
    citations: list[ChatCitation]
    intent: str
    query: str | None = Field(description="What was searched: the message, or the standalone "
                                          "query a follow-up was rewritten to; None without a search.")
    found_relevant: bool = Field(description="Whether any retrieved chunk was relevant enough to use.")
    answer_kind: Literal["generated", "extracted", "fixed"] = Field(
        description="generated: the model's sentences that the cited chunks support; extracted: no "
                    "generated sentence was supported, so the cited chunks' own best-matching "
                    "sentences; fixed: written without the model (greetings, help, case lists, "
                    "nothing relevant found).")
    unsupported_sentences: int = Field(description="Sentences of the model's draft left out because "
                                                   "no retrieved chunk supports them.")
    model: str | None = Field(description="The model that wrote the answer (answer_kind generated).")
    created_at: datetime


class ChatTurnMessage(BaseModel):
    role: Literal["user", "assistant"]
    content: str
    timestamp: datetime
    intent: str | None = None
    query: str | None = None
    citations: list[ChatCitation] = Field(default_factory=list)


class ChatSessionResponse(BaseModel):
    session_id: str
    title: str | None
    created_at: datetime
    updated_at: datetime
    message_count: int = Field(description="Messages ever added; `messages` holds the newest "
                                           "`chat.max_stored_messages`.")
    messages: list[ChatTurnMessage]


class NewSessionResponse(BaseModel):
    session_id: str
    created_at: datetime


class DeletedSessionResponse(BaseModel):
    session_id: str
    deleted: bool


class IntentItem(BaseModel):
    name: str
    description: str
    examples: list[str]
    retrieves: bool = Field(description="Answered from retrieved passages.")


class IntentsResponse(BaseModel):
    intents: list[IntentItem]
    default: str


class SuggestionsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session_id: str | None = Field(None, min_length=1, max_length=MAX_SESSION_ID_CHARS,
                                   description="Suggest follow-ups to this session's last answer.")


class SuggestionsResponse(BaseModel):
    suggestions: list[str]
    based_on: Literal["session", "corpus", "starter"]


class ErasedCounts(BaseModel):
    """What an erasure removed."""

    cases: int
    chunks: int = Field(description="Chunks (text and vector) in MongoDB.")
    vectors: int | None = Field(description="Vectors removed from the index's shards; None when the "
                                            "index actor was unreachable (its reconcile with MongoDB "
                                            "removes them).")
    lexical_chunks: int | None = Field(description="Chunks removed from the BM25 index (None: as vectors).")
    uploads: int = Field(description="Stored copies of the uploaded PDF (GridFS files).")
    summaries: int = Field(description="Stored summaries of the case or of its bytes.")
    question_sets: int = Field(description="Stored question sets of the case or of its bytes.")
    chat_citations: int = Field(description="Citations of the case in chat sessions, now tombstones.")
    chat_sessions: int = Field(description="Chat sessions those citations were in (kept).")
    other_records: int = Field(description="Any other record keyed by the case id.")


class CaseErasureResponse(BaseModel):
    case_id: str
    erased: Literal[True] = True
    erased_at: datetime
    removed: ErasedCounts


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skip: int = Field(0, ge=0, le=1_000_000, description="Entries to skip (newest first).")
    limit: int = Field(50, ge=1, le=1000, description="Entries per page (at most `audit.page_max`).")


class AuditEntry(BaseModel):
    """One data access: who (tenant, key id; never the key), what (route, case ids), how it ended."""

    at: datetime
    request_id: str
    tenant_id: str
    key_id: str
    method: str
    route: str = Field(description="The route's path template, e.g. /api/v1/retrieval/case/{case_id}.")
    case_ids: list[str] = Field(description="Case ids in the path, and those the response named "
                                            "(search hits, similar cases, chat citations).")
    status: int = Field(description="The HTTP status answered.")
    duration_ms: float


class AuditLogResponse(BaseModel):
    entries: list[AuditEntry]
    skip: int
    limit: int
    total: int = Field(description="The tenant's entries still kept (the log is capped).")
