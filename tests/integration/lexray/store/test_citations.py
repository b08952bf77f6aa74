"""The citator's records (lexray.store.citations) in a real database: citations resolved among the
tenant's cases when recorded and again when a matching case arrives or goes, tenant-scoped reads,
and the citator corpus (bench.citator_corpus) resolved as its expectations say."""

import pytest

from bench.citator_corpus import CORPUS, expected_cited
from lexray.citator import name_words
from lexray.models import CaseCitations, CitedAuthority, OwnCitation
from pipelines.clean import clean_pages, join_pages
from pipelines.document import CaseText, enrich_case
from lexray.settings import Settings
from tests.integration.lexray.store.records import register_case


def cited(key: str, *, name: str | None = None, year: int | None = None, depth: int = 1, pages=(1,),
          parallel=()) -> CitedAuthority:
    return CitedAuthority(citation=key, normalized=key, parallel=list(parallel), case_name=name,
                          name_words=name_words(name), year=year, depth=depth, pages=list(pages),
                          spans=[(0, len(key))])


def record(store, case_id, tenant="t1", *, own=(), cites=(), title=None, year=None):
    citations = CaseCitations(own=[OwnCitation(citation=key, normalized=key, kind="reporter") for key in own],
                              cited=list(cites))
    return store.record_citations(case_id, tenant_id=tenant, citations=citations, title=title, year=year)


def statuses(store, case_id, tenant="t1") -> dict[str, tuple]:
    return {row["normalized"]: (row["status"], row["cited_case_id"], row["candidates"], row["matched_by"])
            for row in store.cites_of(case_id, tenant_id=tenant)}


def test_citations_resolve_by_citation_then_name_and_year_and_again_when_a_case_arrives(store):
    record(store, "marbury", own=["5 U.S. 137"], title="William Marbury v. James Madison", year=1803)
    counts = record(store, "cooper", title="Cooper v. Aaron", year=1958, cites=[
        cited("5 U.S. 137", name="Marbury v. Madison", year=1803, depth=3, pages=(2,)),
        cited("1 Cranch 137", name="Marbury v. Madison", year=1803),
        cited("347 U.S. 483", name="Brown v. Board of Education", year=1954, parallel=["74 S. Ct. 686"], depth=4),
    ])
    assert counts == {"cited": 3, "resolved": 2, "ambiguous": 0, "dangling": 1, "re_resolved": 0}
    assert statuses(store, "cooper") == {
        "347 U.S. 483": ("dangling", None, [], None),
        "5 U.S. 137": ("resolved", "marbury", ["marbury"], "citation"),
        "1 Cranch 137": ("resolved", "marbury", ["marbury"], "name"),
    }
    # Most referenced first.
    assert [row["normalized"] for row in store.cites_of("cooper", tenant_id="t1")][0] == "347 U.S. 483"

    # Brown arrives (its caption prints the parallel S. Ct. citation only): Cooper's dangling one resolves.
    counts = record(store, "brown", own=["74 S. Ct. 686"], title="Oliver Brown v. Board of Education", year=1954)
    assert counts["re_resolved"] == 1
    assert statuses(store, "cooper")["347 U.S. 483"] == ("resolved", "brown", ["brown"], "citation")

    # A second case printed under the same citation makes it ambiguous, keeping both candidates.
    record(store, "brown_copy", own=["347 U.S. 483"], title="Brown v. Board of Education", year=1954)
    assert statuses(store, "cooper")["347 U.S. 483"] == ("ambiguous", None, ["brown", "brown_copy"], "citation")
    # Deleting one of them resolves it to the other.
    store._delete_citations_of("brown_copy")
    assert statuses(store, "cooper")["347 U.S. 483"] == ("resolved", "brown", ["brown"], "citation")


