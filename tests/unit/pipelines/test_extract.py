"""pipelines.extract: locating the PDF, the text layer, choosing pages to OCR, merging.

Real sample PDFs (samples/pdfs) and real tesseract; broken inputs come from tests.pdf_factory.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import jiwer
import pymupdf
import pytest

from lexray.errors import (
    CorruptPdfError,
    DocumentTooLargeError,
    EmptyDocumentError,
    EncryptedPdfError,
    NoTextError,
    NotPdfError,
    OcrError,
)
from lexray.models import PageText
from lexray.settings import LimitSettings, OcrSettings
from pipelines.extract import (
    extract_pages,
    locate_pdf,
    merge_page_texts,
    pages_needing_ocr,
    read_text_layer,
    sequential_ocr_runner,
)
from tests import pdf_factory

PROJECT_ROOT = Path(__file__).resolve().parents[3]
SAMPLE_PDFS = PROJECT_ROOT / "samples" / "pdfs"
GROUND_TRUTH = Path(__file__).resolve().parents[2] / "data" / "ocr_groundtruth"

OCR = OcrSettings()
LIMITS = LimitSettings()
MAX_CER = 0.02


def sample_bytes(name: str) -> bytes:
    return (SAMPLE_PDFS / f"doctor__{name}.pdf").read_bytes()


def comparable_text(text: str) -> str:
    """The normalisation used for CER, and nothing more.

    1. Join hyphenated line breaks: drop every "-\\n". The ground truth already has words
       split across lines joined (no line ends in "-"), so on that side this is a no-op.
    2. Collapse every run of whitespace (spaces, newlines, form feeds) to one space and
       strip the ends, so line layout and paragraph spacing do not count as errors.
    Case, punctuation, dashes and quotes are compared as they are.
    """
    return " ".join(text.replace("-\n", "").split())


def assert_error(raised: pytest.ExceptionInfo, error_class: type, code: str) -> None:
    assert type(raised.value) is error_class
    assert raised.value.code == code


@pytest.fixture(scope="module")
def image_pdf_pages() -> list[PageText]:
    """The two scanned pages of doctor__image-pdf.pdf, OCR'd once at default settings."""
    return extract_pages(sample_bytes("image-pdf"), ocr=OCR, limits=LIMITS)


class TestLocatePdf:
    def test_pdf_starting_at_byte_zero_is_returned_unchanged(self):
        pdf_bytes = pdf_factory.text_pdf(["Held: affirmed."])
        assert locate_pdf(pdf_bytes, limits=LIMITS) == pdf_bytes

    def test_junk_before_the_header_is_dropped(self):
        pdf_bytes = pdf_factory.text_pdf(["Held: affirmed."])
        assert locate_pdf(pdf_factory.with_junk_prefix(pdf_bytes, 500), limits=LIMITS) == pdf_bytes

    def test_header_starting_at_the_last_byte_of_the_first_kib_is_found(self):
        pdf_bytes = pdf_factory.text_pdf(["Held: affirmed."])
        assert locate_pdf(pdf_factory.with_junk_prefix(pdf_bytes, 1023), limits=LIMITS) == pdf_bytes

    def test_header_after_1024_bytes_of_junk_is_not_a_pdf(self):
        pdf_bytes = pdf_factory.with_junk_prefix(pdf_factory.text_pdf(["Held."]), 1024)
        with pytest.raises(NotPdfError) as raised:
            locate_pdf(pdf_bytes, limits=LIMITS)
        assert_error(raised, NotPdfError, "not_pdf")

    def test_file_over_the_size_limit_is_too_large(self):
        with pytest.raises(DocumentTooLargeError) as raised:
            locate_pdf(b"%PDF-1.7" + b" " * 200, limits=LimitSettings(max_file_bytes=100))
        assert_error(raised, DocumentTooLargeError, "document_too_large")


