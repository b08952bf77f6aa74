"""OCR of a document's pages as parallel Ray tasks: the runner ``pipelines.document`` takes for
pages without a text layer, used alike by the batch job's stages, the upload workers and the
deployments that read a PDF while the request waits."""

from __future__ import annotations

import time

import ray

from lexray.models import PageText
from lexray.settings import LimitSettings, OcrSettings, Settings
from pipelines.extract import ocr_page
from pipelines.ocr import deadline_error


@ray.remote
def ocr_page_task(pdf_bytes: bytes, page_number: int, ocr: OcrSettings, limits: LimitSettings) -> PageText:
    return ocr_page(pdf_bytes, page_number, ocr=ocr, limits=limits)


def ray_ocr_runner(settings: Settings, deadline: float | None = None):
    """OCR a document's pages as parallel Ray tasks (one tesseract thread each), at most
    ``ocr.max_pages_in_flight`` at a time (a 500-page scan must not queue 500 tasks ahead of
    every other document's pages), within the document's time limit (``deadline``, a
    ``time.monotonic()`` value; default ``limits.document_timeout_s`` from when the runner is made):
    pages still running then are cancelled and the document fails as too complex. A page task
    whose worker or node was lost runs again (``ingest.ocr_task_retries``); its own errors are
    not retried."""
    task = ocr_page_task.options(num_cpus=settings.ingest.ocr_task_cpus,
                                 max_retries=settings.ingest.ocr_task_retries, retry_exceptions=False)
    deadline = deadline if deadline is not None else time.monotonic() + settings.limits.document_timeout_s

    def run(pdf_bytes: bytes, page_numbers: list[int]) -> list[PageText]:
        pdf_ref = ray.put(pdf_bytes)
        waiting = list(page_numbers)
        running: list[ray.ObjectRef] = []
        refs_in_order: dict[int, ray.ObjectRef] = {}
        while waiting or running:
            while waiting and len(running) < settings.ocr.max_pages_in_flight:
                number = waiting.pop(0)
                refs_in_order[number] = task.remote(pdf_ref, number, settings.ocr, settings.limits)
                running.append(refs_in_order[number])
            finished, running = ray.wait(running, num_returns=1,
                                         timeout=max(0.0, deadline - time.monotonic()))
            if not finished:
                for ref in running:
                    ray.cancel(ref, force=True)
                raise deadline_error(settings.limits, len(running) + len(waiting), len(page_numbers))
        return ray.get([refs_in_order[number] for number in page_numbers])

    return run
