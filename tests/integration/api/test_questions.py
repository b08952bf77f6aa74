"""The question generation API over HTTP on the real stack, the LLM deployment on vLLM (CPU,
SmolLM2-135M): questions about a stored case (stored, grounded in its pages), about text and an
uploaded PDF, the typed routes, stored sets, tenant isolation and bad input.

Two text-layer opinions are uploaded for tenant A and one of them again for tenant B. Every
question set is checked the same way: exactly the number asked, distinct questions, each
source span is the passage's text in the case's cleaned_content, on the page it names, and each
answer is its own span of that text (``answer_span``) inside the passage, on its page.
"""

import re

import httpx
import pytest

from lexray.ids import sha256_hex
from lexray.settings import QuestionSettings
from serve_app.client import LexRayAPIError, LexRayClient
from tests import pdf_factory
from tests.conftest import SAMPLES
from tests.deployed_app import assert_error, wait_indexed
from tests.integration.api.shared_app import tenant_keys

KEYS = tenant_keys("questions-a", "questions-b")
API = "/api/v1/questions"
SAMPLE_CASES = {"missouri": "doctor__missouri.pdf", "cacd": "doctor__gov.uscourts.cacd.652774.40.0.pdf"}
JUDGEMENT_PAGES = [
    "IN THE COURT OF APPEALS\n\nTenant v. Landlord\n\nBackground\n\nThe appellant was the tenant of a flat "
    "under a monthly lease at a rent of 215 dollars. Before leaving the country in March 1948 he handed "
    "possession of the flat and its furniture to the respondent against a payment of 29,500 dollars.",
    "The respondent complained that the payment was an unlawful premium for giving up the tenancy. "
    "The magistrate convicted the appellant under section 19 of the Rent Control Act and fined him 500 dollars.\n\n"
    "Discussion\n\nThe question is whether a tenant who receives money for handing over possession "
    "commits the offence when the landlord has not consented to any transfer of the lease.",
    "We hold that section 19 applies to any sum received as a condition of giving up the tenancy, "
    "whatever the document calls it. The conviction is therefore affirmed, but the sentence of "
    "imprisonment is set aside and the fine is maintained.\n\nConclusion\n\nThe appeal is dismissed.",
]
TEXT = " ".join(JUDGEMENT_PAGES)


@pytest.fixture(scope="module")
def corpus(api) -> dict:
    """Tenant A's cases by name (id, cleaned text, page spans) and tenant B's copy of missouri."""
    a, b = client_for(api, "questions-a"), client_for(api, "questions-b")
    uploads = {name: a.upload(SAMPLES / sample) for name, sample in SAMPLE_CASES.items()}
    b_upload = b.upload(SAMPLES / SAMPLE_CASES["missouri"])
    wait_indexed([*((a, u) for u in uploads.values()), (b, b_upload)])
    cases = {}
    for name, upload in uploads.items():
        stored = api["store"].get_case(upload.case_id, tenant_id="questions-a", with_content=True)
        cases[name] = {"id": upload.case_id, "text": stored["cleaned_content"], "spans": stored["page_spans"]}
    return {"a": cases, "b": b_upload.case_id}


def client_for(api, tenant: str) -> LexRayClient:
    return LexRayClient(api["url"], api_key=KEYS[tenant], timeout=600)


def http(api, tenant: str | None = "questions-a") -> httpx.Client:
    headers = {"Authorization": f"Bearer {KEYS[tenant]}"} if tenant else {}
    return httpx.Client(base_url=api["url"], headers=headers, timeout=600)



def assert_question_set(question_set: dict, *, count: int, question_type: str, difficulty: str, text: str,
                        spans: list[dict] | None, case_id: str | None) -> None:
    """Exactly ``count`` distinct questions, each grounded in its source span of ``text``."""
    questions = question_set["questions"]
    assert len(questions) == count == question_set["num_questions"], question_set
    assert question_set["model"] == "lexray-smollm2"
    generation = question_set["generation"]
    assert generation["passages_tried"] >= count
    assert generation["model_calls"] <= QuestionSettings().max_model_calls  # the request's budget
    assert generation["templated"] == sum(item["phrased_by"] == "template" for item in questions)
    normalized = {re.sub(r"\W+", " ", item["question"].lower()).strip() for item in questions}
    assert len(normalized) == count, questions  # no duplicates
    pages = {span["page"]: span for span in spans or []}
    for item in questions:
        assert set(item) == {"question", "type", "difficulty", "answer", "source", "answer_span", "fact_kind",
                             "phrased_by"}
        assert item["type"] == question_type and item["difficulty"] == difficulty
        assert item["question"].endswith("?") and item["answer"].strip()
        source = item["source"]
        assert source["case_id"] == case_id
        assert 0 <= source["char_start"] < source["char_end"] <= len(text)
        assert text[source["char_start"]:source["char_end"]] == source["text"]
        if spans is None:
            assert source["page"] is None and source["pages"] == []
        else:
            page = pages[source["page"]]
            assert page["char_start"] <= source["char_start"] < page["char_end"]
            assert source["pages"][0] == source["page"] and set(source["pages"]) <= set(pages)
        answer = item["answer_span"]
        assert source["char_start"] <= answer["char_start"] < answer["char_end"] <= source["char_end"]
        assert item["answer"] == " ".join(text[answer["char_start"]:answer["char_end"]].split())
        if spans is None:
            assert answer["page"] is None
        else:
            page = pages[answer["page"]]
            assert page["char_start"] <= answer["char_start"] < page["char_end"]


