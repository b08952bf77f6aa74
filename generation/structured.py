"""Structured output from the LLM: a reply constrained to a pydantic model's JSON Schema (vLLM's
guided JSON), parsed and validated with that model, retried with new seeds, never passed on
malformed.

The model is any async ``chat(messages, params) -> {"text", "finish_reason", ...}``: the LLM
deployment's ``chat`` through a handle, or ``GenerationEngine.generate`` in a script. Guided
decoding makes the reply JSON of the schema's shape (when it finishes within ``max_tokens``);
pydantic then checks what a grammar cannot (a validator may read ``context``, e.g. the passage
an answer must come from). A reply that fails is asked for again, up to ``attempts`` calls in
all, the retries sampled with their own seeds:

    class Verdict(BaseModel):
        outcome: Literal["allowed", "dismissed"]
        reason: str = Field(min_length=1, max_length=200)

    result = await generate_structured(chat, messages, Verdict, {"max_tokens": 64, "temperature": 0},
                                       attempts=3, retry_params={"temperature": 0.7})
    result.value.outcome, result.attempts, result.problems   # problems: why earlier replies failed

>>> class Pair(BaseModel):
...     question: str
...     answer: str
>>> parse_reply('{"question": "Who appealed?", "answer": "Jagels"}', Pair).answer
'Jagels'
>>> parse_reply('{"question": "Who appealed?"', Pair)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
generation.structured.ReplyInvalid: not valid JSON: ...
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from lexray.errors import LexRayError

ModelT = TypeVar("ModelT", bound=BaseModel)
Chat = Callable[[list[dict[str, str]], dict[str, Any]], Awaitable[Mapping[str, Any]]]

# Retries start from this seed (then +1, +2 ...), so the same request gives the same replies.
FIRST_RETRY_SEED = 1


class ReplyInvalid(ValueError):
    """One reply is not an instance of the model; ``reason`` names the first problem briefly."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class StructuredOutputError(LexRayError):
    """No reply of ``attempts`` was valid; ``problems`` holds why, one per attempt."""

    code = "generation_failed"
    http_status = 502

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


class GuidedDecodingError(LexRayError):
    """The engine answered with an error instead of a reply."""

    code = "generation_failed"
    http_status = 502


@dataclass(frozen=True)
class Structured(Generic[ModelT]):
    value: ModelT
    attempts: int  # model calls made, the valid one included
    problems: list[str] = field(default_factory=list)  # why each earlier reply was refused


def guided_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema vLLM constrains the reply to: the model's, without titles and descriptions
    (the grammar ignores them; the prompt says what the fields mean).

    >>> class Pair(BaseModel):
    ...     question: str
    >>> guided_schema(Pair)
    {'properties': {'question': {'type': 'string'}}, 'required': ['question'], 'type': 'object'}
    """
    return _without_annotations(model.model_json_schema())


def parse_reply(text: str, model: type[ModelT], context: Any = None) -> ModelT:
    """``text`` as a validated ``model`` (``context`` reaches its validators), else ReplyInvalid."""
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ReplyInvalid(f"not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ReplyInvalid(f"not a JSON object: {type(raw).__name__}")
    try:
        return model.model_validate(raw, context=context)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        message = first["msg"].removeprefix("Value error, ")
        where = ".".join(str(part) for part in first["loc"])
        raise ReplyInvalid(f"{where}: {message}" if where else message) from None


async def generate_structured(
    chat: Chat,
    messages: list[dict[str, str]],
    model: type[ModelT],
    params: Mapping[str, Any],
    *,
    attempts: int = 2,
    retry_params: Mapping[str, Any] | None = None,
    context: Any = None,
    schema: dict[str, Any] | None = None,
) -> Structured[ModelT]:
    """The first valid reply of up to ``attempts`` calls; StructuredOutputError when none is.

    The first call uses ``params``; each retry adds ``retry_params`` (e.g. a temperature above
    0, since a greedy retry repeats itself) and a seed of its own. ``schema`` narrows the
    model's schema for this call (e.g. an ``enum`` of allowed values); the reply is still
    validated by ``model``. Errors of the call itself
    (an invalid request, a timeout) propagate: asking again would not help.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    schema = schema or guided_schema(model)
    problems: list[str] = []
    for attempt in range(attempts):
        call_params = {**params, "json_schema": schema}
        if attempt:
            call_params.update({**(retry_params or {}), "seed": FIRST_RETRY_SEED + attempt - 1})
        reply = await chat(messages, call_params)
        if reply.get("finish_reason") == "error":
            # The engine could not decode (e.g. a grammar it failed to compile): asking again fails alike.
            raise GuidedDecodingError(f"the engine failed to generate a {model.__name__} (finish_reason 'error')")
        try:
            value = parse_reply(reply["text"], model, context)
        except ReplyInvalid as exc:
            truncated = " (cut at max_tokens)" if reply.get("finish_reason") == "length" else ""
            problems.append(exc.reason + truncated)
            continue
        return Structured(value, attempt + 1, problems)
    raise StructuredOutputError(
        f"no valid {model.__name__} in {attempts} replies: {problems[-1]}", problems)


def _without_annotations(schema: Any, *, names: bool = False) -> Any:
    """``schema`` without ``title``/``description`` keywords; ``names``: the keys are property
    names (a field may be called ``title``)."""
    if isinstance(schema, dict):
        return {key: _without_annotations(value, names=key in ("properties", "$defs") and not names)
                for key, value in schema.items() if names or key not in ("title", "description")}
    if isinstance(schema, list):
        return [_without_annotations(item) for item in schema]
    return schema
