"""Real opinions (cleaned as the pipeline does) for the enrichment tests, and quiet eyecite."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import pytest

from pipelines.clean import clean_pages, join_pages

TEXTS_DIR = Path(__file__).resolve().parents[3] / "data" / "texts"


@pytest.fixture(autouse=True)
def _quiet_eyecite():
    # eyecite logs "Unknown overlap case" for the Joint Appendix cites; noise in test output.
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


@lru_cache(maxsize=None)
def case_text(name: str) -> str:
    pages = (TEXTS_DIR / f"{name}.txt").read_text(encoding="utf-8").split("\f")
    return join_pages(clean_pages(pages))[0]
