"""Hostile HTTP input on the real stack (Ray Serve, the MongoDB-protocol server, tesseract, the
bundled embedding model, vLLM on CPU): schemathesis fuzzes every operation of the live
OpenAPI spec and no request may get a 5xx; another tenant's key never reads tenant A's data on
any route that reads data; uploads and batch folders cannot reach outside the data directory;
API keys never reach a log.

Tenant A holds two text-layer opinions, a stored summary (of a case and of an upload), a
stored question set, a chat session and a finished batch job; tenant B starts with nothing.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests import pdf_factory
from tests.conftest import PROJECT_ROOT, SAMPLES
from tests.deployed_app import ERROR_FIELDS, assert_error, deployed_app, wait_indexed
from serve_app.client import LexRayClient

KEYS = {"tenant-a": "key-ha-" + uuid.uuid4().hex, "tenant-b": "key-hb-" + uuid.uuid4().hex}
SAMPLE_CASES = {"missouri": "doctor__missouri.pdf", "cacd": "doctor__gov.uscourts.cacd.652774.40.0.pdf"}
# In the name of every hostile file and folder, so a file that escaped is found by its name.
MARK = "lxr-escape-" + uuid.uuid4().hex[:10]
MAX_UPLOAD_BYTES = 3_000_000
PUBLIC = {("GET", "/"), ("GET", "/health"), ("GET", "/health/ready"), ("GET", "/health/live")}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory) -> dict[str, Path]:
    """The app's data dir with its batch root, and a folder beside it that it must not reach."""
    data_dir = tmp_path_factory.mktemp("hostile-data")
    outside = tmp_path_factory.mktemp("hostile-outside")
    (outside / "secret.pdf").write_bytes(pdf_factory.text_pdf(["OUTSIDE THE BATCH ROOT " + MARK]))
    batch_root = data_dir / "batch"  # each tenant reads only its own <batch_root>/<tenant>
    for tenant in ("tenant-a", "tenant-b"):
        (batch_root / tenant / "empty").mkdir(parents=True)
        (batch_root / tenant / "escape").symlink_to(outside, target_is_directory=True)
        (batch_root / tenant / "loop").symlink_to(batch_root / tenant / "loop")  # resolves to itself
    return {"data_dir": data_dir, "batch_root": batch_root, "outside": outside,
            "base": tmp_path_factory.getbasetemp()}


@pytest.fixture(scope="module")
def api(ray_address, mongo_uri, tmp_path_factory, sandbox):
    # Generation capped so that fuzzed valid requests to the LLM-backed routes stay short.
    with deployed_app("hostile", mongo_uri, tmp_path_factory, KEYS, data_dir=sandbox["data_dir"],
                      api={"batch_root": str(sandbox["batch_root"]), "max_upload_bytes": MAX_UPLOAD_BYTES},
                      llm={"max_tokens": 32, "request_timeout_s": 240},
                      questions={"max_questions": 2, "max_model_calls": 2},
                      chat={"answer_max_tokens": 48, "rewrite_max_tokens": 16}) as app:
        yield app


def client_for(api, tenant: str) -> LexRayClient:
    return LexRayClient(api["url"], api_key=KEYS[tenant], timeout=300)


def http(api, tenant: str) -> httpx.Client:
    return httpx.Client(base_url=api["url"], headers={"Authorization": f"Bearer {KEYS[tenant]}"}, timeout=300)


@pytest.fixture(scope="module")
def corpus(api, sandbox) -> dict:
    """Tenant A's data: two indexed cases, stored summaries and questions, a chat session, a batch job."""
    a = client_for(api, "tenant-a")
    uploads = {name: a.upload(SAMPLES / sample) for name, sample in SAMPLE_CASES.items()}
    job = a.start_batch("empty")
    wait_indexed([(a, upload) for upload in uploads.values()])
    case_ids = {name: upload.case_id for name, upload in uploads.items()}
    cases = {name: api["store"].get_case(case_id) for name, case_id in case_ids.items()}
    summary = a.summarize_case(case_ids["missouri"], length="short", mode="extractive")
    upload_pdf = (SAMPLES / "doctor__ca1_00117684624.pdf").read_bytes()
    with http(api, "tenant-a") as raw:
        stored_upload = raw.post("/api/v1/summarization/summarize-uploaded",
                                 files={"file": ("ca1.pdf", upload_pdf, "application/pdf")},
                                 data={"mode": "extractive", "length": "short", "store": "true"})
        assert stored_upload.status_code == 200, stored_upload.text
        questions = raw.post("/api/v1/questions/generate",
                             json={"case_id": case_ids["missouri"], "num_questions": 1, "difficulty": "easy"})
    reply = a.chat("Did plea counsel coerce Jagels into pleading guilty?")
    finished = a.wait_for_batch(job.job_id, timeout_s=300, poll_s=2)
    assert finished.status == "SUCCEEDED", finished
    return {
        "case_ids": case_ids,
        "titles": {case["title"] for case in cases.values() if case.get("title")},
        "courts": {case["metadata"].get("court") for case in cases.values()} - {None},
        "hashes": {case["document_hash"] for case in cases.values()},
        "summary_id": summary.summary_id,
        "upload_hash": stored_upload.json()["document_hash"],
        "questions_stored": questions.status_code == 200,
        "session_id": reply.session_id,
        "job_id": job.job_id,
    }


