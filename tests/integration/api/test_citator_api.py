"""The citator API over HTTP on the real stack: a case's citations both ways and a text's
citations checked, tenant-scoped, with bad input.

Three opinions of the citator corpus (bench.citator_corpus), built as PDFs with the PDF factory,
are uploaded for tenant A: Plessy, Brown (cites Plessy) and Cooper (cites Brown); Brown again
for tenant B.
"""

import httpx
import pytest

from bench.citator_corpus import expected_cited, opinion_named
from serve_app.client import LexRayClient
from tests import pdf_factory
from tests.deployed_app import assert_error, wait_indexed
from tests.integration.api.shared_app import tenant_keys

KEYS = tenant_keys("citator-a", "citator-b")
OPINIONS = ("plessy_v_ferguson", "brown_v_board", "cooper_v_aaron")
VERIFY = "/api/v1/citator/verify"
QUERY = "separate schools education children law"  # words of each of the three


def client_for(api, tenant: str) -> LexRayClient:
    return LexRayClient(api["url"], api_key=KEYS[tenant], timeout=120)


def http(api, tenant: str) -> httpx.Client:
    return httpx.Client(base_url=api["url"], headers={"Authorization": f"Bearer {KEYS[tenant]}"}, timeout=120)


def opinion_pdf(name: str) -> bytes:
    return pdf_factory.text_pdf(opinion_named(name).page_texts())


@pytest.fixture(scope="module")
def cases(api) -> dict[str, str]:
    """Tenant A's case ids by opinion name, and tenant B's Brown as ``"b_brown"``."""
    a, b = client_for(api, "citator-a"), client_for(api, "citator-b")
    uploads = {name: a.upload(opinion_pdf(name), filename=f"{name}.pdf") for name in OPINIONS}
    b_brown = b.upload(opinion_pdf("brown_v_board"), filename="brown_v_board.pdf")
    wait_indexed([*((a, upload) for upload in uploads.values()), (b, b_brown)])
    return {**{name: upload.case_id for name, upload in uploads.items()}, "b_brown": b_brown.case_id}


def test_a_case_cites_and_is_cited_by_resolved_to_the_tenants_cases(api, cases):
    client = client_for(api, "citator-a")
    brown = client.citator_case(cases["brown_v_board"])
    expected = expected_cited(opinion_named("brown_v_board"))
    assert [cited.normalized for cited in brown.cites] == sorted(
        expected, key=lambda key: -expected[key].depth)
    for cited in brown.cites:
        want = expected[cited.normalized]
        assert (cited.depth, tuple(cited.pages)) == (want.depth, want.pages)
        assert cited.case_id == (cases["plessy_v_ferguson"] if cited.normalized == "163 U.S. 537" else None)
    assert [(citing.case_id, citing.depth) for citing in brown.cited_by] == [
        (cases["cooper_v_aaron"], expected_cited(opinion_named("cooper_v_aaron"))["347 U.S. 483"].depth)]
    assert "cooper" in (brown.cited_by[0].title or "").lower()
    assert [depth for depth in (cited.depth for cited in brown.cites)] == sorted(
        (cited.depth for cited in brown.cites), reverse=True)
    plessy = client.citator_case(cases["plessy_v_ferguson"])
    assert [citing.case_id for citing in plessy.cited_by] == [cases["brown_v_board"]]
    # Tenant B's Brown: Cooper and Plessy are not B's, so nothing resolves and nothing cites it.
    b_brown = client_for(api, "citator-b").citator_case(cases["b_brown"])
    assert b_brown.cited_by == [] and all(cited.case_id is None for cited in b_brown.cites)


def test_a_missing_case_or_another_tenants_is_not_found(api, cases):
    with http(api, "citator-a") as client:
        for case_id in ("no-such-case", cases["b_brown"]):
            assert_error(client.get(f"/api/v1/citator/case/{case_id}"), 404, "not_found")


