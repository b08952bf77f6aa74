"""Chat messages, sessions, intents and suggestions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lexray.models import CaseFilters
from serve_app.schemas.citator import VerifiedCitation
from serve_app.schemas.common import not_blank
from serve_app.schemas.retrieval import MAX_RESULTS, MAX_SKIP


# Longest session id accepted (ours are 32 hex characters); longer ones are 422, not a lookup.
MAX_SESSION_ID_CHARS = 100


class ChatAskRequest(BaseModel):
    """One question, answered from the tenant's cases with citations; no session kept."""

    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, description="The question (at most `chat.max_message_chars`, "
                                                   "4,000 by default; longer: 422).")
    filters: CaseFilters = Field(default_factory=CaseFilters,
                                 description="Search only cases with this metadata.")

    _message_not_blank = field_validator("message")(not_blank)


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
    case_citations: list[VerifiedCitation] = Field(
        default_factory=list, description="The case citations in `answer` (e.g. '(2013) 4 SCC 1', "
        "'347 U.S. 483'), each checked against the tenant's cases as POST /citator/verify checks "
        "them: found (case_id), not_found, ambiguous or unknown_reporter.")
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


class ChatSessionSummary(BaseModel):
    session_id: str
    title: str | None
    created_at: datetime
    updated_at: datetime
    message_count: int


class ChatSessionListQuery(BaseModel):
    skip: int = Field(0, ge=0, le=MAX_SKIP, description="Sessions to skip (most recently used first).")
    limit: int = Field(20, ge=1, le=MAX_RESULTS)


class ChatSessionListResponse(BaseModel):
    total: int = Field(description="The tenant's chat sessions.")
    skip: int
    limit: int
    sessions: list[ChatSessionSummary] = Field(description="Most recently used first.")


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
