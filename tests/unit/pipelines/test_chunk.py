from lexray.models import PageSpan
from pipelines.chunk import chunk_text


def _two_pages() -> tuple[str, list[PageSpan]]:
    page_one = " ".join(f"First page sentence number {i}." for i in range(40))
    page_two = " ".join(f"Second page sentence number {i}." for i in range(40))
    text = page_one + "\n\n" + page_two
    spans = [
        PageSpan(page=1, char_start=0, char_end=len(page_one)),
        PageSpan(page=2, char_start=len(page_one) + 2, char_end=len(text)),
    ]
    return text, spans


def test_chunks_are_exact_slices_with_pages():
    text, spans = _two_pages()
    chunks = chunk_text(text, spans, size_chars=300, overlap_chars=50)
    assert len(chunks) > 5
    for chunk in chunks:
        assert text[chunk.char_start:chunk.char_end] == chunk.text
        assert len(chunk.text) <= 300
        assert chunk.text == chunk.text.strip()
    assert chunks[0].page_numbers == [1]
    assert chunks[-1].page_numbers == [2]
    assert any(chunk.page_numbers == [1, 2] for chunk in chunks)


def test_chunks_cover_the_whole_text_and_overlap():
    text, spans = _two_pages()
    chunks = chunk_text(text, spans, size_chars=300, overlap_chars=50)
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.char_start, chunk.char_end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
    for previous, following in zip(chunks, chunks[1:]):
        assert following.char_start < previous.char_end  # overlap
        assert following.char_start > previous.char_start  # progress


def test_chunks_end_at_sentence_boundaries_when_possible():
    text, spans = _two_pages()
    chunks = chunk_text(text, spans, size_chars=300, overlap_chars=0)
    assert all(chunk.text.endswith(".") for chunk in chunks)


def test_chunk_starts_at_word_boundary():
    text, spans = _two_pages()
    for chunk in chunk_text(text, spans, size_chars=250, overlap_chars=60):
        assert chunk.char_start == 0 or text[chunk.char_start - 1].isspace()


def test_long_word_without_breaks_is_cut_at_size():
    text = "x" * 1000
    chunks = chunk_text(text, [PageSpan(page=1, char_start=0, char_end=1000)], size_chars=300, overlap_chars=0)
    assert [len(c.text) for c in chunks] == [300, 300, 300, 100]


def test_empty_text_gives_no_chunks():
    assert chunk_text("   \n ", [], size_chars=100, overlap_chars=10) == []
