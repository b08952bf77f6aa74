"""Streaming chat completions through the deployed LexRay application (vLLM in the LLM
deployment) against Hugging Face transformers ``generate()`` on the same model folder, measured
in the same run.

    python -m bench.llm [--concurrency 1,4,8] [--requests-per-level N] [--max-tokens 128]
        [--mongodb-uri URI]
    python -m bench.llm --autoscale [--autoscale-seconds S] [--autoscale-concurrency C]

Every level sends ``--requests-per-level`` requests (rounded up to a multiple of the level)
built from a fixed list of short legal questions, greedy (temperature 0, repetition penalty 1),
at most ``--max-tokens`` completion tokens each:

- ``transformers``: the baseline, in this process before anything else starts, on the model
  folder the LLM deployment loads, in ``llm.dtype``, with ``llm.cpu_threads`` torch threads (one
  replica's share; on CUDA, the device). The level's requests go as batches of ``concurrency``
  prompts (chat template, left padding), each generating exactly ``--max-tokens`` tokens
  (``min_new_tokens = max_new_tokens``). Its TTFT is the time of a ``max_new_tokens=1``
  ``generate()`` of the same batch (prefill plus one token; nothing streams), given to every
  request of the batch; tokens/s is generated tokens over the seconds of the full-length calls.
- ``vLLM, HTTP stream``: the real application deployed like ``bench.search_latency --http``
  does (``build_app``, its own MongoDB-protocol server, app name, key and port; deploying is
  not timed), then ``POST /v1/chat/completions`` with ``stream: true`` and
  ``stream_options.include_usage``, ``concurrency`` requests in flight (httpx, asyncio), each
  worker sending its next request when its stream ends. TTFT is request sent to the first
  non-empty content delta; tokens/s is the completion tokens of the final usage chunks over
  the level's wall seconds. One untimed request warms the route first. The request also
  carries ``ignore_eos`` and ``min_tokens``, which today's route drops (OpenAI's fields
  only), so completions may end at EOS before ``--max-tokens``: the table shows the mean
  completion tokens per request, and the rates count real tokens.

``ratio`` is vLLM's tokens/s over transformers' at the same concurrency.

With ``--autoscale`` (instead of the levels) the application is deployed with the LLM
deployment's ``autoscaling_config`` changed for the run (``AUTOSCALE_OVERRIDE``: 1 to 2
replicas, target 2 ongoing requests, upscale after 5 s, downscale after 20 s, a 10 s look-back
window); ``--autoscale-concurrency`` streaming workers send requests for
``--autoscale-seconds``, then stop, and the run waits (up to ``--downscale-timeout``) for the
deployment to return to one replica. Every 2 s it samples ``serve.status()`` (running,
starting and stopping LLM replicas, the deployment's status) and the controller's target
replica count, with the requests in flight; it prints the timeline (the samples where the
replica picture changed), when the second replica was asked for, when it ran and when the
deployment was back to one, and the completion tokens/s while one and while two replicas ran
(each request counted when it ended).

Prints a table and, as its last line, one JSON object with the figures.
"""

from __future__ import annotations

import lexray  # noqa: F401  (first: sets the environment Ray reads when it is imported)

import argparse
import asyncio
import gc
import json
import math
import os
import signal
import sys
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.cli import option_type, positive_ints
from bench.hf_generate import LEGAL_QUESTIONS as QUESTIONS, chat_prompts, load_causal_lm, time_generate
from bench.deploy import deployed_stack, exit_on_sigterm
from bench.results import add_json_option, emit_figures
from bench.stats import percentiles_ms, rate
from bench.tables import Column, text_table
from lexray.settings import Settings, get_settings

CHAT_PATH = "/v1/chat/completions"
LLM_DEPLOYMENT = "LLM"
SSE_DONE = "[DONE]"
POLL_S = 2.0
# The LLM deployment's autoscaling for --autoscale: fast enough to watch in a few minutes.
AUTOSCALE_OVERRIDE = {"min_replicas": 1, "max_replicas": 2, "target_ongoing_requests": 2,
                      "upscale_delay_s": 5, "downscale_delay_s": 20, "look_back_period_s": 10}


