"""One deployment of the whole application for every module of this package.

Deploying the app (the LLM deployment on vLLM, the embedding model in each replica) takes over
a minute here; the modules below need nothing of it but their own tenants (``shared_app.py``), so
they share one deployment instead of each starting its own. Modules that need different
settings (limits, a MongoDB that fails, a sandboxed data directory) deploy their own elsewhere.
The package-scoped fixture ends with the package, before any other module deploys.
"""

from __future__ import annotations

import pytest

from tests.deployed_app import deployed_app
from tests.integration.api.shared_app import INGEST, LLM, MAX_UPLOAD_BYTES, REGISTERED
# The browser fixtures are defined once, here: imported into each module, the session-scoped
# browser became one per module, and a second Playwright cannot start while the first runs.
from tests.integration.web_browser import browser, browser_events, page  # noqa: F401


@pytest.fixture(scope="package")
def shared_app(ray_address, mongo_uri, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("shared-data")
    batch_root = data_dir / "batch"  # each module makes its tenants' folders in it
    batch_root.mkdir()
    with deployed_app("shared", mongo_uri, tmp_path_factory, dict(REGISTERED), data_dir=data_dir,
                      api={"max_upload_bytes": MAX_UPLOAD_BYTES, "batch_root": str(batch_root)},
                      llm=LLM, ingest=INGEST) as app:
        yield app


@pytest.fixture(scope="package")
def api(shared_app):
    """What every module of this package calls the app: ``{"url", "settings", "store"}``."""
    return shared_app
