"""Hugging Face transformers ``generate()`` timed the same way for every bench: greedy, a
batch of prompts left-padded, a fixed output length (``min_new_tokens = max_new_tokens``, so
EOS cannot end a row early and every row yields exactly ``max_new_tokens`` tokens).

Used by ``bench.llm`` (the baseline of the vLLM rows) and ``bench.gpu_check``; it imports
torch and transformers only, when called, so it runs where neither Ray nor vLLM is installed.

    model, tokenizer = load_causal_lm("data/models/SmolLM2-135M-Instruct", "cpu", "bfloat16")
    prompts = chat_prompts(tokenizer, ["Define res judicata."])
    timing = time_generate(model, tokenizer, prompts, max_new_tokens=64)
    timing.tokens_per_s, timing.seconds
"""

from __future__ import annotations

import time
from dataclasses import dataclass

DTYPES = ("float32", "bfloat16", "float16")
# Short legal questions and instructions: the prompts of the generation benches.
LEGAL_QUESTIONS = (
    "What is the doctrine of res judicata? Explain it briefly.",
    "Explain the difference between a civil and a criminal case.",
    "What must a plaintiff prove to succeed in a negligence claim?",
    "Summarise the purpose of an appellate court in two sentences.",
    "What is the difference between bail and anticipatory bail?",
    "Define 'burden of proof' and say who usually carries it.",
    "List the essential elements of a valid contract.",
    "What is a writ of habeas corpus used for?",
    "Explain what 'stare decisis' means for a lower court.",
    "When can a court grant an injunction?",
    "What is the difference between a judgment and a decree?",
    "Explain the hearsay rule and one exception to it.",
    "What rights does a tenant usually have against eviction?",
    "Draft one sentence dismissing an appeal for want of prosecution.",
    "What is the limitation period and why does it exist?",
    "Explain 'mens rea' with a short example.",
)


@dataclass(frozen=True)
class GenerateTiming:
    """One ``generate()`` call: ``batch_size`` rows, ``new_tokens`` generated over all rows."""

    batch_size: int
    new_tokens: int
    seconds: float

    @property
    def tokens_per_s(self) -> float:
        return self.new_tokens / self.seconds

    @property
    def tokens_per_row(self) -> int:
        return self.new_tokens // self.batch_size


def load_causal_lm(model_dir, device: str = "cpu", dtype: str = "float32"):
    """``(model, tokenizer)`` from a local folder, in eval mode on ``device`` in ``dtype``;
    the tokenizer pads on the left (what batched generation needs) with EOS when it has no
    pad token. Loading then converting works across transformers 4.x and 5.x."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(str(model_dir))
    model = model.to(device=device, dtype=getattr(torch, dtype)).eval()
    return model, tokenizer


def chat_prompts(tokenizer, questions: list[str]) -> list[str]:
    """Each question as a one-message chat under the model's template (what the OpenAI chat
    route sends to vLLM), or the bare question when the tokenizer has no template."""
    if not getattr(tokenizer, "chat_template", None):
        return list(questions)
    return [tokenizer.apply_chat_template([{"role": "user", "content": question}],
                                          add_generation_prompt=True, tokenize=False)
            for question in questions]


def time_generate(model, tokenizer, prompts: list[str], max_new_tokens: int) -> GenerateTiming:
    """Seconds of one greedy ``generate()`` over ``prompts`` as a batch, exactly
    ``max_new_tokens`` new tokens per row; tokenising is outside the timed part, and CUDA is
    synchronised before the clock stops."""
    import torch

    if not prompts or max_new_tokens < 1:
        raise ValueError("time_generate needs at least one prompt and max_new_tokens >= 1")
    # The chat template already holds the special tokens.
    encoded = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
    encoded = {name: tensor.to(model.device) for name, tensor in encoded.items()}
    prompt_length = encoded["input_ids"].shape[1]
    cuda = model.device.type == "cuda"
    with torch.inference_mode():
        if cuda:
            torch.cuda.synchronize()
        started = time.perf_counter()
        output = model.generate(**encoded, max_new_tokens=max_new_tokens, min_new_tokens=max_new_tokens,
                                do_sample=False, pad_token_id=tokenizer.pad_token_id)
        if cuda:
            torch.cuda.synchronize()
        seconds = time.perf_counter() - started
    new_tokens = (output.shape[1] - prompt_length) * output.shape[0]
    return GenerateTiming(len(prompts), int(new_tokens), seconds)


def time_forward_loop(model, tokenizer, prompts: list[str], max_new_tokens: int) -> GenerateTiming:
    """Seconds of a hand-written greedy decode over ``prompts`` as a batch: one forward pass
    per token with the model's KV cache and nothing else (no logits processors, no stopping
    checks), the floor under ``generate()``'s own per-step work."""
    import torch

    encoded = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
    input_ids = encoded["input_ids"].to(model.device)
    attention_mask = encoded["attention_mask"].to(model.device)
    cuda = model.device.type == "cuda"
    with torch.inference_mode():
        if cuda:
            torch.cuda.synchronize()
        started = time.perf_counter()
        output = model(input_ids=input_ids, attention_mask=attention_mask, use_cache=True)
        for _ in range(max_new_tokens - 1):
            next_ids = output.logits[:, -1:].argmax(dim=-1)
            attention_mask = torch.cat([attention_mask, torch.ones_like(next_ids)], dim=1)
            output = model(input_ids=next_ids, attention_mask=attention_mask,
                           past_key_values=output.past_key_values, use_cache=True)
        if cuda:
            torch.cuda.synchronize()
        seconds = time.perf_counter() - started
    return GenerateTiming(len(prompts), max_new_tokens * len(prompts), seconds)
