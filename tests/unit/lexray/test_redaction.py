"""Credentials masked in any text: URIs' user information and password-like parameters."""

import time

import pytest

from lexray.redaction import has_credentials, redact_text, redact_uri


@pytest.mark.parametrize(("text", "expected"), [
    ("mongodb://lexray:s3cretpw@127.0.0.1:27017/lexray", "mongodb://***@127.0.0.1:27017/lexray"),
    ("mongodb+srv://app:p@ss:w@rd@cluster0.example.net/?retryWrites=true",
     "mongodb+srv://***@cluster0.example.net/?retryWrites=true"),
    ("failed: mongodb://u:pw@h1:1,h2:2/db, then postgresql://a:b@db/x",
     "failed: mongodb://***@h1:1,h2:2/db, then postgresql://***@db/x"),
    ("'mongodb://u:pw@h'", "'mongodb://***@h'"),
    ("dsn password=hunter22 host=db", "dsn password=*** host=db"),
    ('{"api_key": "abc123", "n": 1}', '{"api_key": "***", "n": 1}'),
    ("mongodb://127.0.0.1:27017 and user@example.org", "mongodb://127.0.0.1:27017 and user@example.org"),
    ("no URI here: 3 tokens, 10 vectors", "no URI here: 3 tokens, 10 vectors"),
])
def test_redact_text_masks_credentials_and_nothing_else(text, expected):
    assert redact_text(text) == expected
    assert has_credentials(text) == (text != expected)


def test_redact_uri_masks_only_the_first_authority():
    assert redact_uri("mongodb://u:pw@h:1/db") == "mongodb://***@h:1/db"
    assert redact_uri("mongodb://h:1/db") == "mongodb://h:1/db"


@pytest.mark.parametrize("hostile", [
    "a" * 1_000_000, "a://" + "b" * 1_000_000, "a://" + "@b" * 500_000, "password=" * 100_000,
    "x://" * 250_000, "mongodb://u:" + "@" * 1_000_000, "a:" * 500_000,
])
def test_linear_on_hostile_text(hostile):
    started = time.perf_counter()
    redact_text(hostile)
    assert time.perf_counter() - started < 10  # a safety bound: quadratic would take hours
