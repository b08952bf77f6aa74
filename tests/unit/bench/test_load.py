"""The load bench's pure parts: the route mix, unique upload bytes, the per-route figures."""

import io

import pypdf
import pytest

from bench.load import SAMPLES, UPLOAD_SAMPLE, Outcome, format_table, parse_mix, summarize, unique_pdf
from lexray.ids import sha256_hex


def test_mix_is_normalised_and_checked():
    assert parse_mix("search=3,chat=1") == {"search": 0.75, "chat": 0.25}
    for bad, fragment in [("search=1,dance=1", "unknown route"), ("search=x", "not a number"),
                          ("search=-1,case=2", "negative"), ("search=0", "positive weight")]:
        with pytest.raises(ValueError, match=fragment):
            parse_mix(bad)


def test_unique_uploads_are_new_documents_with_the_same_pages():
    original = (SAMPLES / UPLOAD_SAMPLE).read_bytes()
    first, second = unique_pdf(original, "a"), unique_pdf(original, "b")
    assert len({sha256_hex(original), sha256_hex(first), sha256_hex(second)}) == 3
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(original)).pages]
    assert [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(first)).pages] == pages


def test_figures_count_errors_and_refusals_apart_and_tabulate():
    outcomes = [Outcome("search", 200, 0.05)] * 8 + [Outcome("search", 0, 1.0), Outcome("chat", 429, 0.01),
                                                      Outcome("chat", 200, 2.0)]
    figures = summarize(outcomes, 10.0, baseline_p50_ms=5.0)
    assert figures["search"]["requests"] == 9 and figures["search"]["errors"] == {"0": 1}
    assert figures["search"]["p99_ms"] == 50.0 and figures["search"]["p50_vs_baseline"] == 10.0
    assert figures["chat"]["rate_limited"] == 1 and figures["chat"]["errors"] == {}
    assert figures["chat"]["per_s"] == 0.2
    table = format_table(summarize([Outcome("live", 200, 0.005)], 1.0), figures)
    assert len(table.splitlines()) == 4 and "10.0x" in table
