"""A MongoDB-protocol server of a test module's own, for fault tests: stopped and started again
on the same storage, and with ``configureFailPoint`` (``--enable-test-commands``)."""

from __future__ import annotations

from pathlib import Path

import pymongo

from lexray.local_stack import free_port, mongo_command, port_open, start_detached, stop_group, wait_for


class MongoServer:
    """A MongoDB-protocol server on a fixed port and storage folder that can be stopped and
    started again (the same data, as after a crash or maintenance)."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.storage = root / "mongodb"
        self.log = root / "mongodb.log"
        self.proc = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = mongo_command("127.0.0.1", self.port, str(self.storage)) + ["--enable-test-commands"]
        self.proc = start_detached(command, self.log)
        wait_for(lambda: port_open("127.0.0.1", self.port), 60, "MongoDB-protocol server", self.proc)

    def stop(self) -> None:
        if self.proc is not None:
            stop_group(self.proc.pid, timeout_s=10)
            self.proc = None

    def fail_point(self, mode, **data) -> None:
        with pymongo.MongoClient(self.uri, serverSelectionTimeoutMS=5000) as client:
            client.admin.command({"configureFailPoint": "failCommand", "mode": mode, "data": data})
