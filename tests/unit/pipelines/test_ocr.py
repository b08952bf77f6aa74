"""pipelines.ocr: rendering one page and running tesseract on it (real poppler and tesseract)."""

from __future__ import annotations

import os
from pathlib import Path

import pdf2image
import pytest

from lexray.errors import CorruptPdfError, DocumentTooLargeError, OcrError
from lexray.settings import LimitSettings, OcrSettings
from pipelines.ocr import (
    mean_word_confidence,
    ocr_page,
    page_size_points,
    rendered_pixel_count,
    text_from_ocr_words,
)
from tests import pdf_factory

SAMPLE_PDFS = Path(__file__).resolve().parents[3] / "samples" / "pdfs"
OCR = OcrSettings()
LIMITS = LimitSettings()
SCANNED_TEXT = "The judgment of the Court of Appeals is reversed, and the case is remanded."


@pytest.fixture(scope="module")
def scanned_pdf() -> bytes:
    return pdf_factory.image_only_pdf(SCANNED_TEXT)


def word_table(rows: list[tuple[int, int, int, int, str, float]]) -> dict[str, list]:
    """An image_to_data-style dict from (level, block, par, line, text, conf) rows."""
    keys = ("level", "block_num", "par_num", "line_num", "text", "conf")
    return {key: [row[index] for row in rows] for index, key in enumerate(keys)}


class TestTextFromOcrWords:
    def test_lines_paragraphs_and_blocks_are_kept_apart(self):
        ocr_words = word_table(
            [
                (2, 1, 0, 0, "", -1),
                (5, 1, 1, 1, "SUPREME", 96),
                (5, 1, 1, 1, "COURT", 95),
                (5, 1, 1, 2, "Syllabus", 94),
                (5, 1, 2, 1, "Held:", 93),
                (5, 2, 1, 1, "Affirmed.", 92),
            ]
        )
        assert text_from_ocr_words(ocr_words) == "SUPREME COURT\nSyllabus\n\nHeld:\n\nAffirmed."

    def test_blank_words_are_skipped(self):
        ocr_words = word_table([(5, 1, 1, 1, " ", 95), (5, 1, 1, 1, "v.", 91), (5, 1, 1, 2, "", 0)])
        assert text_from_ocr_words(ocr_words) == "v."

    def test_no_words_is_empty_text(self):
        assert text_from_ocr_words(word_table([(1, 0, 0, 0, "", -1)])) == ""


class TestMeanWordConfidence:
    def test_layout_rows_and_blank_words_do_not_count(self):
        ocr_words = word_table(
            [
                (1, 0, 0, 0, "", -1),
                (5, 1, 1, 1, "Held", 90),
                (5, 1, 1, 1, " ", 10),
                (5, 1, 1, 1, "that", 80.5),
            ]
        )
        assert mean_word_confidence(ocr_words) == 85.25

    def test_no_words_has_no_confidence(self):
        assert mean_word_confidence(word_table([(1, 0, 0, 0, "", -1)])) is None


class TestPageSize:
    def test_letter_at_300_dpi(self):
        assert rendered_pixel_count(612, 792, dpi=300) == 2550 * 3300

    def test_media_box_in_points(self):
        assert page_size_points(pdf_factory.blank_pdf(2, page_size_pt=(500, 700)), 2) == (
            500.0,
            700.0,
        )

    def test_page_out_of_range_is_a_caller_error(self):
        with pytest.raises(ValueError):
            page_size_points(pdf_factory.blank_pdf(1), 2)


class TestOcrPage:
    def test_scanned_page_text_and_confidence(self, scanned_pdf):
        page = ocr_page(scanned_pdf, 1, ocr=OCR, limits=LIMITS)
        assert page.number == 1
        assert page.source == "ocr"
        assert " ".join(page.text.split()) == SCANNED_TEXT
        assert page.ocr_confidence is not None and page.ocr_confidence > 80

    def test_only_tesseract_gets_the_thread_limit(self, monkeypatch):
        import subprocess

        import pytesseract

        def limit_seen_by_tesseract() -> str:
            return subprocess.run(["sh", "-c", "echo $OMP_THREAD_LIMIT"], capture_output=True, text=True,
                                  env=pytesseract.pytesseract.environ).stdout.strip()

        monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
        assert limit_seen_by_tesseract() == "1"
        assert "OMP_THREAD_LIMIT" not in os.environ  # torch's pool in this process stays free
        monkeypatch.setenv("OMP_THREAD_LIMIT", "4")
        assert limit_seen_by_tesseract() == "4"  # an operator's explicit value wins

    def test_page_over_the_pixel_limit_is_not_rendered(self, scanned_pdf, monkeypatch):
        def refuse_to_render(*args, **kwargs):
            raise AssertionError("a page over the pixel limit must not be rendered")

        monkeypatch.setattr(pdf2image, "convert_from_bytes", refuse_to_render)
        with pytest.raises(DocumentTooLargeError) as raised:
            ocr_page(scanned_pdf, 1, ocr=OCR, limits=LimitSettings(max_page_pixels=2550 * 3300 - 1))
        assert raised.value.code == "document_too_large"

    def test_unknown_language_is_an_ocr_error(self, scanned_pdf):
        with pytest.raises(OcrError) as raised:
            ocr_page(scanned_pdf, 1, ocr=OcrSettings(language="xx_notalanguage"), limits=LIMITS)
        assert raised.value.code == "ocr_failed"

    def test_time_limit_is_an_ocr_error(self):
        # A full page of a real scan at 600 dpi needs several seconds to render and read.
        scanned_opinion = (SAMPLE_PDFS / "doctor__image-pdf.pdf").read_bytes()
        with pytest.raises(OcrError) as raised:
            ocr_page(scanned_opinion, 1, ocr=OcrSettings(dpi=600, page_timeout_s=1), limits=LIMITS)
        assert raised.value.code == "ocr_failed"
        assert "timeout" in str(raised.value).lower() or "timed out" in str(raised.value).lower()

    def test_page_poppler_cannot_parse_is_corrupt(self, monkeypatch):
        def poppler_syntax_error(*args, **kwargs):
            raise pdf2image.exceptions.PDFPageCountError("Unable to get page count.")

        monkeypatch.setattr(pdf2image, "convert_from_bytes", poppler_syntax_error)
        with pytest.raises(CorruptPdfError) as raised:
            ocr_page(pdf_factory.blank_pdf(1), 1, ocr=OCR, limits=LIMITS)
        assert raised.value.code == "corrupt_pdf"
