"""Call-centre staff over HTTP: ranked suggestions, the handoff queue (on SQLite and on PostgreSQL), FAQ
proposals and feedback, against a real uvicorn server."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select, update

from ingest.chunk import chunk_corpus
from ingest.load import load_corpus
from ingest.report import IngestReport
from service.api.door import conversation_key
from service.store.schema import audit, cases, feedback
from tests.conftest import Server, fresh_postgres_database, server_on
from tests.helpers import CORPUS, Stream, answered

TOKEN = "desk-secret-0123456789"
STAFF = {"Authorization": f"Bearer {TOKEN}"}
OUT_OF_SCOPE = "パスポートの申請はどこでできますか？連絡先は090-1234-5678です"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def staff_server(
    request: pytest.FixtureRequest, sample_index: tuple[Path, IngestReport], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp(f"staff-{request.param}")
    if request.param == "sqlite":
        database = f"sqlite:///{folder / 'db.sqlite'}"
    else:
        database = fresh_postgres_database(request.getfixturevalue("postgres_server"))
    running = server_on(sample_index[0], folder, database_url=database, staff_token=TOKEN, thread_poll_s="0.1")
    yield running
    running.close()


def test_the_staff_api_is_off_without_a_token(server):
    response = server.http.post("/v1/suggest", json={"question": "粗大ごみ"}, headers=STAFF)
    assert response.status_code == 403 and response.json()["error"]["code"] == "staff_disabled"


def test_a_wrong_staff_token_is_refused(staff_server):
    response = staff_server.http.get("/v1/handoffs", headers={"Authorization": "Bearer guess"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"


def test_suggestions_are_distinct_ranked_sources_with_their_answers(staff_server):
    response = staff_server.http.post(
        "/v1/suggest", json={"question": "how do I put out bulky garbage like an old bed frame", "k": 4}, headers=STAFF
    )
    assert response.status_code == 200
    suggestions = response.json()["suggestions"]
    assert len(suggestions) == 4
    ids = [s["citation"]["id"].split("#")[0] for s in suggestions]
    assert len(set(ids)) == 4 and "en-waste-bulky" in ids[:2]
    scores = [s["score"] for s in suggestions]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s["confidence"] <= 1 and s["answer"] and s["citation"]["url"] for s in suggestions)


def test_a_handoff_opens_a_case_that_staff_see_with_personal_data_masked(staff_server):
    body = staff_server.http.post("/v1/ask", json={"question": OUT_OF_SCOPE}).json()
    handoff = body["handoff"]
    assert handoff["needed"] and handoff["case_id"] and handoff["reference"].startswith("MD-")
    assert handoff["reference"] in body["answer"]

    cases = staff_server.http.get("/v1/handoffs", params={"status": "open"}, headers=STAFF).json()["cases"]
    [case] = [c for c in cases if c["id"] == handoff["case_id"]]
    assert case["reference"] == handoff["reference"] and case["reason"] == handoff["reason"]
    assert "090-1234-5678" not in json.dumps(case, ensure_ascii=False) and "[PHONE]" in case["question"]
    assert case["suggestions"] and case["department"]


def test_when_two_staff_claim_a_case_at_once_exactly_one_wins(staff_server):
    case_id = staff_server.http.post("/v1/ask", json={"question": OUT_OF_SCOPE}).json()["handoff"]["case_id"]
    start, statuses = threading.Barrier(2), []

    def claim(desk: str) -> None:
        with httpx.Client(base_url=staff_server.base_url, timeout=30) as client:
            start.wait()
            response = client.post(f"/v1/handoffs/{case_id}/claim", json={"staff": desk}, headers=STAFF)
            statuses.append((response.status_code, response.json()))

    threads = [threading.Thread(target=claim, args=(desk,)) for desk in ("desk 1", "desk 2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(code for code, _ in statuses) == [200, 409]
    assert [body["error"]["code"] for code, body in statuses if code == 409] == ["case_not_open"]


def test_a_resolved_case_can_propose_an_faq_for_the_operators_review(staff_server):
    case_id = staff_server.http.post("/v1/ask", json={"question": OUT_OF_SCOPE}).json()["handoff"]["case_id"]
    staff_server.http.post(f"/v1/handoffs/{case_id}/claim", headers=STAFF)
    resolution = {
        "resolution": "Explained where passports are issued.",
        "propose_faq": {"question": "パスポートはどこで申請できますか。", "answer": "県のパスポートセンターです。"},
    }
    resolved = staff_server.http.post(f"/v1/handoffs/{case_id}/resolve", json=resolution, headers=STAFF)
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"

    export = staff_server.http.get("/v1/faq-proposals", headers=STAFF)
    assert export.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in export.text.splitlines()]
    assert {"id", "lang", "question", "answer"} <= set(rows[-1]) and rows[-1][
        "question"
    ] == "パスポートはどこで申請できますか。"
    waiting = staff_server.http.get("/v1/proposals", params={"status": "submitted"}, headers=STAFF).json()
    reference = resolved.json()["reference"]
    proposal = next(p for p in waiting["proposals"] if p["origin"] == reference)
    assert proposal["question"] == "パスポートはどこで申請できますか。"
    assert proposal["asked"].startswith("パスポートの申請はどこで") and "5678" not in proposal["asked"]  # masked


def test_an_unknown_case_is_404_and_a_bad_status_filter_422(staff_server):
    missing = staff_server.http.post("/v1/handoffs/nope/claim", headers=STAFF)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "case_not_found"
    bad = staff_server.http.get("/v1/handoffs", params={"status": "lost"}, headers=STAFF)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"


def test_feedback_is_recorded_from_residents_and_staff(staff_server):
    answer_id = staff_server.http.post("/v1/ask", json={"question": "粗大ごみを出したい"}).json()["answer_id"]
    resident = staff_server.http.post("/v1/feedback", json={"answer_id": answer_id, "helpful": True})
    assert resident.status_code == 201 and resident.json()["source"] == "resident"
    from_staff = staff_server.http.post(
        "/v1/feedback", json={"answer_id": answer_id, "helpful": False, "comment": "fee changed"}, headers=STAFF
    )
    assert from_staff.status_code == 201 and from_staff.json()["source"] == "staff"
    unknown = staff_server.http.post("/v1/feedback", json={"answer_id": "0" * 32, "helpful": True})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "answer_not_found"
    engine = create_engine(staff_server.database_url)
    with engine.connect() as connection:
        stored = connection.execute(
            select(feedback.c.helpful, feedback.c.comment, feedback.c.source)
            .where(feedback.c.answer_id == answer_id)
            .order_by(feedback.c.id)
        ).all()
    engine.dispose()
    assert [tuple(row) for row in stored] == [(True, None, "resident"), (False, "fee changed", "staff")]


def test_content_review_lists_outdated_uncited_and_poorly_rated_entries_with_their_departments(staff_server):
    cited = []
    for _ in range(2):  # two answers from the same page, both found unhelpful by the resident
        body = answered(staff_server.http, "粗大ごみを出したい", "ja-waste-bulky")
        cited.append(body["citations"][0]["id"].split("#")[0])
        vote = {"answer_id": body["answer_id"], "helpful": False}
        assert staff_server.http.post("/v1/feedback", json=vote).status_code == 201
    response = staff_server.http.get("/v1/content/review?older_than_months=10", headers=STAFF)
    assert response.status_code == 200
    review = response.json()
    worst = {entry["id"]: entry for entry in review["poorly_rated"]}
    assert cited[0] == cited[1] and worst[cited[0]]["not_helpful"] >= 2 and worst[cited[0]]["department"]
    assert cited[0] not in {entry["id"] for entry in review["uncited"]}
    assert review["uncited"] and all(entry["cited"] == 0 for entry in review["uncited"])
    cutoff = (dt.date.today() - dt.timedelta(days=round(10 * 30.44))).isoformat()
    entries = {c.doc_id: c.updated for c in chunk_corpus(load_corpus(CORPUS)) if c.kind in ("faq", "regulation")}
    expected = sorted(doc for doc, updated in entries.items() if updated and updated[:10] < cutoff)
    assert sorted(entry["id"] for entry in review["outdated"]) == expected
    dates = [entry["updated"] for entry in review["outdated"]]
    assert dates == sorted(dates)  # oldest first
    assert staff_server.http.get("/v1/content/review?older_than_months=0", headers=STAFF).status_code == 422
    assert staff_server.http.get("/v1/content/review").status_code == 401


def test_content_review_lists_the_easy_texts_to_check_with_their_findings_and_the_entries_without_one(staff_server):
    review = staff_server.http.get("/v1/content/review", headers=STAFF).json()
    to_check = {entry["id"]: entry["easy_problems"] for entry in review["easy_text_to_check"]}
    assert "katakana_loanword: インターネット" in to_check["ja-waste-bulky"]  # the sample's easy text, as written
    without = {entry["id"] for entry in review["without_easy_text"]}
    assert "ja-cert-tax" in without and not without & {"ja-waste-bulky", "ja-cert-juminhyo"}
    assert all(entry.startswith("ja-") for entry in without | set(to_check))


def handed_to_staff(server: Server) -> dict:
    body = server.http.post("/v1/ask", json={"question": OUT_OF_SCOPE}).json()
    assert body["handoff"]["needed"] and body["handoff"]["case_id"]
    return body


def audited(server: Server, conversation_token: str) -> int:
    engine = create_engine(server.database_url)
    with engine.connect() as connection:
        count = len(
            connection.execute(
                select(audit.c.id).where(audit.c.conversation_id == conversation_key(conversation_token))
            ).all()
        )
    engine.dispose()
    return count


def test_a_conversation_handed_to_staff_goes_to_them_and_the_bot_keeps_quiet(staff_server):
    first = handed_to_staff(staff_server)
    token, reference = first["conversation_id"], first["handoff"]["reference"]
    before = audited(staff_server, token)
    again = staff_server.http.post(
        "/v1/ask", json={"question": "粗大ごみの出し方を教えてください 090-1111-2222", "conversation_id": token}
    ).json()
    assert again["outcome"] == "with_staff" and again["handoff"]["reference"] == reference
    assert again["citations"] == [] and "職員" in again["answer"]
    assert audited(staff_server, token) == before  # never reached the answer path
    thread = staff_server.http.get(f"/v1/conversations/{token}/messages").json()
    assert thread["state"] == "waiting" and thread["reference"] == reference
    assert [(m["author"], m["text"]) for m in thread["messages"]] == [
        ("resident", "粗大ごみの出し方を教えてください [PHONE]")
    ]
    case = staff_server.http.get(f"/v1/handoffs/{first['handoff']['case_id']}/messages", headers=STAFF).json()
    assert [m["text"] for m in case] == ["粗大ごみの出し方を教えてください [PHONE]"]


def test_staff_reply_in_the_conversation_then_close_it_and_the_bot_answers_again(staff_server):
    first = handed_to_staff(staff_server)
    token, case_id = first["conversation_id"], first["handoff"]["case_id"]
    path = f"/v1/handoffs/{case_id}/messages"
    early = staff_server.http.post(path, json={"text": "確認します", "staff": "佐藤"}, headers=STAFF)
    assert (early.status_code, early.json()["error"]["code"]) == (409, "case_not_claimed")
    staff_server.http.post(f"/v1/handoffs/{case_id}/claim", json={"staff": "佐藤"}, headers=STAFF)
    other = staff_server.http.post(path, json={"text": "確認します", "staff": "鈴木"}, headers=STAFF)
    assert (other.status_code, other.json()["error"]["code"]) == (409, "not_case_owner")
    unknown = staff_server.http.post(path, json={"text": "x", "staff": "佐藤", "entry": "no-such-entry"}, headers=STAFF)
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (422, "entry_not_found")
    assert staff_server.http.post(f"/v1/handoffs/{case_id}/typing", headers=STAFF).status_code == 204
    assert staff_server.http.get(f"/v1/conversations/{token}/messages").json()["typing"] is True
    sent = staff_server.http.post(
        path,
        json={"text": "旅券窓口は県庁です。折り返しは090-9999-8888へ", "staff": "佐藤", "entry": "ja-waste-bulky"},
        headers=STAFF,
    )
    assert sent.status_code == 201
    thread = staff_server.http.get(f"/v1/conversations/{token}/messages").json()
    assert thread["state"] == "with_staff" and thread["typing"] is False  # the reply is written
    [reply] = thread["messages"]
    assert reply["author"] == "staff" and reply["text"] == "旅券窓口は県庁です。折り返しは[PHONE]へ"
    assert reply["citation"]["id"] == "ja-waste-bulky" and reply["department"] == thread["department"]
    assert "佐藤" not in json.dumps(thread, ensure_ascii=False)  # the resident sees the department, not a name
    newer = staff_server.http.get(f"/v1/conversations/{token}/messages", params={"after": reply["id"]}).json()
    assert newer["messages"] == []
    staff_server.http.post(f"/v1/handoffs/{case_id}/resolve", json={"resolution": "県庁を案内"}, headers=STAFF)
    closed = staff_server.http.get(f"/v1/conversations/{token}/messages", params={"after": reply["id"]}).json()
    assert closed["state"] == "bot" and [m["author"] for m in closed["messages"]] == ["closing"]
    late = staff_server.http.post(path, json={"text": "追伸", "staff": "佐藤"}, headers=STAFF)
    assert (late.status_code, late.json()["error"]["code"]) == (409, "case_resolved")
    rated = staff_server.http.post(f"/v1/conversations/{token}/resolved", json={"resolved": True})
    assert rated.status_code == 200
    engine = create_engine(staff_server.database_url)
    with engine.connect() as connection:
        assert connection.execute(select(cases.c.resident_resolved).where(cases.c.id == case_id)).scalar() is True
    engine.dispose()
    back = staff_server.http.post("/v1/ask", json={"question": "粗大ごみの出し方", "conversation_id": token}).json()
    assert back["outcome"] != "with_staff"


def test_a_conversation_never_closed_by_staff_has_nothing_to_rate(staff_server):
    response = staff_server.http.post("/v1/conversations/never-handed-over/resolved", json={"resolved": False})
    assert (response.status_code, response.json()["error"]["code"]) == (409, "nothing_to_rate")


def test_a_case_waiting_longer_than_its_working_days_is_overdue_in_the_queue(staff_server):
    fresh, aged = (
        handed_to_staff(staff_server)["handoff"]["case_id"],
        handed_to_staff(staff_server)["handoff"]["case_id"],
    )
    engine = create_engine(staff_server.database_url)
    with engine.begin() as connection:  # three weeks pass for one of them
        three_weeks_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=21)
        connection.execute(update(cases).where(cases.c.id == aged).values(created_at=three_weeks_ago))
    engine.dispose()
    queue = staff_server.http.get("/v1/handoffs", params={"status": "open", "limit": 200}, headers=STAFF).json()
    overdue = {case["id"]: case["overdue"] for case in queue["cases"]}
    assert overdue[aged] is True and overdue[fresh] is False


def test_a_staff_reply_reaches_the_residents_open_stream_within_two_seconds(staff_server):
    first = handed_to_staff(staff_server)
    token, case_id = first["conversation_id"], first["handoff"]["case_id"]
    stream = Stream(staff_server.base_url, token)
    try:
        assert stream.next("state")["state"] == "waiting"
        staff_server.http.post(f"/v1/handoffs/{case_id}/claim", json={"staff": "佐藤"}, headers=STAFF)
        assert stream.next("state", lambda s: s["state"] == "with_staff")["reference"] == first["handoff"]["reference"]
        staff_server.http.post(f"/v1/handoffs/{case_id}/typing", headers=STAFF)
        assert stream.next("state", lambda s: s["typing"])["state"] == "with_staff"
        sent = staff_server.http.post(
            f"/v1/handoffs/{case_id}/messages", json={"text": "確認します", "staff": "佐藤"}, headers=STAFF
        ).json()
        message = stream.next("message")
        assert (message["id"], message["author"], message["text"]) == (sent["id"], "staff", "確認します")
        assert stream.next("state", lambda s: not s["typing"])["state"] == "with_staff"
    finally:
        stream.close()
    again = Stream(staff_server.base_url, token, **{"Last-Event-ID": str(sent["id"] - 1)})  # a browser reconnecting
    try:
        assert again.next("message")["id"] == sent["id"]
        staff_server.http.post(f"/v1/handoffs/{case_id}/resolve", json={"resolution": "案内"}, headers=STAFF)
        assert again.next("message")["author"] == "closing"
        assert again.next("state", lambda s: s["state"] == "bot")
    finally:
        again.close()


def test_an_answer_reported_wrong_opens_a_case_for_its_department_and_leads_the_content_review(staff_server):
    answer = answered(staff_server.http, "粗大ごみの出し方を教えてください", "ja-waste-bulky")
    rated = staff_server.http.get("/v1/content/review", headers=STAFF).json()["poorly_rated"]
    before = next(
        (r for r in rated if r["id"] == "ja-waste-bulky"), {"wrong": 0, "helpful": 0}
    )  # other tests' feedback
    said = "料金が去年のままです。090-1234-5678まで連絡ください"
    report = {"answer_id": answer["answer_id"], "helpful": True, "wrong": True, "comment": said}  # wrong: not helpful
    accepted = staff_server.http.post("/v1/feedback", json=report)
    assert accepted.status_code == 201 and accepted.json()["reference"].startswith("MD-")

    queue = staff_server.http.get("/v1/handoffs", params={"reason": "wrong_answer"}, headers=STAFF).json()["cases"]
    [case] = [c for c in queue if c["reference"] == accepted.json()["reference"]]
    assert case["department"].startswith("粗大ごみ受付センター 0465-00-1530")  # the source's department
    assert case["question"] == "粗大ごみの出し方を教えてください"
    assert [s["id"] for s in case["suggestions"]] == [c["id"] for c in answer["citations"]]  # the answer's sources
    assert any("料金が去年のままです" in line and "[PHONE]" in line for line in case["transcript"])
    assert "090-1234-5678" not in json.dumps(case, ensure_ascii=False)
    review = staff_server.http.get("/v1/content/review", headers=STAFF).json()["poorly_rated"]
    assert review[0]["id"] == "ja-waste-bulky"
    assert (review[0]["wrong"], review[0]["helpful"]) == (before["wrong"] + 1, before["helpful"])
    month = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=9))).strftime("%Y-%m")
    feedback_of_month = staff_server.http.get("/v1/reports/monthly", params={"month": month}, headers=STAFF).json()
    assert feedback_of_month["feedback"]["wrong"] >= 1
    assert feedback_of_month["feedback"]["sources"][0]["id"] == "ja-waste-bulky"
