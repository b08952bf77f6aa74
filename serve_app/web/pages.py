"""The ``/app/`` routes: page shells rendered from ``templates/``, the static files beside
them, and whether a request to ``/`` came from a browser (which is sent to ``/app/``).

The contract for page authors is in this package's docstring (``serve_app/web/__init__.py``).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from serve_app.errors import ApiError

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_URL = "/app/static/"
# /app/<name> -> template; "" is the landing page (search). The reader has its own route.
PAGES = {"": "search.html", "search": "search.html", "chat": "chat.html", "upload": "upload.html",
         "signin": "signin.html"}

# Module scripts are refused unless served as JavaScript (and nosniff is on); Python 3.11's
# table lacks .mjs, PDF.js's extension.
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("text/javascript", ".js")

templates = Jinja2Templates(directory=TEMPLATES_DIR)
router = APIRouter(prefix="/app", include_in_schema=False)


def static_url(path: str) -> str:
    """The URL of a file under ``static/``.

    >>> static_url("js/api.js")
    '/app/static/js/api.js'
    """
    return STATIC_URL + path.lstrip("/")


templates.env.globals["static"] = static_url


def prefers_html(accept: str | None) -> bool:
    """Whether an Accept header asks for HTML before JSON: a browser navigating, not an API
    client (``*/*``, ``application/json`` or none at all).

    >>> prefers_html("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    True
    >>> prefers_html("*/*"), prefers_html("application/json"), prefers_html(None)
    (False, False, False)
    >>> prefers_html("application/json, text/html;q=0.5")
    False
    """
    weights: dict[str, float] = {}
    for media_range in (accept or "").split(","):
        media_type, *params = (part.strip() for part in media_range.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[media_type.lower()] = weight
    html = weights.get("text/html", 0.0)
    return html > 0 and html >= weights.get("application/json", 0.0)


def _render(request: Request, template: str, page: str, **context) -> HTMLResponse:
    gateway = getattr(request.app.state, "gateway", None)
    auth_enabled = True if gateway is None else gateway.auth_enabled
    return templates.TemplateResponse(request, template,
                                      {"page": page, "auth_enabled": auth_enabled, **context})


@router.get("/case/{case_id}", response_class=HTMLResponse)
async def case_page(request: Request, case_id: str) -> HTMLResponse:
    """The reader's shell; its script fetches the case (tenant-checked) by ``case_id``."""
    return _render(request, "case.html", "case", case_id=case_id)


@router.get("/case/{case_id}/summary", response_class=HTMLResponse)
async def summary_page(request: Request, case_id: str) -> HTMLResponse:
    """Summaries of a case: made on request, and those stored."""
    return _render(request, "summary.html", "summary", case_id=case_id)


@router.get("/case/{case_id}/questions", response_class=HTMLResponse)
async def questions_page(request: Request, case_id: str) -> HTMLResponse:
    """Questions about a case, each answer linked to its source span."""
    return _render(request, "questions.html", "questions", case_id=case_id)


@router.get("/", response_class=HTMLResponse)
@router.get("/{name}", response_class=HTMLResponse)
async def page(request: Request) -> HTMLResponse:
    # The name comes from the path only: on "/" a parameter would be read from the query, and
    # the pages' own query strings (search's ?p=2, ...) are theirs.
    name = request.path_params.get("name", "")
    if name not in PAGES:
        raise ApiError("not_found", f"no page {name!r}")
    return _render(request, PAGES[name], name or "search")


def install_web(app: FastAPI) -> None:
    """The pages and their static files on ``app``."""
    app.include_router(router)
    app.mount(STATIC_URL.rstrip("/"), StaticFiles(directory=STATIC_DIR), name="static")
