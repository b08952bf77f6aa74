"""A seeded corpus of hostile and malformed "PDFs", and what the extraction path makes of them.

    python -m bench.hostile_pdfs [--seed N] [--out DIR] [--timeout-s S] [--json PATH]

``build_corpus(seed)`` returns ~250 small files in memory (about 10 MB in all, a few seconds to
build): truncated real samples and generated files, empty files, encrypted files, broken
xref tables and trailers, huge page counts, decompression bombs (content, image, font and
object streams; one or two Flate layers, so gigabytes inflate from kilobytes), 20k x 20k
pixel images, huge page sizes, non-PDF bytes, junk before the header, active content
(JavaScript, launch actions) and deeply nested objects. Each file names the outcome codes it
may end in (``"ok"``: the file is odd but legitimately readable).

Run as a script, every file goes through ``pipelines.document.extract_case_text`` (the
pipeline's extraction, OCR included) in a child process watched from outside: per class it
prints the count, the outcome codes, the slowest document and the largest RSS growth of the
child during one document. The child has an address-space cap and a per-document timeout,
so a file that still breaks extraction shows up as ``timeout`` or ``crashed`` rather than
taking the machine down. ``--uncapped`` runs the same corpus with the resource caps of
``LimitSettings`` lifted, the baseline the caps are measured against.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import subprocess
import sys
import time
import zipfile
import zlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pymupdf

from bench.tables import Column, text_table

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = PROJECT_ROOT / "samples" / "pdfs"
DEFAULT_SEED = 20240606
OK = "ok"  # the outcome of a file that extracts (odd but legitimately readable)
MIB = 1 << 20
GIB = 1 << 30


@dataclass(frozen=True)
class HostileFile:
    """One corpus file: ``expected`` holds the outcome codes it may end in (``"ok"`` = text)."""

    name: str
    hostile_class: str
    data: bytes
    expected: frozenset[str]
    needs_ocr: bool = False  # whether a successful or partial read of it runs tesseract

    @property
    def may_succeed(self) -> bool:
        return OK in self.expected


# Codes any damaged file may legitimately end in: whether MuPDF repairs a given break, and
# into what, is MuPDF's business; a clear code is the requirement.
DAMAGED = frozenset({"corrupt_pdf", "no_text", "document_too_large", "document_too_complex"})


# Building blocks: a tiny PDF writer and Flate bombs.


def pdf_from_objects(objects: list[bytes], *, root: int = 1, trailer_extra: bytes = b"",
                     header: bytes = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n") -> bytes:
    """A PDF with ``objects`` as objects 1..n (their bodies), a correct xref table and trailer.

    >>> pdf = pdf_from_objects([b"<< /Type /Catalog /Pages 2 0 R >>",
    ...                         b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    ...                         b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"])
    >>> pymupdf.open(stream=pdf).page_count
    1
    """
    out = bytearray(header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_offset = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, root, trailer_extra, xref_offset)
    return bytes(out)


def stream_object(entries: bytes, data: bytes) -> bytes:
    """A stream object body: ``<< entries /Length n >> stream ... endstream``."""
    return b"<< %s /Length %d >>\nstream\n" % (entries, len(data)) + data + b"\nendstream"


HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def text_content(lines: list[str]) -> bytes:
    """A content stream showing ``lines`` in Helvetica 11 pt, top down."""
    shown = b"".join(b"(%s) Tj T* " % line.replace("\\", "").replace("(", "").replace(")", "")
                     .encode("latin-1", "replace") for line in lines)
    return b"BT /F1 11 Tf 13 TL 72 740 Td " + shown + b"ET"


def single_page_pdf(content: bytes, *, content_entries: bytes = b"", resources: bytes = b"",
                    media_box: bytes = b"[0 0 612 792]", page_extra: bytes = b"",
                    catalog_extra: bytes = b"", extra_objects: list[bytes] = ()) -> bytes:
    """One page: catalog 1, pages 2, page 3, content 4, font 5, then ``extra_objects`` (6...)."""
    return pdf_from_objects([
        b"<< /Type /Catalog /Pages 2 0 R %s>>" % catalog_extra,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox %s /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> %s>> %s>>" % (media_box, resources, page_extra),
        stream_object(content_entries, content),
        HELVETICA,
        *extra_objects,
    ])


COURT_TEXT = [
    "IN THE SUPREME COURT OF THE STATE",
    "No. 21-4417. Argued March 3, 2021. Decided June 1, 2021.",
    "The judgment of the Court of Appeals is affirmed. The petitioner",
    "argues that the trial court erred in admitting the statement.",
]


def _adler32_of_repeats(block: bytes, repeats: int) -> int:
    """adler32 of ``block * repeats`` without building it (A and B advance per block)."""
    modulus = 65521
    # adler32 of the block alone, from (A, B) = (1, 0), holds the block's byte sum and its
    # position-weighted sum: A = 1 + sum, B = len + weighted sum.
    block_adler = zlib.adler32(block)
    block_sum = ((block_adler & 0xFFFF) - 1) % modulus
    weighted_sum = ((block_adler >> 16) - len(block)) % modulus
    a, b = 1, 0
    for _ in range(repeats):
        b = (b + len(block) * a + weighted_sum) % modulus
        a = (a + block_sum) % modulus
    return (b << 16) | a


def flate_bomb(unit: bytes, inflated_bytes: int, *, layers: int = 1) -> bytes:
    """A zlib stream inflating to ``inflated_bytes`` of ``unit`` repeated; ``layers`` = 2 wraps
    it in a second zlib layer (for ``/Filter [/FlateDecode /FlateDecode]``).

    Built without compressing the whole payload: after a full flush deflate's state is reset,
    so one compressed MiB block is emitted again for each MiB, and the adler32 is computed.

    >>> len(zlib.decompress(flate_bomb(b"q ", 8 * MIB)))
    8388608
    >>> len(flate_bomb(b" ", 64 * MIB, layers=2)) < 2000
    True
    """
    block = (unit * (MIB // len(unit) + 1))[:MIB]
    repeats = max(inflated_bytes // MIB, 2)
    compressor = zlib.compressobj(9)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    middle = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush(zlib.Z_FINISH)[:-4] + _adler32_of_repeats(block, repeats).to_bytes(4, "big")
    single = first + middle * (repeats - 1) + end
    return zlib.compress(single, 9) if layers == 2 else single


def flate_filter(layers: int) -> bytes:
    return b"/Filter /FlateDecode" if layers == 1 else b"/Filter [/FlateDecode /FlateDecode]"


def text_pdf(page_texts: list[list[str]], **save_options) -> bytes:
    """A born-digital PDF made by pymupdf (its own object layout, compression, fonts)."""
    with pymupdf.open() as pdf:
        for lines in page_texts:
            page = pdf.new_page()
            page.insert_textbox(pymupdf.Rect(72, 72, 540, 720), "\n".join(lines), fontsize=11)
        return pdf.tobytes(no_new_id=True, **save_options)


def _page_texts(rng: random.Random, pages: int) -> list[list[str]]:
    return [[rng.choice(COURT_TEXT) + f" Page {number}." for _ in range(rng.randint(3, 12))]
            for number in range(1, pages + 1)]


# The classes.


def truncated_samples(rng: random.Random, per_file: int = 4) -> list[HostileFile]:
    files = []
    for path in sorted(SAMPLES.glob("*.pdf")):
        data = path.read_bytes()
        for cut in sorted(rng.randrange(1, len(data) - 1) for _ in range(per_file)):
            files.append(HostileFile(f"truncated-{path.stem}-{cut}.pdf", "truncated_sample", data[:cut],
                                     DAMAGED | {OK, "ocr_failed", "not_pdf", "empty_file"},
                                     needs_ocr="image" in path.stem or "ocr" in path.stem))
    return files


def truncated_generated(rng: random.Random, count: int = 40) -> list[HostileFile]:
    files = []
    for index in range(count):
        options = rng.choice([{}, {"garbage": 3, "deflate": True}, {"deflate": True, "use_objstms": 1}])
        data = text_pdf(_page_texts(rng, rng.randint(1, 6)), **options)
        cut = rng.randrange(1, len(data) - 1)
        files.append(HostileFile(f"truncated-generated-{index:02d}-{cut}.pdf", "truncated_generated",
                                 data[:cut], DAMAGED | {OK, "not_pdf"}))
    return files


def empty_and_tiny() -> list[HostileFile]:
    return [
        HostileFile("zero-length.pdf", "zero_length", b"", frozenset({"empty_file"})),
        HostileFile("header-only.pdf", "zero_length", b"%PDF-", frozenset({"corrupt_pdf"})),
        HostileFile("header-eof.pdf", "zero_length", b"%PDF-1.7\n%%EOF\n", frozenset({"corrupt_pdf"})),
        HostileFile("whitespace.pdf", "zero_length", b" \r\n\t" * 64, frozenset({"not_pdf"})),
    ]


def encrypted(rng: random.Random) -> list[HostileFile]:
    methods = {"aes256": pymupdf.PDF_ENCRYPT_AES_256, "aes128": pymupdf.PDF_ENCRYPT_AES_128,
               "rc4-128": pymupdf.PDF_ENCRYPT_RC4_128, "rc4-40": pymupdf.PDF_ENCRYPT_RC4_40}
    files = []
    for label, method in methods.items():
        for index in range(3):
            with pymupdf.open(stream=text_pdf(_page_texts(rng, 2))) as pdf:
                data = pdf.tobytes(encryption=method, user_pw=f"user{index}", owner_pw=f"owner{index}",
                                   no_new_id=True)
            files.append(HostileFile(f"encrypted-{label}-{index}.pdf", "encrypted", data,
                                     frozenset({"encrypted_pdf"})))
    # Only an owner password: opens without one (print/copy restrictions), so it is readable.
    for label in ("aes256", "rc4-128"):
        with pymupdf.open(stream=text_pdf(_page_texts(rng, 1))) as pdf:
            data = pdf.tobytes(encryption=methods[label], owner_pw="owner", permissions=0, no_new_id=True)
        files.append(HostileFile(f"encrypted-owner-only-{label}.pdf", "encrypted", data, frozenset({OK})))
    return files


def bad_xref(rng: random.Random, random_variants: int = 16) -> list[HostileFile]:
    good = single_page_pdf(text_content(COURT_TEXT))
    xref_at = good.rindex(b"\nxref\n") + 1
    body, tail = good[:xref_at], good[xref_at:]
    repairable = DAMAGED | {OK}
    variants = {
        "garbage-table": body + b"xref\n" + bytes(range(256)) * 2 + b"\ntrailer\n<</Size 3>>\nstartxref\n999999\n%%EOF\n",
        "startxref-past-eof": good.replace(b"startxref\n%d" % xref_at, b"startxref\n%d" % (10 * len(good))),
        "startxref-zero": good.replace(b"startxref\n%d" % xref_at, b"startxref\n0"),
        "startxref-negative": good.replace(b"startxref\n%d" % xref_at, b"startxref\n-12345"),
        "no-xref-no-trailer": body,
        "no-trailer": body + tail[:tail.index(b"trailer")],
        "trailer-not-dict": body + tail.replace(b"<< /Size", b"[ /Size").replace(b">>\nstartxref", b"]\nstartxref"),
        "root-missing": good.replace(b"/Root 1 0 R", b"/Root 99 0 R"),
        "root-not-dict": good.replace(b"/Root 1 0 R", b"/Root 42"),
        "no-root": good.replace(b"/Root 1 0 R", b""),
        "prev-loop": good.replace(b"/Root 1 0 R", b"/Root 1 0 R /Prev %d" % xref_at),
        "size-huge": good.replace(b"/Size 6", b"/Size 2000000000"),
        "xref-count-huge": good.replace(b"xref\n0 6", b"xref\n0 99999999"),
        "xref-stream-garbage": body + b"7 0 obj\n<< /Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode "
                               b"/Length 64 >>\nstream\n" + bytes(rng.randbytes(64)) + b"\nendstream\nendobj\n"
                               b"startxref\n%d\n%%%%EOF\n" % len(body),
        "xref-stream-w-huge": body + b"7 0 obj\n<< /Type /XRef /Size 8 /W [100000 100000 100000] /Root 1 0 R "
                              b"/Length 4 >>\nstream\nabcd\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % len(body),
        "pages-missing": good.replace(b"/Pages 2 0 R", b"/Pages 77 0 R"),
        "garbage-body": good[:16] + rng.randbytes(len(good) - 16 - 200) + good[-200:],
    }
    expected_of = {"prev-loop": repairable, "size-huge": repairable}
    files = [HostileFile(f"xref-{label}.pdf", "bad_xref", data, expected_of.get(label, repairable))
             for label, data in variants.items()]
    offsets = [int(line) for line in tail.split(b"trailer")[0].split(b"\n")[3:] if line[:10].isdigit()
               for line in [line[:10]]]
    for index in range(random_variants):
        shifted = b"".join(b"%010d 00000 n \n" % max(offset + rng.randint(-400, 400), 0) for offset in offsets)
        broken_tail = b"xref\n0 6\n0000000000 65535 f \n" + shifted + tail[tail.index(b"trailer"):]
        files.append(HostileFile(f"xref-shifted-offsets-{index:02d}.pdf", "bad_xref", body + broken_tail,
                                 repairable))
    return files


def huge_page_counts() -> list[HostileFile]:
    def many_pages(count: int) -> bytes:
        # Every page shares one content stream and font: ~90 bytes per page.
        kids = b" ".join(b"%d 0 R" % (5 + index) for index in range(count))
        pages = [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
                 b"/Resources << /Font << /F1 4 0 R >> >> >>"] * count
        return pdf_from_objects([b"<< /Type /Catalog /Pages 2 0 R >>",
                                 b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
                                 stream_object(b"", text_content(COURT_TEXT)), HELVETICA, *pages])

    one_page = single_page_pdf(text_content(COURT_TEXT))
    too_large = frozenset({"document_too_large"})
    deep_tree = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    depth = 5000
    for level in range(depth):  # objects 2 .. depth+1 are nested /Pages nodes
        deep_tree.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (level + 3))
    deep_tree.append(b"<< /Type /Page /MediaBox [0 0 612 792] /Contents %d 0 R /Resources << /Font << /F1 %d 0 R >> >> >>"
                     % (depth + 3, depth + 4))
    deep_tree += [stream_object(b"", text_content(COURT_TEXT)), HELVETICA]
    return [
        HostileFile("pages-2001.pdf", "huge_page_count", many_pages(2001), too_large),
        HostileFile("pages-6000.pdf", "huge_page_count", many_pages(6000), too_large),
        HostileFile("pages-count-lie-1e9.pdf", "huge_page_count",
                    one_page.replace(b"/Count 1", b"/Count 1000000000"), too_large | DAMAGED),
        HostileFile("pages-count-lie-1999.pdf", "huge_page_count",
                    one_page.replace(b"/Count 1", b"/Count 1999"), DAMAGED | {OK}),
        HostileFile("pages-count-negative.pdf", "huge_page_count",
                    one_page.replace(b"/Count 1", b"/Count -5"), DAMAGED | {OK}),
        HostileFile("pages-kids-loop.pdf", "huge_page_count",
                    one_page.replace(b"/Kids [3 0 R]", b"/Kids [3 0 R 2 0 R 2 0 R]").replace(b"/Count 1", b"/Count 3"),
                    DAMAGED | {OK}),
        HostileFile("pages-tree-5000-deep.pdf", "huge_page_count", pdf_from_objects(deep_tree), DAMAGED | {OK}),
    ]


def content_bombs() -> list[HostileFile]:
    bombs = {
        # (repeated unit, inflated size, Flate layers)
        "spaces-256mib": (b" ", 256 * MIB, 1),
        "spaces-4gib": (b" ", 4 * GIB, 2),
        "save-state-1gib": (b"q ", GIB, 2),
        "paths-1gib": (b"0 0 m 500 700 l S ", GIB, 2),
        "text-show-1gib": (b"BT /F1 11 Tf 72 700 Td (Held: affirmed.) Tj ET ", GIB, 2),
        "comment-4gib": (b"%", 4 * GIB, 2),
    }
    files = []
    for label, (unit, size, layers) in bombs.items():
        content = flate_bomb(unit, size, layers=layers)
        files.append(HostileFile(f"bomb-content-{label}.pdf", "bomb_content",
                                 single_page_pdf(content, content_entries=flate_filter(layers)),
                                 frozenset({"document_too_complex"})))
    # A bomb on a page that also has a readable content stream (contents array).
    bomb = flate_bomb(b" ", 2 * GIB, layers=2)
    files.append(HostileFile("bomb-content-second-stream.pdf", "bomb_content", pdf_from_objects([
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents [4 0 R 6 0 R] "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        stream_object(b"", text_content(COURT_TEXT)), HELVETICA,
        stream_object(flate_filter(2), bomb)]), frozenset({"document_too_complex"})))
    # The same bomb in a stream nothing uses: harmless to a reader that only reads what it draws.
    files.append(HostileFile("bomb-unreferenced-stream.pdf", "bomb_content", single_page_pdf(
        text_content(COURT_TEXT), extra_objects=[stream_object(flate_filter(2), bomb)]),
        frozenset({OK, "document_too_complex"})))
    return files


def _image_page(width: int, height: int, data: bytes, *, entries: bytes = b"",
                colour_space: bytes = b"/DeviceGray") -> bytes:
    image = stream_object(b"/Type /XObject /Subtype /Image /Width %d /Height %d /BitsPerComponent 8 "
                          b"/ColorSpace %s %s" % (width, height, colour_space, entries), data)
    return single_page_pdf(b"q 612 0 0 792 0 0 cm /Im1 Do Q",
                           resources=b"/XObject << /Im1 6 0 R >>", extra_objects=[image])


def image_bombs() -> list[HostileFile]:
    too_complex = frozenset({"document_too_complex"})
    side = 20_000
    gray = flate_bomb(b"\xff", side * side, layers=2)
    rgb = flate_bomb(b"\x10\x80\xf0", side * side * 3, layers=2)
    files = [
        HostileFile("image-20k-gray.pdf", "huge_image", _image_page(side, side, gray, entries=flate_filter(2)),
                    too_complex, needs_ocr=True),
        HostileFile("image-20k-rgb.pdf", "huge_image",
                    _image_page(side, side, rgb, entries=flate_filter(2), colour_space=b"/DeviceRGB"),
                    too_complex, needs_ocr=True),
        HostileFile("image-20k-single-flate.pdf", "huge_image",
                    _image_page(side, side, flate_bomb(b"\x00", side * side), entries=flate_filter(1)),
                    too_complex, needs_ocr=True),
        HostileFile("image-20k-short-data.pdf", "huge_image", _image_page(side, side, b"\x00" * 64),
                    too_complex, needs_ocr=True),
        HostileFile("image-dimensions-overflow.pdf", "huge_image",
                    _image_page(2_147_483_647, 2_147_483_647, b"\x00" * 64), too_complex | DAMAGED,
                    needs_ocr=True),
        HostileFile("image-200m-by-1.pdf", "huge_image", _image_page(200_000_000, 1, b"\x00" * 64),
                    too_complex, needs_ocr=True),
        # A small image whose stream inflates to far more than its pixels need.
        HostileFile("image-small-stream-1gib.pdf", "bomb_image",
                    _image_page(100, 100, flate_bomb(b"\x80", GIB, layers=2), entries=flate_filter(2)),
                    too_complex | {"no_text"}, needs_ocr=True),
        HostileFile("image-smask-bomb.pdf", "bomb_image", single_page_pdf(
            b"q 612 0 0 792 0 0 cm /Im1 Do Q", resources=b"/XObject << /Im1 6 0 R >>", extra_objects=[
                stream_object(b"/Type /XObject /Subtype /Image /Width 10 /Height 10 /BitsPerComponent 8 "
                              b"/ColorSpace /DeviceGray /SMask 7 0 R", b"\x80" * 100),
                stream_object(b"/Type /XObject /Subtype /Image /Width %d /Height %d /BitsPerComponent 8 "
                              b"/ColorSpace /DeviceGray %s" % (side, side, flate_filter(2)), gray)]),
            too_complex, needs_ocr=True),
        # An inline image is part of the content stream: the bomb is inside the page's text.
        HostileFile("image-inline-20k.pdf", "bomb_image", single_page_pdf(
            b"q 612 0 0 792 0 0 cm BI /W %d /H %d /BPC 8 /CS /G /F [/Fl /Fl] ID\n" % (side, side)
            + gray + b"\nEI Q"), too_complex | DAMAGED, needs_ocr=True),
    ]
    return files


def other_stream_bombs() -> list[HostileFile]:
    too_complex = frozenset({"document_too_complex"})
    font_bomb = flate_bomb(b"\x00", 2 * GIB, layers=2)
    font = (b"<< /Type /Font /Subtype /TrueType /BaseFont /Bomb /FirstChar 32 /LastChar 126 "
            b"/Widths [%s] /FontDescriptor 7 0 R >>" % (b"500 " * 95))
    descriptor = (b"<< /Type /FontDescriptor /FontName /Bomb /Flags 32 /FontBBox [0 0 1000 1000] "
                  b"/ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 /FontFile2 8 0 R >>")
    font_pdf = single_page_pdf(b"BT /F2 11 Tf 72 700 Td (Held: affirmed.) Tj ET", extra_objects=[
        font, descriptor, stream_object(flate_filter(2), font_bomb)],
    ).replace(b"/Font << /F1 5 0 R >>", b"/Font << /F1 5 0 R /F2 6 0 R >>")
    # An object stream holding the page tree, inflating to 64 MiB of padding after the objects.
    objects_in_stream = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
    header = b"2 0 "
    inner = header + objects_in_stream + b" " * (64 * MIB)
    objstm = stream_object(b"/Type /ObjStm /N 1 /First %d /Filter [/FlateDecode /FlateDecode]" % len(header),
                           zlib.compress(zlib.compress(inner, 9), 9))
    objstm_pdf = _with_object_stream(objstm)
    form_bomb = single_page_pdf(b"/Fm1 Do", resources=b"/XObject << /Fm1 6 0 R >>", extra_objects=[
        stream_object(b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] " + flate_filter(2),
                      flate_bomb(b"0 0 m 1 1 l S ", GIB, layers=2))])
    return [
        HostileFile("bomb-font-2gib.pdf", "bomb_other", font_pdf, too_complex),
        HostileFile("bomb-object-stream-64mib.pdf", "bomb_other", objstm_pdf, too_complex | DAMAGED | {OK}),
        HostileFile("bomb-form-xobject-1gib.pdf", "bomb_other", form_bomb, too_complex),
    ]


def _with_object_stream(objstm: bytes) -> bytes:
    """Catalog 1, page 3, content 4, font 5 as plain objects; the page tree (2) in ObjStm 6."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"null",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               stream_object(b"", text_content(COURT_TEXT)), HELVETICA, objstm]
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    for number, body in enumerate(objects, start=1):
        if number == 2:
            continue
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    rows = [b"\x00" + (0).to_bytes(4, "big") + b"\xff\xff"]
    for number in range(1, 8):
        if number == 2:
            rows.append(b"\x02" + (6).to_bytes(4, "big") + (0).to_bytes(2, "big"))
        elif number in offsets:
            rows.append(b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00")
    xref_at = len(out)
    rows.append(b"\x01" + xref_at.to_bytes(4, "big") + b"\x00\x00")
    table = b"".join(rows)
    out += (b"7 0 obj\n<< /Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(table)
            + table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at)
    return bytes(out)


def huge_page_sizes() -> list[HostileFile]:
    text = text_content(COURT_TEXT)
    too_large = frozenset({"document_too_large"})
    return [
        HostileFile("page-14400pt-blank-scan.pdf", "huge_page_size", _image_page(100, 100, b"\x80" * 10000).replace(
            b"/MediaBox [0 0 612 792]", b"/MediaBox [0 0 14400 14400]"), too_large, needs_ocr=True),
        HostileFile("page-14400pt-with-text.pdf", "huge_page_size",
                    single_page_pdf(text, media_box=b"[0 0 14400 14400]"), frozenset({OK})),
        HostileFile("page-1e9pt-scan.pdf", "huge_page_size", _image_page(100, 100, b"\x80" * 10000).replace(
            b"/MediaBox [0 0 612 792]", b"/MediaBox [0 0 1000000000 1000000000]"), too_large | DAMAGED,
            needs_ocr=True),
        HostileFile("page-userunit-75000-scan.pdf", "huge_page_size", _image_page(100, 100, b"\x80" * 10000).replace(
            b"/MediaBox [0 0 612 792]", b"/MediaBox [0 0 612 792] /UserUnit 75000"), too_large | DAMAGED | {OK},
            needs_ocr=True),
        HostileFile("page-inverted-mediabox.pdf", "huge_page_size",
                    single_page_pdf(text, media_box=b"[612 792 -14400 -14400]"), DAMAGED | {OK}),
        HostileFile("page-zero-mediabox-scan.pdf", "huge_page_size", _image_page(100, 100, b"\x80" * 10000).replace(
            b"/MediaBox [0 0 612 792]", b"/MediaBox [0 0 0 0]"), DAMAGED | {OK, "ocr_failed"}, needs_ocr=True),
    ]


def not_pdfs(rng: random.Random, random_files: int = 12) -> list[HostileFile]:
    zip_buffer = io.BytesIO()
    with zipfile.ZipFile(zip_buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("word/document.xml", date_time=(2024, 1, 1, 0, 0, 0)),
                         "<w:document>IN THE SUPREME COURT</w:document>")
    pixmap = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 64, 64), False)
    pixmap.clear_with(200)
    named = {
        "png": pixmap.tobytes("png"),
        "jpeg": pixmap.tobytes("jpg"),
        "zip-docx": zip_buffer.getvalue(),
        "html": b"<!DOCTYPE html><html><body><h1>Opinion</h1><p>Affirmed.</p></body></html>\n" * 4,
        "text": "\n".join(COURT_TEXT).encode(),
        "gzip-of-pdf": zlib.compress(single_page_pdf(text_content(COURT_TEXT))),
        "utf16-text": "\ufeffIN THE SUPREME COURT".encode("utf-16"),
        "elf": b"\x7fELF\x02\x01\x01" + bytes(rng.randbytes(2000)),
        "postscript": b"%!PS-Adobe-3.0\n/Helvetica findfont 12 scalefont setfont 72 700 moveto (Held) show showpage\n",
        "pdf-marker-in-word": b"this is not a %PDX- file " * 20,
    }
    files = [HostileFile(f"not-pdf-{label}.pdf", "not_pdf", data, frozenset({"not_pdf"}))
             for label, data in named.items()]
    for index in range(random_files):
        data = rng.randbytes(rng.randint(1, 64 * 1024)).replace(b"%PDF-", b"%PDX-")
        files.append(HostileFile(f"not-pdf-random-{index:02d}.pdf", "not_pdf", data, frozenset({"not_pdf"})))
    return files


def junk_prefixed(rng: random.Random) -> list[HostileFile]:
    valid = single_page_pdf(text_content(COURT_TEXT))
    files = []
    for length in (1024, 1025, 1500, 4096, 65536):
        junk = rng.randbytes(length).replace(b"%PDF-", b"%PDX-")
        files.append(HostileFile(f"junk-{length}-then-pdf.pdf", "junk_prefix", junk + valid,
                                 frozenset({"not_pdf"} if length >= 1024 else {OK})))
    for length in (3, 512, 1019):
        files.append(HostileFile(f"junk-{length}-then-pdf-ok.pdf", "junk_prefix", b"x" * length + valid,
                                 frozenset({OK})))
    return files


def active_content() -> list[HostileFile]:
    text = text_content(COURT_TEXT)
    ok = frozenset({OK})
    js = b"<< /S /JavaScript /JS (app.alert\\('pwned'\\); while\\(true\\){}) >>"
    return [
        HostileFile("active-javascript-openaction.pdf", "active_content",
                    single_page_pdf(text, catalog_extra=b"/OpenAction " + js + b" "), ok),
        HostileFile("active-launch-action.pdf", "active_content", single_page_pdf(
            text, catalog_extra=b"/OpenAction << /S /Launch /F (/bin/sh) /Win << /F (cmd.exe) /P (/c calc) >> >> "), ok),
        HostileFile("active-page-aa-javascript.pdf", "active_content",
                    single_page_pdf(text, page_extra=b"/AA << /O " + js + b" >> "), ok),
        HostileFile("active-uri-annotation.pdf", "active_content", single_page_pdf(
            text, page_extra=b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 612 792] "
                             b"/A << /S /URI /URI (http://169.254.169.254/latest/meta-data/) >> >>] "), ok),
        HostileFile("active-embedded-file.pdf", "active_content", single_page_pdf(
            text, catalog_extra=b"/Names << /EmbeddedFiles << /Names [(run.sh) << /Type /Filespec /F (run.sh) "
                                b"/EF << /F 6 0 R >> >>] >> >> ",
            extra_objects=[stream_object(b"/Type /EmbeddedFile", b"#!/bin/sh\nrm -rf /\n")]), ok),
        HostileFile("active-xfa-form.pdf", "active_content", single_page_pdf(
            text, catalog_extra=b"/AcroForm << /Fields [] /XFA 6 0 R >> ",
            extra_objects=[stream_object(b"", b"<xdp:xdp><script>while(1){}</script></xdp:xdp>")]), ok),
    ]