# Pure parts: requests, server-sent events, Serve status


def level_questions(requests: int, concurrency: int) -> list[str]:
    """``requests`` rounded up to a multiple of ``concurrency`` questions, cycling the list.

    >>> len(level_questions(5, 4)), level_questions(2, 1)[1] == QUESTIONS[1]
    (8, True)
    """
    count = math.ceil(max(requests, 1) / concurrency) * concurrency
    return [QUESTIONS[index % len(QUESTIONS)] for index in range(count)]


def chat_request(question: str, max_tokens: int) -> dict[str, Any]:
    """The streaming chat completion body: greedy, usage in the last chunk, and the fields that
    would fix the length (``ignore_eos``, ``min_tokens``; vLLM's names) should the route pass
    them on."""
    return {"messages": [{"role": "user", "content": question}], "max_tokens": max_tokens,
            "temperature": 0, "repetition_penalty": 1.0, "stream": True,
            "stream_options": {"include_usage": True}, "ignore_eos": True, "min_tokens": max_tokens}


def parse_sse_line(line: str) -> dict | str | None:
    """The JSON payload of a ``data:`` line, ``SSE_DONE`` for ``data: [DONE]``, else ``None``.

    >>> parse_sse_line('data: {"a": 1}'), parse_sse_line("data: [DONE]"), parse_sse_line("")
    ({'a': 1}, '[DONE]', None)
    """
    if not line.startswith("data:"):
        return None
    data = line[len("data:"):].strip()
    if data == SSE_DONE:
        return SSE_DONE
    return json.loads(data) if data else None


class StreamError(Exception):
    """A stream that failed: a non-200 answer, an error event, or no usage at its end."""


@dataclass(frozen=True)
class StreamResult:
    ttft_s: float | None  # None: the completion had no content
    seconds: float
    completion_tokens: int
    finish_reason: str | None


@dataclass
class StreamAccumulator:
    """What one chat completion stream said, fed its payloads with their arrival times."""

    first_content_s: float | None = None
    finish_reason: str | None = None
    usage: dict | None = None

    def add(self, payload: dict, elapsed_s: float) -> None:
        if "error" in payload:
            error = payload["error"]
            raise StreamError(f"{error.get('code')}: {error.get('message')}")
        for choice in payload.get("choices") or []:
            if choice.get("delta", {}).get("content") and self.first_content_s is None:
                self.first_content_s = elapsed_s
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
        if payload.get("usage"):
            self.usage = payload["usage"]

    def result(self, seconds: float) -> StreamResult:
        if self.usage is None:
            raise StreamError("the stream ended without a usage chunk")
        return StreamResult(self.first_content_s, seconds, int(self.usage["completion_tokens"]),
                            self.finish_reason)


@dataclass(frozen=True)
class ReplicaCounts:
    running: int
    starting: int
    stopping: int
    status: str  # the deployment's: HEALTHY, UPSCALING, DOWNSCALING, ...


def replica_counts(status: Any, app_name: str, deployment: str = LLM_DEPLOYMENT) -> ReplicaCounts:
    """The deployment's replicas by state in a ``serve.status()`` result (``ServeStatus``);
    zeros when the application or deployment is not (yet) there."""
    application = status.applications.get(app_name)
    overview = application.deployments.get(deployment) if application else None
    if overview is None:
        return ReplicaCounts(0, 0, 0, "MISSING")
    states = {str(getattr(state, "value", state)): count for state, count in overview.replica_states.items()}
    return ReplicaCounts(
        running=states.get("RUNNING", 0),
        starting=sum(states.get(state, 0) for state in ("STARTING", "UPDATING", "RECOVERING")),
        stopping=states.get("STOPPING", 0),
        status=str(getattr(overview.status, "value", overview.status)),
    )


