"""The LINE channel over HTTP: a real server with two workers, signed webhooks as LINE sends them, and a double of
LINE's Messaging API on loopback that checks every call as LINE does."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

from ingest.report import IngestReport
from service.answer.catalogue import catalogue
from service.answer.context import Services
from service.answer.rows import distance_m
from service.api.door import conversation_key
from service.api.line.worker import line_token, user_key
from service.store.audit import WITHDRAWN
from service.store.schema import audit, cases, line_events, turns
from tests.conftest import Server, server_on
from tests.helpers import ROOT, eventually
from tests.line_double import LineDouble, event, signature, text_event, webhook_body

SECRET = "line-channel-secret-0123456789ab"
ACCESS_TOKEN = "line-access-token-0123456789abcdef"
ADMIN = "admin-token-for-the-line-tests"
STAFF_TOKEN = "staff-token-for-the-line-tests"
STAFF = {"authorization": f"Bearer {STAFF_TOKEN}"}
REPLY, PUSH = "/v2/bot/message/reply", "/v2/bot/message/push"


@pytest.fixture(scope="module")
def double() -> Iterator[LineDouble]:
    running = LineDouble(ACCESS_TOKEN)
    yield running
    running.close()


@pytest.fixture(scope="module")
def line(
    sample_index: tuple[Path, IngestReport],
    tmp_path_factory: pytest.TempPathFactory,
    double: LineDouble,
    services: Services,  # the generation's baseline measured once, not by two workers at once
) -> Iterator[Server]:
    running = server_on(
        sample_index[0],
        tmp_path_factory.mktemp("line"),
        workers="2",
        line_channel_secret=SECRET,
        line_channel_access_token=ACCESS_TOKEN,
        line_api_url=double.url,
        rate_limits="on",  # the per-user LINE limit (the webhook itself is not limited per client)
        line_rate="4/minute",
        admin_token=ADMIN,
        staff_token=STAFF_TOKEN,
    )
    yield running
    running.close()


@pytest.fixture(scope="module")
def database(line: Server) -> Iterator[Engine]:
    engine = create_engine(line.database_url)
    yield engine
    engine.dispose()


def send(server: Server, *events: dict[str, Any], secret: str = SECRET, signed: bool = True) -> httpx.Response:
    body = webhook_body(*events)
    headers = {"content-type": "application/json"}
    if signed:
        headers["x-line-signature"] = signature(body, secret)
    return server.http.post("/v1/line/webhook", content=body, headers=headers)


def user(name: str) -> str:
    return "U" + name.encode().hex().ljust(32, "0")[:32]


def answers(double: LineDouble, user_id: str, count: int = 1) -> list[str]:
    """The ``count`` replies or pushes ``user_id`` has received, once they have all arrived: each as the text of
    its messages (a running notice of the city's first), in the order sent."""
    calls = eventually(
        lambda: len(found := double.to(user_id)) >= count and found, what=f"{count} answers to {user_id}"
    )
    return ["\n".join(message["text"] for message in call.body["messages"]) for call in calls]


def conversation_of(user_id: str) -> str:
    return conversation_key(line_token(user_key(SECRET, user_id)))


def test_a_webhook_without_a_valid_signature_is_refused_and_nothing_is_kept(line, double, database):
    someone = user("unsigned")
    asked = text_event(someone, "フライパンは何ごみですか")
    unsigned = send(line, asked, signed=False)
    forged = send(line, asked, secret="not-the-channel-secret-at-all")
    assert (unsigned.status_code, forged.status_code) == (401, 401)
    assert forged.json()["error"]["code"] == "signature_invalid"
    with database.connect() as connection:
        kept = connection.execute(select(func.count()).where(line_events.c.id == asked["webhookEventId"])).scalar()
    assert kept == 0
    assert send(line, text_event(someone, "粗大ごみの出し方")).status_code == 200
    answers(double, someone)
    assert len(double.to(someone)) == 1  # only the signed question was ever answered


def test_a_body_that_is_not_a_webhook_is_refused_with_a_clear_error(line):
    body = b'{"destination": "U1", "events": "not a list"}'
    response = line.http.post("/v1/line/webhook", content=body, headers={"x-line-signature": signature(body, SECRET)})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


def test_a_japanese_question_is_answered_through_the_reply_token_with_numbered_sources(line, double):
    someone = user("ja")
    assert send(line, text_event(someone, "フライパンは何ごみですか")).status_code == 200
    text = answers(double, someone)[0]
    assert [call.path for call in double.to(someone)] == [REPLY]
    assert "燃やさないごみ" in text
    assert "出典\n[1] フライパン" in text and "時点" in text  # numbered source with its "as of" date
    assert "AIによる自動回答" in text
    assert "/v2/bot/chat/loading/start" in double.arrived  # the loading animation while it was made


def test_an_answer_has_a_quick_reply_to_report_it_wrong_which_opens_a_case(line, double, database):
    someone = user("wrong")
    send(line, text_event(someone, "フライパンは何ごみですか"))
    answers(double, someone)
    report, easy = double.to(someone)[0].body["messages"][-1]["quickReply"]["items"]  # and やさしい日本語
    assert report["action"]["data"].startswith("wrong=") and report["action"]["label"] == "回答の誤りを報告"
    assert easy["action"]["data"] == "easy="
    send(line, event("postback", someone, postback={"data": report["action"]["data"]}))
    thanked = answers(double, someone, 2)[1]
    reference = re.search(r"受付番号 (MD-\w{6})", thanked).group(1)
    with database.connect() as connection:
        reason = connection.execute(select(cases.c.reason).where(cases.c.reference == reference)).scalar()
    assert reason == "wrong_answer"
    send(line, event("postback", someone, postback={"data": report["action"]["data"]}))  # a second tap
    assert "すでに受け付けています" in answers(double, someone, 3)[2]


def test_easy_japanese_asks_the_last_question_again_with_the_readings_in_brackets(line, double):
    someone = user("easy")
    send(line, text_event(someone, "粗大ごみを出したいです"))
    first = answers(double, someone)[0]
    items = double.to(someone)[0].body["messages"][-1]["quickReply"]["items"]
    [easy] = [item for item in items if item["action"]["data"] == "easy="]
    assert easy["action"]["label"] == "やさしい日本語で" and "（そだい）" not in first
    send(line, event("postback", someone, postback={"data": "easy="}))
    again = answers(double, someone, 2)[1]
    assert again.startswith("大きな ごみ（粗大（そだい）ごみ）の 出し方です。")  # the city's easy text, with readings
    assert "出典\n[1] 粗大ごみを出したいです" in again
    last = double.to(someone)[1].body["messages"][-1]["quickReply"]["items"]
    assert all(item["action"]["data"] != "easy=" for item in last)  # asked in easy Japanese already


def test_an_english_question_is_answered_in_english_with_its_sources(line, double):
    someone = user("en")
    send(line, text_event(someone, "What kind of garbage is a frying pan?"))
    text = answers(double, someone)[0]
    assert "frying pan" in text and "Sources\n[1]" in text and "automated answer by AI" in text


def test_an_answer_ready_after_the_reply_window_is_pushed(line, double):
    someone = user("late")
    two_minutes_ago = int(time.time() * 1000) - 120_000
    send(line, text_event(someone, "フライパンは何ごみですか", sent_ms=two_minutes_ago))
    answers(double, someone)
    assert [call.path for call in double.to(someone)] == [PUSH]
    assert double.to(someone)[0].body["to"] == someone


def test_an_expired_reply_token_falls_back_to_a_push(line, double):
    someone = user("expired")
    asked = text_event(someone, "フライパンは何ごみですか")
    double.expired.add(asked["replyToken"])
    send(line, asked)
    answers(double, someone)
    refused = [call for call in double.calls if call.body.get("replyToken") == asked["replyToken"]]
    assert [call.status for call in refused] == [400]
    assert [call.path for call in double.to(someone)] == [PUSH]


def test_a_redelivered_event_is_answered_once(line, double):
    someone = user("redelivered")
    asked = text_event(someone, "フライパンは何ごみですか")
    again = {**asked, "deliveryContext": {"isRedelivery": True}}
    with ThreadPoolExecutor(2) as pool:  # at once, as LINE may when it thinks the first went astray
        statuses = [r.status_code for r in pool.map(lambda e: send(line, e), [asked, again])]
    assert statuses == [200, 200]
    send(line, text_event(someone, "粗大ごみの出し方"))  # a later question fences the wait
    answers(double, someone, 2)
    assert len(double.to(someone)) == 2


def test_a_standby_event_is_kept_and_not_answered(line, double, database):
    someone = user("standby")
    waiting = text_event(someone, "フライパンは何ごみですか", mode="standby")
    send(line, waiting)
    send(line, text_event(someone, "粗大ごみの出し方"))
    answers(double, someone)
    with database.connect() as connection:
        status = connection.execute(select(line_events.c.status).where(line_events.c.id == waiting["webhookEventId"]))
        assert status.scalar() == "standby"
    assert len(double.to(someone)) == 1


def test_an_unsent_message_is_no_longer_kept(line, double, database):
    someone = user("unsend")
    asked = text_event(someone, "フライパンは何ごみですか")
    send(line, asked)
    answers(double, someone)
    conversation = conversation_of(someone)
    with database.connect() as connection:
        assert connection.execute(select(func.count()).where(turns.c.conversation_id == conversation)).scalar() == 1
    send(line, event("unsend", someone, unsend={"messageId": asked["message"]["id"]}))

    def withdrawn() -> bool:
        with database.connect() as connection:
            kept = connection.execute(select(func.count()).where(turns.c.conversation_id == conversation)).scalar()
            questions = connection.execute(select(audit.c.question).where(audit.c.conversation_id == conversation))
            return kept == 0 and [row.question for row in questions] == [WITHDRAWN]

    eventually(withdrawn, what="the unsent question forgotten")


def test_a_new_follower_is_greeted_and_one_who_blocks_is_forgotten(line, double, database):
    someone = user("follow")
    send(line, event("follow", someone))
    greeting = answers(double, someone)[0]
    assert "AI" in greeting and "個人情報" in greeting and "0465-00-1000" in greeting
    assert "personal data" in greeting
    send(line, text_event(someone, "フライパンは何ごみですか"))
    answers(double, someone, 2)
    send(line, event("unfollow", someone))
    conversation = conversation_of(someone)

    def forgotten() -> bool:
        with database.connect() as connection:
            return connection.execute(select(func.count()).where(turns.c.conversation_id == conversation)).scalar() == 0

    eventually(forgotten, what="the conversation forgotten")

    def nothing_kept() -> bool:  # of what the resident sent (follow, question, unfollow)
        with database.connect() as connection:
            mine = line_events.c.user_key == user_key(SECRET, someone)
            kept = connection.execute(select(line_events.c.payload).where(mine))
            return [row.payload for row in kept] == [None, None, None]

    eventually(nothing_kept, what="what the resident sent forgotten")


def test_a_sticker_is_answered_with_what_the_service_can_read(line, double):
    someone = user("sticker")
    send(line, event("message", someone, message={"id": "s1", "type": "sticker", "packageId": "1", "stickerId": "1"}))
    assert "文章で送ってください" in answers(double, someone)[0]


def test_a_follower_whose_line_is_in_vietnamese_is_greeted_in_vietnamese_and_in_japanese(line, double):
    someone = user("follow-vi")
    double.languages[someone] = "vi"
    send(line, event("follow", someone))
    greeting = answers(double, someone)[0]
    assert greeting.startswith(catalogue("vi")["line_greeting"].split("{")[0]) and "個人情報" in greeting
    assert "personal data" not in greeting
    assert double.sent(f"/v2/bot/profile/{someone}")  # asked LINE, as LINE documents the profile


def test_a_sticker_is_answered_in_the_language_of_the_users_line(line, double):
    someone = user("sticker-ko")
    double.languages[someone] = "ko"
    send(line, event("message", someone, message={"id": "s2", "type": "sticker", "packageId": "1", "stickerId": "1"}))
    assert answers(double, someone)[0] == catalogue("ko")["line_unreadable"]


def test_the_language_a_resident_writes_in_overrides_the_language_of_their_line(line, double):
    someone = user("writes-ko")
    double.languages[someone] = "vi"
    send(line, text_event(someone, "주민표 사본은 어디에서 발급받을 수 있나요? 수수료는 얼마인가요?"))
    answer = answers(double, someone)[0]
    assert "300엔" in answer and catalogue("ko")["line_sources"] in answer


def test_an_emergency_shows_119_first(line, double):
    someone = user("fire")
    send(line, text_event(someone, "家が火事です"))
    assert answers(double, someone)[0].startswith("緊急の場合は、今すぐ 119 番")


def test_a_handoff_says_why_with_the_door_and_the_reference_to_quote(line, double):
    someone = user("handoff")
    send(line, text_event(someone, "宇宙旅行の補助金はありますか"))
    text = answers(double, someone)[0]
    assert "お答えできない" in text and "0465-00-1000" in text and "受付番号" in text


def test_a_choice_is_offered_as_quick_replies_and_a_pick_is_answered_from_that_entry(line, double):
    someone = user("choice")
    send(line, text_event(someone, "住民票の写しはどこでもらえますか"))  # 住民票 first, with its siblings
    answers(double, someone)
    offered = double.to(someone)[0].body["messages"][-1]["quickReply"]["items"]
    first = offered[0]["action"]
    assert first["type"] == "postback" and first["data"] == "choose=0"
    assert offered[-1]["action"]["data"] == "choose=none"
    send(line, event("postback", someone, postback={"data": first["data"]}))
    picked = answers(double, someone, 2)[1]
    assert "出典\n[1] " + first["displayText"][:10] in picked


def test_a_location_after_an_evacuation_question_lists_the_nearest_suitable_sites(line, double):
    someone = user("location")
    send(line, text_event(someone, "津波のときの避難場所は"))
    answers(double, someone)
    offered = double.to(someone)[0].body["messages"][-1]["quickReply"]["items"]
    assert offered[0]["action"]["type"] == "location"  # LINE's "send my location" button first
    here = (35.0105, 139.0105)
    send(
        line,
        event("message", someone, message={"id": "l1", "type": "location", "latitude": here[0], "longitude": here[1]}),
    )
    text = answers(double, someone, 2)[1]
    with (ROOT / "corpus" / "opendata" / "hinanbasho.csv").open(encoding="utf-8") as table:
        sites = [row for row in csv.DictReader(table) if row["津波"] in ("○", "△")]
    nearest = sorted(sites, key=lambda row: distance_m(here, (float(row["緯度"]), float(row["経度"]))))
    named = [row["名称"] for row in nearest if row["名称"] in text]
    assert named and named == [row["名称"] for row in nearest][: len(named)]  # the nearest, in order
    positions = [text.index(name) for name in named]
    assert positions == sorted(positions)
    assert "km" in text and "https://www.google.com/maps/search/?api=1&query=" in text
    assert "桜町公園" not in text  # nearest of all, but not marked for a tsunami


def test_a_burst_on_two_workers_is_answered_once_each(line, double):
    people = [user(f"many{n}") for n in range(16)]
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda u: send(line, text_event(u, "フライパンは何ごみですか")).status_code, people))
    assert statuses == [200] * len(people)
    for someone in people:  # a later question from each fences the wait: a duplicate would come before it
        answers(double, someone)
        send(line, text_event(someone, "粗大ごみの出し方"))
    for someone in people:
        answers(double, someone, 2)
    assert all(len(double.to(someone)) == 2 for someone in people)