def deep_nesting() -> list[HostileFile]:
    text = text_content(COURT_TEXT)
    depth = 100_000
    forms = []
    chain = 2000
    for level in range(chain):  # form 6+level draws form 7+level; the last draws text
        body = b"/Fm Do" if level < chain - 1 else text
        resources = (b"/Resources << /XObject << /Fm %d 0 R >> >>" % (7 + level) if level < chain - 1
                     else b"/Resources << /Font << /F1 5 0 R >> >>")
        forms.append(stream_object(b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] " + resources, body))
    damaged_or_ok = DAMAGED | {OK}
    return [
        HostileFile("nested-arrays-100k.pdf", "deep_nesting", single_page_pdf(
            text, page_extra=b"/Junk " + b"[" * depth + b"]" * depth + b" "), damaged_or_ok),
        HostileFile("nested-dicts-100k.pdf", "deep_nesting", single_page_pdf(
            text, page_extra=b"/Junk " + b"<< /A " * depth + b"1" + b" >>" * depth + b" "), damaged_or_ok),
        HostileFile("nested-arrays-in-content.pdf", "deep_nesting",
                    single_page_pdf(b"[" * depth + b"]" * depth + b" " + text), damaged_or_ok),
        HostileFile("form-xobject-self-reference.pdf", "deep_nesting", single_page_pdf(
            b"/Fm Do " + text, resources=b"/XObject << /Fm 6 0 R >>", extra_objects=[
                stream_object(b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] "
                              b"/Resources << /XObject << /Fm 6 0 R >> >>", b"/Fm Do /Fm Do")]), damaged_or_ok),
        HostileFile("form-xobject-chain-2000.pdf", "deep_nesting", single_page_pdf(
            b"/Fm Do", resources=b"/XObject << /Fm 6 0 R >>", extra_objects=forms), damaged_or_ok),
        HostileFile("form-xobject-fanout.pdf", "deep_nesting", single_page_pdf(
            b"/Fm Do " + text, resources=b"/XObject << /Fm 6 0 R >>", extra_objects=[
                stream_object(b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] "
                              b"/Resources << /XObject << /Fm 7 0 R >> >>", b"/Fm Do " * 30),
                stream_object(b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] "
                              b"/Resources << /XObject << /Fm 8 0 R >> >>", b"/Fm Do " * 30),
                stream_object(b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] "
                              b"/Resources << /XObject << /Fm 9 0 R >> >>", b"/Fm Do " * 30),
                stream_object(b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] "
                              b"/Resources << /Font << /F1 5 0 R >> >>", text)]),
            damaged_or_ok | {"document_too_complex"}),
    ]


