"""bench/llm.py: the pure pieces (request body, server-sent events, percentiles, replica counts
from a ``serve.status()`` result, the scaling summary, the option override) and the
transformers baseline on the real model with a few tokens. The deployment itself is exercised
by running the bench (and by tests/integration/api/test_llm.py)."""

from __future__ import annotations

import json

import pytest

from bench.hf_generate import chat_prompts, load_causal_lm, time_generate
from bench.llm import (
    AUTOSCALE_OVERRIDE,
    QUESTIONS,
    LevelFigures,
    Sample,
    StreamAccumulator,
    StreamError,
    changed_samples,
    chat_request,
    format_table,
    format_timeline,
    level_questions,
    measure_transformers,
    parse_sse_line,
    replica_counts,
    scaling_summary,
    window_rates,
)
from generation.model_files import resolve_llm_model_path
from generation.openai_format import SSE_DONE, StreamFramer, sse
from lexray.settings import Settings
from serve_app.schemas import ChatCompletionRequest


def test_chat_request_is_a_valid_streaming_greedy_request():
    body = chat_request("What is res judicata?", 32)
    request = ChatCompletionRequest.model_validate(body)
    assert request.stream and request.include_usage()
    assert request.generation_params() == {"max_tokens": 32, "temperature": 0, "repetition_penalty": 1.0,
                                           "presence_penalty": 0.0, "frequency_penalty": 0.0}


def test_level_questions_fill_whole_batches():
    assert len(level_questions(8, 1)) == len(level_questions(8, 4)) == len(level_questions(8, 8)) == 8
    assert len(level_questions(3, 8)) == 8 and len(level_questions(9, 4)) == 12
    assert level_questions(len(QUESTIONS) + 1, 1)[-1] == QUESTIONS[0]


def test_the_gateways_stream_is_parsed_into_first_content_time_and_usage():
    """The frames the gateway sends (generation.openai_format), as SSE lines."""
    framer = StreamFramer("chat", "m", include_usage=True)
    chunks = [{"text": "The ", "finish_reason": None, "usage": None},
              {"text": "doctrine", "finish_reason": None, "usage": None},
              {"text": "", "finish_reason": "length", "usage": {"prompt_tokens": 9, "completion_tokens": 2,
                                                                  "total_tokens": 11}}]
    lines = "".join(sse(frame) for chunk in chunks for frame in framer.frames(chunk)).splitlines() + \
        SSE_DONE.splitlines()
    accumulator = StreamAccumulator()
    for elapsed, line in enumerate(lines):
        payload = parse_sse_line(line)
        if payload == "[DONE]":
            break
        if payload is not None:
            accumulator.add(payload, float(elapsed))
    result = accumulator.result(99.0)
    # The first frame (role, empty content) is not the first token.
    assert result.ttft_s == 2.0 and result.completion_tokens == 2 and result.finish_reason == "length"
    assert result.seconds == 99.0


def test_stream_errors_and_missing_usage_are_reported():
    accumulator = StreamAccumulator()
    with pytest.raises(StreamError, match="generation_timeout: too slow"):
        accumulator.add({"error": {"code": "generation_timeout", "message": "too slow"}}, 1.0)
    with pytest.raises(StreamError, match="without a usage chunk"):
        StreamAccumulator().result(1.0)
    assert parse_sse_line(": keep-alive") is None and parse_sse_line("event: x") is None
    assert parse_sse_line('data:{"a":1}') == {"a": 1}


def test_ttft_percentiles():
    def ttft(seconds: list[float]) -> tuple:
        figures = LevelFigures(1, "vllm_http", seconds, 0, 1.0, len(seconds)).figures()
        return figures["p50_ms"], figures["p95_ms"]

    assert ttft([]) == (None, None)
    assert ttft([0.5]) == (500.0, 500.0)
    assert ttft([i / 100 for i in range(1, 101)]) == (505.0, 950.5)
    assert ttft([0.01234, 0.02]) == (16.2, 19.6)


def serve_status(replica_states: dict, status: str = "HEALTHY", app_name: str = "bench"):
    """A real ``ServeStatus`` as ``serve.status()`` builds it (ray.serve.schema)."""
    from ray.serve._private.common import DeploymentStatus, DeploymentStatusTrigger
    from ray.serve.schema import ApplicationStatus, ApplicationStatusOverview, DeploymentStatusOverview, ServeStatus

    overview = DeploymentStatusOverview(
        status=DeploymentStatus(status), status_trigger=DeploymentStatusTrigger.AUTOSCALING,
        replica_states=replica_states, message="")
    gateway = DeploymentStatusOverview(
        status=DeploymentStatus.HEALTHY, status_trigger=DeploymentStatusTrigger.CONFIG_UPDATE_COMPLETED,
        replica_states={"RUNNING": 3}, message="")
    return ServeStatus(applications={app_name: ApplicationStatusOverview(
        status=ApplicationStatus.RUNNING, message="", last_deployed_time_s=0.0,
        deployments={"LLM": overview, "Gateway": gateway})})


