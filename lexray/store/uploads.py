"""Uploaded files (GridFS bucket ``uploads``): an upload's bytes, once per tenant and sha256, kept
until and after it is processed so any node of a cluster can process them."""

from __future__ import annotations

import gridfs
from bson import ObjectId
from pymongo.errors import OperationFailure

from lexray.store.connection import UPLOADS, StoreConnection


class UploadFiles(StoreConnection):
    def _ensure_upload_index(self) -> None:
        """Uploaded bytes are unique per (tenant, sha256): the index both finds them and makes a
        concurrent second copy fail (``save_upload``). Copies stored before it existed are
        dropped first, keeping the oldest."""
        files = self.db[f"{UPLOADS}.files"]
        keys = [("tenant_id", 1), ("document_hash", 1)]
        try:
            files.create_index(keys, unique=True, name="tenant_hash_unique")
        except OperationFailure:
            duplicates = files.aggregate([
                {"$group": {"_id": {"tenant_id": "$tenant_id", "document_hash": "$document_hash"},
                            "ids": {"$push": "$_id"}, "count": {"$sum": 1}}},
                {"$match": {"count": {"$gt": 1}}},
            ])
            for group in duplicates:
                for file_id in sorted(group["ids"])[1:]:
                    self.uploads.delete(file_id)
            files.create_index(keys, unique=True, name="tenant_hash_unique")

    def save_upload(self, *, tenant_id: str, document_hash: str, data: bytes, filename: str) -> bool:
        """Keep an upload's bytes until and after it is processed, once per tenant and hash even
        when the same bytes arrive concurrently: the unique (tenant_id, document_hash) index
        lets one copy in (needs ``ensure_indexes``). True when this call stored them."""
        identity = {"tenant_id": tenant_id, "document_hash": document_hash}
        if self.uploads.exists(identity):
            return False
        file_id = ObjectId()
        try:
            self.uploads.put(data, _id=file_id, filename=filename, **identity)
        except gridfs.errors.FileExists:
            # Another request stored the same bytes first; GridFS leaves this copy's chunks.
            self.db[f"{UPLOADS}.chunks"].delete_many({"files_id": file_id})
            return False
        return True

    def delete_uploads(self, *, tenant_id: str, document_hash: str) -> int:
        """Remove the stored bytes (files and chunks); how many files were removed."""
        file_ids = [stored._id for stored in
                    self.uploads.find({"tenant_id": tenant_id, "document_hash": document_hash})]
        for file_id in file_ids:
            self.uploads.delete(file_id)
        return len(file_ids)

    def has_upload(self, *, tenant_id: str, document_hash: str) -> bool:
        return self.uploads.exists({"tenant_id": tenant_id, "document_hash": document_hash})

    def load_upload(self, *, tenant_id: str, document_hash: str) -> bytes | None:
        stored = self.uploads.find_one({"tenant_id": tenant_id, "document_hash": document_hash})
        return stored.read() if stored is not None else None
