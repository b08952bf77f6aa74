"""Atomic snapshot files, on any storage ``pyarrow.fs`` reads: a reader sees the old snapshot or
the new one, never half of one.

One code path for a local folder, a shared mount and an object store (``s3://bucket/prefix``):
``SnapshotStore(uri)`` opens the folder with ``pyarrow.fs.FileSystem.from_uri``. A snapshot
``name`` is written in two steps, and this order is what makes it atomic everywhere:

1. the data goes to a new object ``<name>.<token>.data`` that no reader knows of yet (object
   stores have no atomic rename of a large object, and copying gigabytes to rename them is what
   this avoids);
2. a small manifest under ``name`` itself, ``{"object": "<name>.<token>.data", "bytes": n}``, is
   written to a temporary name and moved over ``name`` (a rename on a local or shared file
   system; a single-request copy of a few bytes on an object store, which appears whole or not
   at all).

A reader reads the manifest and then the object it names. A crash before step 2 leaves the
previous manifest, still pointing at the previous data, and an orphan the next write of that
name deletes; data objects older than the manifest's are deleted right after it is moved (an
erased case must not linger in an old version), so a reader that loses that race reads the
manifest again. A file under ``name`` that is not a manifest (a snapshot written before this
layout: one plain file) is read as the snapshot itself.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import pyarrow.fs as pafs

MANIFEST_FORMAT = "lexray-snapshot-manifest/1"
DATA_SUFFIX = ".data"
TMP_SUFFIX = ".tmp"
READ_ATTEMPTS = 3


def open_uri(uri: str) -> tuple[pafs.FileSystem, str]:
    """The file system and the path in it of ``uri``: ``file:///x``, ``s3://bucket/prefix``, or a
    plain local path (relative ones are made absolute, which ``from_uri`` requires).

    >>> filesystem, path = open_uri("/tmp/snapshots")
    >>> type(filesystem).__name__, path
    ('LocalFileSystem', '/tmp/snapshots')
    """
    if "://" not in uri:
        uri = str(Path(uri).resolve())
    return pafs.FileSystem.from_uri(uri)


class SnapshotStore:
    """Named snapshots (bytes) in one folder of a ``pyarrow.fs`` URI."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.filesystem, self.root = open_uri(uri)
        self._root_made = False

    def _path(self, name: str) -> str:
        return f"{self.root.rstrip('/')}/{name}"

    def write(self, name: str, data: bytes) -> None:
        """Store ``data`` as snapshot ``name``, atomically (see the module docstring)."""
        if not self._root_made:
            self.filesystem.create_dir(self.root, recursive=True)
            self._root_made = True
        object_name = f"{name}.{secrets.token_hex(8)}{DATA_SUFFIX}"
        self._write_file(self._path(object_name), data)
        self._point_manifest(name, object_name, len(data))
        self._delete_versions(name, keep=object_name)

    def _write_file(self, path: str, data: bytes) -> None:
        with self.filesystem.open_output_stream(path) as stream:
            stream.write(data)
        if isinstance(self.filesystem, pafs.LocalFileSystem):
            # On disk the move below may reach the disk before the data does; an object
            # store's write is durable once it returns.
            descriptor = os.open(path, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)

    def _point_manifest(self, name: str, object_name: str, size: int) -> None:
        manifest = json.dumps({"format": MANIFEST_FORMAT, "object": object_name, "bytes": size})
        tmp_path = self._path(f"{name}.{secrets.token_hex(8)}{TMP_SUFFIX}")
        self._write_file(tmp_path, manifest.encode())
        self.filesystem.move(tmp_path, self._path(name))

    def _versions(self, name: str) -> list[str]:
        """Data objects and temporary manifests of ``name`` (current or orphaned)."""
        prefix = f"{name}."
        return [info.base_name for info in self._listing()
                if info.base_name.startswith(prefix)
                and info.base_name.endswith((DATA_SUFFIX, TMP_SUFFIX))
                and "." not in info.base_name[len(prefix):].rsplit(".", 1)[0]]

    def _listing(self) -> list[pafs.FileInfo]:
        selector = pafs.FileSelector(self.root, allow_not_found=True)
        return [info for info in self.filesystem.get_file_info(selector) if info.type == pafs.FileType.File]

    def _delete_versions(self, name: str, keep: str | None) -> None:
        for version in self._versions(name):
            if version != keep:
                self._delete_file(self._path(version))

    def _delete_file(self, path: str) -> None:
        try:
            self.filesystem.delete_file(path)
        except FileNotFoundError:
            pass

    def read(self, name: str) -> bytes | None:
        """Snapshot ``name``, or None when there is none. OSError when storage fails; ValueError
        when the manifest points at nothing."""
        for _ in range(READ_ATTEMPTS):
            head = self._read_file(self._path(name))
            if head is None:
                return None
            object_name = _manifest_object(head)
            if object_name is None:
                return head  # a plain snapshot file of the layout before manifests
            data = self._read_file(self._path(object_name))
            if data is not None:
                return data
            # A writer replaced the snapshot between the two reads and deleted this version.
        raise ValueError(f"snapshot {name} in {self.uri} names a data object that is missing")

    def _read_file(self, path: str) -> bytes | None:
        try:
            with self.filesystem.open_input_stream(path) as stream:
                return stream.readall()
        except FileNotFoundError:
            return None

    def names(self) -> list[str]:
        """Names of the snapshots held (manifests and plain files), sorted."""
        return sorted(info.base_name for info in self._listing()
                      if not info.base_name.endswith((DATA_SUFFIX, TMP_SUFFIX)))

    def delete(self, name: str) -> None:
        """Delete snapshot ``name``: its manifest first (so no reader follows it), then its data."""
        self._delete_file(self._path(name))
        self._delete_versions(name, keep=None)


def _manifest_object(head: bytes) -> str | None:
    """The data object a manifest names; None when ``head`` is not a manifest."""
    if not head.startswith(b"{"):
        return None
    try:
        manifest = json.loads(head)
    except ValueError:
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        return None
    return str(manifest["object"])


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to one local file ``path``, atomically: a temporary file beside it, flushed
    to disk, then moved over it (through the same ``pyarrow.fs`` calls as ``SnapshotStore``)."""
    filesystem, target = open_uri(str(path))
    filesystem.create_dir(str(Path(target).parent), recursive=True)
    tmp_path = target + TMP_SUFFIX
    with filesystem.open_output_stream(tmp_path) as stream:
        stream.write(data)
    descriptor = os.open(tmp_path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    filesystem.move(tmp_path, target)
