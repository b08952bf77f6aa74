"""The web application at ``/app/``: server-rendered page shells on the gateway itself, whose
scripts call the same ``/api/v1`` API as every other client (no second data path).

The contract page authors build on:

- **Pages** are Jinja2 templates in ``serve_app/web/templates/``, each extending ``base.html``
  and filling its blocks: ``title`` (the text before " · LexRay"), ``content`` (inside
  ``<main id="main">``) and ``scripts`` (the page's own ``<script type="module"
  src="{{ static('js/<page>.js') }}">``). A page is added to ``PAGES`` in
  ``serve_app/web/pages.py`` (``/app/<name>`` -> template); the reader is
  ``/app/case/{case_id}``. Templates render no tenant data: the page script fetches it.
  Template context: ``page`` (the name, for the nav's ``aria-current``), ``auth_enabled``,
  ``static(path)`` (the URL of a file under ``static/``), and ``case_id`` on the reader.
- **No inline code**: the pages' CSP (``APP_CSP`` in ``serve_app/http.py``) allows scripts,
  styles, fetches and workers from the app's own origin only; no ``<script>`` bodies, ``on*=``
  attributes or ``style=`` attributes. Styles go in ``static/app.css``; vendored libraries in
  ``static/vendor/<package>-<version>/`` with their licence (listed in its README.md).
- **Scripts** are ES modules importing ``static/js/api.js``: ``apiJson`` / ``apiFetch`` (the API
  key from sessionStorage as ``Authorization: Bearer``; errors thrown as ``ApiError`` with
  ``status``, ``code``, ``message``, ``requestId``, ``retryAfter``), ``streamEvents`` (a POST
  answered with server-sent events, as parsed objects), ``showError(container, err)`` (a
  readable message; 429 says when to retry), ``requireSignIn()`` (sends the browser to the
  sign-in page when auth is on and no key is held) and ``getKey`` / ``setKey`` / ``clearKey``.
  ``static/js/session.js`` (loaded by ``base.html`` on every page) runs the header's "Sign out".
- **Public paths**: the shells and ``/app/static/`` load without a key; the data they show
  needs one, as the API always does.
"""
