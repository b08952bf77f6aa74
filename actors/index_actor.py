"""The index actor: a named, detached Ray actor that owns the sharded index
(``search.sharded_index.IndexService``: FAISS shards of chunk vectors, each with the same chunks'
lexical index beside it).

It is a thin shell: on start (also after a crash, ``max_restarts=-1``) it restores the
snapshots and reconciles them with MongoDB's ``chunks`` collection, the source of truth
(chunks missing from the snapshot are added from their stored vectors, vectors of chunks no
longer stored are removed), then snapshots and reconciles periodically.
"""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import ray

from lexray.settings import Settings, settings_from_json
from lexray.store import CaseStore
from search.lexical_shard import LexicalHit
from search.sharded_index import IndexService
from search.vector_shard import VectorHit

logger = logging.getLogger(__name__)


@ray.remote(num_cpus=0, max_restarts=-1, max_task_retries=3)
class IndexActor:
    """Ray shell over ``IndexService``. Every call is idempotent, so retries are safe.

    ``num_cpus=0``: it is a long-lived service and must not hold a core that the ingestion
    pipeline's tasks need; its searches are short.
    """

    def __init__(self, settings_json: str) -> None:
        self.settings = settings_from_json(settings_json)
        self.started_at = time.time()
        self.service = IndexService(self.settings)
        self.store = CaseStore(self.settings.mongodb)
        self.last_reconcile_at = time.monotonic()
        try:
            report = self.service.reconcile(self.store)
            logger.info("index restored: %s", report)
        except Exception as exc:  # noqa: BLE001 - any failure: keep serving the snapshot
            logger.warning("could not reconcile with MongoDB at start (%s); serving the snapshot", exc)
        # The timer only asks; ``maintain`` runs as an ordinary call of this actor, so it never
        # touches the shards at the same time as a search or an add.
        self.timer = threading.Thread(target=self._tick_forever, daemon=True, name="index-maintenance")
        self.timer.start()

    def _tick_forever(self) -> None:
        me = ray.get_runtime_context().current_actor
        while True:
            time.sleep(self.settings.index.maintenance_tick_s)
            try:
                ray.get(me.maintain.remote())
            except Exception:  # noqa: BLE001 - e.g. MongoDB down during a reconcile: next tick
                logger.exception("index maintenance failed")

    def maintain(self) -> dict:
        """Snapshot the last changes once ``snapshot_interval_s`` has passed (also when no
        change follows them), and reconcile with MongoDB every ``reconcile_interval_s``."""
        index = self.settings.index
        done = {"snapshot": False, "reconcile": None}
        service = self.service
        if service.dirty and time.monotonic() - service.last_snapshot_at >= index.snapshot_interval_s:
            service.snapshot()
            done["snapshot"] = True
        if index.reconcile_interval_s and time.monotonic() - self.last_reconcile_at >= index.reconcile_interval_s:
            self.last_reconcile_at = time.monotonic()
            done["reconcile"] = service.reconcile(self.store)
        return done

    def add(self, vector_ids: list[int], case_ids: list[str], tenant_ids: list[str], vectors: np.ndarray,
            texts: list[str]) -> int:
        return self.service.add(vector_ids, case_ids, tenant_ids, vectors, texts)

    def remove_case(self, case_id: str) -> int:
        return self.service.remove_case(case_id)

    def erase_case(self, case_id: str) -> dict[str, int]:
        return self.service.erase_case(case_id)

    def search(
        self, query_vectors: np.ndarray, k: int, tenant_id: str | None = None,
        case_ids: list[str] | None = None,
    ) -> list[list[VectorHit]]:
        return self.service.search(query_vectors, k, tenant_id=tenant_id, case_ids=case_ids)

    def search_lexical(
        self, query_text: str, k: int, tenant_id: str | None = None, case_ids: list[str] | None = None
    ) -> list[LexicalHit]:
        return self.service.search_lexical(query_text, k, tenant_id=tenant_id, case_ids=case_ids)

    def count(self) -> int:
        return self.service.count()

    def vector_ids(self) -> list[int]:
        """Ids indexed on both sides (vectors and BM25), sorted: for audits against MongoDB."""
        return sorted(self.service.vector_ids())

    def stats(self) -> dict:
        return {
            "count": self.service.count(),
            "shards": self.service.shard_counts(),
            "index_kinds": [shard.index_kind for shard in self.service._ready_shards()],
            "dimension": self.service.dimension,
            "dirty": self.service.dirty,
            "started_at": self.started_at,
        }

    def snapshot(self) -> int:
        return self.service.snapshot()

    def reconcile(self) -> dict[str, int]:
        return self.service.reconcile(self.store)


def get_index_actor(settings: Settings):
    """The named detached index actor, created on first use (needs ``ray.init`` first)."""
    return IndexActor.options(
        name=settings.index.actor_name,
        namespace=settings.ray.namespace,
        lifetime="detached",
        get_if_exists=True,
    ).remote(settings.model_dump_json())


def find_index_actor(settings: Settings) -> ray.actor.ActorHandle | None:
    """The running index actor, or None while there is none: for callers that answer without
    it (health, stats, erasure) instead of starting it (``get_index_actor``)."""
    try:
        return ray.get_actor(settings.index.actor_name, namespace=settings.ray.namespace)
    except ValueError:  # no such actor (not started yet, or gone)
        return None