def stored_cases(api, tenant: str) -> dict[str, str]:
    return {case["case_id"]: case["processing_status"]
            for case in api["store"].cases.find({"tenant_id": tenant}, {"case_id": 1, "processing_status": 1})}


# 1. Schemathesis: every operation, positive and negative examples, never a 5xx.

# Operations that call the LLM get fewer examples: a valid request is seconds of generation.
LLM_PATHS = ("/api/v1/summarization/summarize", "/api/v1/questions/", "/api/v1/chat/message",
             "/api/v1/chat/ask", "/v1/chat/completions", "/v1/completions")
EXAMPLES = {"cheap": 25, "llm": 5}  # per generation mode
SHORT_GENERATION = 16  # completion tokens a fuzzed OpenAI request asks for at most (when valid)


def bounded_generation(case):
    """A fuzzed request's own generation length capped (a 2,000-token completion is minutes on
    CPU); values outside the valid range are left alone, so their 4xx is still exercised."""
    body = case.body if isinstance(case.body, dict) else None
    if body is None:
        return case
    for field in ("max_tokens", "max_completion_tokens"):
        value = body.get(field)
        if isinstance(value, int) and not isinstance(value, bool) and SHORT_GENERATION < value < 2048:
            body[field] = SHORT_GENERATION
    length = body.get("length")
    if (isinstance(length, int) and not isinstance(length, bool) and length > 40) or length in ("medium", "long"):
        body["length"] = "short"
    return case


