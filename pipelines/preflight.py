"""Resource checks on an opened PDF before anything on its pages is decoded.

A few kilobytes of PDF can declare gigabytes of work: a Flate stream (one layer or several)
that inflates to gigabytes of page content, a 20,000 x 20,000 pixel image, a font that
inflates forever. MuPDF and poppler would decode them faithfully, holding a worker's CPU
(and memory) for minutes. ``check_document_resources`` looks at every stream first:

- images by the width and height in their dictionary (nothing is decoded), against
  ``limits.max_image_pixels``;
- every other stream (page content, forms, fonts, object streams) by inflating its Flate
  layers here with a running count and nothing kept, stopping as soon as one stream passes
  ``limits.max_stream_bytes`` or all of them together pass ``limits.max_decoded_bytes``.

So the check costs at most those byte counts of zlib work (a fraction of a second) and a
MiB of memory, whatever the file claims. Filters other than Flate (LZW, RunLength, ASCII
hex/85) are counted at their raw size: their expansion is bounded (RunLength 64:1 worst
case) or rare; a Flate layer after them is still inflated only if it comes first.

>>> import pymupdf
>>> from lexray.settings import LimitSettings
>>> pdf = pymupdf.open(); _ = pdf.new_page()
>>> check_document_resources(pdf, LimitSettings())  # a blank page: nothing to refuse
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator

import pymupdf

from lexray.errors import DocumentTooComplexError
from lexray.settings import LimitSettings

INFLATE_CHUNK_BYTES = 1 << 20
FLATE_FILTERS = {"FlateDecode", "Fl"}
_NAME = re.compile(r"/([A-Za-z0-9]+)")


def filter_names(filter_entry: tuple[str, str]) -> list[str]:
    """Filter names in decoding order from a stream's ``/Filter`` (``xref_get_key`` form).

    >>> filter_names(("array", "[/FlateDecode/A85]")), filter_names(("null", "null"))
    (['FlateDecode', 'A85'], [])
    """
    kind, value = filter_entry
    return _NAME.findall(value) if kind in ("name", "array") else []


def inflated_chunks(chunks: Iterable[bytes], *, chunk_bytes: int = INFLATE_CHUNK_BYTES) -> Iterator[bytes]:
    """Inflate a zlib stream given in pieces, yielding at most ``chunk_bytes`` at a time.

    Damaged data ends the output where the damage starts (a reader stops there too).

    >>> sum(map(len, inflated_chunks([zlib.compress(b"a" * 5_000_000)], chunk_bytes=1 << 20)))
    5000000
    """
    inflater = zlib.decompressobj()
    for chunk in chunks:
        pending = chunk
        while pending and not inflater.eof:
            try:
                output = inflater.decompress(pending, chunk_bytes)
            except zlib.error:
                return
            pending = inflater.unconsumed_tail
            if output:
                yield output
        if inflater.eof:
            return


def decoded_size(raw: bytes, filters: list[str], *, stop_after: int, scan: _ContentScan | None = None) -> int:
    """Bytes ``raw`` decodes to through its leading Flate ``filters``; counting stops once past
    ``stop_after`` (the result is then ``stop_after + 1`` or a little more).

    >>> bomb = zlib.compress(zlib.compress(b" " * 50_000_000))
    >>> len(bomb) < 1000, decoded_size(bomb, ["FlateDecode", "Fl"], stop_after=1 << 20) > 1 << 20
    (True, True)
    >>> decoded_size(zlib.compress(b"q Q " * 10), ["FlateDecode"], stop_after=1 << 20)
    40
    """
    flate_layers = 0
    for name in filters:
        if name not in FLATE_FILTERS:
            break
        flate_layers += 1
    chunks: Iterable[bytes] = [raw]
    for _ in range(flate_layers):
        chunks = inflated_chunks(chunks)
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if scan is not None and flate_layers == len(filters):  # fully decoded: content is readable
            scan.feed(chunk)
        if total > stop_after:
            return total
    if scan is not None:
        scan.feed(b"", final=True)
    return total


def _int_key(pdf: pymupdf.Document, xref: int, key: str) -> int:
    kind, value = pdf.xref_get_key(xref, key)
    try:
        return int(float(value)) if kind in ("int", "float") else 0
    except ValueError:
        return 0


# In decoded content: ``/Name Do`` (draw an XObject) and inline image dictionaries (BI ... ID).
_CONTENT_OPERATOR = re.compile(
    rb"/([^\s/\[\]<>(){}%]{1,127})\s*Do(?![A-Za-z])|(?<![A-Za-z])BI\s(.{0,2048}?)(?<![A-Za-z])ID\s", re.S
)
_INLINE_WIDTH = re.compile(rb"/(?:W|Width)\s+(\d{1,12})")
_INLINE_HEIGHT = re.compile(rb"/(?:H|Height)\s+(\d{1,12})")
_CARRY_BYTES = 2200  # longer than any match above
_XOBJECT_REFERENCE = re.compile(r"/([^\s/\[\]<>(){}%]+)\s*(\d+)\s+\d+\s+R")


class _ContentScan:
    """Counts ``Do`` operators by name and the largest inline image in decoded chunks."""

    def __init__(self) -> None:
        self.draws: dict[str, int] = {}
        self.largest_inline_image = 0
        self._carry = b""

    def feed(self, chunk: bytes, *, final: bool = False) -> None:
        buffer = self._carry + chunk
        if b"Do" not in buffer and b"BI" not in buffer:
            self._carry = buffer[-_CARRY_BYTES:]
            return
        limit = len(buffer) if final else max(len(buffer) - _CARRY_BYTES, 0)
        carry_from = limit
        for match in _CONTENT_OPERATOR.finditer(buffer):
            if match.end() > limit:
                carry_from = min(carry_from, match.start())
                break
            if match.group(1) is not None:
                name = match.group(1).decode("latin-1")
                self.draws[name] = self.draws.get(name, 0) + 1
            else:
                width = _INLINE_WIDTH.search(match.group(2))
                height = _INLINE_HEIGHT.search(match.group(2))
                if width and height:
                    pixels = int(width.group(1)) * int(height.group(1))
                    self.largest_inline_image = max(self.largest_inline_image, pixels)
        self._carry = buffer[carry_from:]


def _xobject_names(pdf: pymupdf.Document, xref: int) -> dict[str, int]:
    """Name -> xref of the XObjects in the resources of page or form ``xref``; a page without
    resources of its own inherits its ancestors' (walked up at most 64 levels)."""
    for _ in range(64):
        kind, value = pdf.xref_get_key(xref, "Resources/XObject")
        if kind == "xref":
            kind, value = "dict", pdf.xref_object(int(value.split()[0]), compressed=True)
        if kind == "dict":
            return {name: int(target) for name, target in _XOBJECT_REFERENCE.findall(value)}
        parent_kind, parent = pdf.xref_get_key(xref, "Parent")
        if pdf.xref_get_key(xref, "Resources")[0] != "null" or parent_kind != "xref":
            return {}
        xref = int(parent.split()[0])
    return {}