def test_verify_tells_found_not_found_ambiguous_and_unknown_reporters(api, cases):
    text = ("Segregation was upheld in Plessy v. Ferguson, 163 U.S. 537 (1896), and rejected in "
            "Brown v. Board of Education, 347 U.S. 483 (1954). See also Sweatt v. Painter, 339 U.S. 629 (1950), "
            "and Smith v. Jones, 123 Fake Rep. 456 (1990).")
    found = client_for(api, "citator-a").verify_citations(text).citations
    by_citation = {citation.citation: citation for citation in found}
    assert [citation.char_start for citation in found] == sorted(citation.char_start for citation in found)
    for citation in found:
        assert text[citation.char_start:citation.char_end] == citation.citation
    assert (by_citation["163 U.S. 537"].status, by_citation["163 U.S. 537"].case_id) == (
        "found", cases["plessy_v_ferguson"])
    assert (by_citation["347 U.S. 483"].status, by_citation["347 U.S. 483"].case_id) == (
        "found", cases["brown_v_board"])
    assert (by_citation["339 U.S. 629"].status, by_citation["339 U.S. 629"].case_id) == ("not_found", None)
    unknown = by_citation["123 Fake Rep. 456"]
    assert (unknown.status, unknown.normalized, unknown.case_id) == ("unknown_reporter", None, None)
    # Tenant B holds no Plessy, and its own Brown.
    b_found = client_for(api, "citator-b").verify_citations(text).citations
    assert {c.citation: c.status for c in b_found}["163 U.S. 537"] == "not_found"
    assert {c.citation: c.case_id for c in b_found}["347 U.S. 483"] == cases["b_brown"]


def test_verify_rejects_empty_blank_over_long_and_malformed_bodies(api, cases):
    max_chars = api["settings"].citator.max_verify_chars
    with http(api, "citator-a") as client:
        for body in ({"text": ""}, {"text": "   \n"}, {"text": "x" * (max_chars + 1)}, {}, {"text": 5},
                     {"text": "ok", "extra": 1}):
            assert_error(client.post(VERIFY, json=body), 422, "validation_error")
        assert client.post(VERIFY, json={"text": "x" * max_chars}).json() == {"citations": []}


def test_search_filters_by_cites_and_counts_each_hits_citing_cases(api, cases):
    client = client_for(api, "citator-a")
    query = QUERY
    citing_brown = client.search(query, limit=10, mode="bm25", filters={"cites": cases["brown_v_board"]})
    assert [hit.case_id for hit in citing_brown.results] == [cases["cooper_v_aaron"]]
    assert citing_brown.filters.cites == cases["brown_v_board"]
    text = client.search_text(query, limit=10, mode="bm25", filters={"cites": cases["plessy_v_ferguson"]})
    assert [hit.case_id for hit in text.results] == [cases["brown_v_board"]]
    counts = {hit.case_id: hit.cited_by_count for hit in client.search(query, limit=10, mode="bm25").results}
    assert counts == {cases["plessy_v_ferguson"]: 1, cases["brown_v_board"]: 1, cases["cooper_v_aaron"]: 0}
    # Another tenant's case id cites nothing here; B's own Brown is cited by none of B's cases.
    assert client.search(query, mode="bm25", filters={"cites": cases["b_brown"]}).results == []
    b_hits = client_for(api, "citator-b").search(query, mode="bm25").results
    assert [(hit.case_id, hit.cited_by_count) for hit in b_hits] == [(cases["b_brown"], 0)]
    assert [case.case_id for case in client.filter_cases({"cites": cases["brown_v_board"]}).cases] == [
        cases["cooper_v_aaron"]]


def test_erasing_a_case_reports_its_citator_records_and_its_citations_go(api, cases):
    # Last in the module: Cooper goes.
    client = client_for(api, "citator-a")
    cited = len(expected_cited(opinion_named("cooper_v_aaron")))
    receipt = client.delete_case(cases["cooper_v_aaron"])
    assert receipt.removed.citator_records == cited + 1  # what it cites, and what it is cited as
    assert client.citator_case(cases["brown_v_board"]).cited_by == []
    assert client.search(QUERY, mode="bm25", filters={"cites": cases["brown_v_board"]}).results == []
