"""OpenAI-compatible text generation (/v1): the subset of OpenAI's API the LLM deployment serves."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


OpenAIRole = Literal["system", "user", "assistant"]


class OpenAITextPart(BaseModel):
    type: Literal["text"]
    text: str


class OpenAIChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: OpenAIRole
    content: str | list[OpenAITextPart]
    name: str | None = None

    def text(self) -> str:
        return self.content if isinstance(self.content, str) else "".join(p.text for p in self.content)


class OpenAIStreamOptions(BaseModel):
    include_usage: bool = Field(False, description="Send a last chunk with the token usage.")


class OpenAIJsonSchema(BaseModel):
    name: str = Field("response", max_length=64)
    description: str | None = None
    json_schema: dict[str, Any] = Field(alias="schema", description="The JSON Schema of the output.")
    strict: bool | None = None


class OpenAIResponseFormat(BaseModel):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: OpenAIJsonSchema | None = None

    @model_validator(mode="after")
    def _schema_with_its_type(self) -> OpenAIResponseFormat:
        if (self.type == "json_schema") != (self.json_schema is not None):
            raise ValueError("json_schema is required with type 'json_schema' and only with it")
        return self


class OpenAISampling(BaseModel):
    """Fields shared by chat and text completion requests. Unknown OpenAI fields are ignored."""

    model_config = ConfigDict(extra="ignore")

    model: str | None = Field(None, description="The served model's id (GET /v1/models); optional.")
    max_tokens: int | None = Field(None, ge=1, description="Completion tokens at most; prompt plus "
                                   "completion must fit the model's context.")
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, gt=0, le=1)
    n: int = Field(1, ge=1, le=1, description="Choices per request; only 1 is supported.")
    stop: str | list[str] | None = Field(None, description="Up to 4 stop sequences.")
    seed: int | None = None
    presence_penalty: float = Field(0.0, ge=-2, le=2)
    frequency_penalty: float = Field(0.0, ge=-2, le=2)
    repetition_penalty: float | None = Field(None, gt=0, le=2, description="vLLM's extension; "
                                             "default from the server's settings.")
    stream: bool = Field(False, description="Server-sent events, ending with `data: [DONE]`.")
    stream_options: OpenAIStreamOptions | None = None
    user: str | None = None

    @field_validator("stop")
    @classmethod
    def _at_most_four_stops(cls, stop: str | list[str] | None) -> str | list[str] | None:
        if isinstance(stop, list) and len(stop) > 4:
            raise ValueError("at most 4 stop sequences")
        return stop

    def include_usage(self) -> bool:
        return bool(self.stream_options and self.stream_options.include_usage)

    def generation_params(self) -> dict[str, Any]:
        """The LLM deployment's ``params`` (``generation.engine.GenerationOptions`` fields)."""
        params = {"max_tokens": self.max_tokens, "temperature": self.temperature, "top_p": self.top_p,
                  "repetition_penalty": self.repetition_penalty, "seed": self.seed,
                  "presence_penalty": self.presence_penalty, "frequency_penalty": self.frequency_penalty,
                  "stop": self.stop}
        return {name: value for name, value in params.items() if value is not None}


class ChatCompletionRequest(OpenAISampling):
    messages: list[OpenAIChatMessage] = Field(min_length=1)
    max_completion_tokens: int | None = Field(None, ge=1, description="OpenAI's newer name of max_tokens.")
    response_format: OpenAIResponseFormat | None = Field(
        None, description="json_object or json_schema: output constrained by vLLM's guided decoding.")

    def chat_messages(self) -> list[dict[str, str]]:
        return [{"role": message.role, "content": message.text()} for message in self.messages]

    def generation_params(self) -> dict[str, Any]:
        params = super().generation_params()
        if self.max_completion_tokens is not None:
            params["max_tokens"] = self.max_completion_tokens
        if self.response_format is not None and self.response_format.json_schema is not None:
            params["json_schema"] = self.response_format.json_schema.json_schema
        elif self.response_format is not None and self.response_format.type == "json_object":
            params["json_object"] = True
        return params


class CompletionRequest(OpenAISampling):
    prompt: str | list[str] = Field(description="The text to continue (a list of one is accepted).")

    @field_validator("prompt")
    @classmethod
    def _one_prompt(cls, prompt: str | list[str]) -> str | list[str]:
        if isinstance(prompt, list) and len(prompt) != 1:
            raise ValueError("exactly one prompt per request is supported")
        if not (prompt if isinstance(prompt, str) else prompt[0]).strip():
            raise ValueError("must contain a non-space character")
        return prompt

    def prompt_text(self) -> str:
        return self.prompt if isinstance(self.prompt, str) else self.prompt[0]


class OpenAIUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletionMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChatCompletionChoice(BaseModel):
    index: int
    message: ChatCompletionMessage
    finish_reason: str | None
    logprobs: None = None


class ChatCompletionResponse(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatCompletionChoice]
    usage: OpenAIUsage


class CompletionChoice(BaseModel):
    index: int
    text: str
    finish_reason: str | None
    logprobs: None = None


class CompletionResponse(BaseModel):
    id: str
    object: Literal["text_completion"] = "text_completion"
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: OpenAIUsage


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "lexray"
    max_model_len: int = Field(description="Context length: prompt plus completion tokens.")


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]
