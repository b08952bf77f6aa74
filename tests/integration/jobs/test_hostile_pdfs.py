"""Hostile and malformed PDFs (``bench.hostile_pdfs``) through the real batch job, and the Ray
OCR runner's deadline: each ends as a clear error code and the workers survive. In process:
tests/unit/pipelines/test_hostile_pdfs.py."""

import hashlib
import shutil

import pytest

from bench.hostile_pdfs import OK, build_corpus
from lexray.errors import DocumentTooComplexError
from lexray.settings import Settings
from jobs.ingest import run_ingest
from tests import pdf_factory
from tests.conftest import SAMPLES

CORPUS = build_corpus()


def test_ray_ocr_runner_cancels_pages_past_the_document_deadline(ray_address):
    from pipelines.ocr_tasks import ray_ocr_runner

    scan = pdf_factory.image_only_pdf("ORDER OF THE COURT granting the motion")
    with pymupdf_open(scan) as pdf:
        pdf.insert_pdf(pymupdf_open(scan))
        two_pages = pdf.tobytes()
    run = ray_ocr_runner(Settings(limits={"document_timeout_s": 0.2}))
    with pytest.raises(DocumentTooComplexError, match="pages left to OCR"):
        run(two_pages, [1, 2])
    # With time enough, the same runner reads both pages.
    pages = ray_ocr_runner(Settings())(two_pages, [1, 2])
    assert [page.number for page in pages] == [1, 2] and "COURT" in pages[0].text


def pymupdf_open(data: bytes):
    import pymupdf

    return pymupdf.open(stream=data, filetype="pdf")


def test_corpus_through_the_batch_job_then_a_valid_pdf_still_ingests(ray_address, settings, store, tmp_path):
    corpus_dir = tmp_path / "hostile"
    corpus_dir.mkdir()
    for file in CORPUS:
        (corpus_dir / file.name).write_bytes(file.data)
    first_of_hash = {}
    for file in CORPUS:
        first_of_hash.setdefault(hashlib.sha256(file.data).hexdigest(), file.name)

    summary, outcomes = run_ingest([str(corpus_dir)], settings)
    assert len(outcomes) == len(CORPUS)
    assert summary["ingested"] + summary["failed"] + summary["duplicates"] == len(CORPUS)
    assert summary["duplicates"] == len(CORPUS) - len(first_of_hash)
    expected_of = {file.name: file.expected for file in CORPUS}
    for row in outcomes:
        if row["status"] == "failed":
            assert row["reason"] in expected_of[row["filename"]], row
            assert row["reason"] != "internal_error" and row["message"], row
            case = store.cases.find_one({"case_id": row["case_id"]})
            assert case["processing_status"] == "failed", row
            assert case["failure_reason"] == row["reason"], row
            assert case["processing_log"][-1]["message"].startswith(row["reason"]), row
        elif row["status"] == "indexed":
            assert OK in expected_of[row["filename"]], row
        else:
            assert row["status"] == "duplicate", row
    assert summary["failed"] >= 150  # most of the corpus is unreadable by design

    good = tmp_path / "good"
    good.mkdir()
    shutil.copy(SAMPLES / "doctor__missouri.pdf", good)
    after, _ = run_ingest([str(good)], settings)
    assert after["ingested"] == 1 and after["failed"] == 0