def test_a_user_who_sends_too_much_is_asked_to_wait(line, double):
    someone = user("flood")
    for n in range(9):  # 4 a minute per worker process, two of them: one of the nine is over
        send(line, text_event(someone, f"フライパンは何ごみですか {n}"))
    texts = answers(double, someone, 9)
    assert any("少し時間をおいて" in text for text in texts)


def test_an_emergency_notice_is_broadcast_once_when_the_operator_asks(line, double):
    admin = {"authorization": f"Bearer {ADMIN}"}
    ends = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    notice = line.http.post(
        "/v1/admin/notices",
        json={"severity": "emergency", "ja": "避難指示が出ています", "en": "Evacuate now", "ends_at": ends},
        headers=admin,
    ).json()
    info = line.http.post(
        "/v1/admin/notices", json={"severity": "info", "ja": "お知らせ", "en": "Notice", "ends_at": ends}, headers=admin
    ).json()
    try:
        sent = line.http.post(f"/v1/admin/notices/{notice['id']}/broadcast", headers=admin)
        again = line.http.post(f"/v1/admin/notices/{notice['id']}/broadcast", headers=admin)
        other = line.http.post(f"/v1/admin/notices/{info['id']}/broadcast", headers=admin)
        assert sent.status_code == 200 and sent.json()["broadcast_at"]
        assert (again.status_code, again.json()["error"]["code"]) == (409, "already_broadcast")
        assert (other.status_code, other.json()["error"]["code"]) == (409, "not_emergency")
        broadcasts = double.sent("/v2/bot/message/broadcast")
        assert len(broadcasts) == 1 and "避難指示が出ています" in broadcasts[0].body["messages"][0]["text"]
    finally:
        for made in (notice, info):
            line.http.post(f"/v1/admin/notices/{made['id']}/end", headers=admin)