def test_types_and_focus_areas_are_listed_behind_auth(api):
    with http(api) as client:
        types = client.get(f"{API}/types").json()
        focus = client.get(f"{API}/focus-areas").json()
    assert [item["name"] for item in types["question_types"]] == ["common", "rare", "unexpected"]
    assert [item["name"] for item in types["difficulties"]] == ["easy", "medium", "hard"]
    assert types["max_questions"] == 20 and types["default_type"] == "common"
    assert {"facts", "holding", "statutes"} <= {item["name"] for item in focus["focus_areas"]}
    with http(api, tenant=None) as anonymous:
        assert_error(anonymous.get(f"{API}/types"), 401, "unauthorized")
        assert_error(anonymous.post(f"{API}/generate", json={"text": TEXT}), 401, "unauthorized")


def test_questions_about_a_case_are_grounded_on_its_pages_and_stored(api, corpus):
    missouri = corpus["a"]["missouri"]
    with http(api) as client:
        response = client.post(f"{API}/generate", json={"case_id": missouri["id"], "question_type": "rare",
                                                        "difficulty": "easy", "num_questions": 3})
        assert response.status_code == 200, response.text
        question_set = response.json()
        assert question_set["origin"] == "case" and question_set["case_id"] == missouri["id"]
        assert question_set["stored"] is True and question_set["question_set_id"]
        assert_question_set(question_set, count=3, question_type="rare", difficulty="easy", text=missouri["text"],
                            spans=missouri["spans"], case_id=missouri["id"])
        stored = client.get(f"{API}/case/{missouri['id']}/questions")
    assert stored.status_code == 200, stored.text
    latest = stored.json()["question_sets"][0]
    assert latest["question_set_id"] == question_set["question_set_id"]
    assert latest["questions"] == question_set["questions"]


@pytest.mark.parametrize("route, case, difficulty, count", [
    ("qa-common", "cacd", "easy", 2),
    ("qa-rare", "missouri", "medium", 2),
    ("qa-unexpected", "missouri", "medium", 2),
])
def test_each_typed_route_gives_grounded_questions_of_its_type(api, corpus, route, case, difficulty, count):
    chosen = corpus["a"][case]
    with http(api) as client:
        response = client.post(f"{API}/{route}", json={"case_id": chosen["id"], "difficulty": difficulty,
                                                       "num_questions": count})
    assert response.status_code == 200, response.text
    assert_question_set(response.json(), count=count, question_type=route.removeprefix("qa-"),
                        difficulty=difficulty, text=chosen["text"], spans=chosen["spans"], case_id=chosen["id"])


def test_questions_about_text_have_no_pages_and_are_not_stored(api):
    with http(api) as client:
        response = client.post(f"{API}/generate", json={"text": TEXT, "question_type": "common",
                                                        "difficulty": "easy", "num_questions": 2,
                                                        "focus_areas": ["relief"]})
    assert response.status_code == 200, response.text
    question_set = response.json()
    assert question_set["origin"] == "text" and question_set["stored"] is False
    assert question_set["question_set_id"] is None and question_set["focus_areas"] == ["relief"]
    assert_question_set(question_set, count=2, question_type="common", difficulty="easy", text=TEXT, spans=None,
                        case_id=None)


def test_questions_about_an_uploaded_pdf_are_stored_only_when_asked(api):
    pdf = pdf_factory.text_pdf(JUDGEMENT_PAGES)
    digest = sha256_hex(pdf)
    client = client_for(api, "questions-a")
    quick = client.generate_questions_from_pdf(pdf, filename="judgment.pdf", question_type="rare",
                                               difficulty="easy", num_questions=2)
    assert quick.origin == "upload" and quick.stored is False and quick.document_hash == digest
    assert quick.filename == "judgment.pdf" and len(quick.questions) == 2
    for item in quick.questions:
        assert item.source.case_id is None and item.source.page in (1, 2, 3)
        assert item.source.char_end - item.source.char_start == len(item.source.text) > 0
        assert item.answer in " ".join(item.source.text.split()) and item.answer_span.page in item.source.pages
    with pytest.raises(LexRayAPIError) as missing:
        client.stored_questions(digest)
    assert missing.value.status_code == 404

    kept = client.generate_questions_from_pdf(pdf, question_type="rare", difficulty="easy", num_questions=1,
                                              store=True)
    assert kept.stored and client.stored_questions(digest).question_sets[0].question_set_id == kept.question_set_id
    with pytest.raises(LexRayAPIError) as other_tenant:
        client_for(api, "questions-b").stored_questions(digest)
    assert other_tenant.value.status_code == 404


