"""Grounded questions with answers and source spans."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lexray.summary_options import FOCUS_AREAS
from serve_app.schemas.common import comma_separated, not_blank


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

    _text_not_blank = field_validator("text")(lambda cls, text: text if text is None else not_blank(text))

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

    _focus_areas_from_form = field_validator("focus_areas", mode="before")(comma_separated)


class QuestionSourceSpan(BaseModel):
    """The passage a question was made from: ``text`` is the source text's ``[char_start, char_end)``."""

    case_id: str | None = Field(description="None for plain text and uploads.")
    page: int | None = Field(description="First page of the passage; None for plain text.")
    pages: list[int]
    char_start: int
    char_end: int
    text: str


class AnswerSpan(BaseModel):
    """Where the answer is in the source text: ``answer`` is ``[char_start, char_end)`` of it,
    runs of spaces and line breaks collapsed to one space."""

    char_start: int
    char_end: int
    page: int | None = Field(description="Page the answer starts on; None for plain text.")
    pages: list[int]


class QuestionItem(BaseModel):
    question: str
    type: QuestionTypeName
    difficulty: DifficultyName
    answer: str = Field(description="A span of the source text (see answer_span), inside the passage; in sets "
                                    "made before answer_span existed, grounded words of the passage.")
    source: QuestionSourceSpan
    answer_span: AnswerSpan | None = Field(None, description="The answer's own span and page; None in sets made "
                                           "before questions were built on extracted facts.")
    fact_kind: str | None = Field(None, description="The kind of fact asked for: court, lower_court, plaintiff, "
                                  "defendant, date_decided, date, statute, citation, amount, number, name, "
                                  "standard, posture (easy); holding, disposition, standard_rule, statement "
                                  "(medium); reason, conclusion, support, means (hard).")
    phrased_by: Literal["model", "template"] = Field(
        "model", description="Who wrote the question: the model, or a template when the model's phrasing "
        "failed validation or the request's model calls (questions.max_model_calls) were spent.")


class QuestionGenerationStats(BaseModel):
    passages_tried: int = Field(description="Facts (passages) asked about.")
    model_calls: int = Field(description="Calls to the model, retries included.")
    rejected: dict[str, int] = Field(description="Replies refused (and duplicate questions dropped), by reason.")
    templated: int = Field(0, description="Questions a template phrased (the others: the model).")


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
