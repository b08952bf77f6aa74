"""The LLM deployment as the generation deployments (summarization, questions, chat) call it:
through its handle, with its errors re-raised as themselves (so the gateway answers with their
status and code, not Ray's wrapper), and the served model's name fetched once."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ray.serve.handle import DeploymentHandle

from serve_app.errors import reraised, unwrapped


class LLMClient:
    def __init__(self, handle: DeploymentHandle) -> None:
        self.handle = handle
        self._model_name: str | None = None

    async def chat(self, messages: list[dict], params: dict | None = None) -> dict:
        """``{"text", "finish_reason", "usage", "model"}`` (``serve_app.llm.LLM.chat``)."""
        return await reraised(self.handle.chat.remote(messages, params))

    async def chat_stream(self, messages: list[dict], params: dict | None = None) -> AsyncIterator[dict]:
        """Deltas ``{"text", "finish_reason", "usage"}`` as the model writes them."""
        try:
            async for chunk in self.handle.options(stream=True).chat_stream.remote(messages, params):
                yield chunk
        except Exception as exc:  # noqa: BLE001 - re-raised, unwrapped when it can be
            error = unwrapped(exc)
            if error is exc:
                raise
            raise error from None

    async def count_tokens(self, text: str) -> int:
        return await reraised(self.handle.count_tokens.remote(text))

    async def model_name(self) -> str:
        if self._model_name is None:
            self._model_name = (await reraised(self.handle.model_info.remote()))["id"]
        return self._model_name