def test_without_a_channel_secret_the_webhook_is_off(server):
    body = webhook_body(text_event(user("off"), "こんにちは"))
    response = server.http.post("/v1/line/webhook", content=body, headers={"x-line-signature": signature(body, SECRET)})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "channel_disabled"


def test_the_webhook_is_in_the_contract(line):
    paths = line.http.get("/openapi.json").json()["paths"]
    assert "401" in paths["/v1/line/webhook"]["post"]["responses"]
    assert json.dumps(paths["/v1/line/webhook"]).count("signature_invalid") == 1


def test_a_handed_over_line_user_writes_to_staff_and_gets_their_reply_and_close_by_push(line, double, database):
    staff = {"authorization": f"Bearer {STAFF_TOKEN}"}
    someone = user("staffed")
    send(line, text_event(someone, "宇宙旅行の補助金はありますか"))
    answers(double, someone)

    def case_of_user() -> str:
        with database.connect() as connection:
            return connection.execute(select(cases.c.id).where(cases.c.line_user == someone)).scalar()

    case_id = eventually(case_of_user, what="the case reaching the LINE user")
    send(line, text_event(someone, "月に行く方法も知りたいです"))
    assert "職員" in answers(double, someone, 2)[1]  # passed to staff, not answered by the bot
    line.http.post(f"/v1/handoffs/{case_id}/claim", json={"staff": "窓口"}, headers=staff)
    sent = line.http.post(
        f"/v1/handoffs/{case_id}/messages", json={"text": "担当から折り返します", "staff": "窓口"}, headers=staff
    )
    assert sent.status_code == 201
    reply = answers(double, someone, 3)[2]
    assert "職員より" in reply and "担当から折り返します" in reply and double.to(someone)[2].path == PUSH
    line.http.post(f"/v1/handoffs/{case_id}/resolve", json={"resolution": "折り返し済み"}, headers=staff)
    answers(double, someone, 4)
    buttons = double.to(someone)[3].body["messages"][-1]["quickReply"]["items"]
    assert [b["action"]["data"] for b in buttons] == ["resolved=yes", "resolved=no"]
    send(line, event("postback", someone, postback={"data": "resolved=yes"}))

    def rated() -> bool:
        with database.connect() as connection:
            row = connection.execute(select(cases.c.resident_resolved, cases.c.line_user).where(cases.c.id == case_id))
            return tuple(row.one()) == (True, None)  # rated, and the LINE user no longer kept with the case

    eventually(rated, what="the rating kept and the LINE user forgotten")


