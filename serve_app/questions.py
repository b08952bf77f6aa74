"""Question generation deployment (issue 5): questions about a stored case, an uploaded PDF or
text, each with its answer and the page and span of the case it comes from."""

from __future__ import annotations

from ray import serve
from ray.serve.handle import DeploymentHandle

from serve_app.errors import ApiError
from serve_app.ingestion import settings_from


@serve.deployment
class Questions:
    def __init__(self, llm: DeploymentHandle, settings_json: str | None = None) -> None:
        self.settings = settings_from(settings_json)
        self.llm = llm

    def generate(self, request: dict, tenant_id: str) -> dict:
        raise ApiError("not_implemented", "question generation is not available in this version of LexRay")
