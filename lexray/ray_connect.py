"""Join the right Ray cluster: the configured one, RAY_ADDRESS, the local head `make up`
started, or, when none runs, a new local instance sized for this machine."""

from __future__ import annotations

import logging
import os

from lexray.settings import Settings

logger = logging.getLogger(__name__)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def local_head_address(settings: Settings) -> str | None:
    """Address of the head `make up` started, if its process is still alive."""
    pid_file = settings.run_dir / "ray.pid"
    address_file = settings.run_dir / "ray.address"
    if not (pid_file.exists() and address_file.exists()):
        return None
    try:
        pid = int(pid_file.read_text().strip())
    except ValueError:
        return None
    return address_file.read_text().strip() if pid_alive(pid) else None


def connect(settings: Settings) -> str:
    """``ray.init`` once; returns the address joined, or 'local' for a new instance."""
    import ray

    if ray.is_initialized():
        return "existing"
    address = settings.ray.address or os.environ.get("RAY_ADDRESS") or local_head_address(settings)
    if address:
        ray.init(address=address, namespace=settings.ray.namespace)
        return address
    logger.info("no running Ray cluster found: starting a local instance")
    ray.init(
        namespace=settings.ray.namespace,
        object_store_memory=settings.ray.object_store_bytes,
        include_dashboard=False,
    )
    return "local"


def dashboard_url() -> str:
    """HTTP address of the connected cluster's dashboard (for job submission), read from GCS
    where the dashboard publishes it; works in drivers, tasks, actors and Serve replicas."""
    from ray._private import ray_constants
    from ray.experimental.internal_kv import _internal_kv_get

    published = _internal_kv_get(ray_constants.DASHBOARD_ADDRESS,
                                 namespace=ray_constants.KV_NAMESPACE_DASHBOARD)
    if not published:
        raise RuntimeError("the cluster has no dashboard; start the head with it to submit jobs")
    address = published.decode()
    return address if address.startswith(("http://", "https://")) else f"http://{address}"
