import os

import numpy as np
import pytest

os.environ.setdefault("DISABLE_TQDM", "1")  # before bm25s is imported: no progress bars in test output

import bm25s  # noqa: E402

from search.lexical_shard import BM25Params, LexicalShard  # noqa: E402
from search.tokens import legal_tokens  # noqa: E402

CHUNKS = {
    1: "The accused was convicted of murder under Section 302 IPC and sentenced to life.",
    2: "The contract was rescinded for misrepresentation; damages were awarded.",
    3: "Article 21 protects life and personal liberty; see Maneka Gandhi, (1978) 1 SCC 248.",
    4: "The landlord sought eviction of the tenant for non-payment of rent.",
    5: "Custodial death raises questions under Article 21 and Section 302.",
    6: "The Fourth Amendment permits a cheek swab, Maryland v. King, 569 U. S. 435 (2013).",
}


def _shard(params: BM25Params = BM25Params()) -> LexicalShard:
    shard = LexicalShard(params)
    ids = list(CHUNKS)
    shard.add(ids, [f"case-{vector_id}" for vector_id in ids], ["t1"] * len(ids), list(CHUNKS.values()))
    return shard


def _random_texts(count: int, seed: int, vocabulary: int = 400) -> list[str]:
    rng = np.random.default_rng(seed)
    words = [f"term{index}x" for index in range(vocabulary)]
    return [" ".join(rng.choice(words, size=rng.integers(5, 40))) for _ in range(count)]


def _ranking(shard: LexicalShard, query: str, **kwargs) -> list[tuple[int, float]]:
    return [(hit.vector_id, round(hit.score, 4)) for hit in shard.search(query, 1000, **kwargs)]


@pytest.mark.parametrize(
    ("query", "best"),
    [
        ("murder section 302", 1),
        ("302 IPC conviction", 1),
        ("right to life under Art. 21", 3),
        ("1978 1 SCC 248", 3),
        ("eviction of tenants", 4),
        ("569 U.S. 435", 6),
    ],
)
def test_the_obviously_matching_chunk_ranks_first(query, best):
    hits = _shard().search(query, 3)
    assert hits[0].vector_id == best and hits[0].case_id == f"case-{best}"
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)


def test_scores_are_those_bm25s_index_builds_from_the_same_tokens():
    texts = _random_texts(60, seed=1)
    shard = LexicalShard(BM25Params(k1=1.5, b=0.6))
    shard.add(range(60), ["c"] * 60, ["t"] * 60, texts)
    reference = bm25s.BM25(k1=1.5, b=0.6, method="lucene")
    reference.index([legal_tokens(text) for text in texts], show_progress=False)
    for query in ["term3x term17x", "term250x term250x term9x", "term0x"]:
        expected = reference.get_scores(legal_tokens(query))
        hits = shard.search(query, 60)
        assert len(hits) == int((expected > 0).sum())
        for hit in hits:
            assert hit.score == pytest.approx(float(expected[hit.vector_id]), rel=1e-5)


def test_tenant_filter_applies_before_ranking():
    shard = LexicalShard()
    # Tenant t1's chunks match the query far better than t2's, and there are more of them.
    shard.add(range(10), [f"a{i}" for i in range(10)], ["t1"] * 10, ["habeas corpus habeas corpus writ"] * 10)
    shard.add([20, 21, 22], ["b", "b", "c"], ["t2"] * 3,
              ["a writ petition", "habeas corpus was refused", "unrelated tax appeal"])
    hits = shard.search("habeas corpus writ", 2, tenant_id="t2")
    assert [hit.vector_id for hit in hits] == [21, 20]
    assert {hit.case_id for hit in shard.search("habeas corpus writ", 50, tenant_id="t2")} == {"b"}
    assert all(hit.vector_id < 10 for hit in shard.search("habeas corpus writ", 10, tenant_id="t1"))
    # Unfiltered (tools only): every tenant's hits, each scored with its tenant's statistics.
    assert {hit.case_id for hit in shard.search("habeas corpus writ", 50)} == {f"a{i}" for i in range(10)} | {"b"}
    assert shard.search("habeas corpus", 5, tenant_id="nobody") == []


def test_remove_case_removes_only_its_chunks():
    shard = _shard()
    assert shard.remove_case("case-1") == 1
    assert shard.remove_case("missing") == 0
    assert shard.count == 5
    assert [hit.vector_id for hit in shard.search("Section 302 murder", 10)] == [5]
    assert shard.remove_ids([2, 3, 999]) == 2
    assert shard.vector_ids() == {4, 5, 6}