def test_client_methods(api):
    client = client_for(api, "questions-a")
    assert [item.name for item in client.question_types().difficulties] == ["easy", "medium", "hard"]
    assert "holding" in [item.name for item in client.question_focus_areas().focus_areas]
    text_set = client.generate_questions(text=TEXT, question_type="rare", difficulty="easy", num_questions=1)
    assert len(text_set.questions) == 1 and text_set.questions[0].source.page is None
    with pytest.raises(ValueError):
        client.generate_questions(text=TEXT, case_id="both")  # refused before it is sent


def test_bad_input_gets_4xx_and_changes_nothing_stored(api, corpus):
    missouri, other_tenants = corpus["a"]["missouri"]["id"], corpus["b"]
    ok_pdf = pdf_factory.text_pdf(JUDGEMENT_PAGES)
    with http(api) as client:
        assert client.post(f"{API}/generate", json={"case_id": missouri, "question_type": "rare",
                                                    "difficulty": "easy", "num_questions": 1}).status_code == 200
        before = client.get(f"{API}/case/{missouri}/questions").json()["question_sets"]

        # Unknown and other tenants' cases look the same.
        for case_id in ("no-such-case", other_tenants):
            assert_error(client.post(f"{API}/generate", json={"case_id": case_id, "num_questions": 1}),
                         404, "not_found")
            assert_error(client.post(f"{API}/qa-rare", json={"case_id": case_id}), 404, "not_found")
            assert_error(client.get(f"{API}/case/{case_id}/questions"), 404, "not_found")
        assert_error(client.get(f"{API}/case/{'0' * 64}/questions"), 404, "not_found")

        # Options.
        for bad in ({"num_questions": 0}, {"num_questions": 1000}, {"num_questions": 21}, {"num_questions": True},
                    {"num_questions": 2.5}, {"question_type": "trivia"}, {"difficulty": "tricky"},
                    {"focus_areas": ["gossip"]}, {"focus_areas": "holding"}, {"extra": 1}):
            assert_error(client.post(f"{API}/generate", json={"case_id": missouri, **bad}), 422, "validation_error")
        assert_error(client.post(f"{API}/qa-common", json={"case_id": missouri, "question_type": "rare"}),
                     422, "validation_error")

        # Input: exactly one of case_id and text, text not empty.
        for body in ({}, {"case_id": missouri, "text": TEXT}, {"text": ""}, {"text": "  \n "}, {"case_id": ""}):
            assert_error(client.post(f"{API}/generate", json=body), 422, "validation_error")
        assert_error(client.post(f"{API}/generate", content=b"{not json",
                                 headers={"Content-Type": "application/json"}), 422, "validation_error")
        assert_error(client.post(f"{API}/generate", json={"text": "x " * 150_001}), 422, "validation_error")

        # Too little to ask about: a clear 422, never padding.
        error = assert_error(client.post(f"{API}/generate", json={
            "text": "The appeal is dismissed with costs to the respondent.", "num_questions": 5}),
            422, "insufficient_material")
        assert "of 5" in error["message"]

        # Uploads.
        upload = f"{API}/generate-from-upload"
        assert_error(client.post(upload, files={"file": ("e.pdf", b"", "application/pdf")}), 400, "empty_file")
        assert_error(client.post(upload, files={"file": ("c.pdf", pdf_factory.with_garbage_body(ok_pdf))}),
                     400, "corrupt_pdf")
        assert_error(client.post(upload, files={"file": ("s.png", pdf_factory.png_bytes(), "image/png")}),
                     415, "not_pdf")
        assert_error(client.post(upload, json={"num_questions": 1}), 415, "unsupported_media_type")
        assert_error(client.post(upload, data={"num_questions": "1"}), 422, "validation_error")
        for fields in ({"num_questions": "0"}, {"num_questions": "1000"}, {"difficulty": "tricky"},
                       {"focus_areas": "holding,gossip"}):
            assert_error(client.post(upload, files={"file": ("ok.pdf", ok_pdf)}, data=fields), 422, "validation_error")

        after = client.get(f"{API}/case/{missouri}/questions").json()["question_sets"]
    assert after == before
