"""Chat deployment: answers grounded in the tenant's cases, with [n] citations that each map to
a retrieved chunk (case, page, span), and sessions in MongoDB.

A message goes: intent (``generation.chat``) -> for a follow-up, a standalone search query
written by the LLM from the history -> the best chunks from the Retrieval deployment (hybrid,
tenant-scoped, filtered), of which only those similar enough to the query are used -> the LLM
answers from the numbered chunks -> sentences stating a number or name no chunk holds, or whose
words no one place of a chunk holds, are left out (``generation.chat``), markers that name no chunk are removed, uncited sentences are
attributed by word overlap and unsupported ones left out (``generation.citations``) -> the turn is appended to the
session. With no relevant chunk the answer says so and the LLM is not asked. Greetings and help
are answered without a search; case searches list the matching cases.

Sessions live in MongoDB (``chat_sessions``), so any replica continues any session, also after
a restart; a turn is stored once it is answered, in one update, so a failing request leaves the
session as it was.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from ray import serve
from ray.serve.handle import DeploymentHandle

from generation.chat import (
    DEFAULT_INTENT,
    INTENTS,
    case_list_answer,
    clean_rewrite,
    clip,
    detect_intent,
    evidence_answer,
    fallback_query,
    passages_per_case,
    source_texts,
    trim_history,
    without_invented_facts,
    without_scattered_sentences,
)
from generation.citations import GroundedAnswer, MarkerFilter, ground_answer
from generation.prompts import CHAT_INSTRUCTIONS, chat_answer_messages, rewrite_messages
from lexray.models import CaseFilters, utcnow
from search.snippets import highlight_snippet, query_terms
from lexray.store import CaseStore
from lexray.settings import settings_from_json
from serve_app import schemas
from serve_app.citation_checks import verified_citations
from serve_app.errors import ApiError, reraised
from serve_app.llm_client import LLMClient
from serve_app.logs import replica_logger

logger = replica_logger(__name__)

NOTHING_RELEVANT = ("I could not find anything in your indexed cases that answers this. Try other "
                    "words, name the case or statute, or widen the filters.")
GREETING_REPLY = ("Hello. Ask me about your indexed cases, for example what a court held, which statute "
                  "it applied, or which cases deal with a topic; I answer with citations to the pages.")
HELP_REPLY = ("I answer questions from your indexed court opinions and cite the case, page and passage "
              "behind each sentence as [n]. You can ask what a court held or why, ask for a summary of a "
              "topic or a case, compare decisions, or ask me to find cases about something. Follow-up "
              "questions use the conversation so far. GET /api/v1/chat/intents lists what I recognise.")
FIXED_REPLIES = {"greeting": GREETING_REPLY, "help": HELP_REPLY}


@dataclass
class Turn:
    """One message being answered."""

    message: str
    intent: str
    tenant_id: str
    query: str | None = None
    passages: list[dict] = field(default_factory=list)     # relevant chunks, prompt order
    found_relevant: bool = False
    fixed_answer: str | None = None                         # answered without the model
    fixed_sources: list[int] = field(default_factory=list)  # its markers' passages (1-based)
    llm_messages: list[dict] | None = None


@serve.deployment
class Chat:
    def __init__(self, llm: DeploymentHandle, retrieval: DeploymentHandle, settings_json: str | None = None) -> None:
        self.settings = settings_from_json(settings_json)
        self.store = CaseStore(self.settings.mongodb)
        self.llm = LLMClient(llm)
        self.retrieval = retrieval

    # Answers

    async def message(self, request: schemas.ChatMessageRequest, tenant_id: str) -> schemas.ChatResponse:
        """Answer a message in a (new or stored) session and store the turn."""
        session = await self._session_for(request, tenant_id)
        turn = await self._prepare(request, tenant_id, history=session["messages"])
        response = await self._answer(turn, session["session_id"])
        await self._store_turn(session, turn, response)
        return response

    async def message_stream(self, request: schemas.ChatMessageRequest, tenant_id: str) -> AsyncIterator[dict]:
        """``message`` as events: ``{"type": "token", "text"}`` while the model writes (invented
        markers already dropped), then ``{"type": "answer", **response}``. The draft's sentences
        are checked against the sources once it is complete, so the ``answer`` event's text is
        the one that counts (and the one stored): unsupported sentences are gone from it and
        markers may be numbered differently."""
        session = await self._session_for(request, tenant_id)
        turn = await self._prepare(request, tenant_id, history=session["messages"])
        if turn.llm_messages is None:
            response = await self._answer(turn, session["session_id"])
            yield {"type": "token", "text": response.answer}
        else:
            markers = MarkerFilter(len(turn.passages))
            pieces = []
            async for chunk in self.llm.chat_stream(turn.llm_messages, self._answer_params()):
                pieces.append(chunk["text"])
                shown = markers.feed(chunk["text"])
                if shown:
                    yield {"type": "token", "text": shown}
            if tail := markers.flush():
                yield {"type": "token", "text": tail}
            response = await self._checked(
                self._response(turn, session["session_id"], self._grounded(turn, "".join(pieces)),
                               model=await self.llm.model_name()), tenant_id)
        await self._store_turn(session, turn, response)
        # The answer event's citations have never carried ``erased`` (always false on a new answer).
        yield {"type": "answer", **response.model_dump(exclude={"citations": {"__all__": {"erased"}}})}

    async def ask(self, request: schemas.ChatAskRequest, tenant_id: str) -> schemas.ChatResponse:
        """A one-shot answer: no history, nothing stored."""
        turn = await self._prepare(request, tenant_id, history=[])
        return await self._answer(turn, None)

    # Sessions

    async def new_session(self, tenant_id: str) -> schemas.NewSessionResponse:
        now = utcnow()
        session = {"session_id": uuid.uuid4().hex, "tenant_id": tenant_id, "title": None,
                   "created_at": now, "updated_at": now, "message_count": 0, "messages": []}
        await self._db(self.store.create_session, session)
        return schemas.NewSessionResponse(session_id=session["session_id"], created_at=now)

    async def conversation(self, session_id: str, tenant_id: str) -> schemas.ChatSessionResponse:
        return schemas.ChatSessionResponse.model_validate(await self._stored_session(session_id, tenant_id))

    async def list_sessions(self, tenant_id: str, skip: int = 0, limit: int = 20) -> schemas.ChatSessionListResponse:
        total, rows = await self._db(self.store.list_sessions, tenant_id=tenant_id, skip=skip, limit=limit)
        return schemas.ChatSessionListResponse(
            total=total, skip=skip, limit=limit,
            sessions=[schemas.ChatSessionSummary.model_validate(row) for row in rows])

    async def delete_conversation(self, session_id: str, tenant_id: str) -> schemas.DeletedSessionResponse:
        if not await self._db(self.store.delete_session, session_id, tenant_id=tenant_id):
            raise ApiError("not_found", f"no chat session {session_id!r}")
        return schemas.DeletedSessionResponse(session_id=session_id, deleted=True)

    # What to ask

    def intents(self) -> schemas.IntentsResponse:
        return schemas.IntentsResponse(
            intents=[schemas.IntentItem(name=intent.name, description=intent.description,
                                        examples=list(intent.examples), retrieves=intent.retrieves)
                     for intent in INTENTS.values()],
            default=DEFAULT_INTENT)

    async def suggestions(self, session_id: str | None, tenant_id: str) -> schemas.SuggestionsResponse:
        """Follow-ups on the cases a session's last answer cited, else questions about the
        tenant's latest cases, else starters."""
        if session_id is not None:
            session = await self.conversation(session_id, tenant_id)
            cited = next((message.citations for message in reversed(session.messages)
                          if message.role == "assistant" and message.citations), [])
            titles = list(dict.fromkeys(citation.title or citation.case_id for citation in cited
                                        if not citation.erased))
            if titles:
                return schemas.SuggestionsResponse(suggestions=[
                    question for title in titles[:self.settings.chat.suggestion_cases] for question in (
                        f"What did the court decide in {title}?",
                        f"Which statutes or precedents does {title} rely on?",
                        f"Summarise {title}.")], based_on="session")
        cases = await self._db(self.store.list_cases, CaseFilters(), tenant_id=tenant_id, limit=self.settings.chat.suggestion_cases)
        if cases:
            titles = [case.get("title") or case["case_id"] for case in cases]
            return schemas.SuggestionsResponse(suggestions=[question for title in titles for question in (
                f"What did the court decide in {title}?", f"Summarise {title}.")]
                + [f"Find cases similar to {titles[0]}."], based_on="corpus")
        return schemas.SuggestionsResponse(suggestions=["What can you do?"], based_on="starter")

    # Steps

    async def _prepare(self, request: schemas.ChatAskRequest, tenant_id: str, *, history: list[dict]) -> Turn:
        """Intent, search query and relevant passages of a message; the prompt if the model answers."""
        chat = self.settings.chat
        message = request.message.strip()
        if len(message) > chat.max_message_chars:
            raise ApiError("validation_error",
                           f"message is {len(message):,} characters; at most {chat.max_message_chars:,}")
        turn = Turn(message=message, intent=detect_intent(message), tenant_id=tenant_id)
        if not INTENTS[turn.intent].retrieves:
            turn.fixed_answer = FIXED_REPLIES[turn.intent]
            return turn
        recent = [{"role": m["role"], "content": m["content"]} for m in history[-self.settings.chat.history_window_messages:]]
        turn.query = await self._search_query(message, recent)
        turn.passages = await self._relevant_passages(turn.query, tenant_id, request.filters, turn.intent)
        turn.found_relevant = bool(turn.passages)
        if not turn.found_relevant:
            turn.fixed_answer = NOTHING_RELEVANT
        elif turn.intent == "case_search":
            turn.fixed_answer, turn.fixed_sources = case_list_answer(turn.passages)
        else:
            turn.llm_messages = chat_answer_messages(
                message, self._sources(turn), CHAT_INSTRUCTIONS[turn.intent], await self._trimmed(recent))
        return turn

    async def _relevant_passages(self, query: str, tenant_id: str, filters: CaseFilters, intent: str) -> list[dict]:
        """The best chunks for ``query`` whose similarity to it reaches ``chat.min_relevance``:
        twice as many are ranked as are used, so chunks BM25 favours but that are off the
        question's meaning make room for the next ones; at most ``passages_per_case(intent)``
        of one case."""
        chat = self.settings.chat
        candidates = await reraised(self.retrieval.passages.remote(
            query, tenant_id, filters, limit=2 * chat.context_passages, per_case=passages_per_case(intent, chat)))
        return [passage for passage in candidates if passage["relevance"] >= chat.min_relevance][:chat.context_passages]

    async def _search_query(self, message: str, history: list[dict]) -> str:
        """The message itself, or for a follow-up the standalone query the model rewrites it to
        (the previous question plus the message when its rewrite is unusable)."""
        if not history:
            return message
        chat = self.settings.chat
        recent = history[-chat.rewrite_history_messages:] if chat.rewrite_history_messages else []
        reply = await self.llm.chat(
            rewrite_messages([{**m, "content": clip(m["content"], chat.rewrite_message_chars)} for m in recent],
                             message),
            {"max_tokens": chat.rewrite_max_tokens, "temperature": 0.0})
        return (clean_rewrite(reply["text"], message, recent, max_chars=chat.max_rewrite_chars)
                or fallback_query(message, recent))

    async def _trimmed(self, history: list[dict]) -> list[dict]:
        """The history that fits the token budget (tokens counted by the served model's tokenizer)."""
        if not history or self.settings.chat.history_token_budget == 0:
            return []
        counts = await asyncio.gather(*(self.llm.count_tokens(m["content"]) for m in history))
        tokens = {m["content"]: count for m, count in zip(history, counts, strict=True)}
        return trim_history(history, self.settings.chat.history_token_budget,
                            lambda text: tokens.get(text) or len(text.split()))

    async def _answer(self, turn: Turn, session_id: str | None) -> schemas.ChatResponse:
        if turn.llm_messages is None:
            return self._response(turn, session_id, GroundedAnswer(text=turn.fixed_answer or "",
                                                                   sources=turn.fixed_sources), model=None)
        reply = await self.llm.chat(turn.llm_messages, self._answer_params())
        return await self._checked(
            self._response(turn, session_id, self._grounded(turn, reply["text"]), model=reply["model"]),
            turn.tenant_id)

    def _grounded(self, turn: Turn, draft: str) -> GroundedAnswer:
        """The model's supported sentences; when none is supported, the passages' own sentences
        that best match the question (``answer_kind`` "extracted")."""
        texts = [passage["text"] for passage in turn.passages]
        # Names may come from the sources' labels (case titles) as well as their text.
        draft, invented = without_invented_facts(
            draft.strip(), [*texts, *(passage.get("title") or "" for passage in turn.passages)])
        draft, scattered = without_scattered_sentences(draft, texts, self.settings.chat.sentence_min_overlap)
        grounded = ground_answer(draft, texts, min_overlap=self.settings.chat.attribution_min_overlap)
        grounded.dropped_sentences += invented + scattered
        if grounded.text:
            return grounded
        text, sources = evidence_answer(turn.message, texts)
        return GroundedAnswer(text=text, sources=sources, dropped_sentences=grounded.dropped_sentences,
                              extracted=True)

    def _response(self, turn: Turn, session_id: str | None, grounded: GroundedAnswer, *,
                  model: str | None) -> schemas.ChatResponse:
        terms = query_terms(f"{turn.query or ''} {turn.message}")
        citations = []
        for marker, number in enumerate(grounded.sources, start=1):
            passage = turn.passages[number - 1]
            pages = passage["page_numbers"] or []
            citations.append(schemas.ChatCitation.model_validate({
                **passage, "marker": marker, "page": pages[0] if pages else None, "pages": pages,
                "snippet": highlight_snippet(passage["text"], terms)}))
        kind = "fixed" if turn.llm_messages is None else ("extracted" if grounded.extracted else "generated")
        return schemas.ChatResponse(
            answer=grounded.text or NOTHING_RELEVANT, session_id=session_id, citations=citations,
            intent=turn.intent, query=turn.query, found_relevant=turn.found_relevant, answer_kind=kind,
            unsupported_sentences=grounded.dropped_sentences, model=model if kind == "generated" else None,
            created_at=utcnow())

    async def _checked(self, response: schemas.ChatResponse, tenant_id: str) -> schemas.ChatResponse:
        """``response`` with the case citations of its answer checked against the tenant's cases."""
        checked = await asyncio.to_thread(verified_citations, self.store, response.answer, tenant_id=tenant_id,
                                          settings=self.settings.citator)
        return response.model_copy(update={"case_citations": checked})

    def _sources(self, turn: Turn) -> list[tuple[str, str]]:
        return source_texts(turn.passages, self.settings.chat.passage_chars, turn.query or turn.message)

    def _answer_params(self) -> dict:
        # Greedy: the answer should restate the sources, not vary.
        return {"max_tokens": self.settings.chat.answer_max_tokens, "temperature": 0.0}

    async def _session_for(self, request: schemas.ChatMessageRequest, tenant_id: str) -> dict:
        """The stored session named by the request, or a new one (stored with its first turn)."""
        if request.session_id is not None:
            return await self._stored_session(request.session_id, tenant_id)
        now = utcnow()
        return {"session_id": uuid.uuid4().hex, "tenant_id": tenant_id, "title": None, "created_at": now,
                "updated_at": now, "message_count": 0, "messages": [], "unsaved": True}

    async def _stored_session(self, session_id: str, tenant_id: str) -> dict:
        session = await self._db(self.store.get_session, session_id, tenant_id=tenant_id)
        if session is None:
            # Another tenant's session answers exactly like a missing one.
            raise ApiError("not_found", f"no chat session {session_id!r}")
        return session

    async def _store_turn(self, session: dict, turn: Turn, response: schemas.ChatResponse) -> None:
        user = {"role": "user", "content": turn.message, "timestamp": utcnow()}
        assistant = {"role": "assistant", "content": response.answer, "timestamp": response.created_at,
                     "intent": turn.intent, "query": turn.query,
                     "citations": [citation.model_dump() for citation in response.citations]}
        identity = {key: session[key] for key in ("session_id", "tenant_id", "created_at")}
        identity["title"] = session.get("title") or clip(turn.message, self.settings.chat.title_chars)
        # Only a session no client knows yet is created here: a stored one deleted while this
        # message was answered stays deleted (the turn is dropped).
        stored = await self._db(self.store.append_turn, identity, [user, assistant],
                                max_messages=self.settings.chat.max_stored_messages,
                                create=session.get("unsaved", False))
        if not stored:
            logger.info("chat session %s was deleted while a message was answered: turn not kept",
                        session["session_id"])

    async def _db(self, function, *args: Any, **kwargs: Any):
        if not self.store.indexes_ready:
            await asyncio.to_thread(self.store.ensure_indexes_once)
        return await asyncio.to_thread(function, *args, **kwargs)

