"""Finding the upload pool's worker processes from a test (``actors.upload_worker``)."""

from __future__ import annotations

import psutil

# Ray titles an actor's process ``ray::<Class>.<method>`` while a call runs, ``ray::<Class>`` between calls.
BUSY_TITLE = "ray::UploadWorker.process"


def busy_upload_workers() -> list[psutil.Process]:
    """Upload worker processes processing a document now (idle, warm workers are not listed)."""
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if cmdline.startswith(BUSY_TITLE) and process.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(process)
    return found
