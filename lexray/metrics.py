"""LexRay's own Ray metrics (``ray.util.metrics``), exported with Ray's on every node's
Prometheus endpoint (the head's ``--metrics-export-port``) and shown in the Ray dashboard's
metrics view. Prometheus sees each name with Ray's ``ray_`` prefix (and counters with
``_total``), e.g. ``ray_lexray_documents_total{source="batch",status="indexed"}``.

Metric objects are made on first use in the process that records (a Ray Data task, the upload
processor, a Serve replica), once per process.
"""

from __future__ import annotations

from functools import cache

SEARCH_LATENCY_BOUNDARIES_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]


@cache
def _metrics():
    from ray.util.metrics import Counter, Gauge, Histogram

    return {
        "documents": Counter("lexray_documents", "Documents that finished ingestion, by outcome.",
                             tag_keys=("source", "status")),
        "pages": Counter("lexray_pages", "Pages of indexed documents.", tag_keys=("source",)),
        "ocr_pages": Counter("lexray_ocr_pages", "Pages of indexed documents that were OCR'd.",
                             tag_keys=("source",)),
        "failures": Counter("lexray_ingest_failures", "Documents that failed, by reason code.",
                            tag_keys=("source", "reason")),
        "search_latency": Histogram("lexray_search_latency_ms", "Search time in the Retrieval deployment.",
                                    boundaries=SEARCH_LATENCY_BOUNDARIES_MS, tag_keys=("mode",)),
        "llm_tokens": Counter("lexray_llm_tokens", "Tokens the LLM deployment read and wrote.",
                              tag_keys=("kind",)),
        "upload_queue": Gauge("lexray_upload_queue_depth", "Uploaded cases waiting to be processed."),
    }


def record_document(source: str, status: str, *, reason: str = "", pages: int = 0, ocr_pages: int = 0) -> None:
    """One document finished ingestion (``source``: batch | upload) as ``status``."""
    metrics = _metrics()
    metrics["documents"].inc(1, tags={"source": source, "status": status})
    if status == "failed":
        metrics["failures"].inc(1, tags={"source": source, "reason": reason or "unknown"})
    elif status == "indexed":
        if pages:
            metrics["pages"].inc(pages, tags={"source": source})
        if ocr_pages:
            metrics["ocr_pages"].inc(ocr_pages, tags={"source": source})


def record_search(mode: str, milliseconds: float) -> None:
    _metrics()["search_latency"].observe(milliseconds, tags={"mode": mode})


def record_llm_tokens(prompt_tokens: int, completion_tokens: int) -> None:
    metrics = _metrics()
    if prompt_tokens:
        metrics["llm_tokens"].inc(prompt_tokens, tags={"kind": "prompt"})
    if completion_tokens:
        metrics["llm_tokens"].inc(completion_tokens, tags={"kind": "completion"})


def set_upload_queue_depth(depth: int) -> None:
    _metrics()["upload_queue"].set(depth)
