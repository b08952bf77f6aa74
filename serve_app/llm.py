"""The LLM deployment: vLLM's async engine behind a Serve deployment (``generation.engine``).

Autoscaling and resources are in configs/serve.yaml (CPU replicas here; ``num_gpus: 1`` with
the ``gpu`` extra on GPU nodes). Callers inside the cluster hold a DeploymentHandle:

    llm = serve.get_deployment_handle("LLM", app_name="lexray")
    reply = await llm.chat.remote([{"role": "user", "content": "..."}], {"max_tokens": 128})
    reply["text"], reply["finish_reason"], reply["usage"], reply["model"]
    async for chunk in llm.options(stream=True).chat_stream.remote(messages, params):
        chunk["text"], chunk["finish_reason"], chunk["usage"]   # the last chunk has both set

``params`` are ``generation.engine.GenerationOptions`` fields (max_tokens, temperature, top_p,
repetition_penalty, presence_penalty, frequency_penalty, stop, seed, json_schema, json_object);
omitted ones take the ``llm`` settings' defaults. Invalid requests raise
``GenerationRequestError`` (400), timeouts ``GenerationTimeoutError`` (504).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from ray import serve

from generation.engine import GenerationEngine
from lexray.metrics import record_llm_tokens
from lexray.settings import settings_from_json
from serve_app.logs import replica_logger

logger = replica_logger(__name__)


def _count_usage(usage: dict | None) -> None:
    """Tokens of a finished generation (a stream's last chunk carries its usage)."""
    if usage:
        record_llm_tokens(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0))


@serve.deployment
class LLM:
    def __init__(self, settings_json: str | None = None) -> None:
        self.settings = settings_from_json(settings_json)
        self.engine = GenerationEngine.start(self.settings)

    async def health(self) -> dict:
        await self.engine.check_health()
        info = self.engine.info()
        return {"status": "healthy",
                "detail": f"{info['id']} on {info['device']}, context {info['max_model_len']} tokens"}

    async def check_health(self) -> None:
        """Serve's replica health check: a dead engine gets its replica replaced."""
        await self.engine.check_health()

    async def model_info(self) -> dict:
        """``{"id", "model_path", "device", "max_model_len"}`` of the served model."""
        return self.engine.info()

    async def chat(self, messages: list[dict], params: dict | None = None) -> dict:
        """The assistant's reply to chat ``messages``: ``{"text", "finish_reason", "usage", "model"}``."""
        result = await self.engine.generate(messages, params)
        _count_usage(result.usage)
        return {**result.as_dict(), "model": self.engine.model_name}

    async def chat_stream(self, messages: list[dict], params: dict | None = None) -> AsyncIterator[dict]:
        """Deltas of the reply: ``{"text", "finish_reason", "usage"}`` (call with stream=True)."""
        async for chunk in self.engine.stream(messages, params):
            _count_usage(chunk.usage)
            yield chunk.as_dict()

    async def complete(self, prompt: str, params: dict | None = None) -> dict:
        """The continuation of a raw ``prompt`` (no chat template), shaped like ``chat``."""
        result = await self.engine.generate(prompt, params)
        _count_usage(result.usage)
        return {**result.as_dict(), "model": self.engine.model_name}

    async def complete_stream(self, prompt: str, params: dict | None = None) -> AsyncIterator[dict]:
        async for chunk in self.engine.stream(prompt, params):
            _count_usage(chunk.usage)
            yield chunk.as_dict()

    async def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` under the served model's tokenizer (no special tokens)."""
        return self.engine.count_tokens(text)

    async def count_chat_tokens(self, messages: list[dict]) -> int:
        """Prompt tokens of chat ``messages`` with the chat template applied."""
        return len(self.engine.prompt_token_ids(messages))

    def __del__(self) -> None:
        # Serve calls this on graceful shutdown; it stops vLLM's engine-core and worker processes.
        engine: Any = getattr(self, "engine", None)
        if engine is not None:
            try:
                engine.shutdown()
            except Exception:  # noqa: BLE001 - best effort while the replica goes away
                logger.warning("LLM engine shutdown failed", exc_info=True)
