"""Search, similar cases, a case, the filtered listing, stats and metadata values."""

from __future__ import annotations

from datetime import date as Date  # 'date' is also a field name below
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lexray.models import CaseFilters, CaseMetadata, CaseSection, PageSpan
from serve_app.schemas.common import not_blank


SearchMode = Literal["bm25", "dense", "hybrid"]
MAX_QUERY_CHARS = 1_000_000
MAX_RESULTS = 100
# Deepest page offset of a listing (as the audit log's): MongoDB takes 8-byte integers only.
MAX_SKIP = 1_000_000


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

    _query_not_blank = field_validator("query")(not_blank)


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

    _q_not_blank = field_validator("q")(not_blank)


class SimilarForm(FlatSearchOptions):
    """Form fields of a multipart ``POST /similar`` (beside the PDF ``file``)."""

    case_id: str | None = Field(None, min_length=1, max_length=200)


class CaseListQuery(CaseFilters):
    """Query parameters of ``GET /filter``."""

    skip: int = Field(0, ge=0, le=MAX_SKIP, description="Cases to skip (newest decision first).")
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
    cited_by_count: int = Field(0, description="How many of the tenant's cases cite it (the citator's "
                                               "resolved citations).")
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
    page_spans: list[PageSpan] = Field(
        default_factory=list, description="Where each page lies in `cleaned_content`: [char_start, char_end).")
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
