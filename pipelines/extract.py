"""PDF bytes to per-page text: the text layer where a page has one, OCR where it has not.

One implementation for both drivers: the Ray Data job passes an ``ocr_runner`` that fans
pages out to Ray tasks, the single-upload path uses the sequential default.

>>> import pymupdf
>>> pdf = pymupdf.open(); page = pdf.new_page()
>>> _ = page.insert_text((72, 72), "The judgment of the Court of Appeals is affirmed. " * 2)
>>> pages = extract_pages(b"junk" + pdf.tobytes(), ocr=OcrSettings(), limits=LimitSettings())
>>> pages[0].number, pages[0].source, pages[0].text.startswith("The judgment")
(1, 'text_layer', True)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

import pymupdf

from lexray.errors import (
    CorruptPdfError,
    DocumentTooLargeError,
    EmptyDocumentError,
    EncryptedPdfError,
    LexRayError,
    NoTextError,
    NotPdfError,
    OcrError,
)
from lexray.models import PageText
from lexray.settings import LimitSettings, OcrSettings
from pipelines.ocr import ocr_page, ocr_pages_in_order
from pipelines.preflight import check_document_resources

__all__ = [
    "OcrRunner",
    "extract_pages",
    "locate_pdf",
    "merge_page_texts",
    "ocr_page",
    "pages_needing_ocr",
    "read_text_layer",
    "sequential_ocr_runner",
]

PDF_MARKER = b"%PDF-"
# Viewers accept junk (mail headers, BOMs, upload wrappers) before the header, up to 1 KiB.
PDF_MARKER_SEARCH_BYTES = 1024

OcrRunner = Callable[[bytes, list[int]], list[PageText]]
"""OCRs the given 1-based page numbers of a PDF and returns one PageText per page."""


def locate_pdf(data: bytes, *, limits: LimitSettings) -> bytes:
    """The PDF inside ``data``: the bytes from ``%PDF-``, which must start in the first KiB.

    Raises EmptyDocumentError, DocumentTooLargeError (over ``limits.max_file_bytes``) or
    NotPdfError.

    >>> locate_pdf(b"\\r\\n\\r\\n%PDF-1.7 ...", limits=LimitSettings())
    b'%PDF-1.7 ...'
    """
    if not data:
        raise EmptyDocumentError("the file is empty")
    if len(data) > limits.max_file_bytes:
        raise DocumentTooLargeError(
            f"the file has {len(data)} bytes, limit {limits.max_file_bytes}"
        )
    marker_offset = data.find(PDF_MARKER, 0, PDF_MARKER_SEARCH_BYTES + len(PDF_MARKER) - 1)
    if marker_offset < 0:
        raise NotPdfError(
            f"no {PDF_MARKER.decode()} header in the first {PDF_MARKER_SEARCH_BYTES} bytes"
        )
    return data[marker_offset:]


def read_text_layer(pdf_bytes: bytes, *, limits: LimitSettings) -> list[str]:
    """Text of each page's text layer, in page order (pymupdf ``page.get_text()``).

    MuPDF silently repairs some damage (a broken xref, a missing trailer); a file it can
    open and read pages from is accepted. Raises CorruptPdfError (unparseable, no pages,
    or any library failure), EncryptedPdfError (needs a password; an empty user password
    is fine), DocumentTooLargeError (more than ``limits.max_pages`` pages) or
    DocumentTooComplexError (a stream or image over the limits ``pipelines.preflight``
    checks before any page is read).

    >>> pdf = pymupdf.open(); _ = pdf.new_page(); _ = pdf.new_page()
    >>> read_text_layer(pdf.tobytes(), limits=LimitSettings())
    ['', '']
    """
    try:
        with pymupdf.open(stream=pdf_bytes, filetype="pdf") as pdf:
            if pdf.needs_pass:
                raise EncryptedPdfError("the PDF is encrypted and needs a password")
            page_count = pdf.page_count
            if page_count == 0:
                raise CorruptPdfError("the PDF has no readable pages")
            if page_count > limits.max_pages:
                raise DocumentTooLargeError(
                    f"the PDF has {page_count} pages, limit {limits.max_pages}"
                )
            check_document_resources(pdf, limits)
            return [page.get_text() for page in pdf]
    except LexRayError:
        raise
    except Exception as exc:  # whatever MuPDF throws, the file is what is broken
        raise CorruptPdfError(f"unreadable PDF: {_short(exc)}") from exc
    finally:
        # pymupdf appends every MuPDF warning to a process-wide list that is never
        # trimmed; in a long-lived Ray worker reading damaged files it would only grow.
        pymupdf.TOOLS.reset_mupdf_warnings()


def pages_needing_ocr(page_texts: list[str], *, min_text_chars: int) -> list[int]:
    """1-based numbers of pages with fewer than ``min_text_chars`` non-whitespace characters.

    >>> pages_needing_ocr(["", "Syllabus " * 10, "  \\n 12 \\n"], min_text_chars=60)
    [1, 3]
    """
    return [
        number
        for number, text in enumerate(page_texts, start=1)
        if _visible_char_count(text) < min_text_chars
    ]


def sequential_ocr_runner(
    ocr: OcrSettings, limits: LimitSettings, *, deadline: float | None = None
) -> OcrRunner:
    """The default runner: ``ocr_page`` on each page in turn, in this process, until
    ``deadline`` (a ``time.monotonic()`` value) if given.

    A ``functools.partial`` of a module-level function, so it pickles (Ray, multiprocessing).

    >>> run_ocr = sequential_ocr_runner(OcrSettings(), LimitSettings())
    >>> run_ocr(b"%PDF-", [])
    []
    """
    return partial(ocr_pages_in_order, ocr=ocr, limits=limits, deadline=deadline)


def merge_page_texts(text_layer_pages: list[str], ocr_pages: list[PageText]) -> list[PageText]:
    """One PageText per page in page order: OCR output where there is some, else the text layer.

    An OCR page that came back blank keeps whatever its text layer had (e.g. a header).

    >>> ocr_result = PageText(number=2, text="Held", source="ocr", ocr_confidence=91.0)
    >>> [(page.number, page.source) for page in merge_page_texts(["Syllabus", ""], [ocr_result])]
    [(1, 'text_layer'), (2, 'ocr')]
    """
    ocr_by_number = {page.number: page for page in ocr_pages}
    merged_pages = []
    for number, layer_text in enumerate(text_layer_pages, start=1):
        ocr_result = ocr_by_number.get(number)
        if ocr_result is not None and (ocr_result.text.strip() or not layer_text.strip()):
            merged_pages.append(ocr_result)
        else:
            merged_pages.append(PageText(number=number, text=layer_text, source="text_layer"))
    return merged_pages


def extract_pages(
    data: bytes,
    *,
    ocr: OcrSettings,
    limits: LimitSettings,
    ocr_runner: OcrRunner | None = None,
    deadline: float | None = None,
) -> list[PageText]:
    """Text of every page of an uploaded file, OCR'ing pages whose text layer is too thin.

    ``ocr_runner(pdf_bytes, page_numbers)`` OCRs the pages (default: sequentially here).
    Raises the errors of ``locate_pdf``, ``read_text_layer`` and ``ocr_page``, and
    NoTextError when no page has any text at the end. The default runner stops with
    DocumentTooComplexError once the document has taken ``limits.document_timeout_s`` (or at
    ``deadline``, a ``time.monotonic()`` value, when given).

    >>> extract_pages(b"", ocr=OcrSettings(), limits=LimitSettings())
    Traceback (most recent call last):
    ...
    lexray.errors.EmptyDocumentError: the file is empty
    """
    deadline = deadline if deadline is not None else time.monotonic() + limits.document_timeout_s
    pdf_bytes = locate_pdf(data, limits=limits)
    text_layer_pages = read_text_layer(pdf_bytes, limits=limits)
    ocr_page_numbers = pages_needing_ocr(text_layer_pages, min_text_chars=ocr.min_text_chars)
    ocr_pages: list[PageText] = []
    if ocr_page_numbers:
        run_ocr = ocr_runner or sequential_ocr_runner(ocr, limits, deadline=deadline)
        ocr_pages = run_ocr(pdf_bytes, ocr_page_numbers)
        missing_numbers = set(ocr_page_numbers) - {page.number for page in ocr_pages}
        if missing_numbers:
            raise OcrError(f"the OCR runner returned no text for pages {sorted(missing_numbers)}")
    merged_pages = merge_page_texts(text_layer_pages, ocr_pages)
    if not any(page.text.strip() for page in merged_pages):
        raise NoTextError(f"none of the {len(merged_pages)} pages has any text, even after OCR")
    return merged_pages


def _visible_char_count(text: str) -> int:
    return sum(len(word) for word in text.split())


def _short(exc: Exception, limit: int = 160) -> str:
    message = str(exc).strip() or type(exc).__name__
    return message if len(message) <= limit else message[: limit - 3] + "..."
