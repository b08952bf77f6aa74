"""Chat deployment (issue 5): answers grounded in retrieved chunks, with [n] citations,
sessions in MongoDB."""

from __future__ import annotations

from ray import serve
from ray.serve.handle import DeploymentHandle

from serve_app.errors import ApiError
from serve_app.ingestion import settings_from


@serve.deployment
class Chat:
    def __init__(self, llm: DeploymentHandle, retrieval: DeploymentHandle, settings_json: str | None = None) -> None:
        self.settings = settings_from(settings_json)
        self.llm = llm
        self.retrieval = retrieval

    def message(self, request: dict, tenant_id: str) -> dict:
        raise ApiError("not_implemented", "chat is not available in this version of LexRay")