HOSTILE_CLASSES = ("truncated_sample", "truncated_generated", "zero_length", "encrypted", "bad_xref",
                  "huge_page_count", "bomb_content", "huge_image", "bomb_image", "bomb_other",
                  "huge_page_size", "not_pdf", "junk_prefix", "active_content", "deep_nesting")


def build_corpus(seed: int = DEFAULT_SEED) -> list[HostileFile]:
    """Every hostile file for a ``seed``: the same names and bytes each time, except the
    encrypted class (MuPDF draws fresh salts); names are unique."""
    rng = random.Random(seed)
    files = [
        *truncated_samples(rng), *truncated_generated(rng), *empty_and_tiny(), *encrypted(rng),
        *bad_xref(rng), *huge_page_counts(), *content_bombs(), *image_bombs(), *other_stream_bombs(),
        *huge_page_sizes(), *not_pdfs(rng), *junk_prefixed(rng), *active_content(), *deep_nesting(),
    ]
    names = [file.name for file in files]
    assert len(names) == len(set(names)), "corpus file names must be unique"
    return files


def write_corpus(folder: Path, seed: int = DEFAULT_SEED) -> list[HostileFile]:
    """Write the corpus into ``folder`` (created); returns its files."""
    folder.mkdir(parents=True, exist_ok=True)
    files = build_corpus(seed)
    for file in files:
        (folder / file.name).write_bytes(file.data)
    return files


