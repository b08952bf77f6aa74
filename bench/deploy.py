"""Deploying LexRay for a benchmark: a fresh local Ray instance, a MongoDB-protocol server of the
run's own, settings with names of their own, and the whole application served on a free
loopback port (``build_app``, LLM deployment included), all undone on exit.

    with ExitStack() as cleanup:
        start_ray(settings, None); cleanup.callback(ray.shutdown)
        uri = cleanup.enter_context(mongodb_server(None, work_dir))
        app = app_settings(settings, work_dir / "data", uri, api_key, name="llm")
        deploy_s = cleanup.enter_context(deployed_app(app, {"LLM": {"num_replicas": 1}}))
"""

from __future__ import annotations

import lexray  # noqa: F401  (first: sets the environment Ray reads when it is imported)

import secrets
import shutil
import signal
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from lexray.local_stack import free_port, http_ok, mongo_command, port_open, start_detached, stop_group, wait_for
from lexray.settings import Settings

# Deploying loads vLLM (tens of seconds on CPUs, more on a busy machine).
DEPLOY_TIMEOUT_S = 600


def start_ray(settings: Settings, address: str | None, *, worker_logs: bool = True) -> None:
    """Join ``address``, else start a fresh local instance: not whatever cluster this machine
    runs, whose other work would be measured too."""
    import ray

    if address:
        ray.init(address=address, namespace=settings.ray.namespace, logging_level="WARNING")
    else:
        ray.init(address="local", namespace=settings.ray.namespace, include_dashboard=False,
                 object_store_memory=settings.ray.object_store_bytes, logging_level="WARNING",
                 log_to_driver=worker_logs)


def app_settings(base: Settings, data_dir: Path, mongodb_uri: str, api_key: str, *, name: str = "search",
                 tenant: str = "bench") -> Settings:
    """The deployed application's settings: its own port, app, actor and database names (with
    ``name``), one shard and no snapshots, ``api_key`` for ``tenant``, and a rate limit no run
    reaches.

    >>> settings = app_settings(Settings(), Path("/tmp/x"), "mongodb://127.0.0.1:1", "k3y")
    >>> settings.api.keys, settings.index.shards, settings.mongodb.db.startswith("lexray_bench_search_")
    ('k3y:bench', 1, True)
    """
    unique = uuid.uuid4().hex[:8]
    return base.model_copy(update={
        "data_dir": data_dir,
        "index": base.index.model_copy(update={
            "actor_name": f"bench-{name}-app-{unique}", "shards": 1, "snapshot_interval_s": 1e9}),
        "mongodb": base.mongodb.model_copy(update={"uri": mongodb_uri, "db": f"lexray_bench_{name}_{unique}"}),
        "api": base.api.model_copy(update={
            "host": "127.0.0.1", "port": free_port(), "app_name": f"lexray-bench-{name}-{unique}",
            "auth_enabled": True, "keys": f"{api_key}:{tenant}", "key_hashes": "",
            "rate_limit_per_minute": 10_000_000}),
    })


@contextmanager
def mongodb_server(uri: str | None, log_dir: Path) -> Iterator[str]:
    """``uri`` when given, else the URI of a MongoDB-protocol server started here on a free
    loopback port, in memory, and stopped on exit."""
    if uri:
        yield uri
        return
    port = free_port()
    proc = start_detached(mongo_command("127.0.0.1", port, ":memory:"), log_dir / "mongodb.log")
    try:
        wait_for(lambda: port_open("127.0.0.1", port), 60, "MongoDB-protocol server", proc)
        yield f"mongodb://127.0.0.1:{port}"
    finally:
        stop_group(proc.pid, timeout_s=10)


