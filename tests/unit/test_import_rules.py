"""The dependency rule (README, "Dependency rule"): import-linter's contracts in pyproject.toml
hold, with no ignore list. A new import that points the wrong way fails `make test`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT_ROOT

CONTRACTS = ("Layers: lexray <- pipelines : search : generation <- actors <- jobs | serve_app",
             "search is pure: no Ray, no MongoDB", "The Python client needs only httpx and pydantic")


def lint_imports(cwd: Path = PROJECT_ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    command = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(command), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def test_every_import_contract_is_kept():
    done = lint_imports()
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    for name in CONTRACTS:
        assert f"{name} KEPT" in done.stdout
    assert "ignore_imports" not in (PROJECT_ROOT / "pyproject.toml").read_text()


def test_a_wrong_way_import_breaks_the_layers_contract(tmp_path):
    # The same contracts over a copy of the code in which the core imports a deployment.
    copy = tmp_path / "code"
    for package in ("lexray", "pipelines", "search", "generation", "actors", "jobs", "serve_app"):
        shutil.copytree(PROJECT_ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "lexray" / "wrong_way.py").write_text("from serve_app import gateway  # noqa: F401\n")
    (copy / "pyproject.toml").write_text((PROJECT_ROOT / "pyproject.toml").read_text())
    done = lint_imports(cwd=copy, env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"})
    assert done.returncode != 0
    assert "lexray.wrong_way -> serve_app.gateway" in done.stdout