# Issue 41: staff always get the conversation; reports reach staff and back; bad events and bodies.


def staffed(line: Server, double: LineDouble, database: Engine, someone: str) -> str:
    """``someone`` asked what the city cannot answer: the id of the case staff now hold."""
    send(line, text_event(someone, "宇宙旅行の補助金はありますか"))
    answers(double, someone)
    case_id = eventually(lambda: case_of_user(database, someone), what="the case reaching the LINE user")
    line.http.post(f"/v1/handoffs/{case_id}/claim", json={"staff": "窓口"}, headers=STAFF)
    return case_id


def case_of_user(database: Engine, someone: str) -> str | None:
    with database.connect() as connection:
        return connection.execute(select(cases.c.id).where(cases.c.line_user == someone)).scalar()


def case_texts(line: Server, case_id: str) -> list[str]:
    return [m["text"] for m in line.http.get(f"/v1/handoffs/{case_id}/messages", headers=STAFF).json()]


def test_a_location_sent_while_staff_hold_the_case_goes_to_them_and_says_nothing_of_where(line, double, database):
    someone = user("staffed-location")
    case_id = staffed(line, double, database, someone)
    here = {"id": "l2", "type": "location", "latitude": 35.0105, "longitude": 139.0105}
    send(line, event("message", someone, message=here))
    reply = answers(double, someone, 2)[1]
    assert "職員" in reply and "km" not in reply  # passed to staff, not answered with evacuation sites
    assert case_texts(line, case_id) == ["(位置情報が送られました)"]  # as kept: folded (NFKC)
    with database.connect() as connection:
        outcomes = connection.execute(
            select(audit.c.outcome).where(audit.c.conversation_id == conversation_of(someone))
        )
        assert "answered" not in [row.outcome for row in outcomes]


