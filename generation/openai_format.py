"""OpenAI's response shapes for the LLM deployment's replies (pure: no engine, no HTTP).

A reply is the deployment's ``{"text", "finish_reason", "usage"}``; a stream is its chunks
``{"text", "finish_reason", "usage"}`` of which the last has ``finish_reason`` and ``usage``.

>>> sse({"a": 1})
'data: {"a":1}\\n\\n'
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Literal

SSE_DONE = "data: [DONE]\n\n"
Kind = Literal["chat", "text"]


def new_id(kind: Kind) -> str:
    return f"{'chatcmpl' if kind == 'chat' else 'cmpl'}-{uuid.uuid4().hex}"


def now() -> int:
    return int(time.time())


def sse(payload: dict[str, Any]) -> str:
    """One server-sent event carrying ``payload`` as compact JSON."""
    return f"data: {json.dumps(payload, separators=(',', ':'), ensure_ascii=False)}\n\n"


def chat_completion(reply: dict[str, Any], model: str) -> dict[str, Any]:
    return {
        "id": new_id("chat"), "object": "chat.completion", "created": now(), "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply["text"]},
                     "finish_reason": reply["finish_reason"], "logprobs": None}],
        "usage": reply["usage"],
    }


def text_completion(reply: dict[str, Any], model: str) -> dict[str, Any]:
    return {
        "id": new_id("text"), "object": "text_completion", "created": now(), "model": model,
        "choices": [{"index": 0, "text": reply["text"], "finish_reason": reply["finish_reason"],
                     "logprobs": None}],
        "usage": reply["usage"],
    }


class StreamFramer:
    """Turns the deployment's stream chunks into OpenAI chunk objects for one response.

    >>> framer = StreamFramer("chat", "m", include_usage=False)
    >>> [c["choices"][0]["delta"] for c in framer.frames({"text": "Hi", "finish_reason": None,
    ...                                                     "usage": None})]
    [{'role': 'assistant', 'content': ''}, {'content': 'Hi'}]
    """

    def __init__(self, kind: Kind, model: str, *, include_usage: bool) -> None:
        self.kind = kind
        self.model = model
        self.include_usage = include_usage
        self.id = new_id(kind)
        self.created = now()
        self.started = False

    def _frame(self, choices: list[dict[str, Any]], usage: dict[str, int] | None = None) -> dict[str, Any]:
        frame = {"id": self.id, "object": "chat.completion.chunk" if self.kind == "chat" else "text_completion",
                 "created": self.created, "model": self.model, "choices": choices}
        if self.include_usage:
            frame["usage"] = usage  # OpenAI: null on every chunk but the last
        return frame

    def _choice(self, text: str | None, finish_reason: str | None, *, role: bool = False) -> dict[str, Any]:
        if self.kind == "text":
            return {"index": 0, "text": text or "", "finish_reason": finish_reason, "logprobs": None}
        delta: dict[str, str] = {"role": "assistant"} if role else {}
        if text is not None:
            delta["content"] = text
        return {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}

    def frames(self, chunk: dict[str, Any]) -> list[dict[str, Any]]:
        frames = []
        if not self.started and self.kind == "chat":
            frames.append(self._frame([self._choice("", None, role=True)]))
        self.started = True
        if chunk["text"]:
            frames.append(self._frame([self._choice(chunk["text"], None)]))
        if chunk.get("finish_reason") is not None:
            frames.append(self._frame([self._choice(None, chunk["finish_reason"])]))
            if self.include_usage and chunk.get("usage"):
                frames.append(self._frame([], chunk["usage"]))
        return frames


def model_card(info: dict[str, Any]) -> dict[str, Any]:
    """An entry of ``GET /v1/models`` from the deployment's ``model_info()``."""
    return {"id": info["id"], "object": "model", "created": now(), "owned_by": "lexray",
            "max_model_len": info["max_model_len"]}