class TestPagesNeedingOcr:
    def test_counts_only_non_whitespace_characters(self):
        page_texts = ["a" * 59, " a " * 60, "\n\n\t" * 100, "a" * 60]
        assert pages_needing_ocr(page_texts, min_text_chars=60) == [1, 3]

    def test_zero_threshold_never_asks_for_ocr(self):
        assert pages_needing_ocr(["", "x"], min_text_chars=0) == []


class TestMergePageTexts:
    def test_blank_ocr_result_keeps_the_text_layer_header(self):
        blank_ocr = PageText(number=1, text=" \n", source="ocr", ocr_confidence=None)
        merged_pages = merge_page_texts(["Case 21-1298 Document 42"], [blank_ocr])
        assert merged_pages == [
            PageText(number=1, text="Case 21-1298 Document 42", source="text_layer")
        ]

    def test_pages_come_back_in_page_order_whatever_the_runner_order(self):
        ocr_pages = [
            PageText(number=3, text="three", source="ocr", ocr_confidence=90.0),
            PageText(number=1, text="one", source="ocr", ocr_confidence=90.0),
        ]
        merged_pages = merge_page_texts(["", "two", ""], ocr_pages)
        assert [page.text for page in merged_pages] == ["one", "two", "three"]
        assert [page.source for page in merged_pages] == ["ocr", "text_layer", "ocr"]


class TestBornDigital:
    def test_vector_pdf_comes_from_the_text_layer(self):
        # Pages 29-30 (Appendix A and B) are map images with no text layer, so they alone
        # go to OCR; a stub runner stands in for tesseract to keep this test fast.
        pdf_bytes = sample_bytes("vector-pdf")
        requested_pages = []

        def stub_runner(located_pdf: bytes, page_numbers: list[int]) -> list[PageText]:
            requested_pages.extend(page_numbers)
            return [
                PageText(number=n, text="APPENDIX", source="ocr", ocr_confidence=85.0)
                for n in page_numbers
            ]

        pages = extract_pages(pdf_bytes, ocr=OCR, limits=LIMITS, ocr_runner=stub_runner)
        assert len(pages) == 30
        assert [page.number for page in pages] == list(range(1, 31))
        assert requested_pages == [29, 30]
        assert {page.source for page in pages[:28]} == {"text_layer"}
        assert {page.ocr_confidence for page in pages[:28]} == {None}
        with pymupdf.open(stream=pdf_bytes, filetype="pdf") as pdf:
            assert pages[0].text == pdf[0].get_text()

    @pytest.mark.parametrize(
        ("name", "junk_bytes", "page_count"), [("missouri", 7, 5), ("broken-mime", 2, 23)]
    )
    def test_samples_with_junk_before_the_header_succeed(self, name, junk_bytes, page_count):
        file_bytes = sample_bytes(name)
        assert file_bytes.index(b"%PDF-") == junk_bytes
        pages = extract_pages(file_bytes, ocr=OCR, limits=LIMITS, ocr_runner=refuse_ocr)
        assert len(pages) == page_count
        assert all(page.text.strip() for page in pages)

    def test_synthetic_junk_prefix_succeeds(self):
        file_bytes = pdf_factory.with_junk_prefix(
            pdf_factory.text_pdf(["Held: affirmed. " * 8]), 300
        )
        pages = extract_pages(file_bytes, ocr=OCR, limits=LIMITS, ocr_runner=refuse_ocr)
        assert pages[0].text.startswith("Held: affirmed.")

    def test_pdf_encrypted_with_an_empty_user_password_opens(self):
        pdf_bytes = pdf_factory.encrypted_pdf(
            pdf_factory.text_pdf(["Held: affirmed. " * 8]), user_password=""
        )
        assert read_text_layer(pdf_bytes, limits=LIMITS)[0].startswith("Held: affirmed.")


def refuse_ocr(pdf_bytes: bytes, page_numbers: list[int]) -> list[PageText]:
    raise AssertionError(f"born-digital pages must not be OCR'd, asked for {page_numbers}")