@dataclass(frozen=True)
class Sample:
    t_s: float  # since the load started
    running: int
    starting: int
    stopping: int
    target: int | None
    in_flight: int
    status: str

    def picture(self) -> tuple:
        return (self.running, self.starting, self.stopping, self.target, self.status)


def changed_samples(samples: list[Sample]) -> list[Sample]:
    """The first sample, each one whose replica picture differs from the one before, and the last."""
    kept = [sample for index, sample in enumerate(samples)
            if index == 0 or sample.picture() != samples[index - 1].picture()]
    if samples and kept[-1] is not samples[-1]:
        kept.append(samples[-1])
    return kept


def scaling_summary(samples: list[Sample], load_s: float) -> dict[str, float | int | None]:
    """When (seconds after the load started) a second replica was asked for and ran, and how
    long after the load stopped (at ``load_s``) the deployment was back to one replica.

    >>> samples = [Sample(0, 1, 0, 0, 1, 8, "HEALTHY"), Sample(6, 1, 1, 0, 2, 8, "UPSCALING"),
    ...            Sample(40, 2, 0, 0, 2, 8, "HEALTHY"), Sample(90, 2, 0, 0, 1, 0, "DOWNSCALING"),
    ...            Sample(94, 1, 0, 0, 1, 0, "HEALTHY")]
    >>> summary = scaling_summary(samples, load_s=60)
    >>> summary["upscale_requested_s"], summary["second_replica_running_s"], summary["back_to_one_after_load_s"]
    (6, 40, 34)
    """
    def first(condition, after: float = 0.0) -> float | None:
        return next((sample.t_s for sample in samples if sample.t_s >= after and condition(sample)), None)

    requested = first(lambda s: (s.target or 0) >= 2 or s.running + s.starting >= 2)
    running = first(lambda s: s.running >= 2)
    downscale = None if running is None else first(
        lambda s: (s.target is not None and s.target <= 1) or s.status == "DOWNSCALING", load_s)
    back = None if running is None else first(
        lambda s: s.running == 1 and s.starting == 0 and s.stopping == 0, max(load_s, running))
    return {
        "upscale_requested_s": requested,
        "second_replica_running_s": running,
        "downscale_requested_after_load_s": None if downscale is None else round(downscale - load_s, 1),
        "back_to_one_after_load_s": None if back is None else round(back - load_s, 1),
        "max_running": max((sample.running for sample in samples), default=0),
    }


def window_rates(completions: list[tuple[float, int]], boundary_s: float | None, end_s: float) -> dict:
    """Completion tokens per second of the load before ``boundary_s`` (one replica running) and
    from it to ``end_s`` (two), each request counted when it ended.

    >>> window_rates([(5.0, 100), (10.0, 100), (15.0, 300), (20.0, 300)], 10.0, 20.0)
    {'tokens_per_s_one_replica': 20.0, 'tokens_per_s_two_replicas': 60.0}
    """
    if boundary_s is None or not 0 < boundary_s < end_s:
        return {"tokens_per_s_one_replica": None, "tokens_per_s_two_replicas": None}
    before = sum(tokens for ended, tokens in completions if ended <= boundary_s)
    after = sum(tokens for ended, tokens in completions if boundary_s < ended <= end_s)
    return {"tokens_per_s_one_replica": round(before / boundary_s, 1),
            "tokens_per_s_two_replicas": round(after / (end_s - boundary_s), 1)}


# The transformers baseline


@dataclass
class LevelFigures:
    concurrency: int
    engine: str
    ttft_s: list[float]
    tokens: int
    seconds: float  # wall (vLLM) or summed generate() seconds (transformers)
    requests: int
    errors: list[str] = field(default_factory=list)

    @property
    def tokens_per_s(self) -> float:
        return rate(self.tokens, self.seconds)

    def figures(self) -> dict[str, Any]:
        answered = self.requests - len(self.errors)
        return {**percentiles_ms(self.ttft_s, (50, 95), digits=1), "tokens_per_s": round(self.tokens_per_s, 1),
                "tokens": self.tokens, "seconds": round(self.seconds, 2), "requests": self.requests,
                "tokens_per_request": round(self.tokens / answered, 1) if answered else None,
                "errors": len(self.errors)}


