"""The chat API over HTTP on the real stack (Ray Serve, the MongoDB-protocol server, the
bundled embedding model, vLLM on CPU with SmolLM2): grounded answers whose citations are
chunks retrieval returned, sessions in MongoDB across requests and across a restart of the
Chat replica, streaming, tenant isolation and bad input.

Tenant A holds two text-layer opinions; tenant B one of them.
"""

import json
import re
import time

import httpx
import pytest
import ray
from ray import serve
from ray.util.state import list_actors

from generation.chat import passages_per_case
from generation.sentences import split_sentences
from generation.words import content_words
from lexray.models import CaseFilters
from serve_app.chat import GREETING_REPLY, NOTHING_RELEVANT
from serve_app.client import LexRayAPIError, LexRayClient
from tests.conftest import SAMPLES
from tests.deployed_app import assert_error, wait_indexed
from tests.integration.api.shared_app import tenant_keys

KEYS = tenant_keys("chat-a", "chat-b")
API = "/api/v1/chat"
SAMPLE_CASES = {"missouri": "doctor__missouri.pdf", "cacd": "doctor__gov.uscourts.cacd.652774.40.0.pdf"}
QUESTION = "Did plea counsel coerce Jagels into pleading guilty?"
FOLLOW_UP = "What error in the written judgment required a remand?"
UNRELATED = "What is a good recipe for chocolate cake with strawberries?"


@pytest.fixture(scope="module")
def corpus(api) -> dict:
    a, b = client_for(api, "chat-a"), client_for(api, "chat-b")
    uploads = {name: a.upload(SAMPLES / sample) for name, sample in SAMPLE_CASES.items()}
    b_upload = b.upload(SAMPLES / SAMPLE_CASES["cacd"])
    wait_indexed([*((a, u) for u in uploads.values()), (b, b_upload)])
    return {"a": {name: upload.case_id for name, upload in uploads.items()}, "b": b_upload.case_id}


@pytest.fixture(scope="module")
def first_turn(api, corpus) -> dict:
    """A question in a new session, answered."""
    return client_for(api, "chat-a").chat(QUESTION).model_dump()


def client_for(api, tenant: str) -> LexRayClient:
    return LexRayClient(api["url"], api_key=KEYS[tenant], timeout=300)


def http(api, tenant: str = "chat-a") -> httpx.Client:
    return httpx.Client(base_url=api["url"], headers={"Authorization": f"Bearer {KEYS[tenant]}"}, timeout=300)


def retrieved_chunk_ids(query: str, tenant: str, settings, filters: CaseFilters | None = None,
                        intent: str = "legal_question") -> set[str]:
    """The chunks the Retrieval deployment gives chat for ``query`` (the same call)."""
    retrieval = serve.get_deployment_handle("Retrieval", app_name="lexray")
    chat = settings.chat
    passages = retrieval.passages.remote(query, tenant, filters, limit=2 * chat.context_passages,
                                         per_case=passages_per_case(intent, chat)).result()
    relevant = [passage for passage in passages if passage["relevance"] >= chat.min_relevance]
    return {passage["chunk_id"] for passage in relevant[:chat.context_passages]}


def assert_grounded(response: dict, api, tenant: str = "chat-a") -> None:
    """Markers are 1..n in the answer; each citation is a retrieved chunk of the tenant, whose
    span and page are the stored chunk's."""
    citations = response["citations"]
    assert [c["marker"] for c in citations] == list(range(1, len(citations) + 1))
    for citation in citations:
        assert f"[{citation['marker']}]" in response["answer"]
    assert "[0]" not in response["answer"] and f"[{len(citations) + 1}]" not in response["answer"]
    assert {c["chunk_id"] for c in citations} <= retrieved_chunk_ids(response["query"], tenant, api["settings"],
                                                                     intent=response["intent"])
    # Every sentence is supported by the chunks its markers name.
    chunk_words = {c["marker"]: set(content_words(chunk_text(api, c["chunk_id"]))) for c in citations}
    min_overlap = api["settings"].chat.attribution_min_overlap
    for sentence in split_sentences(response["answer"]):
        markers = [int(number) for number in re.findall(r"\[(\d+)\]", sentence.text)]
        words = set(content_words(re.sub(r"\[\d+\]", " ", sentence.text)))
        if response["answer_kind"] == "fixed":
            continue
        assert markers, sentence.text
        for marker in markers:
            assert len(words & chunk_words[marker]) >= min_overlap * len(words), (sentence.text, marker)
    store = api["store"]
    for citation in citations:
        chunk = store.chunks.find_one({"chunk_id": citation["chunk_id"]})
        assert chunk["tenant_id"] == tenant and chunk["case_id"] == citation["case_id"]
        assert (chunk["char_start"], chunk["char_end"]) == (citation["char_start"], citation["char_end"])
        assert citation["page"] == chunk["page_numbers"][0] and citation["pages"] == chunk["page_numbers"]
        case = store.get_case(citation["case_id"], tenant_id=tenant, with_content=True)
        assert case["cleaned_content"][citation["char_start"]:citation["char_end"]] == chunk["text"]


