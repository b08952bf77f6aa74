"""Start and stop the local stack: the MongoDB-protocol server and a Ray head with dashboard.

``python -m lexray.local_stack up|down|status``. Each process is started in its own process
session and its pid written under ``<data_dir>/run``; ``down`` signals exactly those process
groups, never every Ray process on the machine (``ray stop`` would).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
import urllib.request
from urllib.parse import urlparse

import yaml

from lexray import LOCAL_RAY_ENV
from lexray.ray_connect import pid_alive
from lexray.redaction import has_credentials, redact_uri
from lexray.settings import Settings, get_settings
from lexray.serve_config import serve_config

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Service:
    name: str
    pid_file: Path
    log_file: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_for(check, timeout_s: float, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode}")
        time.sleep(0.25)
    raise TimeoutError(f"{what} not ready after {timeout_s:.0f}s")


def venv_bin(name: str) -> str:
    """A console script of the running interpreter's environment."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else (shutil.which(name) or name)


def start_detached(command: list[str], log_file: Path, env: dict[str, str] | None = None
                   ) -> subprocess.Popen:
    """Start ``command`` in a new process session, so its whole group can be signalled."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as log:
        return subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env={**os.environ, **(env or {})},
        )


def stop_group(pid: int, timeout_s: float = 45.0) -> None:
    """SIGTERM the process group ``pid`` leads, then SIGKILL what is left after the timeout."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and _group_alive(pid):
        time.sleep(0.25)
    if _group_alive(pid):
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    # A zombie leader of ours still counts as alive to killpg; reap it if it is our child.
    try:
        os.waitpid(pgid, os.WNOHANG)
    except ChildProcessError:
        pass
    return True


def mongo_command(host: str, port: int, storage_path: str) -> list[str]:
    return [venv_bin("secantusd-py"), "--host", host, "--port", str(port),
            "--storage-path", storage_path, "--log-level", "WARNING"]


def ray_head_command(*, port: int, dashboard_port: int, object_store_bytes: int,
                     metrics_export_port: int, temp_dir: str | None = None, extra_ports: bool = False,
                     num_cpus: int | None = None) -> list[str]:
    """``ray start --head --block``: killing this process group stops exactly this head.

    ``metrics_export_port`` is the head's Prometheus endpoint (Ray's metrics and LexRay's own,
    ``lexray.metrics``), which the dashboard's metrics view and a Prometheus server scrape."""
    command = [
        venv_bin("ray"), "start", "--head", "--block", "--node-ip-address", "127.0.0.1",
        "--port", str(port), "--dashboard-host", "127.0.0.1", "--dashboard-port", str(dashboard_port),
        "--metrics-export-port", str(metrics_export_port),
        "--object-store-memory", str(object_store_bytes), "--disable-usage-stats",
    ]
    if num_cpus is not None:
        command += ["--num-cpus", str(num_cpus)]
    if temp_dir:
        command += ["--temp-dir", temp_dir]
    if extra_ports:
        # A second head beside another one (tests while `make up` runs) needs its own ports.
        command += [
            "--ray-client-server-port", str(free_port()),
            "--dashboard-agent-listen-port", str(free_port()),
            "--dashboard-agent-grpc-port", str(free_port()),
            "--runtime-env-agent-port", str(free_port()),
            "--node-manager-port", str(free_port()),
            "--object-manager-port", str(free_port()),
        ]
    return command


