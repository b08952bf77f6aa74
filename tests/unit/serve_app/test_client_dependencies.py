"""The Python client (``serve_app.client``) works in a virtual environment holding only httpx and
pydantic: a research script must not need Ray, torch or the ranking code to call the API."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import venv

from tests.conftest import PROJECT_ROOT

CLIENT_CHECK = """
import sys
import httpx
from serve_app.client import LexRayAPIError, LexRayClient

def answer(request):
    if request.url.path == "/":
        return httpx.Response(200, json={"name": "LexRay", "version": "0.1.0", "links": {}})
    return httpx.Response(404, json={"error": {"code": "not_found", "message": "no case 'x'",
                                               "request_id": "r1", "timestamp": "2026-12-02T00:00:00Z"}})

with LexRayClient(api_key="k" * 24, transport=httpx.MockTransport(answer)) as client:
    print("root:", client.root().name)
    try:
        client.case("x")
    except LexRayAPIError as exc:
        print("error:", exc.code)
heavy = sorted(name for name in ("ray", "torch", "numpy", "pymongo", "faiss", "generation", "search", "pipelines")
               if name in sys.modules)
assert not heavy, heavy
"""


def test_the_client_imports_and_runs_with_only_httpx_and_pydantic(tmp_path):
    env_dir = tmp_path / "client-venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    pins = [f"{name}=={importlib.metadata.version(name)}" for name in ("httpx", "pydantic")]
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", *pins],
                   check=True, timeout=600)
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "list", "--format=freeze"],
                               check=True, capture_output=True, text=True).stdout
    assert "ray==" not in installed and "torch==" not in installed and "numpy==" not in installed
    done = subprocess.run([str(python), "-c", CLIENT_CHECK], cwd=tmp_path, capture_output=True, text=True,
                          env={"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["root:", "LexRay", "error:", "not_found"], done.stdout
