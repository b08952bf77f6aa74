"""Loggers for code that runs in Serve replicas.

They are children of Serve's ``ray.serve`` logger, so their lines go where Serve's own go: the
replica's log file under the Ray session's ``logs/serve/``, in the encoding configs/serve.yaml
asks for (JSON), each stamped with the id of the request being served (the client's
X-Request-ID when it sent one), the route, application, deployment and replica.
"""

from __future__ import annotations

import logging


def replica_logger(name: str) -> logging.Logger:
    return logging.getLogger(f"ray.serve.{name}")
