"""The summarization API over HTTP on the real stack, the LLM deployment on vLLM (CPU):
summaries of a stored case (stored, with pages), of text, of an uploaded PDF, comparisons,
stored summaries, tenant isolation and bad input.

Two text-layer opinions are uploaded for tenant A and one of them again for tenant B.
"""


import httpx
import pytest

from lexray.ids import sha256_hex
from serve_app.client import LexRayAPIError, LexRayClient
from tests import pdf_factory
from tests.deployed_app import assert_error, wait_indexed
from tests.integration.api.shared_app import tenant_keys
from tests.conftest import SAMPLES

KEYS = tenant_keys("summaries-a", "summaries-b")
API = "/api/v1/summarization"
SAMPLE_CASES = {"missouri": "doctor__missouri.pdf", "cacd": "doctor__gov.uscourts.cacd.652774.40.0.pdf"}
MISSOURI_PAGES = 5
JUDGEMENT_PAGES = [
    "IN THE COURT OF APPEALS\n\nTenant v. Landlord\n\nBackground\n\nThe appellant was the tenant of a flat "
    "under a monthly lease at a rent of 215 dollars. Before leaving the country he handed possession "
    "of the flat and its furniture to the respondent against a payment of 29,500 dollars.",
    "The respondent complained that the payment was an unlawful premium for giving up the tenancy. "
    "The magistrate convicted the appellant under section 19 of the Rent Control Act and fined him.\n\n"
    "Discussion\n\nThe question is whether a tenant who receives money for handing over possession "
    "commits the offence when the landlord has not consented to any transfer of the lease.",
    "We hold that section 19 applies to any sum received as a condition of giving up the tenancy, "
    "whatever the document calls it. The conviction is therefore affirmed, but the sentence of "
    "imprisonment is set aside and the fine is maintained.\n\nConclusion\n\nThe appeal is dismissed.",
]
TEXT = " ".join(JUDGEMENT_PAGES)


@pytest.fixture(scope="module")
def corpus(api) -> dict:
    """Tenant A's case ids by name, tenant B's copy of missouri, and missouri's cleaned text."""
    a, b = client_for(api, "summaries-a"), client_for(api, "summaries-b")
    uploads = {name: a.upload(SAMPLES / sample) for name, sample in SAMPLE_CASES.items()}
    b_upload = b.upload(SAMPLES / SAMPLE_CASES["missouri"])
    wait_indexed([*((a, u) for u in uploads.values()), (b, b_upload)])
    ids = {name: upload.case_id for name, upload in uploads.items()}
    return {"a": ids, "b": b_upload.case_id,
            "missouri_text": a.case(ids["missouri"], include_content=True).cleaned_content}


def client_for(api, tenant: str) -> LexRayClient:
    return LexRayClient(api["url"], api_key=KEYS[tenant], timeout=600)


def http(api, tenant: str | None = "summaries-a") -> httpx.Client:
    headers = {"Authorization": f"Bearer {KEYS[tenant]}"} if tenant else {}
    return httpx.Client(base_url=api["url"], headers=headers, timeout=600)



def assert_extractive_spans(extractive: dict, text: str, pages: range) -> None:
    assert extractive["text"] and extractive["sentences"]
    for sentence in extractive["sentences"]:
        assert text[sentence["char_start"]:sentence["char_end"]] == sentence["text"]
        assert sentence["page"] == (sentence["pages"][0] if sentence["pages"] else None)
        assert set(sentence["pages"]) <= set(pages)
    assert extractive["pages"] == sorted({p for s in extractive["sentences"] for p in s["pages"]})


def assert_abstractive(abstractive: dict, pages: range) -> None:
    assert abstractive["text"].strip() and abstractive["model"] == "lexray-smollm2"
    assert abstractive["text"].rstrip()[-1] in ".!?\"')]\u201d\u2019"  # no unfinished last sentence
    assert abstractive["parts_used"] and abstractive["pages"]
    assert set(abstractive["pages"]) <= set(pages)
    assert abstractive["pages"] == sorted({p for part in abstractive["parts_used"] for p in part["pages"]})
    for part in abstractive["parts_used"]:
        assert part["sections"] and 0 <= part["char_start"] < part["char_end"]


def test_lengths_and_focus_areas_are_listed_behind_auth(api):
    with http(api) as client:
        lengths = client.get(f"{API}/supported-lengths").json()
        focus = client.get(f"{API}/focus-areas").json()
    assert {item["name"]: item["words"] for item in lengths["lengths"]} == {"short": 100, "medium": 250, "long": 500}
    assert lengths["default"] == "medium" and lengths["min_words"] == 1 and lengths["max_words"] == 2000
    names = [item["name"] for item in focus["focus_areas"]]
    assert {"facts", "issues", "holding", "statutes"} <= set(names)
    assert all(item["description"] and item["keywords"] for item in focus["focus_areas"])
    with http(api, tenant=None) as anonymous:
        assert_error(anonymous.get(f"{API}/focus-areas"), 401, "unauthorized")
        assert_error(anonymous.post(f"{API}/summarize-text", json={"text": TEXT}), 401, "unauthorized")


