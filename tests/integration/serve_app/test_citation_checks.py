"""Case citations in generated text checked against the tenant's cases (issue 14): the one check
behind POST /citator/verify, chat answers' and generated summaries' ``case_citations``, run over
a real database and real eyecite, and reached by the Chat and Summarization deployments."""

import asyncio
from datetime import datetime, timezone

from lexray.models import CaseCitations, OwnCitation
from lexray.settings import CitatorSettings
from serve_app import schemas
from serve_app.chat import Chat
from serve_app.citation_checks import verified_citations
from serve_app.summarization import Summarization

ANSWER = ("The court relied on Marbury v. Madison, 5 U.S. 137 (1803) [1], and on Brown v. Board of "
          "Education, 347 U.S. 483 (1954) [2]; the model also wrote Roe v. Wade, 410 U.S. 113 (1973), "
          "and Smith v. Jones, 123 Fake Rep. 456 (1990).")


def own(store, case_id, citation, title, year, tenant="t1"):
    store.record_citations(case_id, tenant_id=tenant, title=title, year=year, citations=CaseCitations(
        own=[OwnCitation(citation=citation, normalized=citation, kind="reporter")]))


def statuses(checked) -> dict[str, tuple]:
    return {check.citation: (check.status, check.case_id, check.candidates) for check in checked}


def test_each_citation_is_found_ambiguous_not_found_or_unknown_and_only_among_the_tenants_cases(store):
    own(store, "marbury", "5 U.S. 137", "Marbury v. Madison", 1803)
    own(store, "brown", "347 U.S. 483", "Brown v. Board of Education", 1954)
    own(store, "brown-copy", "347 U.S. 483", "Brown v. Board of Education", 1954)
    own(store, "roe-elsewhere", "410 U.S. 113", "Roe v. Wade", 1973, tenant="t2")
    checked = verified_citations(store, ANSWER, tenant_id="t1", settings=CitatorSettings())
    assert statuses(checked) == {
        "5 U.S. 137": ("found", "marbury", ["marbury"]),
        "347 U.S. 483": ("ambiguous", None, ["brown", "brown-copy"]),
        "410 U.S. 113": ("not_found", None, []),
        "123 Fake Rep. 456": ("unknown_reporter", None, []),
    }
    assert all(ANSWER[check.char_start:check.char_end] == check.citation for check in checked)
    assert [check.char_start for check in checked] == sorted(check.char_start for check in checked)
    # Another tenant's cases are never found: t2 holds Roe, t1 does not see it; t2 sees only Roe.
    assert {check.citation: check.status for check in verified_citations(
        store, ANSWER, tenant_id="t2", settings=CitatorSettings())} == {
        "5 U.S. 137": "not_found", "347 U.S. 483": "not_found", "410 U.S. 113": "found",
        "123 Fake Rep. 456": "unknown_reporter"}
    assert verified_citations(store, "No authority is cited here.", tenant_id="t1", settings=CitatorSettings()) == []


def test_chat_answers_and_generated_summaries_carry_their_checked_citations(store, settings):
    own(store, "marbury", "5 U.S. 137", "Marbury v. Madison", 1803)
    chat = object.__new__(Chat.func_or_class)  # the deployment's methods without Serve
    chat.store, chat.settings = store, settings
    response = schemas.ChatResponse(
        answer=ANSWER, session_id=None, citations=[], intent="question", query="q", found_relevant=True,
        answer_kind="generated", unsupported_sentences=0, model="m", created_at=datetime.now(timezone.utc))
    checked = asyncio.run(chat._checked(response, "t1"))
    assert statuses(checked.case_citations)["5 U.S. 137"] == ("found", "marbury", ["marbury"])
    assert statuses(checked.case_citations)["410 U.S. 113"][0] == "not_found"
    assert checked.answer == ANSWER and response.case_citations == []  # a copy; the answer as it was
    summarization = object.__new__(Summarization.func_or_class)
    summarization.store, summarization.settings = store, settings
    summary_checks = asyncio.run(summarization._case_citations(ANSWER, "t1"))
    assert summary_checks == checked.case_citations
    assert asyncio.run(summarization._case_citations(ANSWER, "t2"))[0].status == "not_found"
