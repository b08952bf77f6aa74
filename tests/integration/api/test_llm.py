"""The LLM layer: pure request handling, then the real vLLM engine (CPU, SmolLM2-135M) in the
LLM deployment behind the gateway's OpenAI-compatible routes."""

import asyncio
import json

import httpx
import jsonschema
import openai
import pytest
from pydantic import BaseModel
from ray import serve

from generation.engine import (
    ContextLengthError,
    GenerationOptions,
    GenerationRequestError,
    cpu_environment,
    engine_arguments,
    sampling_arguments,
    validate_messages,
    validate_options,
)
from generation.openai_format import SSE_DONE, StreamFramer, sse
from lexray.settings import LLMSettings
from tests.deployed_app import assert_error
from tests.integration.api.shared_app import tenant_keys
from serve_app.schemas import ChatCompletionRequest, CompletionRequest

KEY = tenant_keys("llm-a")["llm-a"]
MODEL = "lexray-smollm2"
QUESTION = [{"role": "user", "content": "What does a court of appeals do? Answer in one sentence."}]


# Pure parts: no engine


def test_messages_are_validated():
    parts = [{"role": "user", "content": [{"type": "text", "text": "Hello "}, {"type": "text", "text": "there"}]}]
    assert validate_messages(parts) == [{"role": "user", "content": "Hello there"}]
    assert validate_messages([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi",
                                                                           "name": "x"}])[1] == \
        {"role": "user", "content": "Hi"}
    for bad, fragment in [([], "non-empty"), ("hello", "non-empty"), (None, "non-empty"),
                          ([{"role": "tool", "content": "x"}], "role"),
                          ([{"role": "user"}], "content"),
                          ([{"role": "user", "content": 3}], "content"),
                          ([{"role": "user", "content": "   "}], "no text")]:
        with pytest.raises(GenerationRequestError, match=fragment):
            validate_messages(bad)


def test_sampling_defaults_and_context_checks():
    llm = LLMSettings(max_model_len=2048, max_tokens=256, temperature=0.2, repetition_penalty=1.15)
    arguments = sampling_arguments(GenerationOptions(), llm, prompt_tokens=100)
    assert arguments["max_tokens"] == 256 and arguments["temperature"] == 0.2
    assert arguments["repetition_penalty"] == 1.15 and arguments["stop"] == []
    # Without an explicit max_tokens the completion shrinks to the room left in the context.
    assert sampling_arguments(GenerationOptions(), llm, prompt_tokens=2000)["max_tokens"] == 48
    explicit = GenerationOptions(max_tokens=10, temperature=0, stop="\n", repetition_penalty=1.0)
    assert sampling_arguments(explicit, llm, 100) == {
        "max_tokens": 10, "temperature": 0, "top_p": llm.top_p, "repetition_penalty": 1.0,
        "presence_penalty": 0.0, "frequency_penalty": 0.0, "stop": ["\n"], "seed": None}
    with pytest.raises(GenerationRequestError, match="max_tokens must be below"):
        sampling_arguments(GenerationOptions(max_tokens=2048), llm, 10)
    with pytest.raises(ContextLengthError, match="the prompt has 2048 tokens"):
        sampling_arguments(GenerationOptions(), llm, 2048)
    with pytest.raises(ContextLengthError, match="plus max_tokens"):
        sampling_arguments(GenerationOptions(max_tokens=100), llm, 2000)


def test_options_are_validated():
    assert validate_options(None) == GenerationOptions()
    assert validate_options({"max_tokens": 5, "json_schema": {"type": "object"}}).json_schema == {"type": "object"}
    for bad in ({"max_tokens": 0}, {"temperature": 3}, {"top_p": 0}, {"stop": ["a"] * 5}, {"stop": [""]},
                {"unknown": 1}, {"json_schema": {"type": "object"}, "json_object": True}):
        with pytest.raises(GenerationRequestError, match="invalid generation parameters"):
            validate_options(bad)


def test_engine_configuration():
    llm = LLMSettings(kv_cache_gb=2, cpu_threads=1, max_model_len=1024, served_model_name="m")
    assert cpu_environment(llm) == {"VLLM_CPU_KVCACHE_SPACE": "2", "VLLM_CPU_OMP_THREADS_BIND": "nobind",
                                    "OMP_NUM_THREADS": "1"}
    on_cpu = engine_arguments(llm, "/models/x", "cpu")
    assert on_cpu["enforce_eager"] is True and "gpu_memory_utilization" not in on_cpu
    assert on_cpu["max_model_len"] == 1024 and on_cpu["served_model_name"] == "m"
    assert on_cpu["structured_outputs_config"]["disable_any_whitespace"] is True
    on_gpu = engine_arguments(llm, "/models/x", "cuda")
    assert "enforce_eager" not in on_gpu and on_gpu["gpu_memory_utilization"] == llm.gpu_memory_utilization


