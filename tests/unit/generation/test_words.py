"""Tests for generation.words."""


from generation.words import content_words, stemmed_words


def test_content_words_drop_stop_words_numbers_and_single_letters():
    assert content_words("The appellant, a tenant, paid Rs. 500 under s. 19.") == ["appel", "tenant", "paid", "rs"]


def test_stemmed_words_keep_stop_words():
    assert stemmed_words("Whether it was held") == ["whether", "it", "was", "held"]
