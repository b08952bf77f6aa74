"""What one tenant can learn of, or take from, another, over HTTP on the deployed app: search
returns only indexed cases; BM25 statistics are per tenant, so tenant A's scores (bm25, dense,
hybrid) do not move while tenant B ingests; batch folders are per tenant (``<root>/<tenant>``)
and links out of them are not followed; concurrent batch jobs are limited per tenant and in
total (429 too_many_jobs with Retry-After), and a job's runtime_env carries no credential.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from ray import serve
from ray.job_submission import JobStatus, JobSubmissionClient

from lexray.ray_connect import dashboard_url
from serve_app.client import LexRayClient
from tests import pdf_factory
from tests.conftest import SAMPLES, wait_until
from tests.deployed_app import assert_error, wait_indexed
from tests.integration.api.shared_app import tenant_keys

KEYS = tenant_keys("isolation-a", "isolation-b", "isolation-c")
SAMPLE_CASES = {"missouri": "doctor__missouri.pdf", "cacd": "doctor__gov.uscourts.cacd.652774.40.0.pdf",
                "ca5": "doctor__ca5_00516242060.pdf"}
SEARCH = "/api/v1/retrieval/search"
QUERIES = ["plea counsel coerced the defendant into pleading guilty",
           "ineffective assistance of counsel at sentencing", "summary judgment was affirmed"]
MODES = ("bm25", "dense", "hybrid")


@pytest.fixture(scope="module")
def sandbox(api, tmp_path_factory) -> dict[str, Path]:
    """The app's batch root with a folder per tenant of this module, links out of tenant A's,
    and a folder outside the root that nothing may read."""
    outside = tmp_path_factory.mktemp("isolation-outside")
    (outside / "secret.pdf").write_bytes(pdf_factory.text_pdf(["OUTSIDE THE ROOT. The secret opinion."]))
    root = Path(api["settings"].api.batch_root)
    corpus = root / "isolation-a" / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "own.pdf").write_bytes(pdf_factory.text_pdf(["IN THE COURT OF APPEALS. Tenant A's batch opinion."]))
    (corpus / "leak.pdf").symlink_to(outside / "secret.pdf")  # a linked file leaving the root
    (corpus / "linked").symlink_to(outside, target_is_directory=True)  # a linked folder inside
    (root / "isolation-a" / "escape").symlink_to(outside, target_is_directory=True)
    for tenant in ("isolation-a", "isolation-b", "isolation-c"):
        (root / tenant / "empty").mkdir(parents=True, exist_ok=True)
    return {"root": root, "outside": outside}


@pytest.fixture(scope="module")
def corpus(api) -> dict[str, str]:
    a = client_for(api, "isolation-a")
    uploads = {name: a.upload(SAMPLES / sample) for name, sample in SAMPLE_CASES.items()}
    wait_indexed([(a, upload) for upload in uploads.values()])
    return {name: upload.case_id for name, upload in uploads.items()}


def client_for(api, tenant: str) -> LexRayClient:
    return LexRayClient(api["url"], api_key=KEYS[tenant], timeout=300)


def http(api, tenant: str) -> httpx.Client:
    return httpx.Client(base_url=api["url"], headers={"Authorization": f"Bearer {KEYS[tenant]}"}, timeout=300)


def search(api, tenant: str, query: str, **body) -> list[dict]:
    with http(api, tenant) as client:
        response = client.post(SEARCH, json={"query": query, **body})
    assert response.status_code == 200, response.text
    return response.json()["results"]


def set_status(api, case_id: str, status: str) -> None:
    """The case's status as MongoDB holds it; its vectors stay in the index. While not indexed
    its source is not "upload", so the upload scheduler does not take it up again meanwhile."""
    source = "upload" if status == "indexed" else "test-hidden"
    api["store"].cases.update_one({"case_id": case_id}, {"$set": {"processing_status": status, "source": source}})


def every_read_path(api, corpus: dict[str, str], query: str, limit: int) -> dict[str, list[str]]:
    """Case ids each search path returns for tenant A: search (every mode), search/text,
    similar (to a case), and chat's passages (the Retrieval deployment's handle)."""
    found = {mode: [hit["case_id"] for hit in search(api, "isolation-a", query, mode=mode, limit=limit)]
             for mode in MODES}
    a = client_for(api, "isolation-a")
    found["text"] = [hit.case_id for hit in a.search_text(query, limit=limit).results]
    found["similar"] = [hit.case_id for hit in a.similar_to_case(corpus["missouri"], limit=limit).results]
    retrieval = serve.get_deployment_handle("Retrieval", app_name="lexray")
    passages = retrieval.passages.remote(query, "isolation-a", limit=10, per_case=5).result()
    found["passages"] = [passage["case_id"] for passage in passages]
    return found


# 1. Only indexed cases are ever returned.

def test_a_case_whose_vectors_are_indexed_but_status_is_not_never_appears(api, corpus):
    hidden = corpus["cacd"]
    text = api["store"].get_case(hidden, with_content=True)["cleaned_content"]
    query = text[len(text) // 2: len(text) // 2 + 400]  # a passage of the hidden case itself
    before = every_read_path(api, corpus, query, limit=3)
    assert all(hidden in ids for ids in before.values()), before  # the test can fail
    for status in ("processing", "embedding_complete", "failed"):
        set_status(api, hidden, status)
        try:
            after = every_read_path(api, corpus, query, limit=2)
        finally:
            set_status(api, hidden, "indexed")
        assert not [path for path, ids in after.items() if hidden in ids], (status, after)
        # Candidates grow past the hidden case: limit=2 still finds both other cases.
        for mode in MODES:
            assert sorted(after[mode]) == sorted([corpus["missouri"], corpus["ca5"]]), (status, after)
        assert after["similar"] == [corpus["ca5"]] and after["passages"], after
    assert every_read_path(api, corpus, query, limit=3) == before


# 2. Tenant B's documents never move tenant A's scores.

def scored_results(api, tenant: str) -> dict[tuple[str, str], list[tuple]]:
    return {(mode, query): [(hit["case_id"], hit["score"],
                             [(chunk["chunk_id"], chunk["score"]) for chunk in hit["chunks"]])
                            for hit in search(api, tenant, query, mode=mode, limit=5)]
            for mode in MODES for query in QUERIES}


def test_tenant_a_scores_do_not_change_when_tenant_b_ingests(api, corpus):
    before = scored_results(api, "isolation-a")
    assert all(before.values())
    b = client_for(api, "isolation-b")
    # Many documents full of A's query terms (which would lower their idf in a shared index),
    # of very different lengths (which would move a shared average chunk length).
    uploads = [b.upload(pdf_factory.text_pdf(
        [f"IN THE COURT OF APPEALS. No. {n}. " + " ".join(QUERIES[n % 3].split()[: 2 + n % 5]) * (1 + 3 * (n % 4)),
         "The plea was knowing and voluntary; counsel was effective. " * (1 + n % 6)]), filename=f"b{n}.pdf")
        for n in range(24)] + [b.upload(SAMPLES / sample) for sample in SAMPLE_CASES.values()]
    wait_indexed([(b, upload) for upload in uploads], timeout_s=600)
    assert search(api, "isolation-b", QUERIES[0], mode="bm25")  # B's documents are searchable
    after = scored_results(api, "isolation-a")
    for key, hits in before.items():
        mode = key[0]
        assert [hit[0] for hit in after[key]] == [hit[0] for hit in hits], key
        if mode == "bm25":
            assert after[key] == hits, key  # BM25: the same numbers exactly
        else:
            # Dense scores come from the same vectors; FAISS may sum them in another order
            # (the tenant no longer owns the whole shard, so a filtered search is used).
            for (_, score, chunks), (_, score_before, chunks_before) in zip(after[key], hits, strict=True):
                assert score == pytest.approx(score_before, abs=2e-4), key
                assert [chunk_id for chunk_id, _ in chunks] == [chunk_id for chunk_id, _ in chunks_before], key


# 3. Batch folders: each tenant its own root, no link out of it followed.

def test_batch_folders_are_per_tenant_and_links_out_are_not_followed(api, corpus, sandbox):
    store = api["store"]
    with http(api, "isolation-b") as b:
        for folder in ("corpus", "slow/../../isolation-a/corpus", "../isolation-a/corpus", "../isolation-a", ".."):
            response = b.post("/api/v1/ingestion/batch", json={"folder": folder})
            assert response.status_code in (400, 404), (folder, response.text)
            assert_error(response, response.status_code)
    with http(api, "isolation-a") as a:
        assert_error(a.post("/api/v1/ingestion/batch", json={"folder": "escape"}), 400, "invalid_path")
        assert_error(a.post("/api/v1/ingestion/batch", json={"folder": "corpus/linked"}), 400, "invalid_path")
    job = client_for(api, "isolation-a").start_batch("corpus")
    finished = client_for(api, "isolation-a").wait_for_batch(job.job_id, timeout_s=600, poll_s=2)
    assert finished.status == "SUCCEEDED", finished
    assert finished.summary["ingested"] == 1 and finished.total == 1, finished
    assert finished.summary["skipped_links"] == 2, finished.summary
    assert sorted(finished.summary["skipped"]) == ["corpus/leak.pdf", "corpus/linked"], finished.summary
    assert str(sandbox["outside"]) not in json.dumps(finished.summary)
    assert not store.cases.count_documents({"original_filename": "secret.pdf"})
    assert store.cases.count_documents({"original_filename": "own.pdf", "tenant_id": "isolation-a"}) == 1


# 4. Concurrent batch jobs are limited; 5. no credential in a job's runtime_env.

def start(api, tenant: str, folder: str = "empty") -> httpx.Response:
    # Empty folders: the jobs only have to be pending or running when the next request comes
    # (seconds, while Ray starts them); several Ray Data pipelines at once would starve the
    # test cluster's two CPUs, which is what the limits are for.
    with http(api, tenant) as client:
        return client.post("/api/v1/ingestion/batch", json={"folder": folder})


def test_concurrent_batch_jobs_are_limited_per_tenant_and_in_total(api):
    jobs = JobSubmissionClient(dashboard_url())
    first = start(api, "isolation-a")
    assert first.status_code == 202, first.text
    refused = start(api, "isolation-a")
    assert_error(refused, 429, "too_many_jobs")
    assert refused.headers["Retry-After"] == "7"
    second = start(api, "isolation-b")
    assert second.status_code == 202, second.text
    assert_error(start(api, "isolation-c"), 429, "too_many_jobs")  # two running in total
    assert api["store"].jobs.count_documents({"tenant_id": "isolation-c"}) == 0  # refused, not recorded

    # A job that died without recording its end no longer counts: Ray's status says so.
    first_id = first.json()["job_id"]
    jobs.stop_job(first_id)
    wait_until(lambda: jobs.get_job_status(first_id) in (JobStatus.STOPPED, JobStatus.SUCCEEDED), 120, "stop")
    third = start(api, "isolation-c")
    assert third.status_code == 202, third.text
    # Recorded as ended when counted out (or by the job itself, when it ended before the stop).
    assert api["store"].get_job(first_id)["status"] in ("STOPPED", "SUCCEEDED")

    for job_id in (first_id, second.json()["job_id"], third.json()["job_id"]):
        info = jobs.get_job_info(job_id)
        env_vars = info.runtime_env["env_vars"]
        text = json.dumps({"runtime_env": info.runtime_env, "entrypoint": info.entrypoint,
                           "metadata": info.metadata})
        assert not [key for key in KEYS.values() if key in text]
        assert "LEXRAY_MONGODB_URI" not in env_vars and "LEXRAY_API_KEYS" not in env_vars
        settings = json.loads(env_vars["LEXRAY_SETTINGS_JSON"])
        assert settings["api"]["keys"] == "" and settings["api"]["key_hashes"] == ""
    for response in (second, third):
        finished = client_for(api, "isolation-b" if response is second else "isolation-c").wait_for_batch(
            response.json()["job_id"], timeout_s=600, poll_s=2)
        assert finished.status == "SUCCEEDED", finished
    last = start(api, "isolation-a")  # slots are free again
    assert last.status_code == 202, last.text
    finished = client_for(api, "isolation-a").wait_for_batch(last.json()["job_id"], timeout_s=600, poll_s=2)
    assert finished.status == "SUCCEEDED", finished
