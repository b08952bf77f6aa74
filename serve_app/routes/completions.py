"""OpenAI-compatible text generation on the LLM deployment: models, chat completions, completions."""

from __future__ import annotations

from fastapi import APIRouter, Request

from generation.openai_format import StreamFramer, chat_completion, model_card, text_completion
from serve_app.errors import ApiError
from serve_app.routes.context import Gateway
from serve_app.routes.openapi import ERRORS, OPENAI_ERRORS
from serve_app.routes.sse import event_stream
from serve_app.schemas import (
    ChatCompletionRequest,
    ChatCompletionResponse,
    CompletionRequest,
    CompletionResponse,
    ModelList,
)

router = APIRouter(prefix="/v1")


@router.get("/models", response_model=ModelList, responses=ERRORS)
async def models(gateway: Gateway) -> dict:
    return {"object": "list", "data": [model_card(await gateway.llm.model_info.remote())]}


@router.post("/chat/completions", response_model=ChatCompletionResponse, responses=OPENAI_ERRORS)
async def chat_completions(completion: ChatCompletionRequest, request: Request, gateway: Gateway):
    model = served_model(completion.model, gateway.settings.llm.served_model_name)
    messages, params = completion.chat_messages(), completion.generation_params()
    if completion.stream:
        chunks = gateway.llm.options(stream=True).chat_stream.remote(messages, params)
        framer = StreamFramer("chat", model, include_usage=completion.include_usage())
        return await event_stream(request, chunks, framer)
    return chat_completion(await gateway.llm.chat.remote(messages, params), model)


@router.post("/completions", response_model=CompletionResponse, responses=OPENAI_ERRORS)
async def completions(completion: CompletionRequest, request: Request, gateway: Gateway):
    model = served_model(completion.model, gateway.settings.llm.served_model_name)
    prompt, params = completion.prompt_text(), completion.generation_params()
    if completion.stream:
        chunks = gateway.llm.options(stream=True).complete_stream.remote(prompt, params)
        framer = StreamFramer("text", model, include_usage=completion.include_usage())
        return await event_stream(request, chunks, framer)
    return text_completion(await gateway.llm.complete.remote(prompt, params), model)


def served_model(requested: str | None, served: str) -> str:
    """The model name answers carry; 404 when the request names another model."""
    if requested not in (None, served):
        raise ApiError("not_found", f"model {requested!r} is not served here; GET /v1/models lists it")
    return served
