"""The summary, questions and chat pages in a real browser (Debian's chromium, driven by
Playwright) on the shared deployment, the LLM on vLLM (CPU, SmolLM2): an extractive summary's
sentences link to their span in the reader; generated questions each link to their source
passage; a chat answer streams as a draft, then the checked answer's citations open the reader
at the cited case, page and span; sessions are listed, resumed by URL and deleted; axe-core
finds no serious or critical violation on the three pages.

Generation on CPU is slow, so each page generates once. What the page shows is compared with
what the API answered it (the response the browser received, or the stored conversation)."""

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

TENANT = "web-generation"
KEY = tenant_keys(TENANT)[TENANT]
MISSOURI = "doctor__missouri.pdf"
QUESTION = "Did plea counsel coerce Jagels into pleading guilty?"
GENERATION_MS = 600_000  # CPU generation, other modules' requests in the same queue


@pytest.fixture(scope="module")
def case_id(api) -> str:
    client = LexRayClient(api["url"], api_key=KEY, timeout=600)
    upload = client.upload(SAMPLES / MISSOURI)
    wait_indexed([(client, upload)])
    return upload.case_id


def http(api) -> httpx.Client:
    return httpx.Client(base_url=api["url"], headers={"Authorization": f"Bearer {KEY}"}, timeout=120)


def allow_nothing_stored_yet(browser_events) -> None:
    """The stored summaries and question sets of a case answer 404 while there are none (the
    page says so in words); Chromium logs each such response as an error."""
    browser_events.allow(r"status of 404 .*/api/v1/(summarization/summary/|questions/case/)")


def sign_in(page, api) -> None:
    page.goto(api["url"] + "/app/signin")
    page.get_by_label("API key").fill(KEY)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(api["url"] + "/app/")


def reader_url(case: str, page_number, start, end) -> str:
    return f"/app/case/{case}?page={page_number}&start={start}&end={end}"


def test_an_extractive_summary_links_each_sentence_to_its_span_in_the_reader(page, api, case_id, browser_events):
    allow_nothing_stored_yet(browser_events)
    with_axe(page)
    sign_in(page, api)
    page.goto(f"{api['url']}/app/case/{case_id}/summary")
    expect(page.locator("#summary-length option")).not_to_have_count(0)
    expect(page.get_by_role("status").filter(has_text=re.compile("stored|No stored summaries"))).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Extractive").check()
    with page.expect_response("**/api/v1/summarization/summarize1", timeout=GENERATION_MS) as answered:
        page.get_by_role("button", name="Summarize").click()
    assert answered.value.status == 200
    sentences = answered.value.json()["summaries"]["extractive"]["sentences"]
    links = page.locator("#summary-result .summary-sentences a")
    expect(links).to_have_count(len(sentences))
    for link, sentence in zip(links.all(), sentences):
        assert sentence["page"] is not None
        expect(link).to_have_attribute("href", reader_url(case_id, sentence["page"], sentence["char_start"],
                                                          sentence["char_end"]))
        expect(link).to_have_text(sentence["text"])
    expect(page.get_by_role("button", name="Summarize")).to_be_enabled()
    assert axe_violations(page) == []
    first = sentences[0]
    with page.expect_navigation() as opened:
        links.first.click()
    assert opened.value.status == 200  # the reader (built beside this page) opens at that span
    assert page.url == api["url"] + reader_url(case_id, first["page"], first["char_start"], first["char_end"])


def test_three_questions_each_link_to_their_source_passage(page, api, case_id, browser_events):
    allow_nothing_stored_yet(browser_events)
    with_axe(page)
    sign_in(page, api)
    page.goto(f"{api['url']}/app/case/{case_id}/questions")
    expect(page.locator("#question-type option")).not_to_have_count(0)
    page.get_by_label("Question type").select_option("common")
    page.get_by_label("Difficulty").select_option("easy")
    page.get_by_label("Number of questions").fill("3")
    expect(page.get_by_role("status").filter(has_text=re.compile("stored|No stored question sets"))).to_be_visible()
    assert axe_violations(page) == []
    with page.expect_response("**/api/v1/questions/generate", timeout=GENERATION_MS) as answered:
        page.get_by_role("button", name="Generate questions").click()
    assert answered.value.status == 200, answered.value.text()
    question_set = answered.value.json()
    assert question_set["question_type"] == "common" and question_set["difficulty"] == "easy"
    items = page.locator("#questions-result li.question")
    expect(items).to_have_count(3)
    for item, question in zip(items.all(), question_set["questions"]):
        expect(item.locator(".question-text")).to_have_text(question["question"])
        source = question["source"]
        expect(item.locator("a.source-link")).to_have_attribute(
            "href", reader_url(case_id, source["page"], source["char_start"], source["char_end"]))
    # the new set is listed among the stored ones
    expect(page.locator("#stored-questions details")).not_to_have_count(0)
    assert axe_violations(page) == []