def test_re_adding_an_id_replaces_its_text():
    shard = _shard()
    shard.search("warm the index", 1)
    shard.add([1], ["case-1"], ["t1"], ["A dispute over a partnership deed."])
    shard.add([7, 7], ["case-7", "case-7"], ["t1", "t1"], ["first draft", "partnership accounts"])
    assert shard.count == 7
    assert 1 not in [hit.vector_id for hit in shard.search("murder 302 IPC", 10)]
    assert [hit.vector_id for hit in shard.search("partnership", 10)] == [7, 1]
    assert shard.search("draft", 10) == []


def test_incremental_changes_score_like_a_fresh_build():
    texts = _random_texts(400, seed=2, vocabulary=3000)
    shard = LexicalShard()
    for start in range(0, 400, 20):  # one ~20-chunk case at a time, searching in between
        shard.add(range(start, start + 20), [f"case-{start}"] * 20, [f"t{start % 3}"] * 20,
                  texts[start:start + 20])
        shard.search("term1x", 3)
    for start in range(0, 400, 40):
        shard.remove_case(f"case-{start}")
    shard.add(range(20, 30), ["case-20"] * 10, ["t2"] * 10, texts[:10])  # replace half a case
    fresh = LexicalShard()
    for vector_id in sorted(shard.vector_ids()):
        case_id = shard.case_of(vector_id)
        text = texts[vector_id - 20] if 20 <= vector_id < 30 else texts[vector_id]
        fresh.add([vector_id], [case_id], [shard.tenant_of_case[case_id]], [text])
    for query in ["term1x term2x term40x", "term2999x term7x", "term500x"]:
        assert _ranking(shard, query) == _ranking(fresh, query)
        for tenant_id in ("t0", "t1", "t2"):
            assert _ranking(shard, query, tenant_id=tenant_id) == _ranking(fresh, query, tenant_id=tenant_id)


def test_terms_of_removed_chunks_are_forgotten_once_they_dominate():
    texts = [" ".join(f"w{doc}x{word}q" for word in range(40)) + " common" for doc in range(60)]
    shard = LexicalShard()
    shard.add(range(60), [f"case-{doc}" for doc in range(60)], ["t"] * 60, texts)
    shard.search("common", 1)
    vocabulary_before = len(shard.corpora["t"].terms)
    shard.remove_ids(list(range(50)))
    assert [hit.vector_id for hit in shard.search("w55x3q common", 2)] == [55, 50]
    assert len(shard.corpora["t"].terms) < vocabulary_before / 2
    assert shard.search("w3x3q", 5) == []
    fresh = LexicalShard()
    fresh.add(range(50, 60), [f"case-{doc}" for doc in range(50, 60)], ["t"] * 10, texts[50:])
    assert _ranking(shard, "common w51x0q") == _ranking(fresh, "common w51x0q")


def test_snapshot_round_trip(tmp_path):
    shard = _shard()
    shard.add([50, 51], ["case-50", "case-50"], ["t2", "t2"], ["Section 302 appeal", "bail granted"])
    shard.remove_ids([2])
    path = tmp_path / "lexical.npz"
    shard.save(path)
    restored = LexicalShard.load(path)
    assert not list(tmp_path.glob("*.tmp"))
    assert restored.count == shard.count == 7 and restored.params == shard.params
    for query in ["section 302", "life liberty article 21", "bail"]:
        assert _ranking(restored, query) == _ranking(shard, query)
        assert _ranking(restored, query, tenant_id="t2") == _ranking(shard, query, tenant_id="t2")
    assert restored.search("section 302", 1)[0].case_id == shard.search("section 302", 1)[0].case_id
    restored.add([60], ["case-60"], ["t1"], ["murder trial under section 302"])
    assert 60 in {hit.vector_id for hit in restored.search("murder", 5)}


def test_load_can_change_the_bm25_parameters(tmp_path):
    path = tmp_path / "lexical.npz"
    _shard().save(path)
    assert LexicalShard.load(path).params == BM25Params()
    no_length_norm = LexicalShard.load(path, BM25Params(k1=1.2, b=0.0))
    assert _ranking(no_length_norm, "life") == _ranking(_shard(BM25Params(k1=1.2, b=0.0)), "life")
    assert _ranking(no_length_norm, "life") != _ranking(_shard(), "life")