def chunk_text(api, chunk_id: str) -> str:
    return api["store"].chunks.find_one({"chunk_id": chunk_id})["text"]


def without_markers(text: str) -> str:
    return re.sub(r"\s+|\[\d+\]", "", text)



def sse_events(response: httpx.Response) -> list[dict]:
    return [json.loads(line[len("data: "):]) for line in response.iter_lines()
            if line.startswith("data: ") and line != "data: [DONE]"]


def test_answer_cites_retrieved_chunks_of_the_case_it_is_about(api, corpus, first_turn):
    assert first_turn["intent"] == "legal_question" and first_turn["query"] == QUESTION
    assert first_turn["found_relevant"] and first_turn["answer_kind"] in ("generated", "extracted")
    if first_turn["answer_kind"] == "generated":
        assert first_turn["model"] == api["settings"].llm.served_model_name
    assert first_turn["citations"], first_turn
    assert {c["case_id"] for c in first_turn["citations"]} == {corpus["a"]["missouri"]}
    assert_grounded(first_turn, api)
    assert all("<mark>" in c["snippet"] for c in first_turn["citations"])


def test_session_is_stored_and_a_follow_up_is_searched_with_its_history(api, first_turn):
    client = client_for(api, "chat-a")
    session_id = first_turn["session_id"]
    follow_up = client.chat(FOLLOW_UP, session_id=session_id).model_dump()
    assert follow_up["session_id"] == session_id
    # The search query was rewritten from the history (or, failing that, joined to the last question).
    assert follow_up["query"] != FOLLOW_UP and len(follow_up["query"]) > 0
    assert_grounded(follow_up, api)
    stored = client.conversation(session_id)
    assert stored.message_count == 4 and stored.title == QUESTION
    assert [m.role for m in stored.messages] == ["user", "assistant", "user", "assistant"]
    assert [m.content for m in stored.messages[::2]] == [QUESTION, FOLLOW_UP]
    assert stored.messages[1].content == first_turn["answer"]
    assert [c.model_dump() for c in stored.messages[3].citations] == follow_up["citations"]


def test_nothing_relevant_is_said_instead_of_answered(api, corpus):
    response = client_for(api, "chat-a").chat(UNRELATED).model_dump()
    assert response["answer"] == NOTHING_RELEVANT and response["citations"] == []
    assert not response["found_relevant"] and response["model"] is None and response["answer_kind"] == "fixed"


def test_greeting_and_case_search_are_answered_without_the_model(api, corpus):
    client = client_for(api, "chat-a")
    greeting = client.chat("Hello!")
    assert greeting.intent == "greeting" and greeting.answer == GREETING_REPLY and greeting.query is None
    listing = client.chat("Find cases about a preliminary injunction against a former employee").model_dump()
    assert listing["intent"] == "case_search" and listing["model"] is None and listing["answer_kind"] == "fixed"
    assert listing["answer"].startswith("These cases match:")
    assert corpus["a"]["cacd"] in {c["case_id"] for c in listing["citations"]}
    assert len({c["case_id"] for c in listing["citations"]}) == len(listing["citations"])
    assert_grounded(listing, api)


def test_streaming_delivers_tokens_then_the_answer_with_citations(api, corpus):
    body = {"message": "Why did the court grant Experian a preliminary injunction?", "stream": True}
    with http(api) as client, client.stream("POST", f"{API}/message", json=body) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response)
    assert all("error" not in event for event in events), events
    tokens = [event for event in events if event["type"] == "token"]
    assert len(tokens) > 3 and [event["type"] for event in events[-1:]] == ["answer"]
    final = events[-1]
    assert final["citations"] and {c["case_id"] for c in final["citations"]} == {corpus["a"]["cacd"]}, final
    assert_grounded(final, api)
    streamed = without_markers("".join(event["text"] for event in tokens))
    assert final["answer_kind"] in ("generated", "extracted")
    if final["answer_kind"] == "generated":  # the draft's supported sentences, re-marked
        for sentence in split_sentences(final["answer"]):
            assert without_markers(sentence.text).rstrip(".") in streamed, sentence.text
    stored = client_for(api, "chat-a").conversation(final["session_id"])
    assert stored.messages[-1].content == final["answer"] and stored.message_count == 2


