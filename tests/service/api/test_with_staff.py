"""A person who takes over always gets the conversation (issue 41): "with staff" is the conversation's active
case, whatever the retention of its turns, for questions and picks alike; a report that an answer is wrong
needs an answer, and one client cannot flood the queue with them; staff messages are checked as questions are."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.report import IngestReport
from tests.conftest import Server, server_on
from tests.helpers import answered

TOKEN = "desk-secret-0123456789"
STAFF = {"Authorization": f"Bearer {TOKEN}"}
OUT_OF_SCOPE = "パスポートの申請はどこでできますか"
ASKED_BACK = "住民票の写しを取りたいのですが、どこで取れますか"  # asked back: 住民票 and its siblings


@pytest.fixture(scope="module")
def unkept(sample_index: tuple[Path, IngestReport], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A city that keeps no conversation turns (MADOGUCHI_CONVERSATION_RETENTION_DAYS=0), with per-client limits
    on and two wrong-answer reports an hour per client."""
    running = server_on(
        sample_index[0],
        tmp_path_factory.mktemp("unkept"),
        staff_token=TOKEN,
        conversation_retention_days="0",
        rate_limits="on",
        ask_rate="1000/minute",
        read_rate="1000/minute",
        wrong_report_rate="2/hour",
        trusted_proxies="127.0.0.1",
    )
    yield running
    running.close()


@pytest.fixture(scope="module")
def kept(sample_index: tuple[Path, IngestReport], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = server_on(sample_index[0], tmp_path_factory.mktemp("kept"), staff_token=TOKEN)
    yield running
    running.close()


def ask(server: Server, question: str, conversation_id: str | None = None, client: str = "10.0.0.1") -> dict:
    body = {"question": question, **({"conversation_id": conversation_id} if conversation_id else {})}
    return server.http.post("/v1/ask", json=body, headers={"X-Forwarded-For": client}).json()


def test_with_no_turns_kept_a_message_after_a_claim_reaches_the_case_and_staff_reply_in_that_conversation(unkept):
    first = ask(unkept, OUT_OF_SCOPE)
    token, case_id = first["conversation_id"], first["handoff"]["case_id"]
    assert case_id
    unkept.http.post(f"/v1/handoffs/{case_id}/claim", json={"staff": "佐藤"}, headers=STAFF)
    again = ask(unkept, "粗大ごみの出し方を教えてください", token)
    assert again["outcome"] == "with_staff" and again["conversation_id"] == token
    assert again["handoff"]["case_id"] == case_id
    case = unkept.http.get(f"/v1/handoffs/{case_id}/messages", headers=STAFF).json()
    assert [m["text"] for m in case] == ["粗大ごみの出し方を教えてください"]
    unkept.http.post(
        f"/v1/handoffs/{case_id}/messages", json={"text": "担当から折り返します", "staff": "佐藤"}, headers=STAFF
    )
    thread = unkept.http.get(f"/v1/conversations/{token}/messages").json()
    assert thread["state"] == "with_staff" and [m["text"] for m in thread["messages"]][-1] == "担当から折り返します"


def test_a_pick_while_staff_hold_the_conversation_goes_to_them_not_to_the_bot(kept):
    asked = ask(kept, ASKED_BACK)
    assert asked["outcome"] == "clarify", asked["outcome"]
    token = asked["conversation_id"]
    first = kept.http.post("/v1/ask", json={"conversation_id": token, "choice": asked["choices"][0]["id"]}).json()
    assert first["outcome"] == "answered"
    again = ask(kept, ASKED_BACK, token)
    assert again["outcome"] == "clarify"
    report = {"answer_id": first["answer_id"], "helpful": False, "wrong": True}
    assert kept.http.post("/v1/feedback", json=report).status_code == 201  # a case opens on the conversation
    picked = kept.http.post("/v1/ask", json={"conversation_id": token, "choice": again["choices"][1]["id"]}).json()
    assert picked["outcome"] == "with_staff" and picked["citations"] == []
    case = kept.http.get(f"/v1/handoffs/{picked['handoff']['case_id']}/messages", headers=STAFF).json()
    assert [m["text"] for m in case] == [f"{ASKED_BACK} → {again['choices'][1]['id']}"]


def wrong_answer_cases(server: Server) -> int:
    params = {"reason": "wrong_answer", "limit": 200}
    return len(server.http.get("/v1/handoffs", params=params, headers=STAFF).json()["cases"])


def test_a_turn_that_answered_nothing_cannot_be_reported_wrong(kept):
    asked = ask(kept, ASKED_BACK)
    before = wrong_answer_cases(kept)
    report = {"answer_id": asked["answer_id"], "helpful": False, "wrong": True}
    refused = kept.http.post("/v1/feedback", json=report)
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "nothing_answered")
    assert wrong_answer_cases(kept) == before


def test_one_client_cannot_flood_the_staff_queue_with_wrong_answer_reports(unkept):
    statuses = []
    for _ in range(3):
        body = answered(unkept.http, "フライパンは何ごみですか", headers={"X-Forwarded-For": "10.0.0.9"})
        report = {"answer_id": body["answer_id"], "helpful": False, "wrong": True}
        statuses.append(unkept.http.post("/v1/feedback", json=report, headers={"X-Forwarded-For": "10.0.0.9"}))
    assert [r.status_code for r in statuses] == [201, 201, 429]
    assert statuses[-1].json()["error"]["code"] == "rate_limited"
    other = answered(unkept.http, "フライパンは何ごみですか", headers={"X-Forwarded-For": "10.0.0.10"})
    report = {"answer_id": other["answer_id"], "helpful": False, "wrong": True}
    assert unkept.http.post("/v1/feedback", json=report, headers={"X-Forwarded-For": "10.0.0.10"}).status_code == 201


@pytest.mark.parametrize(
    ("text", "code"),
    [("\u200b\u200b\u2060", "message_empty"), ("\ufdfa" * 200, "message_too_long")],  # ﷺ folds to 18 characters
)
def test_a_staff_message_is_checked_after_folding_as_a_question_is(kept, text, code):
    case_id = ask(kept, OUT_OF_SCOPE)["handoff"]["case_id"]
    kept.http.post(f"/v1/handoffs/{case_id}/claim", json={"staff": "佐藤"}, headers=STAFF)
    sent = kept.http.post(f"/v1/handoffs/{case_id}/messages", json={"text": text, "staff": "佐藤"}, headers=STAFF)
    assert (sent.status_code, sent.json()["error"]["code"]) == (422, code)
    assert kept.http.get(f"/v1/handoffs/{case_id}/messages", headers=STAFF).json() == []
