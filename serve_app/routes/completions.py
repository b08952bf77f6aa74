"""OpenAI-compatible text generation on the LLM deployment: models, chat completions, completions."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request

from generation.openai_format import StreamFramer, chat_completion, model_card, text_completion
from serve_app import schemas
from serve_app.errors import ApiError
from serve_app.routes.context import Gateway, GatewayContext
from serve_app.routes.openapi import ERRORS, OPENAI_ERRORS
from serve_app.routes.sse import event_stream

router = APIRouter(prefix="/v1")


@router.get("/models", response_model=schemas.ModelList, responses=ERRORS)
async def models(gateway: Gateway) -> dict:
    return {"object": "list", "data": [model_card(await gateway.llm.model_info.remote())]}


@router.post("/chat/completions", response_model=schemas.ChatCompletionResponse, responses=OPENAI_ERRORS)
async def chat_completions(completion: schemas.ChatCompletionRequest, request: Request, gateway: Gateway):
    return await _complete(request, gateway, completion, completion.chat_messages(),
                           kind="chat", method="chat", answer=chat_completion)


@router.post("/completions", response_model=schemas.CompletionResponse, responses=OPENAI_ERRORS)
async def completions(completion: schemas.CompletionRequest, request: Request, gateway: Gateway):
    return await _complete(request, gateway, completion, completion.prompt_text(),
                           kind="text", method="complete", answer=text_completion)


async def _complete(request: Request, gateway: GatewayContext,
                    completion: schemas.ChatCompletionRequest | schemas.CompletionRequest,
                    model_input: list[dict] | str, *, kind: str, method: str, answer: Callable[[dict, str], dict]):
    """``model_input`` generated on by the LLM deployment's ``method``: with ``stream``, server-sent
    events of its ``<method>_stream`` as ``kind`` chunks; else the whole reply, as ``answer`` shapes it."""
    model = served_model(completion.model, gateway.settings.llm.served_model_name)
    params = completion.generation_params()
    if completion.stream:
        chunks = gateway.llm.options(method_name=f"{method}_stream", stream=True).remote(model_input, params)
        framer = StreamFramer(kind, model, include_usage=completion.include_usage())
        return await event_stream(request, chunks, framer)
    return answer(await gateway.llm.options(method_name=method).remote(model_input, params), model)


def served_model(requested: str | None, served: str) -> str:
    """The model name answers carry; 404 when the request names another model."""
    if requested not in (None, served):
        raise ApiError("not_found", f"model {requested!r} is not served here; GET /v1/models lists it")
    return served
