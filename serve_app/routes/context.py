"""What a route is given: the gateway replica serving it (its settings, store and the handles
of the deployments behind it) and the caller's tenant, as FastAPI dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from ray.serve.handle import DeploymentHandle

from lexray.settings import Settings
from lexray.store import CaseStore
from serve_app.health import HealthMonitor
from serve_app.http import principal_of


@dataclass(frozen=True)
class GatewayContext:
    """One gateway replica's state; the replica puts it on ``app.state.gateway``."""

    settings: Settings
    store: CaseStore
    health: HealthMonitor
    auth_enabled: bool
    ingestion: DeploymentHandle
    retrieval: DeploymentHandle
    summarization: DeploymentHandle
    questions: DeploymentHandle
    chat: DeploymentHandle
    llm: DeploymentHandle


def gateway_of(request: Request) -> GatewayContext:
    return request.app.state.gateway


def tenant_of(request: Request) -> str:
    return principal_of(request).tenant


Gateway = Annotated[GatewayContext, Depends(gateway_of)]
Tenant = Annotated[str, Depends(tenant_of)]
