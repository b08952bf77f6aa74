"""The Ray Serve config of the ``lexray`` application: configs/serve.yaml, with an overlay
merged over it when ``serve_overlay`` (``LEXRAY_SERVE_OVERLAY``) names one, e.g.
configs/serve.gpu.yaml for GPU nodes. ``build_app`` and ``make up`` deploy the merged options;

    python -m lexray.serve_config [--overlay PATH] > serve.merged.yaml

prints the merged file for ``serve deploy``. An overlay holds ``deployments`` (per deployment,
options merged key by key: a dict option such as ``ray_actor_options`` gains or replaces keys,
other options are replaced) and optionally ``env_vars`` for the application's runtime_env.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from lexray.settings import PROJECT_ROOT, get_settings

SERVE_CONFIG = PROJECT_ROOT / "configs" / "serve.yaml"
APPLICATION = "lexray"
DEPLOYMENT_OPTION_KEYS = {"num_replicas", "autoscaling_config", "ray_actor_options",
                          "max_ongoing_requests", "max_queued_requests", "health_check_period_s",
                          "health_check_timeout_s", "graceful_shutdown_timeout_s", "logging_config"}
OVERLAY_KEYS = {"deployments", "env_vars"}


class ServeConfigError(ValueError):
    """An overlay that is not a mapping of known keys, options or deployments."""


def overlay_path(path: Path | str | None) -> Path | None:
    """``path`` as given when absolute, else relative to the project (where configs/ is)."""
    if path is None or str(path) == "":
        return None
    path = Path(path)
    return path if path.is_absolute() else PROJECT_ROOT / path


def serve_config(overlay: Path | str | None = None) -> dict:
    """configs/serve.yaml with ``overlay`` merged over the ``lexray`` application.

    >>> gpu = serve_config("configs/serve.gpu.yaml")
    >>> next(d for d in gpu["applications"][0]["deployments"] if d["name"] == "LLM")["ray_actor_options"]
    {'num_cpus': 1, 'num_gpus': 1}
    """
    config = yaml.safe_load(SERVE_CONFIG.read_text())
    path = overlay_path(overlay)
    if path is None:
        return config
    changes = yaml.safe_load(path.read_text()) or {}
    if not isinstance(changes, dict) or set(changes) - OVERLAY_KEYS:
        raise ServeConfigError(f"{path}: an overlay holds only {', '.join(sorted(OVERLAY_KEYS))}")
    application = next(app for app in config["applications"] if app["name"] == APPLICATION)
    deployments = {deployment["name"]: deployment for deployment in application.get("deployments", [])}
    for name, options in (changes.get("deployments") or {}).items():
        if name not in deployments:
            raise ServeConfigError(f"{path}: no deployment {name!r} in {SERVE_CONFIG.name}")
        unknown = set(options) - DEPLOYMENT_OPTION_KEYS
        if unknown:
            raise ServeConfigError(f"{path}: not deployment options: {', '.join(sorted(unknown))}")
        merge_options(deployments[name], options)
    if changes.get("env_vars"):
        env_vars = application.setdefault("runtime_env", {}).setdefault("env_vars", {}) or {}
        application["runtime_env"]["env_vars"] = {**env_vars, **{k: str(v) for k, v in changes["env_vars"].items()}}
    return config


def merge_options(current: dict, changes: dict) -> dict:
    """``changes`` merged into ``current`` (in place): dict options key by key.

    >>> merge_options({"autoscaling_config": {"min_replicas": 1, "max_replicas": 2}},
    ...               {"autoscaling_config": {"max_replicas": 4}, "max_ongoing_requests": 64})
    {'autoscaling_config': {'min_replicas': 1, 'max_replicas': 4}, 'max_ongoing_requests': 64}
    """
    for key, value in changes.items():
        current[key] = {**current.get(key, {}), **value} if isinstance(value, dict) else value
    return current


def deployment_options(config: dict) -> dict[str, dict]:
    """Per-deployment options of the ``lexray`` application (its ``logging_config`` applies to
    each deployment that sets none)."""
    application = next(app for app in config["applications"] if app["name"] == APPLICATION)
    shared = {"logging_config": application["logging_config"]} if "logging_config" in application else {}
    return {
        deployment["name"]: {**shared, **{k: v for k, v in deployment.items() if k in DEPLOYMENT_OPTION_KEYS}}
        for deployment in application.get("deployments", [])
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lexray.serve_config", description=__doc__.split("\n\n")[0])
    parser.add_argument("--overlay", help="an overlay file (default: the serve_overlay setting, if any)")
    args = parser.parse_args(argv)
    overlay = args.overlay if args.overlay is not None else get_settings().serve_overlay
    try:
        config = serve_config(overlay)
    except (OSError, ServeConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(yaml.safe_dump(config, sort_keys=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
