"""The web app's platform in a real browser (Debian's chromium, driven by Playwright) on the
shared deployment: /docs and /redoc render from vendored assets with nothing fetched from
outside the app and no CSP violation; browsers asking for / land on /app/; signing in keeps the
key in sessionStorage only (never a URL) and signing out clears it; a wrong key is told in
words; axe-core finds no serious or critical violation on the shells."""

from __future__ import annotations

import re

import httpx

from serve_app.http import APP_CSP
from tests.integration.api.shared_app import tenant_keys
from tests.integration.web_browser import axe_violations, with_axe

KEYS = tenant_keys("web-a")
KEY = KEYS["web-a"]
STORED_KEY = "() => sessionStorage.getItem('lexray.apiKey')"
# Swagger UI puts zero-width spaces into paths (for line breaks): compare without them.
SHOWS_SEARCH_ROUTE = """(selector) => [...document.querySelectorAll(selector)]
    .some((element) => element.textContent.replace(/\\u200b/g, "").includes("/api/v1/retrieval/search"))"""


def sign_in(page, api, key: str = KEY) -> None:
    page.goto(api["url"] + "/app/signin")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()


def test_docs_render_swagger_ui_from_the_app_alone(page, api):
    page.goto(api["url"] + "/docs")
    page.wait_for_function(SHOWS_SEARCH_ROUTE, arg=".opblock-summary-path", timeout=60_000)
    assert page.title() == "LexRay API"


def test_redoc_renders_from_the_app_alone(page, api):
    page.goto(api["url"] + "/redoc")
    page.wait_for_function(SHOWS_SEARCH_ROUTE, arg="body", timeout=60_000)
    page.get_by_role("heading", name=re.compile("LexRay")).first.wait_for()


def test_headers_public_paths_and_types(api):
    with httpx.Client(base_url=api["url"], timeout=60) as client:
        for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
            docs = client.get(path)
            assert docs.status_code == 200, path
            csp = docs.headers["content-security-policy"]
            assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0], csp
            assert "cdn.jsdelivr.net" not in docs.text and "fastapi.tiangolo.com" not in docs.text
            assert "fonts.googleapis.com" not in docs.text
        shell = client.get("/app/")
        assert shell.status_code == 200 and shell.headers["content-security-policy"] == APP_CSP
        assert 'data-auth-enabled="true"' in shell.text
        assert client.get("/app").status_code in (200, 307)
        assert client.get("/app/nope").status_code == 404
        for path, kind in (("/app/static/js/api.js", "text/javascript"), ("/app/static/app.css", "text/css"),
                           ("/app/static/vendor/pdfjs-dist-6.5.438/pdf.worker.min.mjs", "text/javascript")):
            asset = client.get(path)
            assert asset.status_code == 200 and asset.headers["content-type"].startswith(kind), (path, asset.headers)
        assert client.get("/api/v1/retrieval/stats").status_code == 401  # the API stays behind the key
        root = client.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        assert root.status_code == 307 and root.headers["location"] == "/app/"
        assert client.get("/", headers={"Accept": "*/*"}).json()["name"] == "LexRay"
        assert client.get("/", headers={"Accept": "application/json"}).json()["links"]["app"] == "/app/"


def test_a_browser_asking_for_the_root_lands_on_the_app(page, api):
    page.goto(api["url"] + "/")
    page.wait_for_url(re.compile(r"/app/signin\?next="))  # auth is on and no key is held yet
    assert page.get_by_label("API key").is_visible()


def test_sign_in_keeps_the_key_for_the_session_only_and_sign_out_clears_it(page, api, browser_events):
    sign_in(page, api)
    page.wait_for_url(api["url"] + "/app/")
    assert page.evaluate(STORED_KEY) == KEY
    assert page.evaluate("() => localStorage.length") == 0
    assert page.evaluate("() => document.cookie") == ""
    page.get_by_label("Search").fill("guilty plea")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/app/\?q=guilty"))
    page.get_by_role("status").filter(has_text=re.compile("cases|No cases")).wait_for()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(api["url"] + "/app/signin")
    assert page.evaluate(STORED_KEY) is None
    assert not any(KEY in url for url in browser_events.requested_urls + [page.url])


def test_a_wrong_key_is_told_in_words(page, api, browser_events):
    browser_events.allow(r"status of 401")  # Chromium logs the refused check itself
    wrong = "wrong-key-" + "x" * 24
    sign_in(page, api, wrong)
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "not accepted" in alert.inner_text()
    assert page.evaluate(STORED_KEY) is None
    assert "/app/signin" in page.url
    assert not any(wrong in url for url in browser_events.requested_urls)


def test_the_shells_pass_axe(page, api):
    with_axe(page)
    page.goto(api["url"] + "/app/signin")
    page.get_by_label("API key").wait_for()
    assert axe_violations(page) == []
    sign_in(page, api)
    page.wait_for_url(api["url"] + "/app/")
    page.get_by_label("Search").wait_for()
    assert axe_violations(page) == []