# Measurement: a child process runs extraction per document; the parent watches it.

CHILD_ADDRESS_SPACE_BYTES = 6 * GIB


def _child_main(uncapped: bool) -> None:
    """Read file paths on stdin; for each, run extract_case_text and print one JSON line."""
    import threading

    from lexray.errors import LexRayError
    from lexray.settings import Settings
    from pipelines.document import extract_case_text

    resource.setrlimit(resource.RLIMIT_AS, (CHILD_ADDRESS_SPACE_BYTES, CHILD_ADDRESS_SPACE_BYTES))
    settings = Settings()
    if uncapped:
        settings = settings.model_copy(update={"limits": uncapped_limits(settings)})
    page_size = os.sysconf("SC_PAGE_SIZE")

    def rss_bytes() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * page_size

    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss_bytes())
            stop.wait(0.005)

    threading.Thread(target=sample, daemon=True).start()
    for line in sys.stdin:
        path = Path(line.strip())
        before = rss_bytes()
        peak[0] = before
        started = time.perf_counter()
        try:
            case_text = extract_case_text(path.read_bytes(), settings)
            outcome, detail = OK, f"{len(case_text.pages)} pages"
        except LexRayError as exc:
            outcome, detail = exc.code, exc.message[:160]
        except MemoryError as exc:
            outcome, detail = "MemoryError", str(exc)[:160]
        except Exception as exc:  # noqa: BLE001 - what escapes the core is what the bench reports
            outcome, detail = f"{type(exc).__name__}", str(exc)[:160]
        seconds = time.perf_counter() - started
        peak[0] = max(peak[0], rss_bytes())
        print(json.dumps({"outcome": outcome, "detail": detail, "seconds": seconds,
                          "rss_growth": max(peak[0] - before, 0)}), flush=True)