def test_openai_requests_map_to_generation_params():
    chat = ChatCompletionRequest.model_validate({
        "model": MODEL, "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}],
        "max_tokens": 5, "max_completion_tokens": 7, "stop": "\n", "temperature": 0,
        "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}},
    })
    assert chat.chat_messages() == [{"role": "user", "content": "Hi"}]
    params = chat.generation_params()
    assert params["max_tokens"] == 7 and params["json_schema"] == {"type": "object"}
    assert params["stop"] == "\n" and params["temperature"] == 0
    assert GenerationOptions.model_validate(params).stop == ["\n"]
    json_object = ChatCompletionRequest.model_validate(
        {"messages": QUESTION, "response_format": {"type": "json_object"}})
    assert json_object.generation_params()["json_object"] is True
    assert CompletionRequest.model_validate({"prompt": ["Once"]}).prompt_text() == "Once"
    for bad in ({"prompt": ["a", "b"]}, {"prompt": " "}, {"prompt": "a", "n": 2}):
        with pytest.raises(ValueError):
            CompletionRequest.model_validate(bad)


def test_stream_frames_in_openai_shape():
    chat = StreamFramer("chat", MODEL, include_usage=True)
    frames = [frame for chunk in ({"text": "Hel", "finish_reason": None, "usage": None},
                                  {"text": "lo", "finish_reason": "stop",
                                   "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}})
              for frame in chat.frames(chunk)]
    assert [f["choices"][0]["delta"] if f["choices"] else None for f in frames] == [
        {"role": "assistant", "content": ""}, {"content": "Hel"}, {"content": "lo"}, {}, None]
    assert frames[3]["choices"][0]["finish_reason"] == "stop"
    assert frames[-1]["usage"]["total_tokens"] == 5 and all(f["usage"] is None for f in frames[:-1])
    assert {f["id"] for f in frames} == {chat.id} and {f["object"] for f in frames} == {"chat.completion.chunk"}
    text = StreamFramer("text", MODEL, include_usage=False).frames(
        {"text": "x", "finish_reason": "length", "usage": {}})
    assert [f["choices"][0]["text"] for f in text] == ["x", ""] and "usage" not in text[0]
    assert sse({"a": "é"}) == 'data: {"a":"é"}\n\n' and SSE_DONE == "data: [DONE]\n\n"


# The real engine behind the gateway


def http(api, key: str | None = KEY) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=api["url"], headers=headers, timeout=120)



def sse_payloads(response: httpx.Response) -> list:
    """The events of an SSE body: parsed JSON objects, and the final '[DONE]' as a string."""
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [line.removeprefix("data: ") for line in response.iter_lines() if line.startswith("data: ")]
    return [event if event == "[DONE]" else json.loads(event) for event in events]


def test_health_models_and_auth(api):
    with http(api, key=None) as client:
        assert client.get("/health").json()["components"]["llm"]["status"] == "healthy"
        for method, path in (("GET", "/v1/models"), ("POST", "/v1/chat/completions"), ("POST", "/v1/completions")):
            assert_error(client.request(method, path, json={"messages": QUESTION}), 401, "unauthorized")
            assert_error(client.request(method, path, headers={"Authorization": "Bearer wrong"}), 401)
    with http(api) as client:
        models = client.get("/v1/models").json()
    assert models["object"] == "list"
    assert [(m["id"], m["object"], m["max_model_len"]) for m in models["data"]] == [(MODEL, "model", 2048)]


def test_chat_completion_returns_text_and_usage(api):
    with http(api) as client:
        response = client.post("/v1/chat/completions",
                               json={"model": MODEL, "messages": QUESTION, "max_tokens": 24, "temperature": 0})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "chat.completion" and body["model"] == MODEL and body["id"].startswith("chatcmpl-")
    choice = body["choices"][0]
    assert choice["message"]["role"] == "assistant" and choice["message"]["content"].strip()
    assert choice["finish_reason"] in ("stop", "length")
    usage = body["usage"]
    assert usage["prompt_tokens"] > 10 and 0 < usage["completion_tokens"] <= 24
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_chat_streams_server_sent_events(api):
    request = {"messages": QUESTION, "max_tokens": 24, "stream": True, "stream_options": {"include_usage": True}}
    with http(api) as client, client.stream("POST", "/v1/chat/completions", json=request) as response:
        assert response.status_code == 200
        events = sse_payloads(response)
    assert events[-1] == "[DONE]"
    chunks = events[:-1]
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    contents = [c["choices"][0]["delta"]["content"] for c in chunks
                if c["choices"] and "content" in c["choices"][0]["delta"]]
    assert len(contents) >= 5 and "".join(contents).strip()
    finishes = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]]
    assert finishes[-1] in ("stop", "length") and all(f is None for f in finishes[:-1])
    usage = chunks[-1]["usage"]
    assert chunks[-1]["choices"] == [] and 0 < usage["completion_tokens"] <= 24
    assert len({c["id"] for c in chunks}) == 1 and {c["object"] for c in chunks} == {"chat.completion.chunk"}


