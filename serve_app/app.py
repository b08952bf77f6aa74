"""The LexRay application graph: a FastAPI gateway in front of one deployment per concern.

    serve run configs/serve.yaml        # or: serve deploy configs/serve.yaml
    serve run serve_app.app:app         # defaults, settings from LEXRAY_* env vars

Replicas, autoscaling and resources live in configs/serve.yaml; ``build_app`` applies that
file's per-deployment options, so every way of starting the app deploys the same shape.
"""

from __future__ import annotations

from functools import lru_cache

import yaml
from ray.serve import Application

from lexray.settings import PROJECT_ROOT, Settings
from serve_app.gateway import Gateway
from serve_app.chat import Chat
from serve_app.ingestion import Ingestion
from serve_app.llm import LLM
from serve_app.questions import Questions
from serve_app.retrieval import Retrieval
from serve_app.summarization import Summarization

SERVE_CONFIG = PROJECT_ROOT / "configs" / "serve.yaml"
DEPLOYMENT_OPTION_KEYS = {"num_replicas", "autoscaling_config", "ray_actor_options",
                          "max_ongoing_requests", "max_queued_requests", "health_check_period_s",
                          "health_check_timeout_s", "graceful_shutdown_timeout_s", "logging_config"}


@lru_cache(maxsize=1)
def deployment_options() -> dict[str, dict]:
    """Per-deployment options of the ``lexray`` application in configs/serve.yaml (the
    application's ``logging_config`` applies to each deployment that sets none)."""
    config = yaml.safe_load(SERVE_CONFIG.read_text())
    application = next(app for app in config["applications"] if app["name"] == "lexray")
    shared = {"logging_config": application["logging_config"]} if "logging_config" in application else {}
    return {
        deployment["name"]: {**shared, **{k: v for k, v in deployment.items() if k in DEPLOYMENT_OPTION_KEYS}}
        for deployment in application.get("deployments", [])
    }


def merged_options(overrides: dict[str, dict] | None = None) -> dict[str, dict]:
    """configs/serve.yaml's per-deployment options with ``overrides`` ({deployment: {option:
    value}}) applied; a dict option such as ``autoscaling_config`` is merged key by key.

    >>> merged_options({"LLM": {"autoscaling_config": {"max_replicas": 3}}})["LLM"]["autoscaling_config"]["min_replicas"]
    1
    """
    options = {name: dict(values) for name, values in deployment_options().items()}
    for name, changes in (overrides or {}).items():
        unknown = set(changes) - DEPLOYMENT_OPTION_KEYS
        if unknown:
            raise ValueError(f"not deployment options: {', '.join(sorted(unknown))}")
        current = options.setdefault(name, {})
        for key, value in changes.items():
            current[key] = {**current.get(key, {}), **value} if isinstance(value, dict) else value
    return options


def build_app(settings: Settings | None = None, overrides: dict[str, dict] | None = None) -> Application:
    """The graph; ``settings`` (tests, scripts) are passed to every replica explicitly,
    otherwise each replica reads LEXRAY_* from its runtime_env. ``overrides`` change
    configs/serve.yaml's options per deployment for this build (a benchmark's autoscaling)."""
    options = merged_options(overrides)

    def _configured(deployment):
        return deployment.options(**options.get(deployment.name, {}))

    settings_json = settings.model_dump_json() if settings is not None else None
    llm = _configured(LLM).bind(settings_json)
    retrieval = _configured(Retrieval).bind(settings_json)
    return _configured(Gateway).bind(
        ingestion=_configured(Ingestion).bind(settings_json),
        retrieval=retrieval,
        summarization=_configured(Summarization).bind(llm, settings_json),
        questions=_configured(Questions).bind(llm, settings_json),
        chat=_configured(Chat).bind(llm, retrieval, settings_json),
        llm=llm,
        settings_json=settings_json,
    )


app = build_app()
