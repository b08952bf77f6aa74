"""The web app's platform without services: which paths are public and which CSP each gets,
the docs pages' inline scripts allowed by hash, browsers told apart from API clients at ``/``,
the shells rendered with no inline code, and every static file a template names present."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from serve_app.errors import install_error_handlers
from serve_app.gateway import create_app
from serve_app.http import API_CSP, APP_CSP, csp_for, docs_csp, is_public
from serve_app.web.pages import PAGES, STATIC_DIR, STATIC_URL, TEMPLATES_DIR, prefers_html

STATIC_REFERENCE = re.compile(r"""static\(['"]([^'"]+)['"]\)""")


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = create_app()  # routes only: no HTTP layer, no gateway state (auth shown on)
    install_error_handlers(app)
    return TestClient(app)


@pytest.mark.parametrize("path, public, csp", [
    ("/app/", True, APP_CSP), ("/app", True, APP_CSP), ("/app/signin", True, APP_CSP),
    ("/app/case/abc", True, APP_CSP), ("/app/static/js/api.js", True, APP_CSP),
    ("/api/v1/retrieval/search", False, API_CSP), ("/api/v1/audit", False, API_CSP),
    ("/application", False, API_CSP), ("/app/../api/v1/audit", False, APP_CSP),
    ("/", True, API_CSP), ("/openapi.json", True, API_CSP), ("/health", True, API_CSP),
])
def test_public_paths_and_csp_per_path(path, public, csp):
    assert is_public(path) is public
    assert csp_for(path) == csp


def test_the_pages_csp_allows_nothing_inline_or_foreign():
    directives = dict(part.split(" ", 1) for part in APP_CSP.split("; "))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert all("http" not in value and "unsafe" not in value for value in directives.values())


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_docs_pages_use_vendored_assets_and_hash_their_inline_scripts(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert not re.search(r"""(src|href)=["']?https?:""", response.text), "something loads from outside"
    csp = response.headers["content-security-policy"]
    assert csp == docs_csp(response.text)
    script_src = next(part for part in csp.split("; ") if part.startswith("script-src"))
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", response.text)
    assert script_src.count("'sha256-") == len(inline)
    for url in re.findall(r"""(?:src|href)=["']?(/app/static/[^"' >]+)""", response.text):
        assert (STATIC_DIR / url.removeprefix(STATIC_URL)).is_file(), url


def test_swagger_ui_is_told_not_to_call_its_public_validator(client):
    assert '"validatorUrl": null' in client.get("/docs").text


@pytest.mark.parametrize("accept, html", [
    ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8", True),
    ("*/*", False), ("application/json", False), ("", False), (None, False),
    ("application/json;q=0.9, text/html", True), ("text/html;q=0", False), ("text/html;q=bad", False),
])
def test_browsers_are_told_apart_from_api_clients(accept, html):
    assert prefers_html(accept) is html


def test_root_sends_browsers_to_the_app_and_api_clients_json(client):
    browser = client.get("/", headers={"Accept": "text/html,*/*;q=0.8"}, follow_redirects=False)
    assert browser.status_code == 307 and browser.headers["location"] == "/app/"
    assert client.get("/", headers={"Accept": "*/*"}).json()["links"]["app"] == "/app/"
    assert client.get("/").json()["name"] == "LexRay"


CASE_PAGES = ["/app/case/some-case", "/app/case/some-case/summary", "/app/case/some-case/questions"]


@pytest.mark.parametrize("path", [f"/app/{name}" for name in PAGES] + CASE_PAGES)
def test_every_page_renders_a_shell_without_inline_code(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<main id="main"' in html and 'class="skip-link" href="#main"' in html
    assert 'data-auth-enabled="true"' in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'type="module"' in tag and "src=" in tag, tag
    assert not re.search(r"<script[^>]*>\s*[^<\s]", html), "an inline script"
    assert not re.search(r"\son[a-z]+=", html), "an inline event handler"
    assert not re.search(r"\sstyle=|<style", html), "an inline style"
    for url in re.findall(r"""(?:src|href)=["'](/app/static/[^"']+)""", html):
        assert (STATIC_DIR / url.removeprefix(STATIC_URL)).is_file(), url


def test_the_sign_in_field_is_labelled_api_key_and_never_submitted(client):
    html = client.get("/app/signin").text
    assert '<label for="api-key">API key</label>' in html
    field = re.search(r"<input[^>]*id=\"api-key\"[^>]*>", html, re.S).group(0)
    assert "name=" not in field and 'type="password"' in field
    assert 'method="post"' in html


def test_case_ids_are_escaped_in_the_reader_shell(client):
    assert "<script>" not in client.get("/app/case/%3Cscript%3E").text


def test_an_unknown_page_is_a_404(client):
    assert client.get("/app/nope").status_code == 404


def test_a_page_query_parameter_is_the_page_s_own(client):
    # /app/ takes no page name from its query: ?page=2 is a page script's, not a route's.
    for url in ("/app/?page=2", "/app/?page=nope", "/app/chat?page=3"):
        response = client.get(url)
        assert response.status_code == 200 and '<main id="main"' in response.text, url


def test_every_static_file_a_template_names_exists():
    referenced = {name for template in TEMPLATES_DIR.glob("*.html")
                  for name in STATIC_REFERENCE.findall(template.read_text())}
    assert {"app.css", "js/session.js", "favicon.svg"} <= referenced  # api.js: imported by the scripts
    for name in referenced:
        assert (STATIC_DIR / name).is_file(), name


def test_scripts_import_only_files_that_exist():
    for script in (STATIC_DIR / "js").glob("*.js"):
        for imported in re.findall(r"""from\s+["'](\.[^"']+)["']""", script.read_text()):
            assert (script.parent / imported).resolve().is_file(), (script.name, imported)


def test_static_files_are_served_with_module_friendly_types(client):
    for path, kind in (("js/api.js", "text/javascript"), ("app.css", "text/css"),
                       ("vendor/pdfjs-dist-6.5.438/pdf.min.mjs", "text/javascript")):
        response = client.get(STATIC_URL + path)
        assert response.status_code == 200 and response.headers["content-type"].startswith(kind), path


def test_every_vendored_package_carries_its_licence_and_no_source_maps():
    folders = [folder for folder in (STATIC_DIR / "vendor").iterdir() if folder.is_dir()]
    assert folders
    readme = (STATIC_DIR / "vendor" / "README.md").read_text()
    for folder in folders:
        assert (folder / "LICENSE").is_file(), folder.name
        assert not list(folder.glob("*.map")), folder.name
        package, version = folder.name.rsplit("-", 1)
        assert f"| {package} | {version} |" in readme, folder.name
