"""Summaries (extractive, abstractive, compared), lengths and focus areas."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lexray.summary_options import DEFAULT_LENGTH, FOCUS_AREAS, MAX_SUMMARY_WORDS, validate_options, word_budget
from serve_app.schemas.citator import VerifiedCitation
from serve_app.schemas.common import comma_separated, not_blank


SummaryMode = Literal["extractive", "abstractive", "both"]
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
    text: str = Field(min_length=1, description="Plain text (no pages; never stored), up to the "
                      "server's summaries.max_text_chars (default 300,000; longer: 422).")

    _text_not_blank = field_validator("text")(not_blank)


class SummarizeUploadForm(SummaryOptions):
    """Form fields of ``POST /summarize-uploaded`` beside the PDF ``file``."""

    store: bool = Field(False, description="Keep the summary, keyed by the file's sha256 (the PDF "
                                           "itself is not stored or ingested).")

    _focus_areas_from_form = field_validator("focus_areas", mode="before")(comma_separated)


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


class RemovedFact(BaseModel):
    """A fact the model wrote that its source does not hold, left out of the text."""

    kind: Literal["number", "money", "date", "reference", "citation", "name", "party"]
    text: str = Field(description="As the model wrote it.")
    reason: str = Field(description="What the source lacks, and whether the sentence was dropped or only "
                                    "the parenthesis around the fact removed.")
    sentence: str = Field(description="The model's sentence that held it.")


class AbstractiveSummaryResult(BaseModel):
    text: str
    pages: list[int] = Field(description="Every page of the parts used.")
    word_count: int
    parts_used: list[SummaryPartItem]
    model: str
    case_citations: list[VerifiedCitation] = Field(
        default_factory=list, description="The case citations in `text`, each checked against the "
        "tenant's cases when the summary was made (as POST /citator/verify checks them).")
    removed: list[RemovedFact] = Field(
        default_factory=list, description="Numbers, dates, amounts, provisions, citations and names the model "
        "wrote that the text does not hold: their sentences are not in `text`.")


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
    case_citations: list[VerifiedCitation] = Field(
        default_factory=list, description="The case citations in `text`, each checked against the tenant's cases.")
    removed: list[RemovedFact] = Field(
        default_factory=list, description="Numbers, dates, amounts, provisions, citations and names the model "
        "wrote that the compared summaries and titles do not hold: their sentences are not in `text`.")


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
