"""Uploaded files (lexray.store.uploads, GridFS) in a real database: one copy per tenant and hash."""


def test_concurrent_uploads_of_the_same_bytes_store_one_gridfs_file(store):
    from concurrent.futures import ThreadPoolExecutor

    from lexray.store import CaseStore

    data = b"%PDF-1.4 " + bytes(range(256)) * 2000  # several GridFS chunks
    # One store (connection pool) per thread, as separate replicas would have.
    stores = [CaseStore(store.settings) for _ in range(8)]
    try:
        with ThreadPoolExecutor(len(stores)) as pool:
            stored = list(pool.map(lambda s: s.save_upload(tenant_id="t1", document_hash="d" * 64, data=data,
                                                           filename="same.pdf"), stores))
    finally:
        for other in stores:
            other.close()
    assert stored.count(True) == 1
    files = list(store.db["uploads.files"].find({"tenant_id": "t1", "document_hash": "d" * 64}))
    assert len(files) == 1
    # No chunks of the copies that lost the race are left behind.
    assert store.db["uploads.chunks"].distinct("files_id") == [files[0]["_id"]]
    assert store.load_upload(tenant_id="t1", document_hash="d" * 64) == data
    # The same bytes for another tenant are that tenant's own copy.
    assert store.save_upload(tenant_id="t2", document_hash="d" * 64, data=data, filename="same.pdf")
    assert store.db["uploads.files"].count_documents({}) == 2
    index = next(index for index in store.db["uploads.files"].list_indexes() if index["name"] == "tenant_hash_unique")
    assert list(index["key"].items()) == [("tenant_id", 1), ("document_hash", 1)] and index["unique"]
