"""cluster.yaml must be a valid Ray cluster-launcher config (the schema ships inside ray)."""

import json
from pathlib import Path

import jsonschema
import ray
import yaml

from tests.conftest import PROJECT_ROOT


def _schema() -> dict:
    return json.loads((Path(ray.__file__).parent / "autoscaler" / "ray-schema.json").read_text())


def _cluster() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "cluster.yaml").read_text())


def test_cluster_yaml_matches_ray_schema():
    jsonschema.validate(_cluster(), _schema())


def test_cluster_has_head_cpu_and_gpu_workers_installing_lexray():
    cluster = _cluster()
    node_types = cluster["available_node_types"]
    assert cluster["head_node_type"] in node_types
    assert {"cpu_worker", "gpu_worker"} <= set(node_types)
    assert node_types["gpu_worker"]["node_config"]["InstanceType"].startswith("g")
    commands = " ".join(cluster["head_setup_commands"] + cluster["worker_setup_commands"])
    assert "pip install" in commands and "lexray[gpu]" in commands


def test_schema_check_rejects_a_broken_config():
    broken = _cluster()
    broken["max_workers"] = "many"
    try:
        jsonschema.validate(broken, _schema())
    except jsonschema.ValidationError:
        return
    raise AssertionError("the schema accepted max_workers='many'")