def test_case_summary_in_both_modes_carries_pages_and_is_stored(api, corpus):
    missouri = corpus["a"]["missouri"]
    with http(api) as client:
        response = client.post(f"{API}/summarize1", json={"case_id": missouri, "length": "short",
                                                           "focus_areas": ["holding"]})
        assert response.status_code == 200, response.text
        summary = response.json()
        assert summary["case_id"] == missouri and summary["source"] == "case"
        assert summary["stored"] is True and summary["summary_id"] and summary["mode"] == "both"
        assert summary["target_words"] == 100 and summary["focus_areas"] == ["holding"]
        pages = range(1, MISSOURI_PAGES + 1)
        assert_extractive_spans(summary["summaries"]["extractive"], corpus["missouri_text"], pages)
        assert abs(summary["summaries"]["extractive"]["word_count"] - 100) <= 60
        abstractive = summary["summaries"]["abstractive"]
        assert_abstractive(abstractive, pages)
        for part in abstractive["parts_used"]:
            assert corpus["missouri_text"][part["char_start"]:part["char_end"]].strip()

        later = client.post(f"{API}/summarize1", json={"case_id": missouri, "length": 60, "mode": "extractive"})
        assert later.status_code == 200, later.text
        assert later.json()["summaries"]["abstractive"] is None  # not asked for
        stored = client.get(f"{API}/summary/{missouri}")
    assert stored.status_code == 200, stored.text
    records = stored.json()["summaries"]
    assert [record["summary_id"] for record in records[:2]] == [later.json()["summary_id"], summary["summary_id"]]
    assert records[1]["summaries"] == summary["summaries"] and records[1]["stored"] is True


def test_text_summary_has_no_pages_and_is_not_stored(api):
    with http(api) as client:
        response = client.post(f"{API}/summarize-text", json={"text": TEXT, "length": 60, "mode": "both"})
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["source"] == "text" and summary["stored"] is False and summary["summary_id"] is None
    extractive = summary["summaries"]["extractive"]
    assert_extractive_spans(extractive, TEXT, range(0))
    assert all(sentence["page"] is None for sentence in extractive["sentences"]) and extractive["pages"] == []
    abstractive = summary["summaries"]["abstractive"]
    assert abstractive["text"].strip() and abstractive["pages"] == [] and abstractive["parts_used"]


def test_uploaded_pdf_is_summarised_and_stored_only_when_asked(api):
    pdf = pdf_factory.text_pdf(JUDGEMENT_PAGES)
    digest = sha256_hex(pdf)
    with http(api) as client:
        quick = client.post(f"{API}/summarize-uploaded", files={"file": ("judgment.pdf", pdf, "application/pdf")},
                            data={"mode": "extractive", "length": "50", "focus_areas": "holding,facts"})
        assert quick.status_code == 200, quick.text
        assert quick.json()["stored"] is False and quick.json()["document_hash"] == digest
        assert quick.json()["filename"] == "judgment.pdf" and quick.json()["focus_areas"] == ["holding", "facts"]
        assert set(quick.json()["summaries"]["extractive"]["pages"]) <= {1, 2, 3}
        assert_error(client.get(f"{API}/summary/{digest}"), 404, "not_found")

        kept = client.post(f"{API}/summarize-uploaded", files={"file": ("judgment.pdf", pdf, "application/pdf")},
                           data={"mode": "abstractive", "length": "short", "store": "true"})
        assert kept.status_code == 200, kept.text
        assert kept.json()["stored"] is True
        assert_abstractive(kept.json()["summaries"]["abstractive"], range(1, 4))
        stored = client.get(f"{API}/summary/{digest}")
        assert stored.status_code == 200 and stored.json()["summaries"][0]["summary_id"] == kept.json()["summary_id"]
    with http(api, "summaries-b") as other:
        assert_error(other.get(f"{API}/summary/{digest}"), 404, "not_found")


def test_comparison_of_several_cases_has_per_case_pages(api, corpus):
    ids = corpus["a"]
    with http(api) as client:
        response = client.post(f"{API}/summarize-many", json={
            "case_ids": [ids["missouri"], ids["cacd"]], "length": "short", "focus_areas": ["holding"]})
    assert response.status_code == 200, response.text
    comparison = response.json()
    assert [case["case_id"] for case in comparison["cases"]] == [ids["missouri"], ids["cacd"]]
    assert all(case["summary"] and case["pages"] for case in comparison["cases"])
    assert set(comparison["cases"][0]["pages"]) <= set(range(1, MISSOURI_PAGES + 1))
    assert comparison["comparison"]["text"].strip() and comparison["comparison"]["model"] == "lexray-smollm2"


