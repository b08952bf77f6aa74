"""Domain models: what a case, its pages, sections and chunks hold.

Field names follow the seed's ``LegalCaseDocument`` so stored documents stay compatible.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


DEFAULT_TENANT = "default"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ProcessingStatus(str, Enum):
    UPLOADED = "uploaded"
    PROCESSING = "processing"
    OCR_COMPLETE = "ocr_complete"
    EMBEDDING_COMPLETE = "embedding_complete"
    INDEXED = "indexed"
    FAILED = "failed"


class PageText(BaseModel):
    """Text of one PDF page (1-based ``number``) and where it came from."""

    number: int
    text: str
    source: Literal["text_layer", "ocr"]
    ocr_confidence: float | None = Field(None, description="Mean word confidence 0-100 (OCR only).")


class PageSpan(BaseModel):
    """Where one page lies in a case's ``cleaned_content``: [char_start, char_end)."""

    page: int
    char_start: int
    char_end: int


class CaseSection(BaseModel):
    """A recognised part of an opinion, e.g. syllabus, facts, analysis, holding, order."""

    name: str
    heading: str
    char_start: int
    char_end: int
    page_start: int
    page_end: int


class CaseMetadata(BaseModel):
    case_number: str | None = None
    title: str | None = None
    court: str | None = None
    jurisdiction: str | None = None
    case_type: str | None = None
    date_filed: date | None = None
    date_decided: date | None = None
    plaintiffs: list[str] = Field(default_factory=list)
    defendants: list[str] = Field(default_factory=list)
    judges: list[str] = Field(default_factory=list)
    attorneys: list[str] = Field(default_factory=list)
    legal_issues: list[str] = Field(default_factory=list)
    citations: list[str] = Field(default_factory=list)
    precedents: list[str] = Field(default_factory=list)
    statutes: list[str] = Field(default_factory=list)
    page_count: int = 0
    word_count: int = 0
    language: str = "en"
    ocr_confidence: float | None = None


class OwnCitation(BaseModel):
    """A citation a case is known by: a reporter or neutral citation printed in its caption, or
    its docket number."""

    citation: str = Field(description="As printed, e.g. '5 U. S. 137'.")
    normalized: str = Field(description="One spelling for every printing, e.g. '5 U.S. 137'.")
    kind: Literal["reporter", "neutral", "docket"]
    year: int | None = None


class CitedAuthority(BaseModel):
    """A case that a case cites, with every reference to it: full citations (parallel ones
    counted once), short forms, supra and id."""

    citation: str = Field(description="The first full citation as written, e.g. '258 U. S. 574'.")
    normalized: str = Field(description="Its normalised form: '258 U.S. 574', '(2013) 4 SCC 1'.")
    parallel: list[str] = Field(default_factory=list, description="Normalised parallel citations of "
                                "the same case, e.g. '93 S. Ct. 705' beside '410 U.S. 113'.")
    case_name: str | None = Field(None, description="As written with the citation: 'Oklahoma v. Texas'.")
    name_words: list[str] = Field(default_factory=list, description="The case name's distinctive words "
                                  "(``lexray.citator.name_words``), matched with the year.")
    year: int | None = None
    depth: int = Field(1, ge=1, description="How many times the case is referred to.")
    pages: list[int] = Field(default_factory=list, description="Pages where it is referred to.")
    spans: list[tuple[int, int]] = Field(default_factory=list, description="[char_start, char_end) "
                                         "of each reference in ``cleaned_content`` (capped).")

    @property
    def keys(self) -> list[str]:
        """The normalised citations that identify the case (not those with a blank page, '___').

        >>> CitedAuthority(citation="x", normalized="569 U.S. ___", parallel=["133 S. Ct. 1958"]).keys
        ['133 S. Ct. 1958']
        """
        return [key for key in (self.normalized, *self.parallel) if "__" not in key]


class CaseCitations(BaseModel):
    """The citator's record of one case: what it is cited as, what it cites."""

    own: list[OwnCitation] = Field(default_factory=list)
    cited: list[CitedAuthority] = Field(default_factory=list)
    references: int = Field(0, description="Citations read (full, short, supra, id.).")
    unresolved_references: int = Field(0, description="Short forms, supra and id. tied to no full citation.")
    truncated: bool = Field(False, description="Whether a cap (settings ``citator``) left some out.")


class CitationStatus(str, Enum):
    RESOLVED = "resolved"  # one stored case of the tenant matches
    AMBIGUOUS = "ambiguous"  # several match: ``candidates``
    DANGLING = "dangling"  # none (yet): resolved again when a matching case is stored