# The resource caps of LimitSettings, lifted (the baseline run).
UNCAPPED_LIMITS = {"max_image_pixels": 1 << 62, "max_stream_bytes": 1 << 62, "max_decoded_bytes": 1 << 62,
                   "max_form_draws_per_page": 1 << 62, "document_timeout_s": 1e9}


def uncapped_limits(settings):
    """The settings' limits with every resource cap lifted (page count and file size kept)."""
    return settings.limits.model_copy(update=UNCAPPED_LIMITS)


@dataclass
class Measured:
    file: HostileFile
    outcome: str
    detail: str
    seconds: float
    rss_growth: int


class _Child:
    def __init__(self, uncapped: bool) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", f"from bench.hostile_pdfs import _child_main; _child_main({uncapped})"],
            cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"})

    def run(self, path: Path, timeout_s: float) -> dict | None:
        import selectors

        self.proc.stdin.write(f"{path}\n")
        self.proc.stdin.flush()
        selector = selectors.DefaultSelector()
        selector.register(self.proc.stdout, selectors.EVENT_READ)
        if not selector.select(timeout_s):
            return None
        line = self.proc.stdout.readline()
        return json.loads(line) if line else {}

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def measure(files: list[HostileFile], folder: Path, *, timeout_s: float, uncapped: bool = False,
            verbose: bool = False) -> list[Measured]:
    """Each file through extraction in a child; a timeout or a dead child is an outcome too."""
    results = []
    child = _Child(uncapped)
    try:
        for file in files:
            started = time.perf_counter()
            reply = child.run(folder / file.name, timeout_s)
            if reply is None or not reply:
                outcome = "timeout" if reply is None else f"crashed (exit {child.proc.poll()})"
                result = Measured(file, outcome, "", time.perf_counter() - started, 0)
                child.close()
                child = _Child(uncapped)
            else:
                result = Measured(file, reply["outcome"], reply["detail"], reply["seconds"], reply["rss_growth"])
            results.append(result)
            if verbose:
                print(f"  {file.name:<48} {result.outcome:<22} {result.seconds:6.2f} s "
                      f"{result.rss_growth / MIB:7.1f} MiB  {result.detail[:90]}", flush=True)
    finally:
        child.close()
    return results