def test_client_methods(api, corpus):
    client = client_for(api, "summaries-a")
    summary = client.summarize_case(corpus["a"]["cacd"], length="short", mode="extractive")
    assert summary.stored and summary.summaries.extractive and summary.summaries.abstractive is None
    assert client.stored_summaries(corpus["a"]["cacd"]).summaries[0].summary_id == summary.summary_id
    text = client.summarize_text(TEXT, length=40, mode="extractive")
    assert text.summaries.extractive.sentences and not text.stored
    upload = client.summarize_pdf(pdf_factory.text_pdf(JUDGEMENT_PAGES), mode="extractive", length="short")
    assert upload.source == "upload" and not upload.stored
    assert [item.name for item in client.supported_lengths().lengths] == ["short", "medium", "long"]
    assert "holding" in [item.name for item in client.summary_focus_areas().focus_areas]
    with pytest.raises(LexRayAPIError) as missing:
        client.stored_summaries("no-such-case")
    assert missing.value.status_code == 404


def test_bad_input_gets_4xx_and_never_loses_a_stored_summary(api, corpus):
    missouri, other_tenants = corpus["a"]["missouri"], corpus["b"]
    ok_pdf = pdf_factory.text_pdf(JUDGEMENT_PAGES)
    with http(api) as client:
        assert client.post(f"{API}/summarize1", json={"case_id": missouri, "mode": "extractive"}).status_code == 200
        before = client.get(f"{API}/summary/{missouri}").json()["summaries"]

        # Unknown and other tenants' cases look the same.
        for case_id in ("no-such-case", other_tenants):
            assert_error(client.post(f"{API}/summarize1", json={"case_id": case_id}), 404, "not_found")
            assert_error(client.get(f"{API}/summary/{case_id}"), 404, "not_found")
        assert_error(client.get(f"{API}/summary/{'0' * 64}"), 404, "not_found")

        # Options.
        for bad in ({"length": "huge"}, {"length": 0}, {"length": 100_000}, {"length": True}, {"length": 2.5},
                    {"focus_areas": ["gossip"]}, {"focus_areas": "holding"}, {"mode": "poem"}, {"extra": 1}):
            assert_error(client.post(f"{API}/summarize1", json={"case_id": missouri, **bad}), 422, "validation_error")
        assert_error(client.post(f"{API}/summarize1", content=b"{not json", headers={"Content-Type": "application/json"}),
                     422, "validation_error")

        # Text.
        for text in ("", "   \n "):
            assert_error(client.post(f"{API}/summarize-text", json={"text": text}), 422, "validation_error")
        assert_error(client.post(f"{API}/summarize-text", json={"text": "... 12 34 ..."}), 422, "validation_error")
        limit = api["settings"].summaries.max_text_chars
        over = ("The appeal fails. " * (limit // 18 + 1))[:limit + 1]
        assert_error(client.post(f"{API}/summarize-text", json={"text": over}), 422, "validation_error")
        huge = client.post(f"{API}/summarize-text", json={"text": "The appeal fails. " * 60_000})  # ~1 MB
        assert huge.status_code in (413, 422), huge.text
        assert_error(huge, huge.status_code)

        # Several cases.
        for case_ids in ([missouri], [f"id-{index}" for index in range(11)], [missouri, missouri]):
            assert_error(client.post(f"{API}/summarize-many", json={"case_ids": case_ids}), 422, "validation_error")
        for stranger in ("no-such-case", other_tenants):
            assert_error(client.post(f"{API}/summarize-many", json={"case_ids": [missouri, stranger]}), 404, "not_found")

        # Uploads.
        uploaded = f"{API}/summarize-uploaded"
        assert_error(client.post(uploaded, files={"file": ("e.pdf", b"", "application/pdf")}), 400, "empty_file")
        assert_error(client.post(uploaded, files={"file": ("c.pdf", pdf_factory.with_garbage_body(ok_pdf))}),
                     400, "corrupt_pdf")
        assert_error(client.post(uploaded, files={"file": ("s.pdf", pdf_factory.png_bytes(), "image/png")}),
                     415, "not_pdf")
        assert_error(client.post(uploaded, json={"length": "short"}), 415, "unsupported_media_type")
        assert_error(client.post(uploaded, data={"length": "short"}), 422, "validation_error")
        assert_error(client.post(uploaded, files={"file": ("ok.pdf", ok_pdf)}, data={"length": "huge"}),
                     422, "validation_error")

        after = client.get(f"{API}/summary/{missouri}").json()["summaries"]
    assert after == before
