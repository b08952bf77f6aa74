"""The batch ingestion job end to end: real Ray Data, MongoDB-protocol server, tesseract, model."""

import json
import shutil
import subprocess
import sys

import ray

from actors.index_actor import get_index_actor
from jobs.ingest import run_ingest
from tests import pdf_factory
from tests.conftest import PROJECT_ROOT, SAMPLES, settings_env


SAMPLE_FILES = sorted(SAMPLES.glob("*.pdf"))


STAGES = ["uploaded", "processing", "ocr_complete", "embedding_complete", "indexed"]


def _run_cli(settings, ray_address, *paths):
    result = subprocess.run(
        [sys.executable, "-m", "jobs.ingest", *map(str, paths)],
        cwd=PROJECT_ROOT, env=settings_env(settings, ray_address),
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_sample_corpus_twice_then_index_restart(ray_address, settings, store):
    first = _run_cli(settings, ray_address, SAMPLES)
    assert set(first) == {"job_id", "ingested", "duplicates", "failed", "resumed", "pages", "ocr_pages",
                          "chunks", "skipped_links", "seconds"}
    assert first["skipped_links"] == 0
    assert first["ingested"] == len(SAMPLE_FILES) and first["failed"] == 0 and first["duplicates"] == 0
    assert first["resumed"] == 0
    # The job's record: every stage saw every document, the counters match the summary.
    job = store.get_job(first["job_id"])
    assert job["status"] == "SUCCEEDED" and job["attempts"] == 1 and job["tenant_id"] == "default"
    assert job["total"] == job["done"] == job["ingested"] == len(SAMPLE_FILES)
    assert {stage: entry["done"] for stage, entry in job["progress"].items()} == {
        "extract": len(SAMPLE_FILES), "enrich": len(SAMPLE_FILES), "embed": len(SAMPLE_FILES),
        "index": len(SAMPLE_FILES)}
    assert {key: job["summary"][key] for key in first if key != "seconds"} == {
        key: first[key] for key in first if key != "seconds"}
    # image-pdf (2), image-pdf-2 (1), ocr_pdf_variation (1) have no usable text layer.
    assert first["ocr_pages"] >= 4
    assert first["pages"] == sum(c["metadata"]["page_count"] for c in store.cases.find())
    assert first["chunks"] == store.count_chunks() > 0
    assert store.count_cases() == len(SAMPLE_FILES)

    for case in store.cases.find():
        assert case["processing_status"] == "indexed", case.get("failure_reason")
        assert [entry["status"] for entry in case["processing_log"]] == STAGES
        assert case["embedding_dimension"] == 384 and case["embedding_model"] == "all-MiniLM-L6-v2"
        assert len(case["document_hash"]) == 64
        assert case["chunk_count"] == store.chunks.count_documents({"case_id": case["case_id"]})

    scotus = store.cases.find_one({"original_filename": "doctor__vector-pdf.pdf"})
    assert scotus["metadata"]["court"] == "Supreme Court of the United States"
    assert scotus["metadata"]["citations"]
    scan = store.cases.find_one({"original_filename": "doctor__image-pdf.pdf"})
    assert scan["metadata"]["ocr_confidence"] > 80
    assert "Tarrant" in scan["cleaned_content"]
    chunk = store.chunks.find_one({"case_id": scotus["case_id"], "chunk_index": 3})
    assert scotus["cleaned_content"][chunk["char_start"]:chunk["char_end"]] == chunk["text"]

    index_actor = get_index_actor(settings)
    assert ray.get(index_actor.count.remote()) == store.count_chunks()

    second = _run_cli(settings, ray_address, SAMPLES)
    assert second["duplicates"] == len(SAMPLE_FILES)
    assert second["ingested"] == second["failed"] == second["chunks"] == 0
    assert store.count_cases() == len(SAMPLE_FILES) and store.count_chunks() == first["chunks"]

    started = ray.get(index_actor.stats.remote())["started_at"]
    ray.kill(index_actor, no_restart=False)
    stats = None
    for _ in range(200):
        try:
            stats = ray.get(index_actor.stats.remote(), timeout=10)
            if stats["started_at"] != started:
                break
        except ray.exceptions.RayActorError:
            pass
    assert stats["started_at"] != started and stats["count"] == first["chunks"]
    # A query vector taken from a stored chunk finds that chunk first after the restart.
    query = store.chunks.find_one({"case_id": scan["case_id"]})
    import numpy as np

    hits = ray.get(index_actor.search.remote(np.frombuffer(query["embedding"], dtype=np.float32), 1))
    assert hits[0][0].vector_id == query["vector_id"]
    ray.kill(index_actor, no_restart=True)


def test_bad_documents_fail_with_reasons_and_lose_nothing(ray_address, settings, store, tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    shutil.copy(SAMPLES / "doctor__missouri.pdf", good)
    before, _ = run_ingest([str(good)], settings)
    assert before["ingested"] == 1
    stored_case = store.cases.find_one({})
    chunks_before = store.count_chunks()

    valid = pdf_factory.text_pdf(["IN THE SUPREME COURT. The appeal is dismissed."] * 2)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "zero.pdf").write_bytes(b"")
    (bad / "not-a-pdf.pdf").write_bytes(pdf_factory.png_bytes())
    (bad / "truncated.pdf").write_bytes(pdf_factory.truncated((SAMPLES / "doctor__vector-pdf.pdf").read_bytes(), 0.4))
    (bad / "encrypted.pdf").write_bytes(pdf_factory.encrypted_pdf(valid))
    (bad / "junk-prefix.pdf").write_bytes(pdf_factory.with_junk_prefix(valid, 300))
    (bad / "image-only.pdf").write_bytes(pdf_factory.image_only_pdf("ORDER OF THE COURT granting the motion"))
    shutil.copy(SAMPLES / "doctor__missouri.pdf", bad / "same-bytes-again.pdf")

    summary, outcomes = run_ingest([str(bad)], settings)
    by_file = {row["filename"]: row for row in outcomes}
    assert by_file["zero.pdf"]["reason"] == "empty_file"
    assert by_file["not-a-pdf.pdf"]["reason"] == "not_pdf"
    assert by_file["truncated.pdf"]["reason"] == "corrupt_pdf"
    assert by_file["encrypted.pdf"]["reason"] == "encrypted_pdf"
    assert by_file["junk-prefix.pdf"]["status"] == "indexed"
    assert by_file["image-only.pdf"]["status"] == "indexed" and by_file["image-only.pdf"]["ocr_pages"] == 1
    assert by_file["same-bytes-again.pdf"]["status"] == "duplicate"
    assert by_file["same-bytes-again.pdf"]["case_id"] == stored_case["case_id"]
    assert summary["failed"] == 4 and summary["ingested"] == 2 and summary["duplicates"] == 1

    for name, reason in [("zero.pdf", "empty_file"), ("encrypted.pdf", "encrypted_pdf")]:
        failed = store.cases.find_one({"original_filename": name})
        assert failed["processing_status"] == "failed" and failed["failure_reason"] == reason
        assert failed["processing_log"][-1]["message"].startswith(reason)
        assert store.chunks.count_documents({"case_id": failed["case_id"]}) == 0
    image_case = store.cases.find_one({"original_filename": "image-only.pdf"})
    assert "granting the motion" in image_case["cleaned_content"]

    # What was stored before is untouched, and the index holds exactly MongoDB's chunks.
    assert store.cases.find_one({"case_id": stored_case["case_id"]})["chunk_count"] == stored_case["chunk_count"]
    assert store.chunks.count_documents({"case_id": stored_case["case_id"]}) == stored_case["chunk_count"]
    assert store.count_chunks() == chunks_before + by_file["junk-prefix.pdf"]["chunks"] + by_file["image-only.pdf"]["chunks"]
    index_actor = get_index_actor(settings)
    assert ray.get(index_actor.count.remote()) == store.count_chunks()

    # Re-running the same bad folder reprocesses nothing and duplicates nothing.
    again, _ = run_ingest([str(bad)], settings)
    assert again["duplicates"] == 7 and again["ingested"] == again["failed"] == 0
    assert store.count_cases() == 7
    ray.kill(index_actor, no_restart=True)


def test_missing_path_is_a_clear_error(settings, ray_address):
    result = subprocess.run(
        [sys.executable, "-m", "jobs.ingest", "/no/such/folder"], cwd=PROJECT_ROOT,
        env=settings_env(settings, ray_address), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2 and "no such file or folder" in result.stderr