class TestScanned:
    def test_image_only_scan_is_ocrd_with_high_confidence(self, image_pdf_pages):
        assert [page.number for page in image_pdf_pages] == [1, 2]
        for page in image_pdf_pages:
            assert page.source == "ocr"
            assert page.ocr_confidence is not None and page.ocr_confidence > 80

    @pytest.mark.parametrize("page_number", [1, 2])
    def test_ocr_character_error_rate_against_ground_truth(self, image_pdf_pages, page_number):
        expected_text = (GROUND_TRUTH / f"tarrant_v_herrmann_p{page_number}.txt").read_text()
        ocr_text = image_pdf_pages[page_number - 1].text
        character_error_rate = jiwer.cer(comparable_text(expected_text), comparable_text(ocr_text))
        assert character_error_rate <= MAX_CER, (
            f"page {page_number}: CER {character_error_rate:.4f}"
        )

    def test_image_page_with_a_thin_text_layer_header_is_ocrd(self):
        pages = extract_pages(sample_bytes("ocr_pdf_variation"), ocr=OCR, limits=LIMITS)
        assert len(pages) == 1
        assert pages[0].source == "ocr"
        assert "UNITED" in pages[0].text

    def test_runner_gets_only_the_pages_needing_ocr(self):
        pdf_bytes = pdf_factory.text_pdf(["Held: affirmed. " * 8, "", "Reversed. " * 10, ""])
        requested_pages = []

        def recording_runner(located_pdf: bytes, page_numbers: list[int]) -> list[PageText]:
            assert located_pdf[:5] == b"%PDF-"
            requested_pages.append(page_numbers)
            return [
                PageText(number=n, text=f"ocr {n}", source="ocr", ocr_confidence=88.0)
                for n in page_numbers
            ]

        pages = extract_pages(pdf_bytes, ocr=OCR, limits=LIMITS, ocr_runner=recording_runner)
        assert requested_pages == [[2, 4]]
        assert [page.source for page in pages] == ["text_layer", "ocr", "text_layer", "ocr"]
        assert pages[3].text == "ocr 4"

    def test_runner_that_skips_a_page_is_an_ocr_error(self):
        pdf_bytes = pdf_factory.blank_pdf(2)
        with pytest.raises(OcrError) as raised:
            extract_pages(pdf_bytes, ocr=OCR, limits=LIMITS, ocr_runner=lambda _pdf, _numbers: [])
        assert_error(raised, OcrError, "ocr_failed")

    def test_default_runner_pickles_for_ray(self):
        run_ocr = pickle.loads(pickle.dumps(sequential_ocr_runner(OCR, LIMITS)))
        assert run_ocr(b"%PDF-", []) == []