def check_document_resources(pdf: pymupdf.Document, limits: LimitSettings) -> None:
    """Raise DocumentTooComplexError if any image or stream of ``pdf`` is over ``limits``.

    Looks at every stream object in the file, used or not, so the cost of the check is
    bounded by the file, not by how its pages use it; then multiplies out the form XObjects
    each page draws (a form drawing a form 30 times that draws one 30 times ...).
    """
    decoded_total = 0
    draws_by_stream: dict[int, dict[str, int]] = {}
    for xref in range(1, pdf.xref_length()):
        if not pdf.xref_is_stream(xref):
            continue
        if pdf.xref_get_key(xref, "Subtype") == ("name", "/Image"):
            width, height = _int_key(pdf, xref, "Width"), _int_key(pdf, xref, "Height")
            _check_image(f"image object {xref}", width * height, width, height, limits)
            continue  # image data is decoded to its declared size, never beyond
        try:
            raw = pdf.xref_stream_raw(xref)
        except Exception:  # noqa: BLE001 - a stream MuPDF cannot read, it will not decode either
            continue
        stream_limit = min(limits.max_stream_bytes, limits.max_decoded_bytes - decoded_total)
        scan = _ContentScan()
        size = decoded_size(raw, filter_names(pdf.xref_get_key(xref, "Filter")), stop_after=stream_limit,
                            scan=scan)
        if size > limits.max_stream_bytes:
            raise DocumentTooComplexError(
                f"stream object {xref} inflates to more than {limits.max_stream_bytes} bytes"
            )
        decoded_total += size
        if decoded_total > limits.max_decoded_bytes:
            raise DocumentTooComplexError(
                f"the document's streams inflate to more than {limits.max_decoded_bytes} bytes"
            )
        if scan.largest_inline_image:
            _check_image(f"an inline image in stream {xref}", scan.largest_inline_image, 0, 0, limits)
        if scan.draws:
            draws_by_stream[xref] = scan.draws
    if draws_by_stream:
        _check_form_draws(pdf, draws_by_stream, limits)


def _check_image(what: str, pixels: int, width: int, height: int, limits: LimitSettings) -> None:
    if pixels > limits.max_image_pixels:
        size = f"{width}x{height} = " if width else ""
        raise DocumentTooComplexError(f"{what} has {size}{pixels} pixels, limit {limits.max_image_pixels}")


def _check_form_draws(pdf: pymupdf.Document, draws_by_stream: dict[int, dict[str, int]],
                      limits: LimitSettings) -> None:
    """Each page's form XObject draws, nested draws multiplied out, within the limit."""
    cap = limits.max_form_draws_per_page
    expanded: dict[int, int] = {}

    def draws_of(form_xref: int, depth: int) -> int:
        """Forms drawn when ``form_xref`` is drawn once (itself included), capped at ``cap``+1."""
        if form_xref in expanded:
            return expanded[form_xref]
        if depth > 64:  # MuPDF refuses deeper nesting anyway; count it as too much
            return cap + 1
        expanded[form_xref] = cap + 1  # a cycle through this form counts as unbounded
        names = _xobject_names(pdf, form_xref)
        total = 1 + _drawn(draws_by_stream.get(form_xref, {}), names, depth)
        expanded[form_xref] = min(total, cap + 1)
        return expanded[form_xref]

    def _drawn(draws: dict[str, int], names: dict[str, int], depth: int) -> int:
        total = 0
        for name, count in draws.items():
            target = names.get(name)
            if target is None or pdf.xref_get_key(target, "Subtype") != ("name", "/Form"):
                continue
            total += count * draws_of(target, depth + 1)
            if total > cap:
                return cap + 1
        return total

    for page in pdf:
        names = _xobject_names(pdf, page.xref)
        page_draws = 0
        for content_xref in page.get_contents():
            page_draws += _drawn(draws_by_stream.get(content_xref, {}), names, 0)
        if page_draws > cap:
            raise DocumentTooComplexError(
                f"page {page.number + 1} draws more than {cap} form XObjects (nested draws multiplied out)"
            )
