"""The gateway's view of its backends' health: MongoDB, Ray, the index actor and the LLM
deployment, checked together and cached for ``api.health_cache_s``."""

from __future__ import annotations

import asyncio
import time

import ray
from ray.serve.handle import DeploymentHandle

from actors.index_actor import find_index_actor
from lexray.redaction import redact_text
from lexray.settings import Settings
from lexray.store import CaseStore
from serve_app.logs import replica_logger

logger = replica_logger(__name__)

VERSION = "0.1.0"
HEALTH_TIMEOUT_S = 3.0


class HealthMonitor:
    """Checks each component now (``check``) or answers the last check while it is fresh
    (``cached``); one per gateway replica."""

    def __init__(self, settings: Settings, store: CaseStore, llm: DeploymentHandle) -> None:
        self.settings = settings
        self.store = store
        self.llm = llm
        self._lock = asyncio.Lock()
        self._checked: tuple[float, dict] | None = None

    async def cached(self) -> dict:
        """The last check when younger than ``api.health_cache_s``, else a new one; concurrent
        requests wait for the one check in flight instead of each asking every backend."""
        async with self._lock:
            if self._checked is not None:
                checked_at, report = self._checked
                if time.monotonic() - checked_at < self.settings.api.health_cache_s:
                    return report
            report = await self.check()
            self._checked = (time.monotonic(), report)
            return report

    async def check(self) -> dict:
        components = dict(zip(
            ("mongodb", "ray", "index", "llm"),
            await asyncio.gather(self._mongo(), self._ray(), self._index(), self._llm()),
            strict=True,
        ))
        for name, component in components.items():
            component["detail"] = redact_text(component["detail"])
            if component["status"] != "healthy":
                logger.warning("health: %s unhealthy: %s", name, component["detail"])
        healthy = all(c["status"] == "healthy" for c in components.values())
        return {"status": "healthy" if healthy else "degraded", "version": VERSION, "components": components}

    async def _mongo(self) -> dict:
        try:
            await asyncio.to_thread(self.store.ping)
            return {"status": "healthy", "detail": "ping ok"}
        except Exception as exc:  # noqa: BLE001
            # Masked before cutting: a cut could leave a password without its '@'.
            return {"status": "unhealthy", "detail": redact_text(str(exc))[:500]}

    async def _ray(self) -> dict:
        try:
            # Both ask the GCS synchronously: off the event loop.
            cpus, nodes = await asyncio.to_thread(lambda: (ray.cluster_resources().get("CPU", 0), len(ray.nodes())))
            return {"status": "healthy", "detail": f"{nodes} node(s), {cpus:g} CPU"}
        except Exception as exc:  # noqa: BLE001
            return {"status": "unhealthy", "detail": redact_text(str(exc))[:200]}

    async def _index(self) -> dict:
        try:
            actor = find_index_actor(self.settings)
            if actor is None:
                return {"status": "unhealthy", "detail": "index actor unavailable: not started"}
            count = await asyncio.wait_for(actor.count.remote(), HEALTH_TIMEOUT_S)
            return {"status": "healthy", "detail": f"{count} vectors"}
        except Exception as exc:  # noqa: BLE001
            return {"status": "unhealthy", "detail": f"index actor unavailable: {type(exc).__name__}"}

    async def _llm(self) -> dict:
        try:
            return await asyncio.wait_for(self.llm.health.remote(), HEALTH_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001
            return {"status": "unhealthy", "detail": f"LLM deployment unavailable: {type(exc).__name__}"}