class TestBadInput:
    def test_zero_bytes_is_an_empty_document(self):
        with pytest.raises(EmptyDocumentError) as raised:
            extract_pages(b"", ocr=OCR, limits=LIMITS)
        assert_error(raised, EmptyDocumentError, "empty_file")

    def test_png_named_pdf_is_not_a_pdf(self):
        with pytest.raises(NotPdfError) as raised:
            extract_pages(pdf_factory.png_bytes(), ocr=OCR, limits=LIMITS)
        assert_error(raised, NotPdfError, "not_pdf")

    def test_plain_text_named_pdf_is_not_a_pdf(self):
        with pytest.raises(NotPdfError) as raised:
            extract_pages(
                b"IN THE SUPREME COURT OF THE UNITED STATES\n" * 40, ocr=OCR, limits=LIMITS
            )
        assert_error(raised, NotPdfError, "not_pdf")

    def test_pdf_header_after_too_much_junk_is_not_a_pdf(self):
        file_bytes = pdf_factory.with_junk_prefix(sample_bytes("missouri"), 2000)
        with pytest.raises(NotPdfError) as raised:
            extract_pages(file_bytes, ocr=OCR, limits=LIMITS)
        assert_error(raised, NotPdfError, "not_pdf")

    def test_truncated_sample_is_corrupt(self):
        # vector-pdf keeps its page tree at the end: cut at 40 % MuPDF's repair finds no pages.
        pdf_bytes = pdf_factory.truncated(sample_bytes("vector-pdf"), 0.4)
        with pytest.raises(CorruptPdfError) as raised:
            extract_pages(pdf_bytes, ocr=OCR, limits=LIMITS)
        assert_error(raised, CorruptPdfError, "corrupt_pdf")

    def test_truncated_sample_that_mupdf_repairs_yields_less_text_and_no_exception(self):
        # broken-mime cut at 40 % is repaired silently: all 23 pages are found, but page
        # contents and fonts past the cut are lost (some pages blank, some with letters
        # missing). Whatever happens, only CorruptPdfError may come out.
        pdf_bytes = locate_pdf(sample_bytes("broken-mime"), limits=LIMITS)
        full_page_texts = read_text_layer(pdf_bytes, limits=LIMITS)
        try:
            cut_page_texts = read_text_layer(pdf_factory.truncated(pdf_bytes, 0.4), limits=LIMITS)
        except CorruptPdfError:
            return
        assert len(cut_page_texts) <= len(full_page_texts)
        assert sum(1 for text in cut_page_texts if text.strip()) < len(full_page_texts)
        assert len("".join("".join(cut_page_texts).split())) < len(
            "".join("".join(full_page_texts).split())
        )

    def test_garbage_xref_is_repaired_from_the_intact_objects(self):
        pdf_bytes = pdf_factory.text_pdf(["Held: affirmed.", "Reversed and remanded."])
        repaired_texts = read_text_layer(pdf_factory.with_garbage_xref(pdf_bytes), limits=LIMITS)
        assert repaired_texts == read_text_layer(pdf_bytes, limits=LIMITS)

    def test_garbage_body_is_corrupt(self):
        pdf_bytes = pdf_factory.with_garbage_body(pdf_factory.text_pdf(["Held: affirmed."] * 3))
        with pytest.raises(CorruptPdfError) as raised:
            extract_pages(pdf_bytes, ocr=OCR, limits=LIMITS)
        assert_error(raised, CorruptPdfError, "corrupt_pdf")

    def test_header_only_is_corrupt(self):
        with pytest.raises(CorruptPdfError) as raised:
            extract_pages(b"%PDF-1.7\n%%EOF\n", ocr=OCR, limits=LIMITS)
        assert_error(raised, CorruptPdfError, "corrupt_pdf")

    def test_password_protected_pdf_is_encrypted(self):
        pdf_bytes = pdf_factory.encrypted_pdf(
            pdf_factory.text_pdf(["Sealed."]), user_password="secret"
        )
        with pytest.raises(EncryptedPdfError) as raised:
            extract_pages(pdf_bytes, ocr=OCR, limits=LIMITS)
        assert_error(raised, EncryptedPdfError, "encrypted_pdf")

    def test_too_many_pages_is_too_large(self):
        with pytest.raises(DocumentTooLargeError) as raised:
            extract_pages(pdf_factory.blank_pdf(5), ocr=OCR, limits=LimitSettings(max_pages=4))
        assert_error(raised, DocumentTooLargeError, "document_too_large")

    def test_huge_page_is_too_large_before_rendering(self, monkeypatch):
        import pdf2image

        def refuse_to_render(*args, **kwargs):
            raise AssertionError("a page over the pixel limit must not be rendered")

        monkeypatch.setattr(pdf2image, "convert_from_bytes", refuse_to_render)
        huge_pdf = pdf_factory.blank_pdf(1, page_size_pt=(20000, 20000))
        with pytest.raises(DocumentTooLargeError) as raised:
            extract_pages(huge_pdf, ocr=OCR, limits=LimitSettings(max_page_pixels=10_000_000))
        assert_error(raised, DocumentTooLargeError, "document_too_large")

    def test_blank_pages_even_after_ocr_have_no_text(self):
        with pytest.raises(NoTextError) as raised:
            extract_pages(pdf_factory.blank_pdf(1), ocr=OCR, limits=LIMITS)
        assert_error(raised, NoTextError, "no_text")