def test_after_unsending_the_message_that_opened_a_case_the_next_one_goes_to_that_case(line, double, database):
    someone = user("staffed-unsend")
    asked = text_event(someone, "宇宙旅行の補助金はありますか")
    send(line, asked)
    answers(double, someone)
    case_id = eventually(lambda: case_of_user(database, someone), what="the case reaching the LINE user")
    send(line, event("unsend", someone, unsend={"messageId": asked["message"]["id"]}))
    send(line, text_event(someone, "月に行く方法も知りたいです"))
    assert "職員" in answers(double, someone, 2)[1]
    assert case_texts(line, case_id) == ["月に行く方法も知りたいです"]
    with database.connect() as connection:
        opened = connection.execute(select(func.count()).where(cases.c.conversation_id == conversation_of(someone)))
        assert opened.scalar() == 1


def test_staff_replies_to_a_wrong_answer_report_reach_the_line_user_until_they_block(line, double, database):
    someone = user("wrong-reached")
    send(line, text_event(someone, "フライパンは何ごみですか"))
    answers(double, someone)
    report = double.to(someone)[0].body["messages"][-1]["quickReply"]["items"][0]  # then やさしい日本語
    send(line, event("postback", someone, postback={"data": report["action"]["data"]}))
    reference = re.search(r"受付番号 (MD-\w{6})", answers(double, someone, 2)[1]).group(1)
    with database.connect() as connection:
        case_id, reached = connection.execute(
            select(cases.c.id, cases.c.line_user).where(cases.c.reference == reference)
        ).one()
    assert reached == someone
    line.http.post(f"/v1/handoffs/{case_id}/claim", json={"staff": "窓口"}, headers=STAFF)
    line.http.post(
        f"/v1/handoffs/{case_id}/messages", json={"text": "確認して直します", "staff": "窓口"}, headers=STAFF
    )
    assert "確認して直します" in answers(double, someone, 3)[2]
    send(line, event("unfollow", someone))

    def unreached() -> bool:
        with database.connect() as connection:
            return connection.execute(select(cases.c.line_user).where(cases.c.id == case_id)).scalar() is None

    eventually(unreached, what="the blocked user no longer reached")
    line.http.post(f"/v1/handoffs/{case_id}/messages", json={"text": "追伸", "staff": "窓口"}, headers=STAFF)
    assert len(double.to(someone)) == 3  # nothing more was pushed