@contextmanager
def deployed_app(settings: Settings, overrides: dict[str, dict] | None = None) -> Iterator[float]:
    """The LexRay application served on ``settings.api``'s port (``overrides``: per-deployment
    options, as ``build_app`` takes them); yields the seconds deploying took. Serve (with
    every replica, vLLM's processes included) is shut down on exit."""
    from ray import serve

    from serve_app.app import build_app

    started = time.perf_counter()
    serve.start(http_options={"host": settings.api.host, "port": settings.api.port})
    try:
        serve.run(build_app(settings, overrides), name=settings.api.app_name, route_prefix="/")
        url = f"http://{settings.api.host}:{settings.api.port}/health/live"
        wait_for(lambda: http_ok(url), DEPLOY_TIMEOUT_S, "LexRay application")
        yield time.perf_counter() - started
    finally:
        serve.shutdown()


@contextmanager
def added_app(settings: Settings, route_prefix: str, api_key: str,
              overrides: dict[str, dict] | None = None) -> Iterator[float]:
    """A second LexRay application, ``settings.api.app_name``'s, in the Serve instance that
    ``deployed_app`` started (same port), its routes under ``route_prefix``; yields the seconds
    deploying took, and deletes it on exit. Same names in ``settings`` (index actor, database)
    mean the same index and data: a variant of the first app's settings is served beside it.
    Ready when an authenticated read answers (under a prefix the health probes are not public
    paths, and unauthenticated probes would count as failed logins)."""
    from ray import serve

    from serve_app.app import build_app

    started = time.perf_counter()
    serve.run(build_app(settings, overrides), name=settings.api.app_name, route_prefix=route_prefix)
    try:
        request = urllib.request.Request(
            f"http://{settings.api.host}:{settings.api.port}{route_prefix}/api/v1/retrieval/stats",
            headers={"Authorization": f"Bearer {api_key}"})

        def answers() -> bool:
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    return response.status == 200
            except (OSError, ValueError):
                return False

        wait_for(answers, DEPLOY_TIMEOUT_S, f"LexRay application under {route_prefix}")
        yield time.perf_counter() - started
    finally:
        serve.delete(settings.api.app_name)


def exit_on_sigterm(signum, frame) -> None:
    """SIGTERM unwinds like Ctrl-C, so the cleanup (Serve, Ray, MongoDB server) runs."""
    sys.exit(128 + signum)


def deployed_stack(base: Settings, mongodb_uri: str | None, cleanup: ExitStack, *, name: str,
                   overrides: dict[str, dict] | None = None,
                   api_updates: dict | None = None) -> tuple[Settings, str, float]:
    """The application deployed on a fresh local Ray instance with a MongoDB-protocol server
    of its own (or a database of its own at ``mongodb_uri``, dropped afterwards): ``(settings,
    api key, seconds deploying took)``. ``api_updates`` change ``settings.api`` (e.g. limits).
    Everything is undone by ``cleanup``."""
    import ray

    work_dir = Path(tempfile.mkdtemp(prefix=f"lexray-bench-{name}-"))
    cleanup.callback(shutil.rmtree, work_dir, ignore_errors=True)
    start_ray(base, None, worker_logs=False)  # replica logs stay in Ray's session folder
    cleanup.callback(ray.shutdown)
    signal.signal(signal.SIGTERM, exit_on_sigterm)  # Ray's handler would skip the cleanup
    uri = cleanup.enter_context(mongodb_server(mongodb_uri, work_dir))
    api_key = secrets.token_urlsafe(24)
    settings = app_settings(base, work_dir / "data", uri, api_key, name=name)
    if api_updates:
        settings = settings.model_copy(update={"api": settings.api.model_copy(update=api_updates)})
    if mongodb_uri:
        from lexray.store import CaseStore

        store = CaseStore(settings.mongodb)
        cleanup.callback(store.close)
        cleanup.callback(store.client.drop_database, settings.mongodb.db)
    print(f"deploying the LexRay application on port {settings.api.port} ...", flush=True)
    deploy_s = cleanup.enter_context(deployed_app(settings, overrides))
    print(f"deployed in {deploy_s:.0f}s", flush=True)
    return settings, api_key, deploy_s
