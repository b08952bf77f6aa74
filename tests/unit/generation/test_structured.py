"""Structured output: guided schemas from pydantic models, parsing, validation and retries
(``generation.structured``), on a scripted model."""

import asyncio
import json
from typing import Literal

import pytest
from pydantic import BaseModel, Field, ValidationInfo, field_validator

from generation.engine import GenerationTimeoutError
from generation.structured import (
    GuidedDecodingError,
    ReplyInvalid,
    StructuredOutputError,
    generate_structured,
    guided_schema,
    parse_reply,
)


class Verdict(BaseModel):
    """A verdict."""

    outcome: Literal["allowed", "dismissed"] = Field(description="What the court did.")
    reason: str = Field(min_length=3, max_length=80)

    @field_validator("reason")
    @classmethod
    def _in_context(cls, reason: str, info: ValidationInfo) -> str:
        if info.context and reason not in info.context:
            raise ValueError("reason not in the text")
        return reason


class Titled(BaseModel):
    title: str = Field(description="A field named title is kept.")
    description: int


class ScriptedChat:
    """Answers each call with the next scripted reply, recording messages and params."""

    def __init__(self, *replies: str | dict | Exception) -> None:
        self.replies = list(replies)
        self.calls: list[tuple[list, dict]] = []

    async def __call__(self, messages, params):
        self.calls.append((messages, dict(params)))
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply if isinstance(reply, dict) else {"text": reply, "finish_reason": "stop"}


MESSAGES = [{"role": "user", "content": "Decide."}]
GOOD = json.dumps({"outcome": "dismissed", "reason": "no error"})


def run(coroutine):
    return asyncio.run(coroutine)


def test_guided_schema_drops_annotations_but_keeps_fields_named_like_them():
    schema = guided_schema(Verdict)
    assert schema == {"properties": {"outcome": {"enum": ["allowed", "dismissed"], "type": "string"},
                                     "reason": {"maxLength": 80, "minLength": 3, "type": "string"}},
                      "required": ["outcome", "reason"], "type": "object"}
    assert set(guided_schema(Titled)["properties"]) == {"title", "description"}
    assert "description" not in guided_schema(Titled)["properties"]["title"]


def test_parse_reply_validates_with_the_model_and_its_context():
    assert parse_reply(GOOD, Verdict).outcome == "dismissed"
    assert parse_reply(GOOD, Verdict, context="there was no error here").reason == "no error"
    for text, fragment in [('{"outcome": "dismissed"', "not valid JSON"), ("[1, 2]", "not a JSON object"),
                           ('{"outcome": "quashed", "reason": "no error"}', "outcome:"),
                           ('{"outcome": "allowed"}', "reason: Field required"),
                           ('{"outcome": "allowed", "reason": "x"}', "reason: String should have at least 3")]:
        with pytest.raises(ReplyInvalid, match=fragment):
            parse_reply(text, Verdict)
    with pytest.raises(ReplyInvalid, match="reason: reason not in the text"):
        parse_reply(GOOD, Verdict, context="something else")


def test_a_valid_first_reply_is_taken_with_the_schema_as_guide():
    chat = ScriptedChat(GOOD)
    result = run(generate_structured(chat, MESSAGES, Verdict, {"max_tokens": 32, "temperature": 0}))
    assert result.value.reason == "no error" and result.attempts == 1 and result.problems == []
    (messages, params), = chat.calls
    assert messages == MESSAGES
    assert params == {"max_tokens": 32, "temperature": 0, "json_schema": guided_schema(Verdict)}


def test_invalid_replies_are_retried_with_new_seeds_then_rejected():
    chat = ScriptedChat('{"outcome": "dismissed", "reason": "no', GOOD)
    result = run(generate_structured(chat, MESSAGES, Verdict, {"temperature": 0}, attempts=3,
                                     retry_params={"temperature": 0.7}))
    assert result.attempts == 2 and result.problems[0].startswith("not valid JSON")
    assert chat.calls[1][1]["temperature"] == 0.7 and chat.calls[1][1]["seed"] == 1

    chat = ScriptedChat({"text": '{"outcome": "allo', "finish_reason": "length"},
                        '{"outcome": "allowed", "reason": "x"}', '{"outcome": "maybe", "reason": "why"}')
    with pytest.raises(StructuredOutputError) as failed:
        run(generate_structured(chat, MESSAGES, Verdict, {}, attempts=3, retry_params={"temperature": 1.0}))
    assert len(chat.calls) == 3 and [params["seed"] for _, params in chat.calls[1:]] == [1, 2]
    assert failed.value.problems[0].endswith("(cut at max_tokens)") and len(failed.value.problems) == 3
    assert failed.value.code == "generation_failed" and failed.value.http_status == 502


def test_a_narrower_schema_guides_but_the_model_still_validates():
    narrow = {**guided_schema(Verdict), "properties": {"outcome": {"enum": ["allowed"]},
                                                       "reason": {"type": "string"}}}
    chat = ScriptedChat('{"outcome": "allowed", "reason": "ok"}', '{"outcome": "allowed", "reason": "fine"}')
    result = run(generate_structured(chat, MESSAGES, Verdict, {}, attempts=2, schema=narrow))
    assert chat.calls[0][1]["json_schema"] == narrow
    assert result.attempts == 2 and result.value.reason == "fine"  # "ok" is under min_length


def test_engine_errors_are_not_retried():
    chat = ScriptedChat({"text": "", "finish_reason": "error"}, GOOD)
    with pytest.raises(GuidedDecodingError):
        run(generate_structured(chat, MESSAGES, Verdict, {}, attempts=3))
    assert len(chat.calls) == 1
    chat = ScriptedChat(GenerationTimeoutError("slow"), GOOD)
    with pytest.raises(GenerationTimeoutError):
        run(generate_structured(chat, MESSAGES, Verdict, {}, attempts=3))
    with pytest.raises(ValueError, match="attempts"):
        run(generate_structured(ScriptedChat(GOOD), MESSAGES, Verdict, {}, attempts=0))