def test_reads_are_tenant_scoped(store):
    record(store, "a", own=["1 U.S. 1"], title="Alpha v. Beta", year=1790)
    record(store, "b", own=["2 U.S. 2"], title="Gamma v. Delta", year=1791,
           cites=[cited("1 U.S. 1", depth=2, pages=(1, 3))])
    record(store, "c", own=["3 U.S. 3"], title="Epsilon v. Zeta", year=1792,
           cites=[cited("1 U.S. 1"), cited("2 U.S. 2", depth=5)])
    # Another tenant's case printed under the same citation: neither resolves to the other's cases.
    record(store, "x", "t2", own=["1 U.S. 1"], title="Alpha v. Beta", year=1790)
    record(store, "y", "t2", cites=[cited("2 U.S. 2")])
    assert statuses(store, "y", "t2")["2 U.S. 2"][0] == "dangling"

    assert store.cited_by("a", tenant_id="t1") == [
        {"case_id": "b", "title": "Gamma v. Delta", "depth": 2, "pages": [1, 3], "citation": "1 U.S. 1"},
        {"case_id": "c", "title": "Epsilon v. Zeta", "depth": 1, "pages": [1], "citation": "1 U.S. 1"}]
    assert store.cited_by("a", tenant_id="t2") == [] and store.cites_of("b", tenant_id="t2") == []
    assert store.cited_by_counts(["a", "b", "c", "x"], tenant_id="t1") == {"a": 2, "b": 1}
    assert store.cited_by_counts(["x"], tenant_id="t2") == {}
    assert store.cases_citing(tenant_id="t1", case_id="a") == ["b", "c"]
    assert store.cases_citing(tenant_id="t1", citation="2 U.S. 2") == ["c"]
    assert store.cases_citing(tenant_id="t2", citation="2 U.S. 2") == ["y"]
    assert store.citation_links(["a", "b"], tenant_id="t1") == {"a": {"b", "c"}, "b": {"a", "c"}}
    with pytest.raises(ValueError):
        store.cases_citing(tenant_id="t1")

    found, ambiguous_free = store.resolve_authorities([cited("1 U.S. 1"), cited("9 U.S. 9")], tenant_id="t1")
    assert (found.status.value, found.case_id) == ("resolved", "a")
    assert ambiguous_free.status.value == "dangling"
    assert store.citable_case("a", tenant_id="t1")["keys"] == ["1 U.S. 1"]
    assert store.citable_case("a", tenant_id="t2") is None


def test_recording_again_replaces_and_a_deleted_or_failed_case_leaves_nothing(store):
    from lexray.store import CITABLE_CASES, CITATIONS

    kept = register_case(store, "k" * 64, tenant_id="t1").case_id
    gone = register_case(store, "g" * 64, tenant_id="t1").case_id
    failed = register_case(store, "f" * 64, tenant_id="t1").case_id
    record(store, gone, own=["1 U.S. 1"], title="Alpha v. Beta", year=1790, cites=[cited("2 U.S. 2")])
    record(store, kept, title="Kept v. Case", year=2000, cites=[cited("1 U.S. 1"), cited("5 U.S. 5")])
    record(store, kept, title="Kept v. Case", year=2000, cites=[cited("1 U.S. 1")])
    assert list(statuses(store, kept)) == ["1 U.S. 1"]
    assert statuses(store, kept)["1 U.S. 1"][1] == gone

    assert store.delete_case(gone)
    assert statuses(store, kept)["1 U.S. 1"] == ("dangling", None, [], None)
    assert store.db[CITATIONS].count_documents({"case_id": gone}) == 0
    assert store.db[CITABLE_CASES].count_documents({"case_id": gone}) == 0

    record(store, failed, own=["1 U.S. 1"], title="Alpha v. Beta", year=1790)
    assert statuses(store, kept)["1 U.S. 1"][1] == failed
    store.mark_failed(failed, "internal_error", "the index was unreachable")
    assert statuses(store, kept)["1 U.S. 1"][0] == "dangling"
    assert store.citable_case(failed, tenant_id="t1") is None


