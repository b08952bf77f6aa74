"""The retrieval API over HTTP on the real stack: search (POST and GET) with filters, a case,
the filtered listing, stats, metadata values, similar cases, tenant isolation and bad input.

Four text-layer opinions are uploaded for tenant A with distinct court / case type /
jurisdiction overrides, and one of them again for tenant B, so every filter has a known answer.
"""

from datetime import date

import httpx
import pytest

from serve_app.client import LexRayAPIError, LexRayClient
from tests import pdf_factory
from tests.deployed_app import assert_error, wait_indexed
from tests.integration.api.shared_app import MAX_UPLOAD_BYTES, tenant_keys
from tests.conftest import SAMPLES

KEYS = tenant_keys("retrieval-a", "retrieval-b")
SEARCH = "/api/v1/retrieval/search"
# name -> (sample, upload overrides); the dates and judges come from the opinions themselves.
SAMPLE_CASES = {
    "missouri": ("doctor__missouri.pdf", {"court": "Missouri Court of Appeals", "case_type": "criminal",
                                          "jurisdiction": "Missouri"}),
    "cacd": ("doctor__gov.uscourts.cacd.652774.40.0.pdf", {"court": "Central District of California",
                                                            "case_type": "civil", "jurisdiction": "federal"}),
    "ca1": ("doctor__ca1_00117684624.pdf", {"court": "First Circuit", "case_type": "civil",
                                            "jurisdiction": "federal"}),
    "ca5": ("doctor__ca5_00516242060.pdf", {"court": "Fifth Circuit", "case_type": "civil",
                                            "jurisdiction": "federal"}),
}
B_COURT = "Court of Tenant B"
PLEA_QUERY = "post-conviction relief guilty plea ineffective assistance of counsel"


@pytest.fixture(scope="module")
def corpus(api) -> dict:
    """Case ids of tenant A's four cases (by name) and of tenant B's one, all indexed, with
    each case's stored metadata (what the filters are checked against)."""
    a, b = client_for(api, "retrieval-a"), client_for(api, "retrieval-b")
    uploads = {name: a.upload(SAMPLES / sample, **overrides) for name, (sample, overrides) in SAMPLE_CASES.items()}
    b_upload = b.upload(SAMPLES / SAMPLE_CASES["missouri"][0], court=B_COURT, case_type="criminal")
    wait_indexed([*((a, u) for u in uploads.values()), (b, b_upload)])
    ids = {name: upload.case_id for name, upload in uploads.items()}
    return {"a": ids, "b": b_upload.case_id,
            "metadata": {ids[name]: a.case(case_id).metadata for name, case_id in ids.items()}}


def client_for(api, tenant: str) -> LexRayClient:
    return LexRayClient(api["url"], api_key=KEYS[tenant], timeout=120)


