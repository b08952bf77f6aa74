"""The whole application deployed for one test module: settings of its own (database, index
actor, app name, data dir) on the session's Ray head and MongoDB-protocol server, API keys per
tenant, the rate limits out of the way unless a module sets its own.

    @pytest.fixture(scope="module")
    def api(ray_address, mongo_uri, tmp_path_factory):
        with deployed_app("chat", mongo_uri, tmp_path_factory, KEYS, llm={"max_tokens": 64}) as app:
            yield app        # {"url", "settings", "store"}

Every such module loads the LLM deployment (vLLM on CPU here: ~40 s and ~4 GB). Beside it: the
checks every API test module makes (the error shape, uploads indexed).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import ray
from pymongo.errors import PyMongoError
from ray import serve

from lexray.local_stack import free_port
from lexray.settings import Settings
from lexray.store import CaseStore
from serve_app.app import build_app


def app_settings(name: str, mongo_uri: str, data_dir: Path, keys: dict[str, str], **overrides: Any) -> Settings:
    """Settings of one module's app; ``keys`` maps tenant -> API key; ``overrides`` are
    settings groups (``api={...}`` and ``mongodb={...}`` are merged into the defaults below, the
    others replace)."""
    unique = uuid.uuid4().hex[:8]
    api = {"auth_enabled": True, "app_name": f"lexray-{name}-{unique}",
           "keys": ",".join(f"{key}:{tenant}" for tenant, key in keys.items()),
           "rate_limit_per_minute": 10_000, "upload_rate_limit_per_minute": 1_000,
           "failed_auth_per_minute": 10_000, "health_rate_limit_per_minute": 10_000, "health_cache_s": 0,
           **overrides.pop("api", {})}
    return Settings(
        data_dir=data_dir,
        mongodb={"uri": mongo_uri, "db": f"lexray_{name.replace('-', '_')}_{unique}",
                 **overrides.pop("mongodb", {})},
        index={"actor_name": f"lexray-index-{name}-{unique}", "snapshot_interval_s": 0},
        ray={"namespace": "lexray-tests"},
        api=api,
        **overrides,
    )


@contextmanager
def deployed_app(name: str, mongo_uri: str, tmp_path_factory, keys: dict[str, str],
                 data_dir: Path | None = None, **overrides: Any) -> Iterator[dict]:
    """``build_app`` served on a free loopback port until the block ends."""
    settings = app_settings(name, mongo_uri, data_dir or tmp_path_factory.mktemp(f"{name}-data"), keys,
                            **overrides)
    port = free_port()
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    store = CaseStore(settings.mongodb)
    try:
        serve.run(build_app(settings), name="lexray", route_prefix="/")
        yield {"url": f"http://127.0.0.1:{port}", "settings": settings, "store": store}
    finally:
        serve.shutdown()
        release_app_state(settings, store)


def release_app_state(settings: Settings, store: CaseStore) -> None:
    """What the app left behind once Serve is down: its detached actors (index, upload
    scheduler, rate limiters: they carry the app's unique name) and its database. Left alive,
    every module's vectors, workers and PDFs would pile up in the session's one Ray head and
    MongoDB server until later modules run out of memory."""
    unique = settings.api.app_name.rsplit("-", 1)[-1]
    for name in ray.util.list_named_actors(all_namespaces=True):
        if name["namespace"] == settings.ray.namespace and unique in name["name"]:
            try:
                ray.kill(ray.get_actor(name["name"], namespace=name["namespace"]), no_restart=True)
            except ValueError:  # gone in the meantime
                pass
    try:
        store.client.drop_database(settings.mongodb.db)
    except PyMongoError:  # a module whose database is unreachable by design
        pass
    finally:
        store.close()


ERROR_FIELDS = {"code", "message", "request_id", "timestamp"}


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict:
    """``response`` is ``status`` with the one error body (and ``code``, when given)."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == ERROR_FIELDS, error
    assert code is None or error["code"] == code, error
    return error


def wait_indexed(uploads: list[tuple], timeout_s: float = 300) -> None:
    """Each ``(client, upload)`` has reached ``indexed`` (not ``failed``) within ``timeout_s``."""
    for client, upload in uploads:
        assert client.wait_until_processed(upload.case_id, timeout_s=timeout_s).processing_status == "indexed"


def serve_log_records(ray_head) -> list[dict]:
    """The JSON lines of every Serve log of the session's Ray head (replicas log JSON)."""
    records = []
    for path in (ray_head["session_dir"] / "logs" / "serve").glob("*.log"):
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
    return records