OBSERVE_DRAFT = """() => {
  window.draftTexts = [];
  const log = document.getElementById("conversation");
  new MutationObserver(() => {
    const draft = log.querySelector('[data-state="streaming"]');
    if (draft && draft.textContent && !log.querySelector('[data-state="checked"]')) {
      window.draftTexts.push(draft.textContent);
    }
  }).observe(log, { subtree: true, childList: true, characterData: true });
}"""


def test_a_streamed_answer_cites_the_reader_and_its_session_is_listed_resumed_and_deleted(page, api, case_id):
    with_axe(page)
    sign_in(page, api)
    page.goto(api["url"] + "/app/chat")
    expect(page.get_by_label("Message")).to_be_visible()
    expect(page.get_by_role("button", name="New chat")).to_be_visible()
    assert axe_violations(page) == []
    page.evaluate(OBSERVE_DRAFT)
    page.get_by_label("Message").fill(QUESTION)
    page.get_by_role("button", name="Send").click()
    answer = page.locator('.message.assistant [data-state="checked"]')
    expect(answer).to_be_visible(timeout=GENERATION_MS)
    # the draft showed streamed tokens before the checked answer replaced it
    assert page.evaluate("() => window.draftTexts.length") > 0
    expect(page.locator('[data-state="streaming"]')).to_have_count(0)
    page.wait_for_url(re.compile(r"/app/chat\?session="))
    session_id = parse_qs(urlsplit(page.url).query)["session"][0]

    with http(api) as client:
        stored = client.get(f"/api/v1/chat/conversation/{session_id}").json()
    citations = stored["messages"][-1]["citations"]
    assert citations and {c["case_id"] for c in citations} == {case_id}
    expected = {reader_url(c["case_id"], c["page"], c["char_start"], c["char_end"]) for c in citations}
    sources = answer.locator(".sources a")
    expect(sources).to_have_count(len(citations))
    assert {link.get_attribute("href") for link in sources.all()} == expected
    markers = answer.locator("a.citation-marker")  # the [n] in the text, where the model wrote them
    assert {link.get_attribute("href") for link in markers.all()} <= expected
    save_screenshot(page, "chat")
    assert axe_violations(page) == []

    listed = page.locator(f"#session-list a[data-session-id='{session_id}']")
    expect(listed).to_be_visible()
    expect(listed).to_have_attribute("href", f"/app/chat?session={session_id}")
    expect(page.locator("#sessions-status")).not_to_have_text("No conversations yet.")

    page.goto(f"{api['url']}/app/chat?session={session_id}")
    expect(page.locator(".message.user")).to_have_text(re.compile(re.escape(QUESTION)))
    expect(page.locator('.message.assistant [data-state="checked"]')).to_have_count(1)
    expect(page.locator('.message.assistant [data-state="checked"] .sources a')).to_have_count(len(citations))

    # A citation opens the reader at the cited page with the cited span marked and focused.
    cited = citations[0]
    with http(api) as client:
        cleaned = client.get(f"/api/v1/retrieval/case/{case_id}",
                             params={"include_content": "true"}).json()["cleaned_content"]
    cited_url = reader_url(cited["case_id"], cited["page"], cited["char_start"], cited["char_end"])
    page.locator(f'.message.assistant [data-state="checked"] .sources a[href="{cited_url}"]').first.click()
    page.wait_for_url(re.compile(r"/app/case/"))
    mark = page.locator("#highlight")
    expect(mark).to_be_focused()
    marked = mark.text_content()
    assert marked and cleaned[cited["char_start"]:cited["char_end"]].startswith(marked)
    expect(page.locator(f"#page-{cited['page']} #highlight")).to_have_count(1)
    expect(page.locator("#pdf-page-label")).to_have_text(re.compile(rf"Page {cited['page']} of \d+"))
    page.go_back()
    page.wait_for_url(re.compile(r"/app/chat\?session="))

    entry = page.locator("#session-list li").filter(has=page.locator(f"a[data-session-id='{session_id}']"))
    entry.get_by_role("button", name=re.compile("^Delete conversation")).click()
    entry.get_by_role("button", name="Confirm delete").click()
    expect(page.locator(f"#session-list a[data-session-id='{session_id}']")).to_have_count(0)
    expect(page.locator(".message")).to_have_count(0)
    assert page.url == api["url"] + "/app/chat"
    with http(api) as client:
        assert client.get(f"/api/v1/chat/conversation/{session_id}").status_code == 404
