"""The gateway: LexRay's FastAPI ingress on Ray Serve.

It owns everything HTTP (auth, tenants, rate limits, errors, headers: ``serve_app.http``) and
forwards each request to the deployment of its concern through a DeploymentHandle. The routes
live in ``serve_app.routes``, one router per concern; they reach this replica's handles and
settings through ``app.state.gateway`` (``serve_app.routes.context``).
"""

from __future__ import annotations

from fastapi import FastAPI
from ray import serve
from ray.serve.handle import DeploymentHandle

from lexray.api_keys import KeyRing
from lexray.settings import Settings, settings_from_json
from lexray.store import CaseStore
from serve_app.audit import install_audit
from serve_app.errors import install_error_handlers
from serve_app.health import VERSION, HealthMonitor
from serve_app.http import install_http_layer
from serve_app.logs import replica_logger
from serve_app.rate_limit import get_rate_limiter
from serve_app.routes import (
    audit,
    chat,
    citator,
    completions,
    erasure,
    health,
    ingestion,
    questions,
    retrieval,
    summaries,
)
from serve_app.routes.context import GatewayContext
from serve_app.web.docs import install_docs
from serve_app.web.pages import install_web

logger = replica_logger(__name__)


def create_app() -> FastAPI:
    """The API's routes, without the HTTP layer (each replica adds it to its own app)."""
    api = FastAPI(
        title="LexRay",
        version=VERSION,
        docs_url=None,  # served from vendored assets instead (serve_app.web.docs)
        redoc_url=None,
        description="Legal case retrieval and analysis on Ray: ingestion, retrieval, summarization, "
                    "questions and chat with grounded citations. Authenticate with "
                    "`Authorization: Bearer <API key>`.",
    )
    api.include_router(health.router)
    api.include_router(ingestion.router)
    api.include_router(retrieval.router)
    api.include_router(citator.router)
    api.include_router(summaries.router)
    api.include_router(questions.router)
    api.include_router(chat.router)
    api.include_router(erasure.router)
    api.include_router(audit.router)
    api.include_router(completions.router)
    install_docs(api)
    install_web(api)
    return api


# The API as documented (OpenAPI, route checks). Replicas serve one built for each in
# ``__serve_build_asgi_app__``: Serve ingests a pickled copy of an app passed to
# ``serve.ingress``, which ``__init__`` could not reach to add the HTTP layer to.
app = create_app()


@serve.deployment
@serve.ingress()
class Gateway:
    def __init__(
        self,
        ingestion: DeploymentHandle,
        retrieval: DeploymentHandle,
        summarization: DeploymentHandle,
        questions: DeploymentHandle,
        chat: DeploymentHandle,
        llm: DeploymentHandle,
        settings_json: str | None = None,
    ) -> None:
        self.settings: Settings = settings_from_json(settings_json)
        self.ingestion = ingestion
        self.store = CaseStore(self.settings.mongodb.model_copy(update={"timeout_ms": 2000}))
        self.key_ring = KeyRing.of(self.settings)
        if self.key_ring.auth_enabled and not self.key_ring.hashes_to_tenant:
            logger.warning("auth is enabled but no API keys are configured (LEXRAY_API_KEYS): "
                           "every protected route answers 401")
        self.context = GatewayContext(
            settings=self.settings, store=self.store, health=HealthMonitor(self.settings, self.store, llm),
            auth_enabled=self.key_ring.auth_enabled, ingestion=ingestion, retrieval=retrieval,
            summarization=summarization, questions=questions, chat=chat, llm=llm)

    def __serve_build_asgi_app__(self) -> FastAPI:
        """This replica's app: the routes, the audit and the HTTP layer (Serve calls it after
        ``__init__``)."""
        api = create_app()
        api.state.gateway = self.context
        limiter = get_rate_limiter(f"{self.settings.api.app_name}-rate-limiter", self.settings.ray.namespace)
        # Before the HTTP layer, so the audit runs inside it: after authentication, with the request id.
        self.audit = install_audit(api, self.store, self.settings.audit)
        install_http_layer(api, self.settings.api, self.key_ring, limiter)
        install_error_handlers(api)
        return api

    # For in-cluster Python callers holding a handle (serve.get_app_handle): no HTTP, no key;
    # the caller names the tenant.

    async def ingest_pdf(self, data: bytes, filename: str, tenant_id: str, **options) -> dict:
        return (await self.ingestion.upload.remote(data, filename, tenant_id, options)).model_dump()

    async def case_status(self, case_id: str, tenant_id: str) -> dict:
        return (await self.ingestion.status.remote(case_id, tenant_id)).model_dump()