def test_damaged_snapshot_is_rejected(tmp_path):
    path = tmp_path / "lexical.npz"
    np.savez(path, format=np.int64(1))
    with pytest.raises(ValueError):
        LexicalShard.load(path)
    good = tmp_path / "good.npz"
    _shard().save(good)
    with np.load(good) as saved:
        arrays = dict(saved)
    np.savez(path, **{**arrays, "0/posting_rows": arrays["0/posting_rows"][:-1]})
    with pytest.raises(ValueError):
        LexicalShard.load(path)
    path.write_bytes(good.read_bytes()[:200])
    with pytest.raises(ValueError):
        LexicalShard.load(path)


def test_a_tenants_scores_do_not_move_when_another_tenant_ingests():
    """BM25 statistics (idf, average chunk length) are per tenant: tenant B adding many chunks,
    some full of A's query terms, changes none of A's scores, and removing them neither."""
    shard = LexicalShard()
    texts = _random_texts(50, seed=3, vocabulary=300)
    shard.add(range(50), [f"a-{i // 5}" for i in range(50)], ["a"] * 50, texts)
    queries = ["term1x term2x term40x", "term7x", "term250x term3x term3x"]
    before = {query: _ranking(shard, query, tenant_id="a") for query in queries}
    assert all(before.values())
    b_texts = _random_texts(400, seed=4, vocabulary=300) + ["term1x term7x term250x " * 20] * 100
    shard.add(range(1000, 1500), [f"b-{i // 10}" for i in range(500)], ["b"] * 500, b_texts)
    assert shard.search("term7x", 5, tenant_id="b")
    for query in queries:
        assert _ranking(shard, query, tenant_id="a") == before[query]
        assert _ranking(shard, query, tenant_id="a", case_ids=["a-1", "a-3"]) == [
            hit for hit in before[query] if hit[0] // 5 in (1, 3)]
    for case in range(0, 50, 2):
        shard.remove_case(f"b-{case}")
    assert {query: _ranking(shard, query, tenant_id="a") for query in queries} == before


def test_an_id_moving_to_another_tenant_leaves_the_first():
    shard = _shard()
    shard.add([1], ["case-x"], ["t2"], ["murder appeal"])
    assert 1 not in {hit.vector_id for hit in shard.search("murder", 10, tenant_id="t1")}
    assert [hit.case_id for hit in shard.search("murder", 10, tenant_id="t2")] == ["case-x"]
    assert shard.count == 6 and shard.tenant_of_case["case-x"] == "t2" and "case-1" not in shard.tenant_of_case
    assert shard.remove_case("case-x") == 1 and "t2" not in shard.corpora


def test_empty_shard_and_empty_queries():
    empty = LexicalShard()
    assert empty.count == 0 and empty.search("section 302", 5) == []
    shard = _shard()
    for query in ["", "   ", "the of and", "wholly unknown vocabulary"]:
        assert shard.search(query, 5) == []
    assert shard.search("murder", 0) == []
    only_stopwords = LexicalShard()
    only_stopwords.add([1], ["c"], ["t"], ["the of and"])
    assert only_stopwords.search("murder", 5) == []


def test_mismatched_lengths_are_rejected():
    with pytest.raises(ValueError):
        LexicalShard().add([1, 2], ["a"], ["t", "t"], ["x", "y"])


def test_case_filter_applies_before_ranking_and_combines_with_tenant():
    shard = LexicalShard()
    # Case "strong" holds the best matches; the filter must still yield the allowed cases' chunks.
    shard.add(range(5), ["strong"] * 5, ["t1"] * 5, ["habeas corpus habeas corpus writ"] * 5)
    shard.add([10, 11, 12], ["weak", "weak", "other"], ["t1", "t1", "t2"],
              ["habeas corpus was refused", "writ petition", "habeas corpus writ"])
    hits = shard.search("habeas corpus writ", 3, case_ids=["weak", "missing-case"])
    assert {hit.case_id for hit in hits} == {"weak"} and len(hits) == 2
    assert shard.search("habeas corpus writ", 3, tenant_id="t1", case_ids=["other"]) == []
    assert [h.case_id for h in shard.search("habeas corpus writ", 3, tenant_id="t2", case_ids=["other"])] == ["other"]
    assert shard.search("habeas corpus writ", 3, case_ids=[]) == []