def table(results: list[Measured]) -> str:
    """One row per hostile class and one for all files: the worst seconds and memory growth,
    how many ended in an outcome they were not expected to, and the outcomes (per class)."""
    by_class: dict[str, list[Measured]] = defaultdict(list)
    for result in results:
        by_class[result.file.hostile_class].append(result)

    def figures(measured: list[Measured]) -> tuple:
        return (len(measured), max(r.seconds for r in measured), max(r.rss_growth for r in measured) / MIB,
                sum(r.outcome not in r.file.expected for r in measured))

    rows = []
    for hostile_class, measured in by_class.items():
        outcomes: dict[str, int] = defaultdict(int)
        for result in measured:
            outcomes[result.outcome] += 1
        rows.append((hostile_class, *figures(measured),
                     ", ".join(f"{code} {count}" for code, count in sorted(outcomes.items()))))
    rows.append(("all", *figures(results)))
    columns = [Column("class", 20, "<"), Column("files", 5, gap=" "), Column("max s", 7, spec=".2f", gap="  "),
               Column("max RSS+ MiB", 12, spec=".1f", gap="  "), Column("unexpected", 10, gap="  "),
               Column("outcomes", align="<", gap="  ")]
    return text_table(columns, rows)


def main(argv: list[str] | None = None) -> int:
    from bench.results import add_json_option, emit_figures

    parser = argparse.ArgumentParser(prog="python -m bench.hostile_pdfs", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=None, help="write the corpus here (default: a temp dir)")
    parser.add_argument("--timeout-s", type=float, default=120.0, help="per-document limit of the watcher")
    parser.add_argument("--uncapped", action="store_true",
                        help="also run with the resource caps lifted (the baseline; slow)")
    parser.add_argument("--only", default="", help="comma-separated classes to run")
    parser.add_argument("--verbose", action="store_true", help="print every file's outcome")
    add_json_option(parser)
    args = parser.parse_args(argv)

    import tempfile

    started = time.perf_counter()
    folder = args.out or Path(tempfile.mkdtemp(prefix="hostile-pdfs-"))
    files = write_corpus(folder, args.seed)
    if args.only:
        files = [file for file in files if file.hostile_class in args.only.split(",")]
    build_s = time.perf_counter() - started
    print(f"corpus: {len(files)} files, {sum(len(f.data) for f in files) / MIB:.1f} MiB, "
          f"built in {build_s:.1f} s, in {folder}")
    figures: dict = {"files": len(files), "build_s": round(build_s, 2)}
    runs = [("uncapped (baseline)", True)] if args.uncapped else []
    runs.append(("capped (LimitSettings defaults)", False))
    for label, uncapped in runs:
        print(f"\n{label}:", flush=True)
        results = measure(files, folder, timeout_s=args.timeout_s, uncapped=uncapped, verbose=args.verbose)
        print(f"{sum(r.seconds for r in results):.1f} s in all")
        print(table(results))
        key = "uncapped" if uncapped else "capped"
        figures[key] = {
            "max_seconds": round(max(r.seconds for r in results), 2),
            "max_rss_growth_mib": round(max(r.rss_growth for r in results) / MIB, 1),
            "unexpected": sum(r.outcome not in r.file.expected for r in results),
            "timeouts_or_crashes": sum(r.outcome == "timeout" or r.outcome.startswith("crashed") for r in results),
        }
    emit_figures(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
