"""``/docs`` (Swagger UI) and ``/redoc`` from the vendored copies in ``static/vendor/``:
FastAPI's defaults load them from a CDN (and a favicon from another site), so offline they
render blank and online every visit tells a third party. Each page's inline script is allowed
by its hash (``serve_app.http.docs_csp``)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse

from serve_app.http import docs_csp
from serve_app.web.pages import static_url

SWAGGER_UI = "vendor/swagger-ui-dist-5.35.0"
REDOC = "vendor/redoc-2.5.4"
FAVICON = f"{SWAGGER_UI}/favicon-32x32.png"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"


def _with_csp(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = docs_csp(page.body.decode())
    return page


def install_docs(app: FastAPI) -> None:
    """The docs pages on ``app`` (created with ``docs_url=None, redoc_url=None``)."""
    title = f"{app.title} API"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        # validatorUrl: none, else Swagger UI may send the spec to validator.swagger.io.
        return _with_csp(get_swagger_ui_html(
            openapi_url=app.openapi_url, title=title, oauth2_redirect_url=OAUTH2_REDIRECT_URL,
            swagger_js_url=static_url(f"{SWAGGER_UI}/swagger-ui-bundle.js"),
            swagger_css_url=static_url(f"{SWAGGER_UI}/swagger-ui.css"),
            swagger_favicon_url=static_url(FAVICON), swagger_ui_parameters={"validatorUrl": None}))

    @app.get(OAUTH2_REDIRECT_URL, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return _with_csp(get_swagger_ui_oauth2_redirect_html())

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return _with_csp(get_redoc_html(
            openapi_url=app.openapi_url, title=title, redoc_js_url=static_url(f"{REDOC}/redoc.standalone.js"),
            redoc_favicon_url=static_url(FAVICON), with_google_fonts=False))
