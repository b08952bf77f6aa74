"""Tests for pipelines.enrich.language."""

from __future__ import annotations

from pipelines.enrich.language import detect_language
from tests.unit.pipelines.enrich.conftest import case_text


def test_detect_language():
    assert detect_language(case_text("mo_jagels")) == "en"
    assert detect_language("Le tribunal a rejeté la demande des requérants et de la société pour les motifs") == "fr"
    assert detect_language("") == "en"
