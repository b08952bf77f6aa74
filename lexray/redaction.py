"""Credentials out of text that may reach a response, a log line or a Ray runtime_env.

A MongoDB URI carries its password (``mongodb://user:pass@host``), and driver errors, store
errors and tracebacks may quote it. ``redact_uri`` masks the user information of one URI;
``redact_text`` masks it in every URI inside any text, plus ``password=...``-style parameters.
Both patterns are linear-time: every repetition is bounded or stops at a delimiter.

>>> redact_text("MongoDB at mongodb://lexray:s3cretpw@db.internal:27017/?authSource=admin failed")
'MongoDB at mongodb://***@db.internal:27017/?authSource=admin failed'
>>> redact_uri("mongodb://127.0.0.1:27017")
'mongodb://127.0.0.1:27017'
"""

from __future__ import annotations

import re

REDACTED = "***"

# scheme://userinfo@ : the scheme is at most 32 characters (RFC 3986 has no limit, real ones are
# short) so a long run of letters costs 32 steps per position, not its length; the userinfo
# stops at whitespace, '/', '?' or '#' (it cannot hold them unescaped), so it ends before the next
# URI's "://" and scans never overlap. Greedy to the last '@': a raw '@' in a password is masked too.
_URI_USERINFO = re.compile(r"(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{0,31}://)[^\s/?#@]*(?:@[^\s/?#@]*)*@")
# password=..., pwd: ..., "secret": "..." and the like (query strings, DSNs, JSON, reprs).
_SECRET_PARAMETER = re.compile(
    r"(?i)\b(password|passwd|pwd|secret|token|api[_-]?key)(\"?'?\s{0,3}[=:]\s{0,3}\"?'?)[^\s&;,'\"]+")


def redact_uri(uri: str) -> str:
    """``uri`` without the user name and password of its authority.

    >>> redact_uri("mongodb+srv://app:p@ss@cluster0.example.net/lexray")
    'mongodb+srv://***@cluster0.example.net/lexray'
    >>> redact_uri("mongodb://user@host")
    'mongodb://***@host'
    """
    return _URI_USERINFO.sub(lambda match: f"{match.group(1)}{REDACTED}@", uri, count=1)


def redact_text(text: str) -> str:
    """``text`` with the credentials of every URI in it, and every ``password=value``, masked.

    >>> redact_text("redis://:tok@cache:6379 and https://a:b@example.org/x?token=abc&page=2")
    'redis://***@cache:6379 and https://***@example.org/x?token=***&page=2'
    >>> redact_text("nothing to hide: 10.0.0.1:27017, user@example.org")
    'nothing to hide: 10.0.0.1:27017, user@example.org'
    """
    masked = _URI_USERINFO.sub(lambda match: f"{match.group(1)}{REDACTED}@", text)
    return _SECRET_PARAMETER.sub(lambda match: f"{match.group(1)}{match.group(2)}{REDACTED}", masked)


def has_credentials(text: str) -> bool:
    """Whether ``text`` holds something ``redact_text`` would mask.

    >>> has_credentials("mongodb://u:p@h"), has_credentials("mongodb://h:27017")
    (True, False)
    """
    return redact_text(text) != text
