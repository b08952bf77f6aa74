import numpy as np
import pytest

from generation.extractive import DEFAULT_METHOD, METHODS, lexrank_graph, summarize
from generation.selection import ROLES, mmr_select, role_quotas, sentence_role
from generation.words import content_words
from lexray.settings import ExtractiveSettings

# Two near-copies of the most central sentence (one word apart) and sentences on other matters.
DUPLICATE_TEXT = " ".join([
    "The tenant paid the landlord the rent for the flat every month under the lease.",
    "The tenant paid the landlord the rent for the flat every month under the lease deed.",
    "The landlord asked the tenant to leave the flat when the lease ended.",
    "The tenant refused to leave the flat and the landlord sued for possession.",
    "The trial court held that the lease had ended and decreed possession to the landlord.",
    "The tenant appealed and argued that the lease was renewed by the rent paid.",
    "Rain damaged the roof of the building in the monsoon.",
])


def test_mmr_drops_a_near_duplicate_that_plain_lexrank_keeps():
    def near_copies(summary):
        return sum(1 for sentence in summary.sentences if sentence.text.startswith("The tenant paid the landlord"))

    plain = summarize(DUPLICATE_TEXT, length=30, method="lexrank")
    mmr = summarize(DUPLICATE_TEXT, length=30, method="lexrank_mmr")
    assert near_copies(plain) == 2
    assert near_copies(mmr) == 1
    # With no redundancy weight MMR is centrality alone, so it takes what LexRank takes.
    assert summarize(DUPLICATE_TEXT, length=30, method="lexrank_mmr",
                     settings=ExtractiveSettings(redundancy=0.0)).text == plain.text


def test_mmr_select_trades_centrality_for_novelty():
    words = [content_words(text) for text in (
        "The lease was void under section 19.", "The lease was void under section 19 of the Act.",
        "The appellant left for England.")]
    vectors = lexrank_graph(words).vectors
    relevance = np.array([1.0, 0.95, 0.4])
    assert mmr_select(relevance, vectors, [7, 10, 5], 15, redundancy=0.0) == [0, 1]
    assert mmr_select(relevance, vectors, [7, 10, 5], 15, redundancy=0.5) == [0, 2]


def test_mmr_select_keeps_to_the_budget_and_each_quota():
    rng = np.random.default_rng(7)
    words = [[f"w{index}" for index in rng.integers(0, 40, 8)] for _ in range(300)]
    vectors = lexrank_graph(words).vectors
    lengths = rng.integers(4, 40, 300).tolist()
    roles = [ROLES[index % len(ROLES)] for index in range(300)]
    taken = mmr_select(rng.random(300), vectors, lengths, 500, redundancy=0.3, roles=roles)
    assert len(set(taken)) == len(taken)
    assert abs(sum(lengths[position] for position in taken) - 500) <= max(lengths) / 2
    assert mmr_select(np.zeros(0), vectors[:0], [], 10, redundancy=0.3) == []


@pytest.mark.parametrize("text, role", [
    ("In the result, the appeal fails and is dismissed with costs.", "order"),
    ("We hold that the notice was within the Custodian's power.", "holding"),
    ("It follows therefore that Rule 21 A is beyond the rule making power.", "holding"),
    ("It was urged on behalf of the appellant that the sale was void.", "arguments"),
    ("The question of law involved in this appeal is whether the purchaser is liable.", "issues"),
    ("Section 10(b) provides for the levy of a purchase tax.", "statutes"),
    ("That was laid down in Brandt v. Morris by the Court of Appeal.", "precedents"),
    ("The complainant paid the accused two sums of money in November.", "facts"),
])
def test_sentence_roles_follow_the_cue_words_of_each_part(text, role):
    assert sentence_role(text) == role


def test_role_quotas_split_the_budget_as_the_text_does():
    quotas = role_quotas(["facts", "statutes", "facts", "holding"], [40, 30, 20, 10], 50)
    assert quotas == {"facts": 30.0, "statutes": 15.0, "holding": 5.0}
    assert role_quotas([], [], 50) == {}


# Statute sentences share their words, so LexRank ranks them all above the facts.
STATUTE_HEAVY = " ".join([
    "Section 19 of the Act makes it an offence for a tenant to receive any sum for relinquishment of the tenancy.",
    "Under section 19 of the Act a tenant who receives any sum for relinquishment of the tenancy is punished.",
    "The offence under section 19 of the Act is the receipt of a sum by the tenant for relinquishment.",
    "Section 19 of the Act speaks of relinquishment of the tenancy by the tenant for a sum.",
    "The appellant wished to travel to England for treatment of his eyes.",
    "The complainant met the appellant through a friend in November.",
    "The police laid a trap and recovered the money from the car.",
    "The magistrate convicted him and the High Court dismissed his appeal.",
])


def test_sectioned_gives_the_facts_their_share_where_lexrank_takes_only_statute():
    def facts(summary):
        return sum(1 for sentence in summary.sentences if sentence_role(sentence.text) == "facts")

    assert facts(summarize(STATUTE_HEAVY, length=40, method="lexrank")) == 0
    assert facts(summarize(STATUTE_HEAVY, length=40, method="sectioned")) >= 1


def test_sectioned_is_the_default_and_every_method_returns_document_order():
    assert DEFAULT_METHOD in METHODS
    for method in METHODS:
        summary = summarize(STATUTE_HEAVY, length=40, method=method)
        starts = [sentence.char_start for sentence in summary.sentences]
        assert starts == sorted(starts) and len(starts) == len(set(starts))


def test_a_long_repetitive_text_stays_within_budget():
    # Hostile input: thousands of near-identical lines; MMR steps only as often as sentences fit.
    text = "\n".join(f"The appellant paid rupees {index} to the landlord for the flat." for index in range(6000))
    summary = summarize(text, length=100)
    assert abs(summary.word_count - 100) <= 6