class CitationResolution(BaseModel):
    """Which stored case a citation refers to."""

    status: CitationStatus
    case_id: str | None = None
    candidates: list[str] = Field(default_factory=list)
    matched_by: Literal["citation", "name"] | None = Field(
        None, description="A normalised citation in common, or the case name and year.")


class CitableCase(BaseModel):
    """What a stored case can be cited as (collection ``citable_cases``)."""

    case_id: str
    tenant_id: str = DEFAULT_TENANT
    title: str | None = None
    keys: list[str] = Field(default_factory=list, description="Its normalised reporter and neutral citations.")
    name_words: list[str] = Field(default_factory=list, description="Its title's distinctive words.")
    year: int | None = Field(None, description="Year decided (else filed, else of its own citation).")
    dockets: list[str] = Field(default_factory=list)


class ProcessingLogEntry(BaseModel):
    status: ProcessingStatus
    message: str
    at: datetime = Field(default_factory=utcnow)


class LegalCaseDocument(BaseModel):
    """One stored case (collection ``cases``)."""

    case_id: str
    tenant_id: str = Field(DEFAULT_TENANT, description="Owner; no request reads another tenant's data.")
    document_hash: str = Field(description="sha256 of the uploaded bytes, hex.")
    title: str | None = None
    content: str = ""
    cleaned_content: str = ""
    sections: list[CaseSection] = Field(default_factory=list)
    page_spans: list[PageSpan] = Field(default_factory=list)
    metadata: CaseMetadata = Field(default_factory=CaseMetadata)
    processing_status: ProcessingStatus = ProcessingStatus.UPLOADED
    processing_log: list[ProcessingLogEntry] = Field(default_factory=list)
    failure_reason: str | None = Field(None, description="Machine-readable code when failed.")
    attempts: int = Field(0, description="Upload path: dispatches to a worker that did not come "
                                         "back (a worker that died on it); see uploads.max_worker_crashes.")
    transient_retries: int = Field(0, description="Upload path: retries after transient failures.")
    retry_after: datetime | None = Field(None, description="Upload path: not retried before this.")
    processing_deadline: datetime | None = Field(
        None, description="Upload path: when the running attempt must end (limits.document_timeout_s).")
    original_filename: str | None = None
    source: str = Field("batch", description="'upload' (HTTP) or 'batch' (Ray Data job).")
    metadata_overrides: dict[str, str] = Field(
        default_factory=dict, description="Metadata the uploader supplied (wins over extraction)."
    )
    file_size: int = 0
    mime_type: str = "application/pdf"
    embedding_model: str | None = None
    embedding_dimension: int | None = None
    chunk_count: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    processed_at: datetime | None = None


class Chunk(BaseModel):
    """A page-aware piece of a case's ``cleaned_content`` (collection ``chunks``)."""

    chunk_id: str = Field(description="'<case_id>:<chunk_index>'.")
    vector_id: int = Field(description="Stable int64 id of the chunk's vector in FAISS.")
    case_id: str
    tenant_id: str = DEFAULT_TENANT
    chunk_index: int
    text: str
    page_numbers: list[int]
    char_start: int
    char_end: int


class CaseFilters(BaseModel):
    """Metadata a search is restricted to before ranking (all given fields must match).

    ``court``, ``case_type`` and ``jurisdiction`` match whole values, case-insensitively;
    ``judge`` matches any judge whose name contains it; dates bound ``date_decided``
    (``date_filed`` when no decision date was found), inclusive; ``cites`` keeps the cases
    that cite a stored case (``CaseRecords.matching_query``).

    >>> CaseFilters(court="Supreme Court of India").is_empty()
    False
    >>> CaseFilters().is_empty()
    True
    """

    model_config = ConfigDict(extra="forbid")

    court: str | None = Field(None, min_length=1, max_length=200)
    case_type: str | None = Field(None, min_length=1, max_length=200)
    jurisdiction: str | None = Field(None, min_length=1, max_length=200)
    judge: str | None = Field(None, min_length=1, max_length=200)
    date_from: date | None = None
    date_to: date | None = None
    cites: str | None = Field(None, min_length=1, max_length=200,
                              description="A case id: only the cases citing it (the citator's resolved citations).")

    @model_validator(mode="after")
    def _dates_in_order(self) -> CaseFilters:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from must not be after date_to")
        return self

    def is_empty(self) -> bool:
        return not any(value is not None for value in self.model_dump().values())