def test_ask_is_one_shot_and_stores_nothing(api, corpus):
    sessions = api["store"].db["chat_sessions"]
    before = sessions.count_documents({"tenant_id": "chat-a"})
    answer = client_for(api, "chat-a").ask("What did the preliminary injunction order Leon to do?").model_dump()
    assert answer["session_id"] is None and answer["found_relevant"]
    assert_grounded(answer, api)
    assert sessions.count_documents({"tenant_id": "chat-a"}) == before


def test_filters_restrict_what_chat_may_cite(api, corpus):
    client = client_for(api, "chat-a")
    courts = {name: client.case(case_id).metadata.court for name, case_id in corpus["a"].items()}
    assert courts["cacd"] and courts["missouri"] and courts["cacd"] != courts["missouri"]
    question = "Why was the preliminary injunction granted?"
    within = client.ask(question, filters={"court": courts["cacd"]}).model_dump()
    assert within["citations"] and {c["case_id"] for c in within["citations"]} == {corpus["a"]["cacd"]}
    outside = client.ask(question, filters={"court": courts["missouri"]}).model_dump()
    assert corpus["a"]["cacd"] not in {c["case_id"] for c in outside["citations"]}


def test_new_session_conversation_and_delete(api, corpus):
    client = client_for(api, "chat-a")
    created = client.new_session()
    stored = client.conversation(created.session_id)
    assert stored.message_count == 0 and stored.messages == []
    assert client.delete_conversation(created.session_id).deleted
    with pytest.raises(LexRayAPIError) as missing:
        client.conversation(created.session_id)
    assert missing.value.status_code == 404
    with pytest.raises(LexRayAPIError) as again:
        client.delete_conversation(created.session_id)
    assert again.value.status_code == 404


def test_sessions_are_listed_most_recent_first_without_messages(api, corpus, first_turn):
    client = client_for(api, "chat-a")
    created = client.new_session()
    listed = client.chat_sessions(limit=100)
    ids = [session.session_id for session in listed.sessions]
    assert ids[0] == created.session_id and first_turn["session_id"] in ids
    assert listed.total == len(ids) >= 2
    answered = listed.sessions[ids.index(first_turn["session_id"])]
    assert answered.title and answered.message_count >= 2
    with http(api) as raw:
        body = raw.get(f"{API}/sessions", params={"limit": 1}).json()
    assert len(body["sessions"]) == 1 and "messages" not in body["sessions"][0] and body["total"] == listed.total
    assert client.chat_sessions(skip=1, limit=100).sessions == listed.sessions[1:]
    # Tenant B lists none of A's sessions.
    b_ids = {session.session_id for session in client_for(api, "chat-b").chat_sessions(limit=100).sessions}
    assert not b_ids & set(ids)
    client.delete_conversation(created.session_id)
    assert created.session_id not in {s.session_id for s in client.chat_sessions(limit=100).sessions}
    with http(api) as raw:
        for params in ({"limit": 0}, {"limit": 101}, {"skip": -1}, {"skip": 10**30}):
            assert_error(raw.get(f"{API}/sessions", params=params), 422, "validation_error")


def test_intents_and_suggestions(api, corpus, first_turn):
    client = client_for(api, "chat-a")
    intents = client.intents()
    assert {intent.name for intent in intents.intents} >= {"greeting", "legal_question", "case_search"}
    assert intents.default == "legal_question"
    from_session = client.suggestions(first_turn["session_id"])
    cited_title = first_turn["citations"][0]["title"]
    assert from_session.based_on == "session" and any(cited_title in s for s in from_session.suggestions)
    from_corpus = client.suggestions()
    assert from_corpus.based_on == "corpus" and len(from_corpus.suggestions) >= 3
    # Tenant B's suggestions name only its own case.
    titles_a = {client.case(case_id).title for case_id in corpus["a"].values()}
    b_suggestions = " ".join(client_for(api, "chat-b").suggestions().suggestions)
    b_title = client_for(api, "chat-b").case(corpus["b"]).title
    assert b_title in b_suggestions
    assert all(title not in b_suggestions for title in titles_a - {b_title})


