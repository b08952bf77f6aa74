"""Session fixtures: a real MongoDB-protocol server and a real Ray head, started once.

Both run on free loopback ports in their own process groups, so the suite neither needs nor
disturbs a stack `make up` started on the same machine.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from lexray.local_stack import (
    RAY_ENV,
    free_port,
    mongo_command,
    port_open,
    ray_head_command,
    start_detached,
    stop_group,
    wait_for,
)
from lexray.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = PROJECT_ROOT / "samples" / "pdfs"


# Fixtures that start or reach the local services: a test using any of them (directly or
# through another fixture) is an integration test.
SERVICE_FIXTURES = {"mongo_uri", "ray_head", "ray_address", "shared_app"}
INTEGRATION_DIR = PROJECT_ROOT / "tests" / "integration"


def pytest_collection_modifyitems(config, items):
    """Mark ``integration`` automatically: every test under tests/integration and every test
    that uses a service fixture (modules starting services of their own mark themselves), so
    ``pytest -m "not integration"`` (``make test-unit``) is the fast loop without Ray or MongoDB."""
    for item in items:
        if item.path.is_relative_to(INTEGRATION_DIR) or SERVICE_FIXTURES & set(
                getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def services_dir() -> Path:
    # Ray's socket paths must stay short: keep this directory near the filesystem root.
    path = Path(tempfile.mkdtemp(prefix="lxr-", dir="/tmp"))
    yield path
    # The services using it are stopped by now (their fixtures depend on this one).
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def mongo_uri(services_dir: Path) -> str:
    port = free_port()
    proc = start_detached(mongo_command("127.0.0.1", port, ":memory:"), services_dir / "mongodb.log")
    try:
        wait_for(lambda: port_open("127.0.0.1", port), 60, "MongoDB-protocol server", proc)
        yield f"mongodb://127.0.0.1:{port}"
    finally:
        stop_group(proc.pid, timeout_s=10)


@pytest.fixture(scope="session")
def ray_head(services_dir: Path) -> dict:
    """The session's Ray head: ``{"address", "dashboard_port", "metrics_port", "session_dir"}``;
    this process is connected to it."""
    import ray

    port, dashboard_port, metrics_port = free_port(), free_port(), free_port()
    command = ray_head_command(
        port=port, dashboard_port=dashboard_port, metrics_export_port=metrics_port,
        object_store_bytes=400_000_000, temp_dir=str(services_dir / "ray"), extra_ports=True, num_cpus=2,
    )
    proc = start_detached(command, services_dir / "ray.log", RAY_ENV)
    address = f"127.0.0.1:{port}"
    try:
        wait_for(lambda: port_open("127.0.0.1", dashboard_port), 120, "Ray head", proc)
        for key, value in RAY_ENV.items():
            os.environ.setdefault(key, value)
        ray.init(address=address, namespace="lexray-tests", log_to_driver=False)
        yield {"address": address, "dashboard_port": dashboard_port, "metrics_port": metrics_port,
               "session_dir": services_dir / "ray" / "session_latest"}
    finally:
        if ray.is_initialized():
            ray.shutdown()
        # Tests leave detached actors behind; no need to wait for a graceful drain.
        stop_group(proc.pid, timeout_s=5)


@pytest.fixture(scope="session")
def ray_address(ray_head: dict) -> str:
    return ray_head["address"]


@pytest.fixture
def settings(mongo_uri: str, tmp_path: Path) -> Settings:
    """Settings isolated per test: own database, data directory and index actor name."""
    unique = uuid.uuid4().hex[:10]
    return Settings(
        data_dir=tmp_path / "data",
        mongodb={"uri": mongo_uri, "db": f"lexray_test_{unique}"},
        index={"actor_name": f"lexray-index-{unique}", "snapshot_interval_s": 0},
        ray={"namespace": "lexray-tests"},
    )


@pytest.fixture
def store(settings):
    """The test's own database on the shared server, with LexRay's indexes; dropped afterwards."""
    from lexray.store import CaseStore

    store = CaseStore(settings.mongodb)
    store.ensure_indexes()
    yield store
    store.client.drop_database(settings.mongodb.db)
    store.close()


def settings_env(settings: Settings, ray_address: str) -> dict[str, str]:
    """Environment that points a subprocess (the ingest CLI) at the same services."""
    return {
        **os.environ,
        **RAY_ENV,
        "RAY_ADDRESS": ray_address,
        "LEXRAY_MONGODB_URI": settings.mongodb.uri,
        "LEXRAY_MONGODB_DB": settings.mongodb.db,
        "LEXRAY_DATA_DIR": str(settings.data_dir),
        "LEXRAY_INDEX_ACTOR_NAME": settings.index.actor_name,
        "LEXRAY_RAY_NAMESPACE": settings.ray.namespace,
    }


def wait_until(check, timeout_s: float, what: str):
    """``check()``'s first truthy value, polled every second; AssertionError after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}: {last!r}")