def http(api, tenant: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {KEYS[tenant]}"} if tenant else {}
    return httpx.Client(base_url=api["url"], headers=headers, timeout=120)



def search(api, tenant: str, query: str, **body) -> list[dict]:
    with http(api, tenant) as client:
        response = client.post(SEARCH, json={"query": query, **body})
    assert response.status_code == 200, response.text
    return response.json()["results"]


def ids_of(results) -> set[str]:
    return {hit["case_id"] if isinstance(hit, dict) else hit.case_id for hit in results}


def decided(metadata) -> date | None:
    return metadata.date_decided or metadata.date_filed


def test_search_hits_carry_chunks_snippets_and_optional_metadata(api, corpus):
    missouri = corpus["a"]["missouri"]
    cleaned = client_for(api, "retrieval-a").case(missouri, include_content=True).cleaned_content
    for mode in ("bm25", "dense", "hybrid"):
        results = search(api, "retrieval-a", PLEA_QUERY, limit=4, mode=mode)
        top = results[0]
        assert top["case_id"] == missouri, mode
        assert top["court"] == "Missouri Court of Appeals"
        assert top["title"] and date.fromisoformat(top["date"]) == decided(corpus["metadata"][missouri])
        assert top["metadata"] is None and top["sections"] is None
        assert 1 <= len(top["chunks"]) <= 5
        for chunk in top["chunks"]:
            assert cleaned[chunk["char_start"]:chunk["char_end"]] == chunk["text"]
            assert chunk["page_numbers"] and all(1 <= page <= 5 for page in chunk["page_numbers"])
        assert top["snippet"] == top["chunks"][0]["snippet"]
        assert "<mark>" in top["snippet"], top["snippet"]
        assert [hit["score"] for hit in results] == sorted((hit["score"] for hit in results), reverse=True)

    full = search(api, "retrieval-a", "guilty plea", limit=1, include_metadata=True, include_sections=True)[0]
    assert full["metadata"]["court"] == "Missouri Court of Appeals"
    assert full["metadata"]["case_type"] == "criminal" and full["metadata"]["page_count"] == 5
    assert full["sections"] and {"name", "heading", "char_start", "page_start"} <= set(full["sections"][0])
    marks = [snippet for chunk in full["chunks"] for snippet in [chunk["snippet"]] if "<mark>" in snippet]
    assert marks and all("guilty" in s.lower() or "plea" in s.lower() for s in marks)


def test_each_filter_narrows_search_and_listing(api, corpus):
    metadata = corpus["metadata"]
    ca1 = corpus["a"]["ca1"]
    judge = metadata[ca1].judges[0]
    middle_date = decided(metadata[ca1])
    expected = {
        "court": ({"court": "first circuit"}, {ca1}),
        "case_type": ({"case_type": "civil"}, {corpus["a"][name] for name in ("cacd", "ca1", "ca5")}),
        "jurisdiction": ({"jurisdiction": "Missouri"}, {corpus["a"]["missouri"]}),
        "judge": ({"judge": judge.lower()},
                  {case_id for case_id, m in metadata.items()
                   if any(judge.lower() in name.lower() for name in m.judges)}),
        "date_from": ({"date_from": middle_date.isoformat()},
                      {case_id for case_id, m in metadata.items() if decided(m) and decided(m) >= middle_date}),
        "date_to": ({"date_to": middle_date.isoformat()},
                    {case_id for case_id, m in metadata.items() if decided(m) and decided(m) <= middle_date}),
        "two at once": ({"case_type": "civil", "date_to": middle_date.isoformat()},
                        {case_id for case_id, m in metadata.items()
                         if m.case_type == "civil" and decided(m) and decided(m) <= middle_date}),
    }
    client = client_for(api, "retrieval-a")
    for name, (filters, wanted) in expected.items():
        assert wanted and wanted != set(corpus["a"].values()), name
        found = search(api, "retrieval-a", "the court held the appeal", limit=10, filters=filters)
        assert ids_of(found) == wanted, name
        assert ids_of(client.search_text("the court held the appeal", filters=filters).results) == wanted, name
        listing = client.filter_cases(filters)
        assert listing.total == len(wanted) and ids_of(listing.cases) == wanted, name


def test_a_filtered_search_returns_limit_cases_when_that_many_match(api, corpus):
    civil = {corpus["a"][name] for name in ("cacd", "ca1", "ca5")}
    # The query is about one long case, whose chunks alone fill the first candidates.
    query = "churches worship services gathering restrictions pandemic free exercise"
    for mode in ("dense", "hybrid"):
        assert ids_of(search(api, "retrieval-a", query, limit=3, mode=mode, filters={"case_type": "civil"})) == civil
        assert len(search(api, "retrieval-a", query, limit=2, mode=mode, filters={"case_type": "civil"})) == 2
        assert len(search(api, "retrieval-a", query, limit=4, mode=mode)) == 4
    # More asked for than match: all that match.
    assert ids_of(search(api, "retrieval-a", query, limit=100, mode="dense", filters={"case_type": "civil"})) == civil


def test_get_search_matches_post(api, corpus):
    client = client_for(api, "retrieval-a")
    posted = client.search(PLEA_QUERY, limit=3, mode="bm25", filters={"jurisdiction": "missouri"},
                           include_metadata=True)
    got = client.search_text(PLEA_QUERY, limit=3, mode="bm25", filters={"jurisdiction": "missouri"},
                             include_metadata=True)
    assert posted.model_dump() == got.model_dump()
    assert ids_of(got.results) == {corpus["a"]["missouri"]}
    assert got.results[0].metadata.jurisdiction == "Missouri"
    assert got.filters.jurisdiction == "missouri" and got.mode == "bm25"


def test_case_route(api, corpus):
    client = client_for(api, "retrieval-a")
    ca5 = corpus["a"]["ca5"]
    case = client.case(ca5)
    assert case.case_id == ca5 and case.processing_status == "indexed"
    assert case.metadata.court == "Fifth Circuit" and case.page_count == 10 and case.chunk_count > 0
    assert case.sections and case.title and case.original_filename == SAMPLE_CASES["ca5"][0]
    assert case.content is None and case.cleaned_content is None
    with_content = client.case(ca5, include_content=True)
    assert with_content.cleaned_content and with_content.content
    assert with_content.sections[-1].char_end <= len(with_content.cleaned_content)
    # The reader shows the text page by page: the spans tile the cleaned text in page order.
    spans = with_content.page_spans
    assert [span.page for span in spans] == list(range(1, 11)) and spans == case.page_spans
    assert spans[0].char_start == 0 and spans[-1].char_end == len(with_content.cleaned_content)
    assert all(left.char_end <= right.char_start for left, right in zip(spans, spans[1:]))


def test_case_pdf_is_the_uploaded_bytes_for_its_tenant_only(api, corpus):
    ca5 = corpus["a"]["ca5"]
    pdf = client_for(api, "retrieval-a").case_pdf(ca5)
    assert pdf == (SAMPLES / SAMPLE_CASES["ca5"][0]).read_bytes()
    with http(api, "retrieval-a") as client:
        response = client.get(f"/api/v1/retrieval/case/{ca5}/pdf")
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith('inline; filename="doctor__ca5_')
    assert "no-store" in response.headers["cache-control"]
    # Another tenant's case and a missing one answer alike.
    for tenant, case_id in (("retrieval-b", ca5), ("retrieval-a", "no-such-case")):
        with http(api, tenant) as client:
            assert_error(client.get(f"/api/v1/retrieval/case/{case_id}/pdf"), 404, "not_found")
    with http(api) as anonymous:
        assert anonymous.get(f"/api/v1/retrieval/case/{ca5}/pdf").status_code == 401


def test_filter_listing_pages_newest_decision_first(api, corpus):
    client = client_for(api, "retrieval-a")
    listing = client.filter_cases()
    assert listing.total == 4 and listing.skip == 0 and listing.limit == 20
    dates = [case.date for case in listing.cases]
    assert dates == sorted(dates, reverse=True) and None not in dates
    assert [case.date for case in listing.cases] == [decided(case.metadata) for case in listing.cases]
    assert {case.court for case in listing.cases} == {overrides["court"] for _, overrides in SAMPLE_CASES.values()}
    pages = [client.filter_cases(skip=skip, limit=3) for skip in (0, 3, 6)]
    assert [len(page.cases) for page in pages] == [3, 1, 0] and all(page.total == 4 for page in pages)
    assert [case.case_id for page in pages for case in page.cases] == [case.case_id for case in listing.cases]


def test_stats_and_metadata_values(api, corpus):
    a, b = client_for(api, "retrieval-a"), client_for(api, "retrieval-b")
    stats = a.retrieval_stats()
    assert stats.tenant_id == "retrieval-a" and stats.total_cases == 4 and stats.indexed_cases == 4
    assert stats.cases_by_status == {"indexed": 4}
    assert stats.total_chunks == sum(a.case(case_id).chunk_count for case_id in corpus["a"].values())
    assert stats.index.dimension == 384 and stats.index.shards == len(stats.index.shard_vectors) >= 1
    assert stats.index.vectors == sum(stats.index.shard_vectors) >= stats.total_chunks

    courts = {item.value: item.count for item in a.courts().values}
    assert courts == {overrides["court"]: 1 for _, overrides in SAMPLE_CASES.values()}
    case_types = a.case_types()
    assert case_types.field == "case_type"
    assert [(item.value, item.count) for item in case_types.values] == [("civil", 3), ("criminal", 1)]
    assert {item.value: item.count for item in b.courts().values} == {B_COURT: 1}
    assert b.retrieval_stats().total_cases == 1


def test_similar_to_a_case_finds_the_others(api, corpus):
    client = client_for(api, "retrieval-a")
    ca1 = corpus["a"]["ca1"]
    similar = client.similar_to_case(ca1, limit=3)
    assert similar.source_case_id == ca1 and ca1 not in ids_of(similar.results)
    assert ids_of(similar.results) == set(corpus["a"].values()) - {ca1}
    assert all(hit.chunks and hit.snippet for hit in similar.results)
    civil = client.similar_to_case(ca1, limit=10, mode="dense", filters={"case_type": "civil"})
    assert ids_of(civil.results) == {corpus["a"]["cacd"], corpus["a"]["ca5"]}
    with http(api, "retrieval-a") as raw:  # a case id in a form, as well as in JSON
        response = raw.post("/api/v1/retrieval/similar", data={"case_id": ca1, "limit": "1", "mode": "bm25"})
    assert response.status_code == 200, response.text
    assert len(response.json()["results"]) == 1 and response.json()["results"][0]["case_id"] != ca1


def test_similar_to_an_uploaded_pdf_stores_nothing(api, corpus):
    store = api["store"]
    before = (store.count_cases(), store.count_chunks())
    # Jagels v. State, read from an upload: the stored copy is its nearest case.
    similar = client_for(api, "retrieval-a").similar_to_pdf(
        SAMPLES / "doctor__missouri.pdf", filename="query.pdf", limit=2, include_metadata=True)
    assert similar.source_filename == "query.pdf"
    assert similar.results[0].case_id == corpus["a"]["missouri"] and len(similar.results) == 2
    assert similar.results[0].metadata.court == "Missouri Court of Appeals"
    other = client_for(api, "retrieval-a").similar_to_pdf(
        (SAMPLES / "doctor__broken-mime.pdf").read_bytes(), limit=4, filters={"case_type": "civil"})
    assert ids_of(other.results) == {corpus["a"][name] for name in ("cacd", "ca1", "ca5")}
    assert (store.count_cases(), store.count_chunks()) == before


def test_tenant_b_sees_none_of_tenant_a(api, corpus):
    b = client_for(api, "retrieval-b")
    a_ids = set(corpus["a"].values())
    assert ids_of(b.search(PLEA_QUERY, limit=100).results) == {corpus["b"]}
    assert ids_of(b.search_text("court appeal", limit=100, mode="dense").results) == {corpus["b"]}
    assert ids_of(b.search("court", filters={"court": "First Circuit"}).results) == set()
    assert ids_of(b.filter_cases(limit=100).cases) == {corpus["b"]}
    assert ids_of(b.similar_to_pdf(SAMPLES / "doctor__ca1_00117684624.pdf", limit=100).results) == {corpus["b"]}
    assert ids_of(b.similar_to_case(corpus["b"], limit=100).results) == set()
    assert b.case(corpus["b"]).metadata.court == B_COURT
    with http(api, "retrieval-b") as raw:
        for case_id in a_ids:
            hidden = assert_error(raw.get(f"/api/v1/retrieval/case/{case_id}"), 404, "not_found")
            missing = assert_error(raw.get("/api/v1/retrieval/case/no-such-case"), 404, "not_found")
            assert hidden["message"].replace(case_id, "X") == missing["message"].replace("no-such-case", "X")
            assert_error(raw.post("/api/v1/retrieval/similar", json={"case_id": case_id}), 404, "not_found")
    assert set(item.value for item in b.case_types().values) == {"criminal"}


def test_bad_input_gets_4xx_in_the_error_shape(api, corpus):
    ca1 = corpus["a"]["ca1"]
    similar = "/api/v1/retrieval/similar"
    with http(api, "retrieval-a") as client:
        def post_search(**body):
            return client.post(SEARCH, json={"query": "appeal", **body})

        assert_error(client.post(SEARCH, json={"query": ""}), 422, "validation_error")
        assert_error(client.post(SEARCH, json={"query": " \n\t "}), 422, "validation_error")
        assert_error(client.post(SEARCH, json={}), 422, "validation_error")
        assert_error(client.post(SEARCH, content=b"{not json", headers={"Content-Type": "application/json"}),
                     422, "validation_error")
        for limit in (0, 10_000, -1):
            assert_error(post_search(limit=limit), 422, "validation_error")
        assert_error(post_search(mode="magic"), 422, "validation_error")
        error = assert_error(post_search(filters={"courtroom": "A"}), 422, "validation_error")
        assert "courtroom" in error["message"]
        assert_error(post_search(filter={"court": "A"}), 422, "validation_error")  # typo of "filters"
        assert_error(post_search(filters={"date_from": "2020-13-45"}), 422, "validation_error")
        error = assert_error(post_search(filters={"date_from": "2021-01-01", "date_to": "2020-01-01"}),
                             422, "validation_error")
        assert "date_from" in error["message"]
        assert_error(post_search(filters={"court": ""}), 422, "validation_error")
        unknown_value = post_search(filters={"court": "No Such Court"})
        assert unknown_value.status_code == 200 and unknown_value.json()["results"] == []

        text = "/api/v1/retrieval/search/text"
        assert_error(client.get(text), 422, "validation_error")
        assert_error(client.get(text, params={"q": "   "}), 422, "validation_error")
        assert_error(client.get(text, params={"q": "x", "limit": 0}), 422, "validation_error")
        assert_error(client.get(text, params={"q": "x", "limit": 10_000}), 422, "validation_error")
        assert_error(client.get(text, params={"q": "x", "mode": "magic"}), 422, "validation_error")
        assert_error(client.get(text, params={"q": "x", "courtroom": "A"}), 422, "validation_error")
        assert_error(client.get(text, params={"q": "x", "date_to": "2020-13-45"}), 422, "validation_error")
        assert_error(client.get(text, params={"q": "x", "date_from": "2021-01-01", "date_to": "2020-01-01"}),
                     422, "validation_error")
        assert client.get(text, params={"q": "x", "judge": "Nobody Atall"}).json()["results"] == []

        listing = "/api/v1/retrieval/filter"
        assert_error(client.get(listing, params={"skip": -1}), 422, "validation_error")
        # An offset past what MongoDB's 8-byte integers hold was a 500 (found by schemathesis).
        assert_error(client.get(listing, params={"skip": 10**30}), 422, "validation_error")
        assert_error(client.get(listing, params={"limit": 0}), 422, "validation_error")
        assert_error(client.get(listing, params={"limit": 101}), 422, "validation_error")
        assert_error(client.get(listing, params={"date_from": "2020-13-45"}), 422, "validation_error")
        assert_error(client.get(listing, params={"casetype": "civil"}), 422, "validation_error")
        empty = client.get(listing, params={"case_type": "maritime"})
        assert empty.status_code == 200 and empty.json()["total"] == 0 and empty.json()["cases"] == []

        assert_error(client.get("/api/v1/retrieval/case/no-such-case"), 404, "not_found")
        assert_error(client.post(similar, json={"case_id": "no-such-case"}), 404, "not_found")
        assert_error(client.post(similar, json={}), 422, "validation_error")
        assert_error(client.post(similar, json={"case_id": ca1, "limit": 0}), 422, "validation_error")
        assert_error(client.post(similar, json={"case_id": ca1, "filters": {"x": 1}}), 422, "validation_error")
        assert_error(client.post(similar, content=b"case_id=x", headers={"Content-Type": "text/plain"}),
                     415, "unsupported_media_type")
        pdf = ("q.pdf", pdf_factory.text_pdf(["The appeal is dismissed."]), "application/pdf")
        assert_error(client.post(similar, data={"case_id": ca1}, files={"file": pdf}), 422, "validation_error")
        assert_error(client.post(similar, data={"limit": "3"}), 422, "validation_error")
        assert_error(client.post(similar, files={"file": pdf}, data={"limit": "0"}), 422, "validation_error")
        assert_error(client.post(similar, files={"file": pdf}, data={"court_name": "x"}), 422, "validation_error")
        assert_error(client.post(similar, files={"file": ("e.pdf", b"", "application/pdf")}), 400, "empty_file")
        assert_error(client.post(similar, files={"file": ("scan.pdf", pdf_factory.png_bytes(), "image/png")}),
                     415, "not_pdf")
        assert_error(client.post(similar, files={"file": ("big.pdf", b"%PDF-1.7\n" + b"0" * MAX_UPLOAD_BYTES)}),
                     413, "payload_too_large")
        valid = pdf_factory.text_pdf(["IN THE COURT OF APPEALS. The guilty plea was withdrawn."])
        assert_error(client.post(similar, files={"file": ("c.pdf", pdf_factory.with_garbage_body(valid))}),
                     400, "corrupt_pdf")


def test_a_one_megabyte_query_is_refused_and_one_just_under_the_cap_is_searched(api, corpus):
    """Queries may be up to 1,000,000 characters (a whole judgement); the first 64 passages
    are searched. A 1 MiB query is past the cap: 422, never a 500."""
    with http(api, "retrieval-a") as client:
        error = assert_error(client.post(SEARCH, json={"query": "plea " * (1 << 18)}), 422, "validation_error")
        assert "1000000" in error["message"]
        sentence = "The guilty plea was entered without effective assistance of counsel. "
        long_query = (sentence * (1_000_000 // len(sentence) + 1))[:1_000_000]
        response = client.post(SEARCH, json={"query": long_query, "limit": 2})
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["query"]) == 500 and body["results"][0]["case_id"] == corpus["a"]["missouri"]


def test_client_raises_the_api_errors(api, corpus):
    client = client_for(api, "retrieval-a")
    with pytest.raises(LexRayAPIError) as missing:
        client.case("no-such-case")
    assert missing.value.status_code == 404 and missing.value.code == "not_found"
    with pytest.raises(LexRayAPIError) as bad_pdf:
        client.similar_to_pdf(b"not a pdf at all")
    assert bad_pdf.value.status_code == 415


def test_a_fact_description_ranks_cases_decided_after_its_latest_year_lower(api, corpus):
    # A long query (a fact description, at least ranking.precedent_min_query_chars) that
    # matches all four opinions; the same text with a year makes cases decided long after it
    # lose score by how much later they were decided (search.priors' precedent prior).
    facts = ("The appellant pleaded guilty and later sought post-conviction relief, claiming ineffective "
             "assistance of counsel; the district court denied the motion and the court of appeals "
             "reviewed the judgment, the sentence and the evidence at trial. ") * 5
    undated = search(api, "retrieval-a", facts, mode="bm25", limit=4)
    dated = search(api, "retrieval-a", facts + " The plea was entered in 1950.", mode="bm25", limit=4)
    years = {case_id: decided(metadata).year for case_id, metadata in corpus["metadata"].items()
             if decided(metadata)}
    assert len(years) >= 2 and len(set(years.values())) >= 2
    assert [hit["score"] for hit in dated] != [hit["score"] for hit in undated]
    earliest = min(years, key=years.get)
    position = {name: [hit["case_id"] for hit in hits].index(earliest)
                for name, hits in (("dated", dated), ("undated", undated))}
    assert position["dated"] <= position["undated"]
    # Each dated score is at most the undated one's share after the decay of its case's year.
    assert all(hit["score"] <= 1.0 for hit in dated)
