"""Specific exceptions raised by LexRay's core.

Each carries a machine-readable ``code``; the batch job records it as the failure reason
of a document, and the HTTP gateway translates it once into a 4xx/5xx response.
"""

from __future__ import annotations


class LexRayError(Exception):
    """Base class: ``code`` is stable and machine-readable, the message is for people."""

    code = "lexray_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self)

    def __reduce__(self):
        # Errors cross process boundaries (Ray tasks, Serve handles); rebuild them without
        # calling __init__, whose signature differs between subclasses, and keep ``code``.
        return _rebuild_error, (type(self), str(self), self.code, dict(self.__dict__))


def _rebuild_error(cls: type, message: str, code: str, state: dict) -> LexRayError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    error.code = code
    return error


class DocumentError(LexRayError):
    """The document itself cannot be processed (bad input, not a server fault)."""

    code = "invalid_document"


class EmptyDocumentError(DocumentError):
    code = "empty_file"


class NotPdfError(DocumentError):
    code = "not_pdf"


class CorruptPdfError(DocumentError):
    code = "corrupt_pdf"


class EncryptedPdfError(DocumentError):
    code = "encrypted_pdf"


class DocumentTooLargeError(DocumentError):
    code = "document_too_large"


class DocumentTooComplexError(DocumentError):
    """The document would need more work than a document may take: a stream or image past
    the decoding limits, or extraction past its deadline."""

    code = "document_too_complex"


class NoTextError(DocumentError):
    """Neither the text layer nor OCR produced any text."""

    code = "no_text"


class OcrError(LexRayError):
    """Tesseract failed or timed out on a page."""

    code = "ocr_failed"


class StoreUnavailableError(LexRayError):
    """MongoDB cannot be reached."""

    code = "store_unavailable"
