"""The search page and the case reader in a real browser on the shared deployment: a search
through the form lists its hits as items with title links, keeps the query (never the key) in
the URL and comes back on reload; a court filter narrows it; a hit opens the reader with the
matched chunk highlighted, focused and scrolled into view on its page, the original PDF drawn
on a canvas, the citator and similar cases; ``?page=N`` scrolls to a page; a case without stored
bytes and a missing case are told in words; axe-core finds no serious violation on either page.

Three text-layer opinions are uploaded for this module's own tenant, each with its own court.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from serve_app.client import LexRayClient
from tests.conftest import SAMPLES
from tests.deployed_app import wait_indexed
from tests.integration.api.shared_app import tenant_keys
from tests.integration.web_browser import axe_violations, save_screenshot, with_axe

KEYS = tenant_keys("web-search")
KEY = KEYS["web-search"]
SAMPLE_CASES = {
    "missouri": ("doctor__missouri.pdf", {"court": "Missouri Court of Appeals", "case_type": "criminal"}),
    "ca1": ("doctor__ca1_00117684624.pdf", {"court": "First Circuit", "case_type": "civil"}),
    "cacd": ("doctor__gov.uscourts.cacd.652774.40.0.pdf", {"court": "Central District of California",
                                                            "case_type": "civil"}),
}
PLEA_QUERY = "post-conviction relief guilty plea ineffective assistance of counsel"
BROAD_QUERY = "the court held that the motion should be denied"
# A pixel of the canvas that is drawn (not transparent, not white): PDF.js rendered the page.
CANVAS_DRAWN = """() => {
  const canvas = document.getElementById("pdf-canvas");
  if (!canvas || canvas.width === 0 || canvas.height === 0) return false;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 0; i < pixels.length; i += 4) {
    if (pixels[i + 3] > 0 && (pixels[i] < 200 || pixels[i + 1] < 200 || pixels[i + 2] < 200)) return true;
  }
  return false;
}"""


@pytest.fixture(scope="module")
def corpus(api) -> dict:
    """name -> {"case_id", "title" (as search shows it), "cleaned", "page_spans"}, all indexed."""
    client = LexRayClient(api["url"], api_key=KEY, timeout=120)
    uploads = {name: client.upload(SAMPLES / sample, **overrides) for name, (sample, overrides) in SAMPLE_CASES.items()}
    wait_indexed([(client, upload) for upload in uploads.values()])
    cases = {}
    for name, upload in uploads.items():
        record = client.case(upload.case_id, include_content=True)
        cases[name] = {"case_id": upload.case_id, "title": record.title or upload.case_id,
                       "cleaned": record.cleaned_content, "page_spans": record.page_spans}
    return cases


@pytest.fixture
def signed_in(page):
    """The page with this tenant's key in sessionStorage, as the sign-in page leaves it."""
    page.add_init_script(f"sessionStorage.setItem('lexray.apiKey', {KEY!r})")
    return page


def results(page):
    return page.locator("#search-results > li")


def search_through_form(page, api, query: str) -> None:
    page.goto(api["url"] + "/app/")
    page.get_by_label("Search").fill(query)
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"/app/\?q="))


def test_search_lists_hits_keeps_the_query_in_the_url_and_restores_on_reload(signed_in, api, corpus, browser_events):
    page = signed_in
    with_axe(page)
    search_through_form(page, api, PLEA_QUERY)
    missouri = corpus["missouri"]["title"]
    hit = results(page).filter(has=page.get_by_role("link", name=missouri, exact=True))
    expect(hit).to_have_count(1)
    expect(hit.locator(".snippet mark").first).to_be_visible()
    expect(hit.get_by_role("link", name=re.compile(r"page \d+"))).not_to_have_count(0)
    expect(hit.locator(".meta")).to_contain_text("Missouri Court of Appeals")
    expect(hit.locator(".meta")).to_contain_text("score")
    assert parse_qs(urlsplit(page.url).query)["q"] == [PLEA_QUERY]
    assert not any(KEY in url for url in browser_events.requested_urls + [page.url])
    assert axe_violations(page) == []
    save_screenshot(page, "search")

    page.reload()
    expect(page.get_by_label("Search")).to_have_value(PLEA_QUERY)
    expect(results(page).filter(has=page.get_by_role("link", name=missouri, exact=True))).to_have_count(1)


def test_a_court_filter_narrows_the_hits_and_stays_in_the_url(signed_in, api, corpus):
    page = signed_in
    search_through_form(page, api, BROAD_QUERY)
    expect(results(page).first).to_be_visible()
    assert results(page).count() > 1
    page.locator("#search-filters summary").click()
    expect(page.locator("#filter-court option[value='First Circuit']")).to_have_count(1)
    page.get_by_label("Court").select_option("First Circuit")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"court=First\+Circuit"))
    expect(results(page)).to_have_count(1)
    expect(results(page).get_by_role("link", name=corpus["ca1"]["title"], exact=True)).to_be_visible()

    page.goto(api["url"] + "/app/?q=" + BROAD_QUERY.replace(" ", "+") + "&mode=bm25&court=First+Circuit")
    expect(results(page)).to_have_count(1)
    expect(page.get_by_label("Court")).to_have_value("First Circuit")
    expect(page.get_by_label("Mode")).to_have_value("bm25")