def measure_transformers(model_dir: Path, levels: list[int], requests: int, max_tokens: int,
                         device: str, dtype: str, threads: int) -> list[LevelFigures]:
    import torch

    torch.set_num_threads(threads)
    model, tokenizer = load_causal_lm(model_dir, device, dtype)
    try:
        time_generate(model, tokenizer, chat_prompts(tokenizer, QUESTIONS[:1]), 4)  # warm-up
        rows = []
        for concurrency in levels:
            prompts = chat_prompts(tokenizer, level_questions(requests, concurrency))
            ttft, tokens, seconds = [], 0, 0.0
            for start in range(0, len(prompts), concurrency):
                batch = prompts[start:start + concurrency]
                ttft += [time_generate(model, tokenizer, batch, 1).seconds] * len(batch)
                timing = time_generate(model, tokenizer, batch, max_tokens)
                tokens, seconds = tokens + timing.new_tokens, seconds + timing.seconds
            rows.append(LevelFigures(concurrency, "transformers", ttft, tokens, seconds, len(prompts)))
            print(f"transformers, concurrency {concurrency}: {rows[-1].tokens_per_s:.1f} tokens/s", flush=True)
        return rows
    finally:
        del model
        gc.collect()


# The deployed application


async def stream_chat(client, question: str, max_tokens: int) -> StreamResult:
    accumulator = StreamAccumulator()
    started = time.perf_counter()
    async with client.stream("POST", CHAT_PATH, json=chat_request(question, max_tokens)) as response:
        if response.status_code != 200:
            await response.aread()
            raise StreamError(f"HTTP {response.status_code}: {response.text[:200]}")
        async for line in response.aiter_lines():
            payload = parse_sse_line(line)
            if payload == SSE_DONE:
                break
            if payload is not None:
                accumulator.add(payload, time.perf_counter() - started)
    return accumulator.result(time.perf_counter() - started)


