"""Chat over the tenant's cases: messages (optionally streamed), one-off questions, sessions,
intents and suggestions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from serve_app import schemas
from serve_app.routes.context import Gateway, Tenant
from serve_app.routes.openapi import CHAT_STREAM_ERRORS, ERRORS, GENERATION_ERRORS
from serve_app.routes.sse import PassThroughFramer, event_stream

router = APIRouter(prefix="/api/v1/chat")
SessionId = Annotated[str, Path(min_length=1, max_length=schemas.MAX_SESSION_ID_CHARS)]


@router.post("/message", response_model=schemas.ChatResponse, responses=CHAT_STREAM_ERRORS)
async def chat_message(message: schemas.ChatMessageRequest, request: Request, tenant: Tenant,
                       gateway: Gateway):
    if message.stream:
        events = gateway.chat.options(stream=True).message_stream.remote(message, tenant)
        return await event_stream(request, events, PassThroughFramer())
    return await gateway.chat.message.remote(message, tenant)


@router.post("/ask", response_model=schemas.ChatResponse, responses=GENERATION_ERRORS)
async def chat_ask(question: schemas.ChatAskRequest, tenant: Tenant, gateway: Gateway) -> schemas.ChatResponse:
    return await gateway.chat.ask.remote(question, tenant)


@router.get("/conversation/{session_id}", response_model=schemas.ChatSessionResponse, responses=ERRORS)
async def conversation(session_id: SessionId, tenant: Tenant, gateway: Gateway) -> schemas.ChatSessionResponse:
    return await gateway.chat.conversation.remote(session_id, tenant)


@router.delete("/conversation/{session_id}", response_model=schemas.DeletedSessionResponse, responses=ERRORS)
async def delete_conversation(session_id: SessionId, tenant: Tenant,
                              gateway: Gateway) -> schemas.DeletedSessionResponse:
    return await gateway.chat.delete_conversation.remote(session_id, tenant)


@router.get("/sessions", response_model=schemas.ChatSessionListResponse, responses=ERRORS)
async def list_sessions(params: Annotated[schemas.ChatSessionListQuery, Query()], tenant: Tenant,
                        gateway: Gateway) -> schemas.ChatSessionListResponse:
    return await gateway.chat.list_sessions.remote(tenant, params.skip, params.limit)


@router.get("/session/new", response_model=schemas.NewSessionResponse, responses=ERRORS)
async def new_session(tenant: Tenant, gateway: Gateway) -> schemas.NewSessionResponse:
    return await gateway.chat.new_session.remote(tenant)


@router.get("/intents", response_model=schemas.IntentsResponse, responses=ERRORS)
async def intents(gateway: Gateway) -> schemas.IntentsResponse:
    return await gateway.chat.intents.remote()


@router.get("/suggestions", response_model=schemas.SuggestionsResponse, responses=ERRORS)
async def suggestions(params: Annotated[schemas.SuggestionsQuery, Query()], tenant: Tenant,
                      gateway: Gateway) -> schemas.SuggestionsResponse:
    return await gateway.chat.suggestions.remote(params.session_id, tenant)