def test_text_completions_plain_and_streamed(api):
    prompt = "The Supreme Court held that the appeal"
    with http(api) as client:
        response = client.post("/v1/completions", json={"model": MODEL, "prompt": prompt, "max_tokens": 16})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["object"] == "text_completion" and body["choices"][0]["text"]
        assert body["usage"]["completion_tokens"] <= 16
        with client.stream("POST", "/v1/completions",
                           json={"prompt": prompt, "max_tokens": 16, "stream": True}) as streamed:
            events = sse_payloads(streamed)
    assert events[-1] == "[DONE]" and len(events) >= 4
    assert "".join(e["choices"][0]["text"] for e in events[:-1]).strip()
    assert events[-2]["choices"][0]["finish_reason"] in ("stop", "length")


def test_openai_client_chat_plain_and_streamed(api):
    client = openai.OpenAI(base_url=api["url"] + "/v1", api_key=KEY, timeout=120, max_retries=0)
    assert [model.id for model in client.models.list()] == [MODEL]
    completion = client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=24)
    assert completion.choices[0].message.content.strip() and completion.usage.completion_tokens <= 24
    stream = client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=24, stream=True)
    pieces = [chunk.choices[0].delta.content for chunk in stream if chunk.choices and chunk.choices[0].delta.content]
    assert len(pieces) >= 5 and "".join(pieces).strip()
    text = client.completions.create(model=MODEL, prompt="The court", max_tokens=8)
    assert text.choices[0].text
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=api["url"] + "/v1", api_key="wrong", max_retries=0).models.list()
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=100_000)


class CaseFacts(BaseModel):
    court: str
    year: int
    affirmed: bool


CASE_FACTS_SCHEMA = {
    "type": "object",
    "properties": {"court": {"type": "string", "maxLength": 60},
                   "year": {"type": "integer", "minimum": 1700, "maximum": 2100},
                   "affirmed": {"type": "boolean"}},
    "required": ["court", "year", "affirmed"],
    "additionalProperties": False,
}
FACTS_PROMPT = [{"role": "user", "content": "In 1954 the Supreme Court of the United States affirmed the "
                                            "judgment. Give the court, the year and whether it affirmed, as JSON."}]


def test_guided_json_output_validates(api):
    with http(api) as client:
        response = client.post("/v1/chat/completions", json={
            "model": MODEL, "messages": FACTS_PROMPT, "max_tokens": 80, "temperature": 0,
            "response_format": {"type": "json_schema", "json_schema": {"name": "case_facts",
                                                                       "schema": CASE_FACTS_SCHEMA}}})
        assert response.status_code == 200, response.text
        content = response.json()["choices"][0]["message"]["content"]
        jsonschema.validate(json.loads(content), CASE_FACTS_SCHEMA)
        CaseFacts.model_validate_json(content)

        any_object = client.post("/v1/chat/completions", json={
            "messages": FACTS_PROMPT, "max_tokens": 80, "response_format": {"type": "json_object"}})
        assert any_object.status_code == 200, any_object.text
        if any_object.json()["choices"][0]["finish_reason"] == "stop":
            assert isinstance(json.loads(any_object.json()["choices"][0]["message"]["content"]), dict)

    # The same through a DeploymentHandle, as the generation features call it.
    handle = serve.get_deployment_handle("LLM", app_name="lexray")
    reply = handle.chat.remote(FACTS_PROMPT, {"max_tokens": 80, "json_schema": CASE_FACTS_SCHEMA}).result()
    assert reply["finish_reason"] == "stop", reply
    CaseFacts.model_validate_json(reply["text"])


