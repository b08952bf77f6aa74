"""bench/gpu_check.py on this CPU-only machine, tiny: it runs as a plain script (``python
bench/gpu_check.py``, as on a GPU machine), reports every CUDA part as skipped, embeds with
LexRay's Embedder into 384-dim vectors and generates tokens; and its fallback without
lexray.settings encodes exactly like the Embedder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lexray.settings import EmbeddingSettings
from bench.gpu_check import (
    EMBEDDING_ASSETS,
    LLM_ASSETS,
    PLAIN_EMBEDDING,
    PlainEmbedder,
    embedder_factory,
    random_model_folder,
    synthetic_chunks,
)

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def test_assets_are_small_and_hold_no_weights():
    files = [path for path in (EMBEDDING_ASSETS.parent).rglob("*") if path.is_file()]
    assert sum(path.stat().st_size for path in files) < 8 * 1024 * 1024
    assert not [path for path in files if path.suffix in {".safetensors", ".bin", ".pt", ".gguf"}]
    for folder in (EMBEDDING_ASSETS, LLM_ASSETS):
        assert (folder / "config.json").exists() and (folder / "tokenizer.json").exists()
    assert (EMBEDDING_ASSETS / "modules.json").exists() and (EMBEDDING_ASSETS / "1_Pooling" / "config.json").exists()


@pytest.mark.models
def test_cpu_run_skips_cuda_embeds_384_dims_and_generates():
    completed = subprocess.run(
        [sys.executable, "bench/gpu_check.py", "--cpu-texts", "4", "--cpu-batches", "1,2",
         "--cpu-max-new-tokens", "2", "--cpu-threads", "1"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["device"].startswith("cpu")
    skipped = " | ".join(report["skipped"])
    assert "embedding on cuda: no CUDA device" in skipped and "generation on cuda: no CUDA device" in skipped
    assert "vLLM: no CUDA device" in skipped
    embedding = report["embedding"]
    assert embedding["code_path"] == "pipelines.embed.Embedder" and embedding["dimension"] == 384
    assert [(row["device"], row["items"], row["dimension"]) for row in embedding["rows"]] == [("cpu", 4, 384)]
    rows = report["generation"]["rows"]
    assert [(row["device"], row["batch"], row["items"], row["tokens_per_row"]) for row in rows] == [
        ("cpu", 1, 2, 2), ("cpu", 2, 4, 2)]
    assert all(row["rate"] > 0 for row in rows + embedding["rows"])
    assert "skipped: vLLM: no CUDA device" in completed.stdout


@pytest.fixture(scope="module")
def random_embedding_model(tmp_path_factory) -> Path:
    return random_model_folder(EMBEDDING_ASSETS, tmp_path_factory.mktemp("gpu-check"), causal=False)


@pytest.mark.models
def test_fallback_without_lexray_settings_encodes_like_the_embedder(random_embedding_model, monkeypatch):
    texts = synthetic_chunks(3)
    make, code_path, _, _ = embedder_factory([])
    assert code_path == "pipelines.embed.Embedder"
    expected = make(random_embedding_model, "cpu", PLAIN_EMBEDDING["batch_size"],
                    PLAIN_EMBEDDING["torch_threads"]).encode(texts)

    monkeypatch.setitem(sys.modules, "pipelines.embed", None)  # importing it now raises ImportError
    notes: list[str] = []
    make_plain, plain_path, plain_batch, plain_threads = embedder_factory(notes)
    assert plain_path == "sentence-transformers (fallback)" and "do not import" in notes[0]
    # The fallback's arguments are EmbeddingSettings' defaults.
    defaults = EmbeddingSettings()
    assert PLAIN_EMBEDDING == {"batch_size": defaults.batch_size, "torch_threads": defaults.torch_threads,
                               "normalize": defaults.normalize}
    assert (plain_batch, plain_threads) == (defaults.batch_size, defaults.torch_threads)
    plain = make_plain(random_embedding_model, "cpu", plain_batch, plain_threads)
    assert isinstance(plain, PlainEmbedder) and plain.dimension == 384
    vectors = plain.encode(texts)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, expected, atol=1e-5)