async def run_level(client, questions: list[str], concurrency: int, max_tokens: int) -> LevelFigures:
    import httpx

    pending = list(questions)
    results: list[StreamResult] = []
    errors: list[str] = []

    async def worker() -> None:
        while pending:
            question = pending.pop(0)
            try:
                results.append(await stream_chat(client, question, max_tokens))
            except (httpx.HTTPError, StreamError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    return LevelFigures(concurrency, "vllm_http", [r.ttft_s for r in results if r.ttft_s is not None],
                        sum(r.completion_tokens for r in results), wall, len(questions), errors)


def http_client(settings: Settings, api_key: str, connections: int):
    import httpx

    return httpx.AsyncClient(
        base_url=f"http://{settings.api.host}:{settings.api.port}",
        headers={"Authorization": f"Bearer {api_key}"}, timeout=httpx.Timeout(600.0),
        limits=httpx.Limits(max_connections=connections + 2))


async def measure_vllm(settings: Settings, api_key: str, levels: list[int], requests: int,
                       max_tokens: int) -> list[LevelFigures]:
    async with http_client(settings, api_key, max(levels)) as client:
        await stream_chat(client, QUESTIONS[0], 8)  # warm-up, untimed
        rows = []
        for concurrency in levels:
            rows.append(await run_level(client, level_questions(requests, concurrency), concurrency, max_tokens))
            print(f"vLLM over HTTP, concurrency {concurrency}: {rows[-1].tokens_per_s:.1f} tokens/s"
                  f"{f', {len(rows[-1].errors)} errors' if rows[-1].errors else ''}", flush=True)
        return rows


def target_replicas(app_name: str) -> int | None:
    """The controller's target replica count of the LLM deployment: what ``serve status``
    reads too, but ``serve.status()`` leaves it out, so it comes from the controller's
    details (a private call; ``None`` when that fails)."""
    try:
        from ray.serve.context import _get_global_client

        details = _get_global_client().get_serve_details()
        return int(details["applications"][app_name]["deployments"][LLM_DEPLOYMENT]["target_num_replicas"])
    except Exception:  # noqa: BLE001 - the column is informative only
        return None


def sample_replicas(app_name: str, since: float, in_flight: int) -> Sample:
    from ray import serve

    counts = replica_counts(serve.status(), app_name)
    return Sample(round(time.perf_counter() - since, 1), counts.running, counts.starting, counts.stopping,
                  target_replicas(app_name), in_flight, counts.status)


async def autoscale_run(settings: Settings, api_key: str, concurrency: int, load_s: float, max_tokens: int,
                        downscale_timeout_s: float) -> dict[str, Any]:
    import httpx

    samples: list[Sample] = []
    completions: list[tuple[float, int]] = []  # (seconds since the load started, completion tokens)
    in_flight = 0
    errors: list[str] = []

    async def worker(index: int) -> None:
        nonlocal in_flight
        turn = 0
        while time.perf_counter() < load_end:
            in_flight += 1
            try:
                result = await stream_chat(client, QUESTIONS[(index + turn) % len(QUESTIONS)], max_tokens)
                completions.append((time.perf_counter() - started, result.completion_tokens))
            except (httpx.HTTPError, StreamError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
            finally:
                in_flight -= 1
            turn += concurrency

    async def sampler(done: asyncio.Event) -> None:
        deadline = load_end + downscale_timeout_s
        while True:
            sample = await asyncio.to_thread(sample_replicas, settings.api.app_name, started, in_flight)
            if not samples or sample.picture() != samples[-1].picture():
                print(f"t={sample.t_s:6.1f}s running={sample.running} starting={sample.starting} "
                      f"stopping={sample.stopping} target={sample.target} in_flight={sample.in_flight} "
                      f"{sample.status}", flush=True)
            samples.append(sample)
            settled = (done.is_set() and sample.running == 1 and sample.starting == 0
                       and sample.stopping == 0 and sample.target in (1, None))
            if settled or time.perf_counter() > deadline:
                return
            await asyncio.sleep(POLL_S)

    async with http_client(settings, api_key, concurrency) as client:
        await stream_chat(client, QUESTIONS[0], 8)  # warm-up, untimed
        started = time.perf_counter()
        load_end = started + load_s
        load_done = asyncio.Event()
        sampling = asyncio.create_task(sampler(load_done))
        await asyncio.gather(*(worker(index) for index in range(concurrency)))
        actual_load_s = time.perf_counter() - started
        load_done.set()
        await sampling
    summary = scaling_summary(samples, actual_load_s)
    return {"concurrency": concurrency, "load_s": round(actual_load_s, 1), "requests": len(completions),
            "errors": errors, "samples": samples,
            "summary": {**summary, **window_rates(completions, summary["second_replica_running_s"], actual_load_s)}}


def deployed(base: Settings, mongodb_uri: str | None, cleanup: ExitStack,
             llm_options: dict[str, Any] | None = None) -> tuple[Settings, str, float]:
    """``bench.deploy.deployed_stack`` for this bench, the LLM deployment's options changed by
    ``llm_options``."""
    return deployed_stack(base, mongodb_uri, cleanup, name="llm",
                          overrides={LLM_DEPLOYMENT: llm_options} if llm_options else None)


# Output


def format_table(transformers: list[LevelFigures], vllm: list[LevelFigures]) -> str:
    baseline = {row.concurrency: row for row in transformers}
    labels = {"transformers": "transformers generate (batch)", "vllm_http": "vLLM, HTTP stream"}
    rows = []
    for row in sorted(transformers + vllm, key=lambda row: (row.concurrency, row.engine != "transformers")):
        figures = row.figures()
        base = baseline.get(row.concurrency)
        ratio = row.tokens_per_s / base.tokens_per_s if base and base.tokens_per_s else None
        rows.append((row.concurrency, labels[row.engine], figures["p50_ms"], figures["p95_ms"],
                     figures["tokens_per_s"], figures["tokens_per_request"], figures["errors"], ratio))
    columns = [Column("concurrency", 11), Column("engine", 31, "<", gap="  "), Column("TTFT p50 ms", 12, spec=".0f"),
               Column("TTFT p95 ms", 12, spec=".0f"), Column("tokens/s", 10, spec=".1f"),
               Column("tok/req", 9, spec=".0f"), Column("errors", 8), Column("ratio", 8, spec=".2f", suffix="x")]
    return text_table(columns, rows)


def format_timeline(samples: list[Sample]) -> str:
    columns = [Column("t s", 7, spec=".1f"), Column("running", 9), Column("starting", 10), Column("stopping", 10),
               Column("target", 8), Column("in flight", 11), Column("status", align="<", gap="  ")]
    return text_table(columns, [(sample.t_s, sample.running, sample.starting, sample.stopping, sample.target,
                                 sample.in_flight, sample.status) for sample in changed_samples(samples)])


def ratio_of(value: float | None, reference: float | None) -> float | None:
    return round(value / reference, 2) if value is not None and reference else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=option_type(positive_ints), default="1,4,8",
                        help="comma-separated levels (requests in flight)")
    parser.add_argument("--requests-per-level", type=int, default=8,
                        help="requests per level, rounded up to a multiple of the level")
    parser.add_argument("--max-tokens", type=int, default=128, help="completion tokens per request")
    parser.add_argument("--autoscale", action="store_true",
                        help="instead of the levels: a load run showing the LLM deployment scale 1 -> 2 -> 1")
    parser.add_argument("--autoscale-seconds", type=float, default=120.0, help="seconds of load (--autoscale)")
    parser.add_argument("--autoscale-concurrency", type=int, default=8, help="streams in flight (--autoscale)")
    parser.add_argument("--downscale-timeout", type=float, default=180.0,
                        help="seconds to wait after the load for one replica again (--autoscale)")
    parser.add_argument("--mongodb-uri", default=None, help="MongoDB (default: a server started here, in memory)")
    add_json_option(parser)
    args = parser.parse_args(argv)
    if args.requests_per_level < 1 or args.max_tokens < 1 or args.autoscale_concurrency < 1:
        parser.error("--requests-per-level, --max-tokens and --autoscale-concurrency must be at least 1")
    levels = args.concurrency

    from generation.model_files import resolve_llm_model_path

    signal.signal(signal.SIGTERM, exit_on_sigterm)
    base = get_settings()
    llm = base.llm
    model_dir = resolve_llm_model_path(base)
    print(f"model {model_dir.name} ({model_dir}); max_tokens {args.max_tokens}; {os.cpu_count()} CPUs, "
          f"load avg {os.getloadavg()[0]:.2f}", flush=True)
    figures: dict[str, Any] = {"model": model_dir.name, "max_tokens": args.max_tokens,
                               "cpu_count": os.cpu_count(), "load_avg_1m_start": round(os.getloadavg()[0], 2)}

    if args.autoscale:
        with ExitStack() as cleanup:
            settings, api_key, deploy_s = deployed(base, args.mongodb_uri, cleanup,
                                                   {"autoscaling_config": AUTOSCALE_OVERRIDE})
            run = asyncio.run(autoscale_run(settings, api_key, args.autoscale_concurrency, args.autoscale_seconds,
                                            args.max_tokens, args.downscale_timeout))
        summary = run["summary"]
        print(f"LLM autoscaling {AUTOSCALE_OVERRIDE}; {run['concurrency']} streams for {run['load_s']:.0f}s, "
              f"{run['requests']} requests answered, {len(run['errors'])} errors; samples every {POLL_S:.0f}s "
              "(t from the load's start; rows where the replica picture changed):")
        print(format_timeline(run["samples"]))
        print(f"scale up: second replica asked for at t={summary['upscale_requested_s']}s, running at "
              f"t={summary['second_replica_running_s']}s; scale down: asked for "
              f"{summary['downscale_requested_after_load_s']}s and back to one replica "
              f"{summary['back_to_one_after_load_s']}s after the load stopped (t={run['load_s']:.0f}s)")
        print(f"throughput (completion tokens/s, requests counted when they ended): "
              f"{summary['tokens_per_s_one_replica']} with one replica running, "
              f"{summary['tokens_per_s_two_replicas']} with two")
        for error in run["errors"][:5]:
            print(f"error: {error}")
        figures["autoscale"] = {**run, "override": AUTOSCALE_OVERRIDE, "deploy_s": round(deploy_s, 1),
                                "samples": [asdict(sample) for sample in run["samples"]]}
        figures["load_avg_1m_end"] = round(os.getloadavg()[0], 2)
        emit_figures(figures, args.json)
        return 0

    import torch

    device = "cuda" if llm.device == "cuda" or (llm.device == "auto" and torch.cuda.is_available()) else "cpu"
    dtype = "bfloat16" if llm.dtype == "auto" else llm.dtype
    print(f"transformers baseline: {device}, {dtype}, {llm.cpu_threads} torch thread(s) ...", flush=True)
    transformers = measure_transformers(model_dir, levels, args.requests_per_level, args.max_tokens,
                                        device, dtype, llm.cpu_threads)
    with ExitStack() as cleanup:
        settings, api_key, deploy_s = deployed(base, args.mongodb_uri, cleanup)
        vllm = asyncio.run(measure_vllm(settings, api_key, levels, args.requests_per_level, args.max_tokens))

    print(format_table(transformers, vllm))
    fixed = all(row.tokens == args.max_tokens * (row.requests - len(row.errors)) for row in vllm)
    print(f"transformers: {device}, {dtype}, {llm.cpu_threads} torch thread(s) (llm.cpu_threads), batches of "
          "`concurrency` prompts, exactly max_tokens tokens per row; its TTFT is a max_new_tokens=1 generate() "
          "of the batch (prefill + 1 token), not a streamed token.")
    print(f"vLLM: one LLM replica ({llm.dtype}, llm.cpu_threads={llm.cpu_threads}, max_num_seqs "
          f"{llm.max_num_seqs}) behind the gateway; TTFT = request sent to first content delta; "
          + ("every completion had max_tokens tokens." if fixed else
             "the route ignores ignore_eos/min_tokens, so completions may stop at EOS: tokens/s and "
             "tok/req count the real completion tokens."))
    print("ratio: vLLM tokens/s over transformers tokens/s at the same concurrency.")
    for row in vllm:
        for error in row.errors[:3]:
            print(f"concurrency {row.concurrency} error: {error}")
    baseline = {row.concurrency: row for row in transformers}
    figures.update({
        "requests_per_level": args.requests_per_level, "deploy_s": round(deploy_s, 1),
        "transformers": {"device": device, "dtype": dtype, "torch_threads": llm.cpu_threads},
        "vllm": {"dtype": llm.dtype, "cpu_threads": llm.cpu_threads, "max_num_seqs": llm.max_num_seqs,
                 "replicas": 1, "fixed_length": fixed},
        "levels": {str(row.concurrency): {
            "transformers": baseline[row.concurrency].figures(), "vllm_http": row.figures(),
            "tokens_per_s_ratio": round(row.tokens_per_s / baseline[row.concurrency].tokens_per_s, 2),
            "ttft_p50_ratio": ratio_of(row.figures()["p50_ms"], baseline[row.concurrency].figures()["p50_ms"])}
            for row in vllm},
        "load_avg_1m_end": round(os.getloadavg()[0], 2),
    })
    emit_figures(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
