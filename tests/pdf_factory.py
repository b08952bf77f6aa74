"""Small PDFs, good and deliberately broken, built in memory with pymupdf for tests.

All functions are pure and deterministic (no randomness without a fixed seed).

>>> text_pdf(["Held: affirmed."])[:5]
b'%PDF-'
"""

from __future__ import annotations

import random

import pymupdf

US_LETTER_PT = (612, 792)


def text_pdf(page_texts: list[str], *, page_size_pt: tuple[float, float] = US_LETTER_PT) -> bytes:
    """A born-digital PDF with one page per string (blank strings give blank pages).

    >>> pymupdf.open(stream=text_pdf(["a", "b", ""])).page_count
    3
    """
    with pymupdf.open() as pdf:
        for page_text in page_texts:
            page = pdf.new_page(width=page_size_pt[0], height=page_size_pt[1])
            if page_text:
                page.insert_textbox(
                    pymupdf.Rect(72, 72, page_size_pt[0] - 72, page_size_pt[1] - 72),
                    page_text,
                    fontsize=12,
                )
        return pdf.tobytes()


def blank_pdf(page_count: int, *, page_size_pt: tuple[float, float] = US_LETTER_PT) -> bytes:
    """``page_count`` empty pages of the given size in points.

    >>> pymupdf.open(stream=blank_pdf(1, page_size_pt=(20000, 20000)))[0].rect.width
    20000.0
    """
    return text_pdf([""] * page_count, page_size_pt=page_size_pt)


def image_only_pdf(page_text: str, *, dpi: int = 200) -> bytes:
    """A one-page 'scan': ``page_text`` rendered to a bitmap, placed as the page's only content.

    >>> pymupdf.open(stream=image_only_pdf("Held")).load_page(0).get_text()
    ''
    """
    with pymupdf.open(stream=text_pdf([page_text])) as born_digital:
        page_bitmap = born_digital[0].get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
        with pymupdf.open() as scanned:
            page = scanned.new_page(width=US_LETTER_PT[0], height=US_LETTER_PT[1])
            page.insert_image(page.rect, stream=page_bitmap.tobytes("png"))
            return scanned.tobytes(deflate=True)


def png_bytes() -> bytes:
    """A small real PNG image (what a mislabelled 'scan.pdf' upload often is).

    >>> png_bytes()[:4]
    b'\\x89PNG'
    """
    return pymupdf.Pixmap(pymupdf.csGRAY, pymupdf.IRect(0, 0, 16, 16), False).tobytes("png")


def encrypted_pdf(
    pdf_bytes: bytes, *, user_password: str = "secret", owner_password: str = "owner"
) -> bytes:
    """``pdf_bytes`` re-saved with AES-256 encryption (an empty user password opens freely).

    >>> pymupdf.open(stream=encrypted_pdf(text_pdf(["x"]))).needs_pass
    1
    """
    with pymupdf.open(stream=pdf_bytes) as pdf:
        return pdf.tobytes(
            encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw=user_password, owner_pw=owner_password
        )


def with_junk_prefix(pdf_bytes: bytes, junk_length: int) -> bytes:
    """``junk_length`` bytes of non-PDF text, then the PDF.

    >>> with_junk_prefix(b"%PDF-1.7", 3)
    b'xxx%PDF-1.7'
    """
    return (b"x" * junk_length) + pdf_bytes


def truncated(pdf_bytes: bytes, fraction: float) -> bytes:
    """The first ``fraction`` of the file, as an interrupted upload or download leaves it.

    >>> truncated(b"0123456789", 0.4)
    b'0123'
    """
    return pdf_bytes[: int(len(pdf_bytes) * fraction)]


def with_garbage_xref(pdf_bytes: bytes) -> bytes:
    """The file with its cross-reference table and trailer replaced by binary garbage.

    The objects themselves are intact, so a repairing reader can rebuild the xref.

    >>> with_garbage_xref(text_pdf(["x"])).endswith(b"%%EOF\\n")
    True
    """
    xref_offset = pdf_bytes.rindex(b"xref")
    return (
        pdf_bytes[:xref_offset]
        + b"xref\n"
        + bytes(range(256)) * 2
        + b"\ntrailer\n<</Size 3>>\nstartxref\n999999\n%%EOF\n"
    )


def with_garbage_body(pdf_bytes: bytes, *, seed: int = 7) -> bytes:
    """The header and the last 300 bytes (xref, trailer) kept, every object in between garbage.

    >>> original = text_pdf(["x"])
    >>> broken = with_garbage_body(original)
    >>> broken[:5], len(broken) == len(original), broken[-300:] == original[-300:]
    (b'%PDF-', True, True)
    """
    header_end = pdf_bytes.index(b"\n") + 1
    kept_tail = 300
    garbage = random.Random(seed).randbytes(len(pdf_bytes) - header_end - kept_tail)
    return pdf_bytes[:header_end] + garbage + pdf_bytes[-kept_tail:]
