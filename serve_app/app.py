"""The LexRay application graph: a FastAPI gateway in front of one deployment per concern.

    serve run configs/serve.yaml        # or: serve deploy configs/serve.yaml
    serve run serve_app.app:app         # defaults, settings from LEXRAY_* env vars

Replicas, autoscaling and resources live in configs/serve.yaml (with the ``serve_overlay``
setting's overlay merged, e.g. configs/serve.gpu.yaml: ``lexray.serve_config``); ``build_app``
applies those per-deployment options, so every way of starting the app deploys the same shape.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ray.serve import Application

from lexray.settings import Settings, get_settings
from serve_app.gateway import Gateway
from serve_app.chat import Chat
from serve_app.ingestion import Ingestion
from serve_app.llm import LLM
from serve_app.questions import Questions
from serve_app.retrieval import Retrieval
from lexray.serve_config import DEPLOYMENT_OPTION_KEYS, merge_options, overlay_path, serve_config
from lexray.serve_config import deployment_options as serve_options
from serve_app.summarization import Summarization


@lru_cache(maxsize=4)
def deployment_options(overlay: Path | None = None) -> dict[str, dict]:
    """Per-deployment options of configs/serve.yaml, with ``overlay`` merged (``serve_config``)."""
    return serve_options(serve_config(overlay))


def merged_options(overrides: dict[str, dict] | None = None, overlay: Path | None = None) -> dict[str, dict]:
    """configs/serve.yaml's per-deployment options (``overlay`` merged first) with ``overrides``
    ({deployment: {option: value}}) applied; a dict option such as ``autoscaling_config`` is
    merged key by key.

    >>> merged_options({"LLM": {"autoscaling_config": {"max_replicas": 3}}})["LLM"]["autoscaling_config"]["min_replicas"]
    1
    """
    options = {name: dict(values) for name, values in deployment_options(overlay_path(overlay)).items()}
    for name, changes in (overrides or {}).items():
        unknown = set(changes) - DEPLOYMENT_OPTION_KEYS
        if unknown:
            raise ValueError(f"not deployment options: {', '.join(sorted(unknown))}")
        merge_options(options.setdefault(name, {}), changes)
    return options


def build_app(settings: Settings | None = None, overrides: dict[str, dict] | None = None) -> Application:
    """The graph; ``settings`` (tests, scripts) are passed to every replica explicitly,
    otherwise each replica reads LEXRAY_* from its runtime_env. ``overrides`` change
    configs/serve.yaml's options per deployment for this build (a benchmark's autoscaling);
    the ``serve_overlay`` setting (e.g. configs/serve.gpu.yaml) is merged before them."""
    options = merged_options(overrides, (settings or get_settings()).serve_overlay)

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
