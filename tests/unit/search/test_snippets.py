import re

from search.snippets import WINDOW_CHARS, highlight_snippet, query_terms, term_matches

MARK = re.compile(r"</?mark>")


def marked(snippet: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", snippet)


def visible(snippet: str) -> str:
    return MARK.sub("", snippet)


def test_section_references_match_however_written():
    terms = query_terms("s. 302")
    for written in ("Section 302", "s. 302", "§ 302", "sec. 302", "S.302"):
        snippet = highlight_snippet(f"He was charged under {written} of the Penal Code.", terms)
        assert marked(snippet) == [written], snippet


def test_citations_and_statutes_match_as_one_span():
    snippet = highlight_snippet("As held in Maryland v. King, 569 U. S. 435 (2013), the search was lawful.",
                                query_terms("569 U.S. 435"))
    assert marked(snippet) == ["569 U. S. 435"]
    snippet = highlight_snippet("Claims arise under 42 U.S.C. § 1983 and state law.", query_terms("s. 1983"))
    assert marked(snippet) == ["42 U.S.C. § 1983"]


def test_words_match_by_their_tokens_not_their_spelling():
    snippet = highlight_snippet("The Sections cited bind the appellant's heirs for liabilities.",
                                query_terms("section appellant liability"))
    assert marked(snippet) == ["Sections", "appellant's", "liabilities"]
    # Stopwords and single letters of the query mark nothing.
    assert marked(highlight_snippet("The court of a state.", query_terms("the of a"))) == []


def test_everything_outside_the_marks_is_escaped():
    text = 'Exhibit <script>alert("x")</script> & the murder weapon <b>knife</b>'
    snippet = highlight_snippet(text, query_terms("murder"))
    assert "<script>" not in snippet and "<b>" not in snippet
    assert "&lt;script&gt;" in snippet and "&amp;" in snippet
    assert MARK.sub("", snippet).count("<") == 0
    assert marked(snippet) == ["murder"]


def test_adjacent_matches_share_one_mark():
    snippet = highlight_snippet("The guilty plea was accepted.", query_terms("guilty plea"))
    assert marked(snippet) == ["guilty plea"]


def test_the_window_with_most_distinct_terms_wins():
    filler = "Nothing relevant is said in this sentence at all. " * 12
    text = ("Murder is mentioned here. " + filler + "The murder conviction under Section 302 was upheld. "
            + filler + "Murder again.")
    snippet = highlight_snippet(text, query_terms("murder s. 302"))
    assert marked(snippet) == ["murder", "Section 302"], snippet
    assert snippet.startswith("… ") and snippet.endswith(" …")


def test_window_size_and_word_boundaries():
    words = " ".join(f"word{number}" for number in range(400)) + " appeal " + " ".join(
        f"more{number}" for number in range(400))
    snippet = highlight_snippet(words, query_terms("appeal"))
    body = visible(snippet).removeprefix("… ").removesuffix(" …")
    assert len(body) <= WINDOW_CHARS
    assert len(body) >= WINDOW_CHARS - 20
    assert body.split()[0].startswith("word") and body.split()[-1].startswith("more")
    assert all(re.fullmatch(r"(word|more)\d+|appeal", token) for token in body.split())


def test_without_a_match_the_start_of_the_text():
    long_text = "The appeal is dismissed with costs. " * 20
    snippet = highlight_snippet(long_text, query_terms("injunction"))
    assert snippet.startswith("The appeal is dismissed") and snippet.endswith(" …")
    assert "<mark>" not in snippet
    assert highlight_snippet("Short text.", frozenset()) == "Short text."


def test_whitespace_runs_become_one_space():
    assert highlight_snippet("Held:\n\n  the   appeal\tfails.", query_terms("appeal")) == (
        "Held: the <mark>appeal</mark> fails.")


def test_term_matches_do_not_overlap_and_follow_the_text():
    text = "Section 302 applies; so does 302 IPC; murder, murders."
    matches = term_matches(text, query_terms("s. 302 murder"))
    spans = [(match.start, match.end) for match in matches]
    assert spans == sorted(spans)
    assert all(end <= next_start for (_, end), (next_start, _) in zip(spans, spans[1:]))
    assert [text[start:end] for start, end in spans] == ["Section 302", "302 IPC", "murder", "murders"]


def test_empty_text():
    assert highlight_snippet("", query_terms("anything")) == ""