def test_sessions_and_cases_are_tenant_scoped(api, corpus, first_turn):
    b = client_for(api, "chat-b")
    for call in (lambda: b.conversation(first_turn["session_id"]),
                 lambda: b.chat("And then?", session_id=first_turn["session_id"]),
                 lambda: b.suggestions(first_turn["session_id"]),
                 lambda: b.delete_conversation(first_turn["session_id"])):
        with pytest.raises(LexRayAPIError) as error:
            call()
        assert error.value.status_code == 404 and error.value.code == "not_found"
    # Tenant B's answer about A's Missouri case cannot cite it: B has no such case.
    answer = b.chat(QUESTION).model_dump()
    assert all(c["case_id"] == corpus["b"] for c in answer["citations"])
    assert client_for(api, "chat-a").conversation(first_turn["session_id"]).message_count >= 2


def test_bad_input_is_rejected_and_changes_no_session(api, corpus, first_turn):
    session_id = first_turn["session_id"]
    before = client_for(api, "chat-a").conversation(session_id).model_dump()
    limit = api["settings"].chat.max_message_chars
    with http(api) as client:
        cases = [
            ({"message": ""}, 422, "validation_error"),
            ({"message": "   \n "}, 422, "validation_error"),
            ({"message": "x" * 1_000_000, "session_id": session_id}, 422, "validation_error"),
            ({"message": "y " * (limit // 2 + 1), "session_id": session_id}, 422, "validation_error"),
            ({"message": "Hi", "session_id": "no-such-session"}, 404, "not_found"),
            ({"message": "Hi", "session_id": "s" * 101}, 422, "validation_error"),
            ({"message": "Hi", "filters": {"colour": "red"}}, 422, "validation_error"),
            ({"message": "Hi", "filters": {"date_from": "2021-13-45"}}, 422, "validation_error"),
            ({"message": "Hi", "stream": "sometimes"}, 422, "validation_error"),
            ({"message": "Hi", "temperature": 2}, 422, "validation_error"),
            ({"text": "Hi"}, 422, "validation_error"),
        ]
        for body, status, code in cases:
            assert_error(client.post(f"{API}/message", json=body), status, code)
        assert_error(client.post(f"{API}/message", content=b"{not json", headers={"Content-Type": "application/json"}),
                     422, "validation_error")
        assert_error(client.post(f"{API}/ask", json={"message": ""}), 422, "validation_error")
        assert_error(client.post(f"{API}/ask", json={"message": "Hi", "session_id": session_id}), 422,
                     "validation_error")
        assert_error(client.get(f"{API}/conversation/{'s' * 101}"), 422, "validation_error")
        assert_error(client.get(f"{API}/suggestions", params={"session_id": "nope"}), 404, "not_found")
        assert_error(client.get(f"{API}/suggestions", params={"colour": "red"}), 422, "validation_error")
        unauthenticated = httpx.post(f"{api['url']}{API}/message", json={"message": "Hi"})
        assert_error(unauthenticated, 401, "unauthorized")
    assert client_for(api, "chat-a").conversation(session_id).model_dump() == before


def test_session_continues_after_the_chat_replica_restarts(api, corpus, first_turn, ray_address):
    client = client_for(api, "chat-a")
    session_id = first_turn["session_id"]
    count = client.conversation(session_id).message_count
    replicas = [actor for actor in list_actors(address=ray_address, filters=[("state", "=", "ALIVE")])
                if actor.class_name.endswith(":Chat") or "#Chat#" in (actor.name or "")]
    assert len(replicas) == 1, replicas
    ray.kill(ray.get_actor(replicas[0].name, namespace=replicas[0].ray_namespace), no_restart=True)
    deadline = time.monotonic() + 120
    while True:  # Serve replaces the dead replica; requests may fail until it is up
        try:
            answer = client.chat("Was the plea knowing and voluntary?", session_id=session_id)
            break
        except (LexRayAPIError, httpx.TransportError):
            if time.monotonic() > deadline:
                raise
            time.sleep(2)
    alive = [actor for actor in list_actors(address=ray_address, filters=[("state", "=", "ALIVE")])
             if actor.class_name.endswith(":Chat") or "#Chat#" in (actor.name or "")]
    assert [actor.actor_id for actor in alive] != [replicas[0].actor_id]
    assert answer.session_id == session_id
    stored = client.conversation(session_id)
    assert stored.message_count == count + 2
    assert stored.messages[0].content == QUESTION