# The head's environment: loopback only, token auth off unless asked for (see
# lexray/__init__.py and LocalStack.ray_env), and this environment's interpreter first on PATH,
# so `ray job submit -- python -m ...` entrypoints run with LexRay's packages.
RAY_ENV = {**LOCAL_RAY_ENV, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
RAY_AUTH_VARIABLES = ("RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH")
SECRET_VARIABLES = {"LEXRAY_API_KEYS", "LEXRAY_API_KEY_HASH_SECRET"}
DEFAULT_RAY_TOKEN_FILE = Path.home() / ".ray" / "auth_token"


def lexray_env(settings: Settings, environ: Mapping[str, str]) -> dict[str, str]:
    """The LEXRAY_* settings of ``environ``, with the data directory made absolute: what every
    process of the stack (Serve replicas, `ray job submit` entrypoints, actors) must share.

    API keys become their digests under the server secret (``lexray.api_keys``), which this
    creates under the data directory when neither it nor LEXRAY_API_KEY_HASH_SECRET is given."""
    env = {key: value for key, value in environ.items() if key.startswith("LEXRAY_")}
    env["LEXRAY_DATA_DIR"] = str(settings.data_dir.resolve())
    if env.pop("LEXRAY_API_KEYS", None):
        # Ray logs runtime environments and worker environments: hand on digests, never keys.
        from lexray.api_keys import KeyRing, key_hash_secret_path, load_key_hash_secret

        secret = load_key_hash_secret(settings)
        if not settings.api.key_hash_secret.get_secret_value().strip():
            env["LEXRAY_API_KEY_HASH_SECRET_FILE"] = str(key_hash_secret_path(settings).resolve())
        hashes = KeyRing.from_settings(settings.api, secret).hashes_to_tenant
        env["LEXRAY_API_KEY_HASHES"] = ",".join(f"{digest}:{tenant}" for digest, tenant in hashes.items())
    return env


def runtime_env_vars(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` without what carries a credential (the key hash secret, a URI with a password):
    Ray records runtime environments; the replicas read those from the head's environment,
    which they inherit.

    >>> runtime_env_vars({"LEXRAY_MONGODB_URI": "mongodb://app:pw@db:27017", "LEXRAY_OCR_DPI": "200",
    ...                   "LEXRAY_API_KEY_HASH_SECRET": "0123456789abcdef"})
    {'LEXRAY_OCR_DPI': '200'}
    """
    return {key: value for key, value in env.items()
            if key not in SECRET_VARIABLES and not has_credentials(value)}


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


class LocalStack:
    def __init__(self, settings: Settings, environ: Mapping[str, str] | None = None,
                 private_ports: bool = False) -> None:
        """``environ`` (default: this process's) supplies LEXRAY_* and RAY_AUTH_* variables;
        ``private_ports`` gives the head free ports for its side services (a second stack on
        one machine, e.g. in tests)."""
        self.settings = settings
        self.environ = os.environ if environ is None else environ
        self.private_ports = private_ports
        self.run_dir = settings.run_dir
        self.mongo = Service("mongodb", self.run_dir / "mongodb.pid", self.run_dir / "mongodb.log")
        self.ray = Service("ray", self.run_dir / "ray.pid", self.run_dir / "ray.log")

    def _running_pid(self, service: Service) -> int | None:
        if not service.pid_file.exists():
            return None
        try:
            pid = int(service.pid_file.read_text().strip())
        except ValueError:
            return None
        return pid if pid_alive(pid) else None

    def up(self) -> list[str]:
        return [self._up_mongo(), self._up_ray(), self._deploy_app()]

    def serve_config(self) -> dict:
        """configs/serve.yaml (the ``serve_overlay`` merged, e.g. configs/serve.gpu.yaml) with
        this environment's LEXRAY_* settings for every replica (credentials left to the head's
        environment; they win over the overlay's ``env_vars``)."""
        config = serve_config(self.settings.serve_overlay)
        env_vars = runtime_env_vars(lexray_env(self.settings, self.environ))
        config["http_options"].update(host=self.settings.api.host, port=self.settings.api.port)
        for application in config["applications"]:
            runtime_env = application.setdefault("runtime_env", {})
            runtime_env["env_vars"] = {**(runtime_env.get("env_vars") or {}), **env_vars}
        return config

    def _deploy_app(self) -> str:
        config_path = self.run_dir / "serve.yaml"
        config_path.write_text(yaml.safe_dump(self.serve_config(), sort_keys=False))
        dashboard = f"http://127.0.0.1:{self.settings.ray.dashboard_port}"
        result = subprocess.run(
            [venv_bin("serve"), "deploy", str(config_path), "--address", dashboard],
            capture_output=True, text=True, env={**os.environ, **self.ray_env()}, timeout=300,
        )
        if result.returncode != 0:
            raise RuntimeError(f"serve deploy failed: {result.stderr[-2000:]}")
        api = self.settings.api
        wait_for(lambda: http_ok(f"http://{api.host}:{api.port}/health/live"), 300, "LexRay app")
        auth = "auth on" if api.auth_enabled else "auth OFF (demo)"
        return f"deployed LexRay API at http://{api.host}:{api.port} ({auth}; web app at /app/, docs at /docs)"

    def _up_mongo(self) -> str:
        uri = urlparse(self.settings.mongodb.uri)
        host, port = uri.hostname or "127.0.0.1", uri.port or 27017
        if self._running_pid(self.mongo):
            return f"MongoDB-protocol server already running (pid file {self.mongo.pid_file})"
        if port_open(host, port):
            return f"MongoDB already answering at {host}:{port}: using it (not managed by make down)"
        if host not in LOCAL_HOSTS:
            raise RuntimeError(f"MongoDB at {redact_uri(self.settings.mongodb.uri)} is unreachable and not local")
        storage = self.settings.data_dir / "mongodb"
        storage.mkdir(parents=True, exist_ok=True)
        proc = start_detached(mongo_command(host, port, str(storage)), self.mongo.log_file)
        self.mongo.pid_file.write_text(str(proc.pid))
        wait_for(lambda: port_open(host, port), 60, "MongoDB-protocol server", proc)
        return f"started MongoDB-protocol server on {host}:{port} (pid {proc.pid}, data {storage})"

    def _up_ray(self) -> str:
        ray_settings = self.settings.ray
        address = f"127.0.0.1:{ray_settings.head_port}"
        if self._running_pid(self.ray):
            return f"Ray head already running at {address}"
        if port_open("127.0.0.1", ray_settings.head_port):
            raise RuntimeError(f"port {ray_settings.head_port} is taken by a Ray head `make up` "
                               "did not start; set LEXRAY_RAY_HEAD_PORT or RAY_ADDRESS")
        command = ray_head_command(port=ray_settings.head_port,
                                   dashboard_port=ray_settings.dashboard_port,
                                   metrics_export_port=ray_settings.metrics_export_port,
                                   object_store_bytes=ray_settings.object_store_bytes,
                                   extra_ports=self.private_ports)
        env = self.ray_env()
        if env["RAY_AUTH_MODE"] == "token":
            self._ensure_ray_token()
        proc = start_detached(command, self.ray.log_file, env)
        self.ray.pid_file.write_text(str(proc.pid))
        (self.run_dir / "ray.address").write_text(address)
        wait_for(lambda: port_open("127.0.0.1", ray_settings.dashboard_port), 120, "Ray head", proc)
        auth = "token auth on" if env["RAY_AUTH_MODE"] == "token" else "token auth off"
        return (f"started Ray head at {address} (pid {proc.pid}, {auth}); "
                f"dashboard http://127.0.0.1:{ray_settings.dashboard_port}, "
                f"metrics http://127.0.0.1:{ray_settings.metrics_export_port}/metrics")

    def ray_env(self) -> dict[str, str]:
        """Environment of the head (inherited by every worker, job and replica on it): RAY_ENV,
        the LEXRAY_* settings, and Ray's token auth when ``RAY_AUTH_MODE=token`` is set."""
        env = {**RAY_ENV, **lexray_env(self.settings, self.environ)}
        if self.environ.get("RAY_AUTH_MODE", "").lower() == "token":
            env["RAY_AUTH_MODE"] = "token"
            env.update({key: self.environ[key] for key in RAY_AUTH_VARIABLES if self.environ.get(key)})
        return env

    def _ensure_ray_token(self) -> None:
        """Token auth needs a token before the head starts: RAY_AUTH_TOKEN, the file named by
        RAY_AUTH_TOKEN_PATH, or ~/.ray/auth_token, which `ray get-auth-token --generate`
        creates when missing (Ray's documented way; the token is never printed here)."""
        if any(self.environ.get(key) for key in RAY_AUTH_VARIABLES) or DEFAULT_RAY_TOKEN_FILE.exists():
            return
        result = subprocess.run([venv_bin("ray"), "get-auth-token", "--generate"], capture_output=True,
                                text=True, env={**os.environ, **self.ray_env()}, timeout=60)
        if result.returncode != 0 or not DEFAULT_RAY_TOKEN_FILE.exists():
            raise RuntimeError(f"could not generate a Ray auth token: {result.stderr[-500:]}")

    def down(self) -> list[str]:
        messages = []
        for service in (self.ray, self.mongo):
            pid = self._running_pid(service)
            if pid is None:
                messages.append(f"{service.name}: not running (nothing started by make up)")
            else:
                stop_group(pid)
                messages.append(f"{service.name}: stopped pid {pid}")
            service.pid_file.unlink(missing_ok=True)
        (self.run_dir / "ray.address").unlink(missing_ok=True)
        return messages

    def status(self) -> list[str]:
        return [
            f"{service.name}: " + (f"running (pid {pid})" if (pid := self._running_pid(service)) else "stopped")
            for service in (self.mongo, self.ray)
        ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lexray.local_stack")
    parser.add_argument("action", choices=["up", "down", "status"])
    args = parser.parse_args(argv)
    stack = LocalStack(get_settings())
    stack.run_dir.mkdir(parents=True, exist_ok=True)
    for line in getattr(stack, args.action)():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
