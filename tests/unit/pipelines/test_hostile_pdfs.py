"""Hostile and malformed PDFs (``bench.hostile_pdfs``) end as a clear error code, within the
per-document resource limits, in process. Through the real batch job and the Ray OCR runner:
tests/integration/jobs/test_hostile_pdfs.py."""

import time
from collections import Counter

import pytest

from bench.hostile_pdfs import HOSTILE_CLASSES, OK, build_corpus
from lexray.errors import DocumentTooComplexError, LexRayError
from lexray.settings import LimitSettings, OcrSettings, Settings
from pipelines.document import extract_case_text
from pipelines.extract import extract_pages
from pipelines.preflight import check_document_resources
from tests import pdf_factory
from tests.conftest import SAMPLES

CORPUS = build_corpus()
# Generous: the slowest legitimate file here OCRs one page; the point is that nothing stalls.
PER_DOCUMENT_SECONDS = 60


def test_corpus_is_large_covers_every_class_and_is_deterministic():
    assert len(CORPUS) >= 200
    assert set(HOSTILE_CLASSES) == {file.hostile_class for file in CORPUS}
    assert all(count >= 3 for count in Counter(file.hostile_class for file in CORPUS).values())
    again = build_corpus()
    assert [file.name for file in again] == [file.name for file in CORPUS]
    # Byte for byte, but for encryption salts MuPDF draws at random.
    assert [file.name for file, same in zip(again, CORPUS, strict=True)
            if file.data != same.data and file.hostile_class != "encrypted"] == []
    # Small on disk although the bombs inflate to gigabytes.
    assert sum(len(file.data) for file in CORPUS) < 16 * 1024 * 1024


@pytest.mark.parametrize("hostile_class", HOSTILE_CLASSES)
def test_every_file_ends_in_a_coded_error_or_text_within_the_limits(hostile_class):
    settings = Settings()
    for file in [file for file in CORPUS if file.hostile_class == hostile_class]:
        started = time.monotonic()
        try:
            case_text = extract_case_text(file.data, settings)
            outcome = OK
            assert case_text.cleaned_content.strip(), file.name
        except LexRayError as exc:  # any other exception type fails the test
            outcome = exc.code
            assert exc.message, file.name
        assert outcome in file.expected, (file.name, outcome)
        assert time.monotonic() - started < PER_DOCUMENT_SECONDS, file.name


def test_caps_refuse_bombs_before_decoding_and_pass_real_samples():
    limits = LimitSettings()
    import pymupdf

    for path in sorted(SAMPLES.glob("*.pdf")):
        with pymupdf.open(path) as pdf:
            check_document_resources(pdf, limits)
    by_name = {file.name: file for file in CORPUS}
    for name, fragment in [("bomb-content-spaces-4gib.pdf", "inflates to more than"),
                           ("image-20k-gray.pdf", "20000x20000"),
                           ("image-inline-20k.pdf", "inline image"),
                           ("form-xobject-fanout.pdf", "form XObjects")]:
        with pymupdf.open(stream=by_name[name].data) as pdf, pytest.raises(DocumentTooComplexError, match=fragment):
            check_document_resources(pdf, limits)
    # Each cap is a setting: raised far enough, the same bomb is only a slow, blank page.
    with pymupdf.open(stream=by_name["bomb-content-spaces-256mib.pdf"].data) as pdf:
        check_document_resources(pdf, limits.model_copy(update={"max_stream_bytes": 300 << 20}))


def test_ocr_stops_at_the_document_deadline():
    scan = pdf_factory.image_only_pdf("ORDER OF THE COURT granting the motion")
    with pymupdf_open(scan) as pdf:
        pdf.insert_pdf(pymupdf_open(scan))
        pdf.insert_pdf(pymupdf_open(scan))
        three_pages = pdf.tobytes()
    limits = LimitSettings(document_timeout_s=0.5)
    with pytest.raises(DocumentTooComplexError, match="pages left to OCR"):
        extract_pages(three_pages, ocr=OcrSettings(), limits=limits)


def pymupdf_open(data: bytes):
    import pymupdf

    return pymupdf.open(stream=data, filetype="pdf")
