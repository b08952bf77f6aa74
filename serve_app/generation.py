"""Deployments whose features land in later issues (questions, chat).

They are real members of the application graph now — routed, scaled and health-checked — and
answer 501 ``not_implemented`` until their generation code lands.
"""

from __future__ import annotations

from ray import serve

from serve_app.errors import ApiError


def not_yet(feature: str) -> ApiError:
    return ApiError("not_implemented", f"{feature} is not available in this version of LexRay")


@serve.deployment
class Questions:
    def generate(self, request: dict, tenant_id: str) -> dict:
        raise not_yet("question generation")


@serve.deployment
class Chat:
    def message(self, request: dict, tenant_id: str) -> dict:
        raise not_yet("chat")