def test_schemathesis_finds_no_5xx(api, corpus):
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings as hypothesis_settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    before = stored_cases(api, "tenant-a")
    auth = {"Authorization": f"Bearer {KEYS['tenant-a']}"}
    schema = schemathesis.openapi.from_url(api["url"] + "/openapi.json", headers=auth, timeout=60)
    statuses: dict[str, Counter] = {}
    failures: list[str] = []
    rejected_by_server: list[str] = []
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        kind = "llm" if operation.path.startswith(LLM_PATHS) else "cheap"
        counts = statuses.setdefault(label, Counter())
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode).map(bounded_generation)

            @hypothesis_settings(max_examples=EXAMPLES[kind], deadline=None, derandomize=True, database=None,
                                 phases=[Phase.explicit, Phase.generate],
                                 suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def exercise(case):
                response = case.call(base_url=api["url"], headers=auth, timeout=300)
                counts[response.status_code] += 1
                if protocol_rejection(response):
                    rejected_by_server.append(label)
                    return
                problem = response_problem(response)
                if problem:
                    curl = case.as_curl_command(headers=auth)  # the key shows as [Filtered]
                    failures.append(f"{label} [{mode.value}] -> {response.status_code} {problem}: "
                                    f"{response.text[:300]}\n    {curl[:1500]}")

            try:
                exercise()
            except Unsatisfiable:  # nothing of it can be invalid (e.g. no parameters): no negative examples
                assert mode is GenerationMode.NEGATIVE, label
    elapsed = time.monotonic() - started
    total = sum(sum(counts.values()) for counts in statuses.values())
    by_class = Counter(f"{status // 100}xx" for counts in statuses.values() for status in counts.elements())
    print(f"\nschemathesis {schemathesis.__version__}: {len(operations)} operations, {total} requests "
          f"in {elapsed:.0f} s; {dict(sorted(by_class.items()))}; refused by the HTTP server "
          f"before the app (URL over {MAX_URL_BYTES} bytes): {len(rejected_by_server)}")
    for label, counts in statuses.items():
        print(f"  {label:55} {dict(sorted(counts.items()))}")
    assert len(operations) == len(api_operations(api)) and total >= 4 * len(operations)
    assert not failures, "\n".join(failures)
    assert stored_cases(api, "tenant-a") == before


# h11's limit on a request line plus headers in Serve's uvicorn proxy (not configurable through
# Serve): a longer URL is refused with a plain-text 400 before any of LexRay's code runs.
MAX_URL_BYTES = 16 * 1024


def protocol_rejection(response) -> bool:
    return (response.status_code == 400 and response.text == "Invalid HTTP request received."
            and len(response.request.url.encode()) > MAX_URL_BYTES)


def response_problem(response) -> str | None:
    """Why ``response`` is unacceptable: a 5xx, or a 4xx without the one error body."""
    if response.status_code >= 500:
        return "server error"
    if response.status_code >= 400:
        try:
            error = response.json()["error"]
        except Exception:  # noqa: BLE001 - anything unparsable is the finding
            return "4xx without the error body"
        if set(error) != ERROR_FIELDS:
            return "4xx with another error shape"
    return None


def api_operations(api) -> set[tuple[str, str]]:
    spec = httpx.get(api["url"] + "/openapi.json", timeout=60).json()
    return {(method.upper(), path) for path, methods in spec["paths"].items() for method in methods}


# 2. Tenant isolation on every route that reads data.

# Routes that read no tenant's data: static descriptions, generation from the request's own
# text or file, the model list, an upload (a write; its isolation is test_serve_api's).
NO_TENANT_DATA = {
    ("GET", "/api/v1/summarization/supported-lengths"), ("GET", "/api/v1/summarization/focus-areas"),
    ("GET", "/api/v1/questions/types"), ("GET", "/api/v1/questions/focus-areas"),
    ("GET", "/api/v1/chat/intents"), ("GET", "/api/v1/chat/session/new"),
    ("POST", "/api/v1/summarization/summarize-text"), ("POST", "/api/v1/ingestion/upload"),
    ("GET", "/v1/models"), ("POST", "/v1/chat/completions"), ("POST", "/v1/completions"),
    ("GET", "/api/v1/operator/health"),  # component health, no tenant's data; operators only
}


def isolation_checks(corpus: dict, b_cases: int) -> dict[tuple[str, str], list]:
    """Per route, what tenant B sends to reach tenant A's data: ``(method, url, kwargs, expect)``
    with ``expect`` 404 (A's id answers like a missing one) or a function of the 200 body that
    must hold (no A id, title or court in it)."""
    a_ids = list(corpus["case_ids"].values())
    a_case, session, job = a_ids[0], corpus["session_id"], corpus["job_id"]
    stored_keys = [a_case, *corpus["hashes"], corpus["upload_hash"]]
    question = "Did plea counsel coerce Jagels into pleading guilty?"

    def own_stats(body: dict) -> bool:
        return body["tenant_id"] == "tenant-b" and body["total_cases"] == b_cases

    pdf = ("missouri.pdf", (SAMPLES / SAMPLE_CASES["missouri"]).read_bytes(), "application/pdf")
    return {
        ("GET", "/api/v1/ingestion/status/{case_id}"): [("GET", f"/api/v1/ingestion/status/{i}", {}, 404) for i in a_ids],
        ("GET", "/api/v1/ingestion/batch/{job_id}"): [("GET", f"/api/v1/ingestion/batch/{job}", {}, 404)],
        ("POST", "/api/v1/ingestion/retry/{case_id}"): [("POST", f"/api/v1/ingestion/retry/{i}", {}, 404) for i in a_ids],
        ("POST", "/api/v1/ingestion/batch"): [("POST", "/api/v1/ingestion/batch", {"json": {"folder": "escape"}}, 400)],
        ("GET", "/api/v1/ingestion/stats"): [("GET", "/api/v1/ingestion/stats", {}, own_stats)],
        ("GET", "/api/v1/retrieval/case/{case_id}"): [
            ("GET", f"/api/v1/retrieval/case/{i}", {"params": {"include_content": "true"}}, 404) for i in a_ids],
        ("GET", "/api/v1/retrieval/case/{case_id}/pdf"): [
            ("GET", f"/api/v1/retrieval/case/{i}/pdf", {}, 404) for i in a_ids],
        ("POST", "/api/v1/retrieval/search"): [
            ("POST", "/api/v1/retrieval/search", {"json": {"query": question, "mode": mode, "limit": 100}}, None)
            for mode in ("bm25", "dense", "hybrid")],
        ("GET", "/api/v1/retrieval/search/text"): [
            ("GET", "/api/v1/retrieval/search/text", {"params": {"q": "plea counsel guilty", "limit": 100}}, None)],
        ("POST", "/api/v1/retrieval/similar"): [
            ("POST", "/api/v1/retrieval/similar", {"json": {"case_id": a_case}}, 404),
            ("POST", "/api/v1/retrieval/similar", {"files": {"file": pdf}, "data": {"limit": "100"}}, None)],
        ("GET", "/api/v1/retrieval/filter"): [("GET", "/api/v1/retrieval/filter", {"params": {"limit": 100}}, None)],
        ("GET", "/api/v1/retrieval/stats"): [("GET", "/api/v1/retrieval/stats", {}, own_stats)],
        ("GET", "/api/v1/retrieval/metadata/courts"): [("GET", "/api/v1/retrieval/metadata/courts", {}, None)],
        ("GET", "/api/v1/citator/case/{case_id}"): [("GET", f"/api/v1/citator/case/{i}", {}, 404) for i in a_ids],
        ("POST", "/api/v1/citator/verify"): [
            ("POST", "/api/v1/citator/verify", {"json": {"text": f"{title}, 1 U.S. 1 (1990)."}},
             lambda body: all(citation["case_id"] is None and not citation["candidates"]
                              for citation in body["citations"])) for title in sorted(corpus["titles"])],
        ("GET", "/api/v1/retrieval/metadata/case-types"): [("GET", "/api/v1/retrieval/metadata/case-types", {}, None)],
        ("POST", "/api/v1/summarization/summarize1"): [
            ("POST", "/api/v1/summarization/summarize1", {"json": {"case_id": a_case, "mode": "extractive"}}, 404)],
        ("POST", "/api/v1/summarization/summarize-many"): [
            ("POST", "/api/v1/summarization/summarize-many", {"json": {"case_ids": a_ids}}, 404)],
        ("POST", "/api/v1/summarization/summarize-uploaded"): [
            ("POST", "/api/v1/summarization/summarize-uploaded",
             {"files": {"file": pdf}, "data": {"mode": "extractive", "length": "short"}},
             lambda body: body["summary_id"] is None and body["case_id"] is None)],
        ("GET", "/api/v1/summarization/summary/{case_id}"): [
            ("GET", f"/api/v1/summarization/summary/{key}", {}, 404) for key in stored_keys],
        ("POST", "/api/v1/questions/generate"): [
            ("POST", "/api/v1/questions/generate", {"json": {"case_id": a_case, "num_questions": 1}}, 404)],
        **{("POST", f"/api/v1/questions/qa-{kind}"): [
            ("POST", f"/api/v1/questions/qa-{kind}", {"json": {"case_id": a_case, "num_questions": 1}}, 404)]
           for kind in ("common", "rare", "unexpected")},
        ("POST", "/api/v1/questions/generate-from-upload"): [
            ("POST", "/api/v1/questions/generate-from-upload", {"files": {"file": ("x.pdf", b"%PDF-1.4 not really", "application/pdf")}},
             "4xx")],  # reads only the request's own file: B's PDF never reaches A's records
        ("GET", "/api/v1/questions/case/{case_id}/questions"): [
            ("GET", f"/api/v1/questions/case/{key}/questions", {}, 404) for key in stored_keys],
        ("POST", "/api/v1/chat/message"): [
            ("POST", "/api/v1/chat/message", {"json": {"message": question, "session_id": session}}, 404),
            ("POST", "/api/v1/chat/message", {"json": {"message": question}}, None)],
        ("POST", "/api/v1/chat/ask"): [("POST", "/api/v1/chat/ask", {"json": {"message": question}}, None)],
        ("GET", "/api/v1/chat/conversation/{session_id}"): [("GET", f"/api/v1/chat/conversation/{session}", {}, 404)],
        ("DELETE", "/api/v1/chat/conversation/{session_id}"): [("DELETE", f"/api/v1/chat/conversation/{session}", {}, 404)],
        ("GET", "/api/v1/chat/sessions"): [
            ("GET", "/api/v1/chat/sessions", {"params": {"limit": 100}},
             lambda body: session not in {listed["session_id"] for listed in body["sessions"]})],
        ("GET", "/api/v1/chat/suggestions"): [
            ("GET", "/api/v1/chat/suggestions", {"params": {"session_id": session}}, 404),
            ("GET", "/api/v1/chat/suggestions", {}, None)],
        ("DELETE", "/api/v1/cases/{case_id}"): [("DELETE", f"/api/v1/cases/{i}", {}, 404) for i in a_ids],
        ("GET", "/api/v1/audit"): [
            ("GET", "/api/v1/audit", {"params": {"limit": 200}},
             lambda body: all(entry["tenant_id"] == "tenant-b" for entry in body["entries"]))],
    }


def test_tenant_b_never_reads_tenant_a_data_on_any_route(api, corpus):
    checks = isolation_checks(corpus, len(stored_cases(api, "tenant-b")))
    operations = api_operations(api)
    unknown = operations - PUBLIC - NO_TENANT_DATA - set(checks)
    assert not unknown, f"routes this test does not know how to check for tenant isolation: {sorted(unknown)}"
    with_ids = {op for op in operations if "{" in op[1]}
    assert with_ids <= set(checks), with_ids - set(checks)
    assert not set(checks) - operations, "checks of routes the API no longer has"
    if not corpus["questions_stored"]:
        pytest.fail("tenant A's question set was not generated, so its isolation cannot be checked")

    a_ids = set(corpus["case_ids"].values())
    described = corpus["titles"] | corpus["courts"]
    secrets = a_ids | described | {corpus["summary_id"], corpus["session_id"]}
    with http(api, "tenant-b") as b:
        for route, requests in sorted(checks.items()):
            for method, url, kwargs, expect in requests:
                response = b.request(method, url, **kwargs)
                where = f"{route}: {method} {url}"
                if expect in (400, 404):
                    error = assert_error(response, expect)
                    assert not any(s in error["message"] for s in described), where
                    continue
                if expect == "4xx":
                    assert 400 <= response.status_code < 500, where
                    continue
                assert response.status_code == 200, f"{where}: {response.text[:500]}"
                leaked = [secret for secret in secrets if secret and secret in response.text]
                assert not leaked, f"{where} shows tenant A's {leaked}"
                if callable(expect):
                    assert expect(response.json()), f"{where}: {response.text[:500]}"
    # B's DELETE removed nothing of A's, and A still reads all of it.
    with http(api, "tenant-a") as a:
        assert a.get(f"/api/v1/chat/conversation/{corpus['session_id']}").status_code == 200
        for case_id in a_ids:
            assert a.get(f"/api/v1/retrieval/case/{case_id}").status_code == 200
        assert a.get(f"/api/v1/summarization/summary/{corpus['upload_hash']}").status_code == 200
        assert a.get(f"/api/v1/questions/case/{corpus['case_ids']['missouri']}/questions").status_code == 200
        assert a.get(f"/api/v1/ingestion/batch/{corpus['job_id']}").status_code == 200


# 3. Uploads and batch folders cannot write (or read) outside the data directory.

HOSTILE_FILENAMES = [
    f"../../{MARK}-up.pdf", f"../../../../../../tmp/{MARK}-abs.pdf", f"/tmp/{MARK}-root.pdf",
    f"..\\..\\{MARK}-win.pdf", f"C:\\Windows\\Temp\\{MARK}-drive.pdf", f"{MARK}-nul\x00.pdf",
    f"{MARK}-" + "x" * 5000 + ".pdf", "..", ".", "/", f"{MARK}/../../sub.pdf", f"{MARK}-\u202egnp.pdf",
]
HOSTILE_FOLDERS = ["..", "../..", "../hostile-outside", "/", "/etc", "/tmp", str(Path("/tmp") / MARK),
                   "escape", "escape/", "empty/../../..", "empty/../escape", f"{MARK}\x00", "loop",
                   "a" * 300, "a/" * 2000, "%2e%2e", "~", "~root", "../tenant-a", "../tenant-a/empty",
                   "empty/../../tenant-a/empty"]


def post_raw_form(client: httpx.Client, url: str, filename: str, pdf: bytes, fields: dict[str, str]):
    """A multipart form whose file name goes out byte for byte (NUL, backslashes, 5,000
    characters), as a hostile client sends it; httpx would percent-escape control characters."""
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f'Content-Type: application/pdf\r\n\r\n'.encode() + pdf + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return client.post(url, content=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})