def test_replica_counts_from_serve_status():
    from ray.serve._private.common import ReplicaState

    counts = replica_counts(serve_status({"RUNNING": 1, "STARTING": 1}, "UPSCALING"), "bench")
    assert (counts.running, counts.starting, counts.stopping, counts.status) == (1, 1, 0, "UPSCALING")
    # Enum keys read like their values.
    counts = replica_counts(serve_status({ReplicaState.RUNNING: 1, ReplicaState.STOPPING: 1}, "DOWNSCALING"),
                            "bench")
    assert (counts.running, counts.stopping, counts.status) == (1, 1, "DOWNSCALING")
    assert replica_counts(serve_status({"RUNNING": 1}), "other").status == "MISSING"
    from ray.serve.schema import ServeStatus

    assert replica_counts(ServeStatus(), "bench").running == 0


def test_timeline_keeps_changes_and_summary_times_the_scaling():
    samples = [Sample(0.0, 1, 0, 0, 1, 8, "HEALTHY"), Sample(2.0, 1, 0, 0, 1, 8, "HEALTHY"),
               Sample(8.0, 1, 1, 0, 2, 8, "UPSCALING"), Sample(10.0, 1, 1, 0, 2, 8, "UPSCALING"),
               Sample(50.0, 2, 0, 0, 2, 8, "HEALTHY"), Sample(122.0, 2, 0, 0, 1, 0, "DOWNSCALING"),
               Sample(124.0, 1, 0, 1, 1, 0, "DOWNSCALING"), Sample(126.0, 1, 0, 0, 1, 0, "HEALTHY")]
    assert [sample.t_s for sample in changed_samples(samples)] == [0.0, 8.0, 50.0, 122.0, 124.0, 126.0]
    assert scaling_summary(samples, load_s=100.0) == {
        "upscale_requested_s": 8.0, "second_replica_running_s": 50.0, "downscale_requested_after_load_s": 22.0,
        "back_to_one_after_load_s": 26.0, "max_running": 2}
    never = [Sample(0.0, 1, 0, 0, 1, 8, "HEALTHY"), Sample(2.0, 1, 0, 0, 1, 0, "HEALTHY")]
    assert scaling_summary(never, 1.0)["second_replica_running_s"] is None
    table = format_timeline(samples)
    assert len(table.splitlines()) == 7 and "UPSCALING" in table
    completions = [(20.0, 100), (50.0, 100), (60.0, 128), (100.0, 128), (101.0, 50)]
    assert window_rates(completions, 50.0, 100.0) == {"tokens_per_s_one_replica": 4.0,
                                                      "tokens_per_s_two_replicas": 5.1}
    assert window_rates(completions, None, 100.0)["tokens_per_s_two_replicas"] is None


def test_build_app_overrides_change_only_the_named_deployment_option():
    from serve_app.app import deployment_options, merged_options

    configured = deployment_options()
    overridden = merged_options({"LLM": {"autoscaling_config": AUTOSCALE_OVERRIDE}})
    assert overridden["LLM"]["autoscaling_config"] == {**configured["LLM"]["autoscaling_config"],
                                                       **AUTOSCALE_OVERRIDE}
    assert overridden["LLM"]["max_ongoing_requests"] == configured["LLM"]["max_ongoing_requests"]
    assert overridden["Gateway"] == configured["Gateway"]
    assert deployment_options() == configured  # the file's options are not changed
    with pytest.raises(ValueError, match="not deployment options"):
        merged_options({"LLM": {"num_gpus": 1}})


@pytest.mark.models
def test_transformers_baseline_on_the_real_model():
    model_dir = resolve_llm_model_path(Settings())
    model, tokenizer = load_causal_lm(model_dir, "cpu", "bfloat16")
    prompts = chat_prompts(tokenizer, list(QUESTIONS[:3]))
    assert prompts[0].endswith("<|im_start|>assistant\n")
    timing = time_generate(model, tokenizer, prompts, 3)
    # Exactly max_new_tokens per row, whatever the model would have said.
    assert (timing.batch_size, timing.new_tokens, timing.tokens_per_row) == (3, 9, 3)
    assert timing.seconds > 0 and timing.tokens_per_s > 0

    rows = measure_transformers(model_dir, [1, 2], requests=2, max_tokens=2, device="cpu",
                                dtype="bfloat16", threads=1)
    assert [(row.concurrency, row.tokens, row.requests, len(row.ttft_s)) for row in rows] == [
        (1, 4, 2, 2), (2, 4, 2, 2)]
    table = format_table(rows, [])
    assert "transformers generate (batch)" in table and len(table.splitlines()) == 3
    json.dumps([row.figures() for row in rows])
