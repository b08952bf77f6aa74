"""The citator: what a stored case cites and is cited by, and a text's citations checked
against the tenant's cases."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from serve_app.schemas.common import not_blank

VerifyStatus = Literal["found", "not_found", "ambiguous", "unknown_reporter"]


class CitedCase(BaseModel):
    """An authority a case cites."""

    citation: str = Field(description="The first full citation as written.")
    normalized: str = Field(description="Its normalised form, e.g. '347 U.S. 483', '(2013) 4 SCC 1'.")
    case_id: str | None = Field(None, description="The tenant's case it refers to; null when none or "
                                                  "several match.")
    depth: int = Field(description="How many times the case refers to it (full, short, supra, id.).")
    pages: list[int] = Field(description="Pages where it is referred to.")


class CitingCase(BaseModel):
    """A case of the tenant that cites the case."""

    case_id: str
    title: str | None = Field(None, description="The citing case's title.")
    depth: int = Field(description="How many times it refers to the case.")
    pages: list[int] = Field(description="Its pages that refer to the case.")


class CitatorCaseResponse(BaseModel):
    cites: list[CitedCase] = Field(description="Most referenced first.")
    cited_by: list[CitingCase] = Field(description="Most references first.")


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, description="A brief, a memo, a generated answer: up to "
                                                "citator.max_verify_chars (300,000) characters (longer: 422).")

    _text_not_blank = field_validator("text")(not_blank)


class VerifiedCitation(BaseModel):
    citation: str = Field(description="As written in the text.")
    normalized: str | None = Field(None, description="Normalised; null for an unknown reporter.")
    status: VerifyStatus = Field(description="found: one of the tenant's cases (case_id); not_found: "
                                 "none; ambiguous: several (candidates); unknown_reporter: shaped like a "
                                 "citation (volume, reporter, page) but no reporter eyecite or the Indian "
                                 "and English forms know.")
    case_id: str | None = None
    candidates: list[str] = Field(default_factory=list)
    char_start: int = Field(description="Where its first full citation starts in the text.")
    char_end: int


class VerifyResponse(BaseModel):
    citations: list[VerifiedCitation] = Field(description="In text order, one per cited case (parallel "
                                              "citations and later short forms are one).")