def tree(root: Path) -> set[str]:
    return {str(Path(folder, name)) for folder, dirs, files in os.walk(root) for name in dirs + files}


def escaped_files() -> list[str]:
    """Paths whose names carry MARK in the places a hostile name could land."""
    shallow = [Path("/tmp"), PROJECT_ROOT, PROJECT_ROOT / "data", Path.home(), Path("/")]
    found = [str(path) for folder in shallow if folder.is_dir() for path in folder.iterdir() if MARK in path.name]
    return found


def test_hostile_file_names_and_folders_stay_inside(api, corpus, sandbox, services_dir):
    store = api["store"]
    outside_tree = tree(sandbox["base"]) - tree(sandbox["data_dir"])
    services_tree = tree(services_dir / "ray" / "session_latest" / "logs")
    b_before = stored_cases(api, "tenant-b")
    assert not escaped_files()

    stored_names = []
    with http(api, "tenant-b") as b:
        for number, filename in enumerate(HOSTILE_FILENAMES):
            pdf = pdf_factory.text_pdf([f"IN THE COURT OF APPEALS. Hostile name {number} {uuid.uuid4().hex}"])
            response = post_raw_form(b, "/api/v1/ingestion/upload", filename, pdf, {"process_immediately": "false"})
            if response.status_code != 202:
                assert_error(response, response.status_code)
                assert 400 <= response.status_code < 500, (filename[:80], response.text)
                continue
            name = response.json()["original_filename"]
            stored = store.get_case(response.json()["case_id"])
            assert stored["original_filename"] == name and stored["tenant_id"] == "tenant-b"
            stored_names.append(name)
            assert "/" not in name and "\\" not in name and name not in ("", ".", ".."), (filename[:80], name)
            assert "\x00" not in name and len(name.encode()) <= 255, (filename[:80], name[:80])
        for folder in HOSTILE_FOLDERS:
            response = b.post("/api/v1/ingestion/batch", json={"folder": folder})
            error = assert_error(response, response.status_code)
            assert response.status_code in (400, 404), (folder[:80], response.text)
            assert str(sandbox["outside"]) not in error["message"]
        # The similar/summary/question forms read a file's name too.
        for filename in HOSTILE_FILENAMES[:6]:
            pdf = pdf_factory.text_pdf([f"IN THE COURT OF APPEALS. {uuid.uuid4().hex}"])
            response = post_raw_form(b, "/api/v1/summarization/summarize-uploaded", filename, pdf,
                                     {"mode": "extractive", "length": "short", "store": "true"})
            if response.status_code == 200:
                name = response.json()["filename"]
                assert "/" not in name and "\\" not in name and "\x00" not in name, (filename, name)
            else:
                assert 400 <= response.status_code < 500, response.text

    assert len(stored_names) == len(set(stored_cases(api, "tenant-b")) - set(b_before))
    assert not escaped_files()
    assert tree(sandbox["base"]) - tree(sandbox["data_dir"]) == outside_tree
    assert not [path for path in tree(sandbox["data_dir"]) if MARK in path]
    assert not [path for path in tree(services_dir) - services_tree if MARK in Path(path).name]
    # Nothing outside the batch root was ingested, for either tenant.
    assert not store.cases.count_documents({"original_filename": "secret.pdf"})


# 4. No secrets in logs.

def test_no_api_key_in_any_log(api, corpus, sandbox, services_dir):
    # A few wrong keys too: a failed login must not log what was tried.
    wrong = "key-wrong-" + uuid.uuid4().hex
    with httpx.Client(base_url=api["url"], headers={"Authorization": f"Bearer {wrong}"}) as client:
        assert client.get("/api/v1/ingestion/stats").status_code == 401
        assert client.get("/api/v1/ingestion/stats", headers={"Authorization": wrong}).status_code == 401
    secrets = {*KEYS.values(), wrong}
    time.sleep(2)  # log lines are flushed asynchronously
    places = [services_dir / "ray" / "session_latest" / "logs", sandbox["data_dir"], services_dir]
    scanned, found = 0, []
    for place in places:
        for folder, _, files in os.walk(place):
            for name in files:
                path = Path(folder, name)
                if path.is_symlink() or not path.is_file() or path.suffix in (".sock", ".pdf"):
                    continue
                try:
                    content = path.read_bytes()
                except OSError:
                    continue
                scanned += 1
                found += [f"{path}: {secret[:8]}..." for secret in secrets if secret.encode() in content]
    assert scanned > 10
    assert not found, found