def test_a_schema_the_grammar_backend_cannot_compile_is_a_502_not_an_empty_reply(api):
    uncompilable = {"type": "object", "required": ["question"],
                    "properties": {"question": {"type": "string", "pattern": "(Who|What)[^?]{8,150}"}}}
    body = {"messages": FACTS_PROMPT, "max_tokens": 40,
            "response_format": {"type": "json_schema", "json_schema": {"name": "q", "schema": uncompilable}}}
    with http(api) as client:
        assert_error(client.post("/v1/chat/completions", json=body), 502, "generation_failed")
        with client.stream("POST", "/v1/chat/completions", json={**body, "stream": True}) as response:
            events = [line for line in response.iter_lines() if line.startswith("data: ")]
        assert response.status_code == 502 or any('"generation_failed"' in event for event in events), events


def test_deployment_handle_methods(api):
    handle = serve.get_deployment_handle("LLM", app_name="lexray")
    assert handle.count_tokens.remote("The appeal is dismissed.").result() > 3
    question_tokens = handle.count_tokens.remote(QUESTION[0]["content"]).result()
    assert handle.count_chat_tokens.remote(QUESTION).result() > question_tokens  # the template's tokens
    reply = handle.complete.remote("The appeal is", {"max_tokens": 8}).result()
    assert reply["model"] == MODEL and reply["usage"]["completion_tokens"] <= 8
    chunks = list(handle.options(stream=True).chat_stream.remote(QUESTION, {"max_tokens": 12}))
    assert len(chunks) >= 3 and chunks[-1]["finish_reason"] in ("stop", "length")
    assert chunks[-1]["usage"]["completion_tokens"] <= 12 and all(c["usage"] is None for c in chunks[:-1])
    with pytest.raises(Exception, match="messages must be a non-empty list"):
        handle.chat.remote([], {}).result()
    with pytest.raises(Exception, match="invalid generation parameters"):
        handle.chat.remote(QUESTION, {"max_tokens": -1}).result()


def test_concurrent_requests_are_batched(api):
    async def ask_all():
        async with httpx.AsyncClient(base_url=api["url"], headers={"Authorization": f"Bearer {KEY}"},
                                     timeout=120) as client:
            return await asyncio.gather(*(client.post("/v1/chat/completions", json={
                "messages": [{"role": "user", "content": f"Name {n + 2} legal remedies."}], "max_tokens": 16})
                for n in range(4)))

    responses = asyncio.run(ask_all())
    assert [r.status_code for r in responses] == [200] * 4
    assert all(r.json()["choices"][0]["message"]["content"] for r in responses)


def test_bad_inputs_get_4xx_in_the_error_shape(api):
    too_long = [{"role": "user", "content": "appeal " * 3000}]
    with http(api) as client:
        def chat(**body):
            return client.post("/v1/chat/completions", json={"messages": QUESTION, **body})

        assert_error(client.post("/v1/chat/completions", json={"messages": []}), 422, "validation_error")
        assert_error(client.post("/v1/chat/completions", json={}), 422, "validation_error")
        assert_error(chat(messages=[{"role": "tool", "content": "x"}]), 422, "validation_error")
        assert_error(chat(messages=[{"role": "user", "content": "  "}]), 400, "bad_request")
        assert_error(chat(max_tokens=0), 422, "validation_error")
        assert_error(chat(max_tokens=2048), 400, "bad_request")
        assert_error(chat(max_tokens=10**9), 400, "bad_request")
        assert_error(chat(temperature=5), 422, "validation_error")
        assert_error(chat(n=2), 422, "validation_error")
        assert_error(chat(model="gpt-4o"), 404, "not_found")
        assert_error(chat(messages=too_long), 400, "context_length_exceeded")
        assert_error(chat(messages=too_long, stream=True), 400, "context_length_exceeded")
        assert_error(chat(max_tokens=2000, messages=[{"role": "user", "content": "appeal " * 100}]),
                     400, "context_length_exceeded")
        assert_error(chat(response_format={"type": "json_schema"}), 422, "validation_error")
        assert_error(chat(response_format={"type": "json_schema", "json_schema": {
            "name": "x", "schema": {"type": "no-such-type"}}}), 400, "bad_request")
        assert_error(client.post("/v1/chat/completions", content=b"{not json",
                                 headers={"Content-Type": "application/json"}), 422, "validation_error")
        assert_error(client.post("/v1/completions", json={"prompt": ""}), 422, "validation_error")
        assert_error(client.post("/v1/completions", json={"prompt": "appeal " * 3000}), 400,
                     "context_length_exceeded")
        # The deployment still serves after all of these.
        assert chat(max_tokens=4).status_code == 200