def test_an_erased_case_is_unresolved_everywhere_and_cannot_record(store):
    from lexray.store import CaseErasedError

    erased = register_case(store, "e" * 64, tenant_id="t1").case_id
    citing = register_case(store, "c" * 64, tenant_id="t1").case_id
    record(store, erased, own=["1 U.S. 1"], title="Alpha v. Beta", year=1790, cites=[cited("7 U.S. 7")])
    record(store, citing, title="Citing v. Case", year=2000, cites=[cited("1 U.S. 1")])
    removed = store.erase_case(erased, tenant_id="t1", key_id="k", request_id="r")
    assert removed["citator_records"] == 2 and removed["other_records"] == 0
    assert statuses(store, citing)["1 U.S. 1"] == ("dangling", None, [], None)
    for name in ("citations", "citable_cases"):
        assert erased not in repr(list(store.db[name].find({}, {"_id": 0})))
    with pytest.raises(CaseErasedError):
        record(store, erased, own=["1 U.S. 1"])
    assert store.citable_case(erased, tenant_id="t1") is None


def test_the_citator_corpus_resolves_as_expected_including_cases_stored_later(store):
    settings = Settings()
    texts = {}
    for opinion in CORPUS:
        cleaned, page_spans = join_pages(clean_pages(opinion.page_texts()))
        texts[opinion.name] = CaseText(pages=[], content=cleaned, cleaned_content=cleaned, page_spans=page_spans)

    def store_opinion(opinion):
        enriched = enrich_case(opinion.name, texts[opinion.name], settings, tenant_id="t1")
        store.record_citations(opinion.name, tenant_id="t1", citations=enriched.citations, title=enriched.title,
                               year=enriched.decision_year())

    def resolved_as_expected(ingested: set[str]) -> None:
        for opinion in CORPUS:
            if opinion.name not in ingested:
                continue
            found = statuses(store, opinion.name)
            for key, expected in expected_cited(opinion).items():
                target = expected.cites if expected.cites in ingested else None
                assert found[key][1] == target, (opinion.name, key, found[key])
                assert found[key][0] == ("resolved" if target else "dangling")

    first = [opinion for opinion in CORPUS if not opinion.later]
    for opinion in first:
        store_opinion(opinion)
    resolved_as_expected({opinion.name for opinion in first})
    for opinion in CORPUS:
        if opinion.later:
            store_opinion(opinion)
    resolved_as_expected({opinion.name for opinion in CORPUS})
    assert store.cited_by_counts(["marbury_v_madison", "kesavananda_bharati"], tenant_id="t1") == {
        "marbury_v_madison": 4, "kesavananda_bharati": 2}


def test_a_reporter_year_after_the_decision_resolves_by_name_both_ways(store):
    # "AIR 1956 SC 415" reports a judgement of 1955: cited before the case is stored, and after.
    record(store, "early", title="Pritam Singh v. State of Punjab", year=1955)
    record(store, "citing", title="Manipur Administration v. Thokchom Bira Singh", year=1964, cites=[
        cited("AIR 1956 SC 415", name="Pritam Singh v. State of Punjab", year=1956),
        cited("AIR 1958 SC 1", name="Kedar Nath v. State of Bihar", year=1958),
    ])
    assert statuses(store, "citing")["AIR 1956 SC 415"] == ("resolved", "early", ["early"], "name")
    assert statuses(store, "citing")["AIR 1958 SC 1"][0] == "dangling"
    counts = record(store, "kedar", title="Kedar Nath Singh v. State of Bihar", year=1957)
    assert counts["re_resolved"] == 1
    assert statuses(store, "citing")["AIR 1958 SC 1"] == ("resolved", "kedar", ["kedar"], "name")
    # Two years after the decision is another case's citation.
    record(store, "late", title="Someone v. Another Person", year=1970, cites=[
        cited("AIR 1959 SC 9", name="Kedar Nath v. State of Bihar", year=1959)])
    assert statuses(store, "late")["AIR 1959 SC 9"][0] == "dangling"
