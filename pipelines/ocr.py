"""OCR of one PDF page with tesseract: render with poppler, recognise, rebuild the text.

The per-page unit of OCR work. ``pipelines.extract`` decides which pages need it; the
Ray pipeline fans pages out to tasks that each call :func:`ocr_page`.

>>> words = {"level": [5, 5, 5], "block_num": [1, 1, 2], "par_num": [1, 1, 1],
...          "line_num": [1, 1, 1], "text": ["Held:", "affirmed", "Syllabus"],
...          "conf": [96.0, 90.0, -1]}
>>> text_from_ocr_words(words)
'Held: affirmed\\n\\nSyllabus'
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator, Mapping

import pdf2image
import pymupdf
import pytesseract
from pdf2image.exceptions import (
    PDFPopplerTimeoutError,
    PopplerNotInstalledError,
)

from lexray.errors import CorruptPdfError, DocumentTooComplexError, DocumentTooLargeError, OcrError
from lexray.models import PageText
from lexray.settings import LimitSettings, OcrSettings


class _TesseractEnvironment(Mapping):
    """This process's environment, live, plus OMP_THREAD_LIMIT=1 unless an operator set one.

    Tesseract starts several OpenMP threads per process by default; we run one tesseract per
    core in parallel (Ray tasks), and parallel tesseracts that each spawn threads are many
    times slower. The limit goes to tesseract's subprocess environment only: set on this
    process it would also cap torch's OpenMP pool (the embedder) at one thread.
    """

    def _merged(self) -> dict[str, str]:
        return {"OMP_THREAD_LIMIT": "1", **os.environ}

    def __getitem__(self, key: str) -> str:
        return self._merged()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._merged())

    def __len__(self) -> int:
        return len(self._merged())


# pytesseract hands its module-level ``environ`` to every tesseract subprocess it starts.
pytesseract.pytesseract.environ = _TesseractEnvironment()

POINTS_PER_INCH = 72


def rendered_pixel_count(width_pt: float, height_pt: float, *, dpi: int) -> int:
    """Pixels of a page of ``width_pt`` x ``height_pt`` points rendered at ``dpi``.

    >>> rendered_pixel_count(612, 792, dpi=300)  # US Letter at 300 dpi: 2550 x 3300
    8415000
    """
    scale = dpi / POINTS_PER_INCH
    return round(width_pt * scale) * round(height_pt * scale)


def page_size_points(pdf_bytes: bytes, page_number: int) -> tuple[float, float]:
    """(width, height) in points of the media box of page ``page_number`` (1-based).

    The media box is what poppler renders by default, so it is what OCR will rasterise.

    >>> doc = pymupdf.open(); _ = doc.new_page(width=300, height=400)
    >>> page_size_points(doc.tobytes(), 1)
    (300.0, 400.0)
    """
    try:
        with pymupdf.open(stream=pdf_bytes, filetype="pdf") as pdf:
            page_count = pdf.page_count
            if 1 <= page_number <= page_count:
                media_box = pdf[page_number - 1].mediabox
                return float(media_box.width), float(media_box.height)
    except Exception as exc:  # any library failure means the file is damaged
        raise CorruptPdfError(f"cannot read page {page_number}: {exc}") from exc
    finally:
        # pymupdf keeps every MuPDF warning in a process-wide list that is never trimmed.
        pymupdf.TOOLS.reset_mupdf_warnings()
    raise ValueError(f"page {page_number} out of range 1..{page_count}")


def text_from_ocr_words(ocr_words: dict[str, list]) -> str:
    """Rebuild page text from tesseract ``image_to_data`` output (``Output.DICT``).

    Words on one line are joined by a space, lines of a paragraph by a newline, and
    paragraphs (or blocks) by a blank line, so later stages can see the layout.

    >>> text_from_ocr_words({"level": [5, 5], "block_num": [1, 1], "par_num": [1, 1],
    ...                      "line_num": [1, 2], "text": ["No.", "11-889"], "conf": [95, 93]})
    'No.\\n11-889'
    """
    lines: list[str] = []
    line_words: list[str] = []
    previous_line_key: tuple[int, int, int] | None = None
    for index, word in enumerate(ocr_words["text"]):
        if ocr_words["level"][index] != 5 or not str(word).strip():
            continue
        line_key = (
            ocr_words["block_num"][index],
            ocr_words["par_num"][index],
            ocr_words["line_num"][index],
        )
        if previous_line_key is not None and line_key != previous_line_key:
            lines.append(" ".join(line_words))
            line_words = []
            if line_key[:2] != previous_line_key[:2]:
                lines.append("")  # a new paragraph or block: keep a blank line
        line_words.append(str(word).strip())
        previous_line_key = line_key
    if line_words:
        lines.append(" ".join(line_words))
    return "\n".join(lines)


def mean_word_confidence(ocr_words: dict[str, list]) -> float | None:
    """Mean tesseract confidence (0-100) of the recognised words; None if there are none.

    Entries with a negative confidence are layout rows (page, block, line), not words.

    >>> mean_word_confidence({"level": [4, 5, 5], "text": ["", "Held", "that"],
    ...                       "conf": [-1, 96, 90]})
    93.0
    """
    confidences = [
        float(confidence)
        for level, word, confidence in zip(
            ocr_words["level"], ocr_words["text"], ocr_words["conf"], strict=True
        )
        if level == 5 and str(word).strip() and float(confidence) >= 0
    ]
    if not confidences:
        return None
    return round(sum(confidences) / len(confidences), 2)


def ocr_page(
    pdf_bytes: bytes, page_number: int, *, ocr: OcrSettings, limits: LimitSettings
) -> PageText:
    """OCR page ``page_number`` (1-based) of a PDF (bytes from ``locate_pdf``).

    Checks the rendered size against ``limits.max_page_pixels`` before rendering, renders
    the one page in greyscale at ``ocr.dpi`` and runs tesseract with ``ocr.language``,
    ``ocr.tesseract_config`` and ``ocr.page_timeout_s``.

    Raises DocumentTooLargeError (page too large to render), CorruptPdfError (the page
    cannot be read or rendered) or OcrError (tesseract or poppler missing, failing or
    timing out). ``ocr_confidence`` is None when tesseract found no words.

    Example (runs tesseract, so not a doctest)::

        page = ocr_page(scanned_pdf_bytes, 1, ocr=OcrSettings(), limits=LimitSettings())
        page.source, page.ocr_confidence  # ('ocr', 95.2)
    """
    if page_number < 1:
        raise ValueError(f"page numbers are 1-based, got {page_number}")
    width_pt, height_pt = page_size_points(pdf_bytes, page_number)
    page_pixels = rendered_pixel_count(width_pt, height_pt, dpi=ocr.dpi)
    if page_pixels > limits.max_page_pixels:
        raise DocumentTooLargeError(
            f"page {page_number} is {width_pt:.0f}x{height_pt:.0f} pt: {page_pixels} pixels "
            f"at {ocr.dpi} dpi, limit {limits.max_page_pixels}"
        )
    page_image = _render_page(pdf_bytes, page_number, ocr=ocr)
    ocr_words = _recognise(page_image, page_number, ocr=ocr)
    return PageText(
        number=page_number,
        text=text_from_ocr_words(ocr_words),
        source="ocr",
        ocr_confidence=mean_word_confidence(ocr_words),
    )


def ocr_pages_in_order(
    pdf_bytes: bytes,
    page_numbers: list[int],
    *,
    ocr: OcrSettings,
    limits: LimitSettings,
    deadline: float | None = None,
) -> list[PageText]:
    """OCR ``page_numbers`` one after another in this process (the default OCR runner).

    With ``deadline`` (a ``time.monotonic()`` value: the document's start plus
    ``limits.document_timeout_s``) each page's poppler and tesseract get at most the time
    left, and a page that would start, or ends failing, past it raises DocumentTooComplexError.

    >>> ocr_pages_in_order(b"%PDF-", [], ocr=OcrSettings(), limits=LimitSettings())
    []
    >>> ocr_pages_in_order(b"%PDF-", [1, 2], ocr=OcrSettings(), limits=LimitSettings(),
    ...                    deadline=time.monotonic() - 1)
    Traceback (most recent call last):
    ...
    lexray.errors.DocumentTooComplexError: extraction passed the document's 900 s limit with 2 of 2 pages left to OCR
    """
    pages = []
    for index, number in enumerate(page_numbers):
        page_ocr = ocr
        if deadline is not None:
            seconds_left = deadline - time.monotonic()
            if seconds_left <= 0:
                raise deadline_error(limits, len(page_numbers) - index, len(page_numbers))
            page_ocr = ocr.model_copy(update={"page_timeout_s": min(ocr.page_timeout_s, math.ceil(seconds_left))})
        try:
            pages.append(ocr_page(pdf_bytes, number, ocr=page_ocr, limits=limits))
        except OcrError as exc:
            if deadline is not None and time.monotonic() >= deadline:
                raise deadline_error(limits, len(page_numbers) - index, len(page_numbers)) from exc
            raise
    return pages


def deadline_error(limits: LimitSettings, pages_left: int, pages: int) -> DocumentTooComplexError:
    return DocumentTooComplexError(
        f"extraction passed the document's {limits.document_timeout_s:.0f} s limit with {pages_left} "
        f"of {pages} pages left to OCR"
    )


def _render_page(pdf_bytes: bytes, page_number: int, *, ocr: OcrSettings):
    """The page as a greyscale PIL image (poppler's pdftoppm via pdf2image)."""
    try:
        page_images = pdf2image.convert_from_bytes(
            pdf_bytes,
            first_page=page_number,
            last_page=page_number,
            dpi=ocr.dpi,
            grayscale=True,
            timeout=ocr.page_timeout_s,
        )
    except (PopplerNotInstalledError, PDFPopplerTimeoutError) as exc:
        raise OcrError(f"rendering page {page_number} failed: {exc}") from exc
    except Exception as exc:  # pdfinfo/pdftoppm could not parse the file
        raise CorruptPdfError(f"cannot render page {page_number}: {exc}") from exc
    if not page_images:
        raise CorruptPdfError(f"poppler rendered nothing for page {page_number}")
    return page_images[0]


def _recognise(page_image, page_number: int, *, ocr: OcrSettings) -> dict[str, list]:
    """Tesseract's word table for a page image; every failure becomes OcrError."""
    try:
        return pytesseract.image_to_data(
            page_image,
            lang=ocr.language,
            config=ocr.tesseract_config,
            output_type=pytesseract.Output.DICT,
            timeout=ocr.page_timeout_s,
        )
    except RuntimeError as exc:
        # pytesseract signals a timeout with a bare RuntimeError; TesseractError is one too.
        reason = "timed out" if "timeout" in str(exc).lower() else "failed"
        raise OcrError(f"tesseract {reason} on page {page_number}: {exc}") from exc
    except Exception as exc:  # tesseract missing, unreadable output, ...
        raise OcrError(f"tesseract failed on page {page_number}: {exc}") from exc