@pytest.mark.parametrize(
    "bad",
    [
        event("postback", user("bad-choice"), postback={"data": "choose=²"}),
        event(
            "message",
            user("bad-place"),
            message={"id": "l3", "type": "location", "latitude": float("nan"), "longitude": 139.0},
        ),
    ],
    ids=["superscript-choice", "nan-location"],
)
def test_a_bad_event_is_settled_at_once_and_the_users_next_message_is_answered(line, double, bad):
    someone = bad["source"]["userId"]
    send(line, bad)
    send(line, text_event(someone, "フライパンは何ごみですか"))

    def answered() -> list[str] | None:
        texts = double.texts(someone)
        return texts if any("燃やさないごみ" in text for text in texts) else None

    # a bad event once held the user's next message for its lease, five times over
    texts = eventually(answered, timeout=20, what="the next message answered")
    assert not any("nan" in text for text in texts)


@pytest.mark.parametrize(
    "body",
    [
        b'{"destination": "U1", "events": [' + b"[" * 5000 + b"]" * 5000 + b"]}",
        b'{"destination": "U1", "events": [{"type": "message", "source": "x"}]}',
        b'{"destination": "U1", "events": [{"type": "message", "timestamp": 1e30, "source": {"userId": "U1"}}]}',
    ],
    ids=["deep-nesting", "source-not-an-object", "timestamp-out-of-range"],
)
def test_a_signed_body_not_in_lines_shape_is_a_400_and_nothing_is_kept(line, database, body):
    with database.connect() as connection:
        before = connection.execute(select(func.count()).select_from(line_events)).scalar()
    response = line.http.post("/v1/line/webhook", content=body, headers={"x-line-signature": signature(body, SECRET)})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_request")
    with database.connect() as connection:
        assert connection.execute(select(func.count()).select_from(line_events)).scalar() == before


def test_a_delivery_line_accepts_with_a_body_of_another_shape_is_sent_once(line, double, database):
    someone = user("odd-body")
    double.odd_bodies.add(someone)
    asked = text_event(someone, "フライパンは何ごみですか")
    send(line, asked)
    answers(double, someone)

    def delivered() -> str | None:
        with database.connect() as connection:
            row = select(line_events.c.status, line_events.c.delivery).where(
                line_events.c.id == asked["webhookEventId"]
            )
            status, delivery = connection.execute(row).one()
        return delivery if status == "done" else None

    assert eventually(delivered, what="the event finished") == "reply"
    assert len(double.to(someone)) == 1


def test_a_batch_of_five_messages_of_5000_characters_is_taken(line, double):
    someone = user("long-batch")
    events = [text_event(someone, "粗大ごみの出し方" + "あ" * 4990) for _ in range(5)]
    body = webhook_body(*events)
    assert len(body) > 65536
    response = line.http.post("/v1/line/webhook", content=body, headers={"x-line-signature": signature(body, SECRET)})
    assert response.status_code == 200
    assert len(answers(double, someone, 5)) == 5
