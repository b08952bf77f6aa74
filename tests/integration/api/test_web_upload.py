"""The upload page in a real browser (Debian's chromium, driven by Playwright) on the shared
deployment: a PDF chosen with the "Upload PDFs" control is followed through the processing
stages to indexed; a file that is not a PDF is refused with the API's reason next to it; the
dashboard counts the case as indexed under its court; a batch job named by its folder shows
its progress to the end, and a second one while it runs is refused by the API (429) with when
to retry; axe-core finds no serious or critical violation on the page."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx
from playwright.sync_api import expect

from tests.conftest import SAMPLES
from tests.integration.api.shared_app import INGEST, tenant_keys
from tests.integration.web_browser import axe_violations, save_screenshot, with_axe

KEYS = tenant_keys("web-upload-a", "web-upload-b")
UPLOADED = "doctor__missouri.pdf"
BATCHED = "doctor__gov.uscourts.cacd.652774.40.0.pdf"
# Processing a PDF on the test cluster's two CPUs (the embedding model included) takes minutes.
PROCESSING_MS = 600_000


def open_upload_page(page, api, tenant: str) -> None:
    page.goto(api["url"] + "/app/signin?next=/app/upload")
    page.get_by_label("API key").fill(KEYS[tenant])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(api["url"] + "/app/upload")
    page.get_by_label("Upload PDFs").wait_for()


def count_cell(page, table: str, row_header: str):
    """The "Cases" cell of the dashboard table ``table`` in the row headed ``row_header``."""
    row = page.get_by_role("table", name=table).get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=row_header, exact=True))
    return row.get_by_role("cell").first


def courts_of(api, tenant: str) -> list[str]:
    with httpx.Client(base_url=api["url"], headers={"Authorization": f"Bearer {KEYS[tenant]}"}, timeout=60) as client:
        response = client.get("/api/v1/retrieval/metadata/courts")
        response.raise_for_status()
        return [item["value"] for item in response.json()["values"]]


def test_an_uploaded_pdf_reaches_indexed_and_the_dashboard_counts_it(page, api):
    with_axe(page)
    open_upload_page(page, api, "web-upload-a")
    page.get_by_role("table", name="Cases by status").wait_for()
    assert axe_violations(page) == []

    page.get_by_label("Upload PDFs").set_input_files(SAMPLES / UPLOADED)
    row = page.get_by_role("listitem").filter(has_text=UPLOADED)
    expect(row).to_contain_text("Indexed, ready to search", timeout=PROCESSING_MS)
    expect(row.get_by_role("progressbar")).to_have_attribute("value", "5")
    expect(row.get_by_role("link", name=re.compile("^Open "))).to_have_attribute(
        "href", re.compile(r"^/app/case/[^/]+$"))

    # The dashboard refreshes once the file is done: one case, indexed, under its court.
    expect(count_cell(page, "Cases by status", "Indexed")).to_have_text("1")
    courts = courts_of(api, "web-upload-a")
    assert len(courts) == 1, courts
    expect(count_cell(page, "Indexed cases by court", courts[0])).to_have_text("1")
    assert axe_violations(page) == []
    save_screenshot(page, "upload")


def test_a_file_that_is_not_a_pdf_is_refused_in_words(page, api, browser_events):
    browser_events.allow(r"status of 415")  # Chromium logs the refused upload itself
    open_upload_page(page, api, "web-upload-a")
    page.get_by_label("Upload PDFs").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"Minutes of the hearing, not a PDF.\n"}])
    row = page.get_by_role("listitem").filter(has_text="notes.txt")
    expect(row.get_by_role("alert")).to_contain_text(re.compile(r"Not accepted as a PDF: no %PDF- header"))
    expect(row).to_contain_text("Not uploaded")


def test_a_batch_job_shows_its_progress_and_a_second_is_told_when_to_retry(page, api, browser_events):
    browser_events.allow(r"status of 429")  # the refused second job, logged by Chromium
    folder = Path(api["settings"].api.batch_root) / "web-upload-b" / "one"
    folder.mkdir(parents=True)
    shutil.copy(SAMPLES / BATCHED, folder / BATCHED)
    open_upload_page(page, api, "web-upload-b")

    page.get_by_label("Folder").fill("one")
    start = page.get_by_role("button", name="Start batch job")
    start.click()
    job = page.get_by_role("listitem").filter(has_text="Folder one")
    expect(job).to_be_visible()
    # The first job is still starting or running (Ray starts a job in seconds, its pipeline
    # loads a model): the tenant's one slot is taken, the API answers 429 with Retry-After.
    expect(job.get_by_text(re.compile("^(Starting|Running)$"))).to_be_visible()
    start.click()
    refusal = page.locator("#batch-error").get_by_role("alert")
    expect(refusal).to_contain_text(f"retry in {INGEST['jobs_retry_after_s']} s")
    expect(refusal).to_contain_text("batch jobs pending or running")
    expect(page.get_by_role("listitem").filter(has_text="Folder one")).to_have_count(1)

    expect(job).to_contain_text("Finished", timeout=PROCESSING_MS)
    expect(job).to_contain_text("1 of 1 done")
    expect(job).to_contain_text("1 indexed, 0 duplicates, 0 failed")
    expect(count_cell(page, "Cases by status", "Indexed")).to_have_text("1")