def test_paging_past_the_last_hit_says_so_and_leads_back(signed_in, api, corpus):
    page = signed_in
    page.goto(api["url"] + "/app/?q=" + BROAD_QUERY.replace(" ", "+") + "&p=2")
    expect(page.get_by_role("status")).to_have_text("No cases on page 2.")
    page.get_by_role("button", name="Previous", exact=True).click()
    page.wait_for_url(re.compile(r"/app/\?q=[^&]+$"))
    expect(page.get_by_role("status")).to_have_text(re.compile(r"Page 1: cases 1–3"))
    expect(page.locator("#search-pager")).to_be_hidden()  # one page of hits: no pager


def test_a_hit_opens_the_reader_at_its_chunk_with_the_pdf_citator_and_similar_cases(signed_in, api, corpus):
    page = signed_in
    with_axe(page)
    missouri = corpus["missouri"]
    search_through_form(page, api, PLEA_QUERY)
    results(page).get_by_role("link", name=missouri["title"], exact=True).click()
    page.wait_for_url(re.compile(r"/app/case/.+\?page=\d+&start=\d+&end=\d+"))
    params = {name: int(values[0]) for name, values in parse_qs(urlsplit(page.url).query).items()}
    start, end, page_number = params["start"], params["end"], params["page"]

    mark = page.locator("#highlight")
    expect(mark).to_be_visible()
    expect(mark).to_be_in_viewport()
    expect(mark).to_be_focused()
    marked = mark.text_content()
    assert marked and missouri["cleaned"][start:end].startswith(marked)
    span = next(s for s in missouri["page_spans"] if s.char_start <= start < s.char_end)
    assert span.page == page_number
    expect(page.locator(f"#page-{page_number} #highlight")).to_have_count(1)
    expect(page.get_by_role("heading", name=missouri["title"], level=1)).to_be_visible()
    expect(page.locator("#case-metadata")).to_contain_text("Missouri Court of Appeals")

    expect(page.locator("#pdf-page-label")).to_have_text(re.compile(rf"Page {page_number} of \d+"))
    page.wait_for_function(CANVAS_DRAWN, timeout=60_000)
    expect(page.locator("#citator")).to_contain_text("Cites (")
    expect(page.locator("#citator")).to_contain_text("Cited by (")
    similar = page.locator("#similar a")
    expect(similar.first).to_be_visible()
    similar_titles = set(similar.all_text_contents())
    assert missouri["title"] not in similar_titles
    assert similar_titles <= {corpus["ca1"]["title"], corpus["cacd"]["title"]}
    expect(page.locator("#summary-link")).to_have_attribute("href", f"/app/case/{missouri['case_id']}/summary")
    expect(page.locator("#questions-link")).to_have_attribute("href", f"/app/case/{missouri['case_id']}/questions")
    assert axe_violations(page) == []
    save_screenshot(page, "reader")

    if page_number > 1:
        page.get_by_role("button", name="Previous page").click()
        expect(page.locator("#pdf-page-label")).to_have_text(re.compile(rf"Page {page_number - 1} of \d+"))
    else:
        page.get_by_role("button", name="Next page").click()
        expect(page.locator("#pdf-page-label")).to_have_text(re.compile(r"Page 2 of \d+"))


def test_the_reader_scrolls_to_a_page_and_says_when_no_pdf_is_stored(signed_in, api, corpus, browser_events):
    browser_events.allow(r"status of 404")  # Chromium logs the refused PDF itself
    page = signed_in
    case = max(corpus.values(), key=lambda c: len(c["page_spans"]))
    page_number = min(2, len(case["page_spans"]))
    page.route(re.compile(r".*/api/v1/retrieval/case/[^/]+/pdf$"), lambda route: route.fulfill(
        status=404, content_type="application/json",
        body='{"error": {"code": "not_found", "message": "the PDF is not stored", "request_id": "t"}}'))
    page.set_viewport_size({"width": 768, "height": 1024})  # a tablet
    page.goto(f"{api['url']}/app/case/{case['case_id']}?page={page_number}")
    heading = page.get_by_role("heading", name=f"Page {page_number}", exact=True)
    expect(heading).to_be_in_viewport()
    expect(heading).to_be_focused()
    expect(page.get_by_text("The original PDF is not stored for this case")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 768


def test_a_missing_case_is_told_in_words(signed_in, api, browser_events):
    browser_events.allow(r"status of 404")
    page = signed_in
    page.goto(api["url"] + "/app/case/no-such-case-0000")
    expect(page.get_by_role("heading", name="Case not found", level=1)).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Not found")
    expect(page.locator("#case-body")).to_be_hidden()


def test_the_api_gives_the_reader_what_it_links_to(api, corpus):
    """The search hit's link targets exist as the reader reads them (the PDF bytes are kept for
    an upload)."""
    with httpx.Client(base_url=api["url"], headers={"Authorization": f"Bearer {KEY}"}, timeout=120) as client:
        pdf = client.get(f"/api/v1/retrieval/case/{corpus['ca1']['case_id']}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
