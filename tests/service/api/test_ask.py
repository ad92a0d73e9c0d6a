"""POST /v1/ask over real HTTP, against uvicorn and the real index of the sample corpus."""

import json

import pytest
from sqlalchemy import create_engine, func, select

from service.answer.catalogue import catalogue
from service.answer.pipeline import STEPS
from service.answer.privacy import is_my_number
from service.store.cases import CaseQueue
from service.store.database import Store
from service.store.schema import turns
from tests.conftest import server_on


def ask(server, question, **fields):
    response = server.http.post("/v1/ask", json={"question": question, **fields})
    assert response.status_code == 200, response.text
    return response.json()


def pick(server, body, choice):
    response = server.http.post("/v1/ask", json={"choice": choice, "conversation_id": body["conversation_id"]})
    assert response.status_code == 200, response.text
    return response.json()


def answered_from(server, question, entry, **fields):
    """The answer from ``entry``: at once, or after the resident picks it from the choices offered."""
    body = ask(server, question, **fields)
    if body["outcome"] == "clarify":
        assert entry in [choice["id"] for choice in body["choices"]], body["choices"]
        body = pick(server, body, entry)
    return body


def test_a_question_with_sibling_entries_is_asked_back_and_the_pick_is_answered_with_a_valid_citation(server):
    asked = ask(server, "住民票の写しを取りたいのですが、どこで取れますか")
    assert asked["outcome"] == "clarify" and asked["lang"] == "ja" and not asked["handoff"]["needed"]
    assert asked["choices"][0]["id"] == "ja-cert-juminhyo" and asked["citations"] == []
    assert all(choice["title"] for choice in asked["choices"]) and "選んでください" in asked["answer"]
    body = pick(server, asked, "ja-cert-juminhyo")
    assert body["outcome"] == "answered" and body["conversation_id"] == asked["conversation_id"]
    citation = body["citations"][0]
    assert citation["id"] == "ja-cert-juminhyo"
    assert citation["url"].startswith("https://") and citation["updated"]
    assert citation["snippet"] in body["answer"]  # extractive: the answer quotes its source
    assert body["notice"] and 0 <= body["confidence"] <= 1


def test_an_english_question_is_answered_from_an_english_source(server):
    body = ask(server, "how do I put out big furniture as garbage")
    assert body["outcome"] == "answered" and body["lang"] == "en"
    assert body["citations"][0]["id"] == "en-waste-bulky"


def test_a_question_in_another_language_is_read_in_it_and_answered_in_it(server):
    body = ask(server, "주민표 사본은 어디에서 발급받을 수 있나요? 수수료는 얼마인가요?")  # the city's Korean question
    assert body["lang"] == "ko" and body["outcome"] == "answered" and body["answer_lang"] == "ko"
    assert body["citations"][0]["id"] == "ja-cert-juminhyo" and "300엔" in body["answer"]
    assert body["notice"] == catalogue("ko")["ai_notice"]
    given = ask(server, "¿Dónde saco una copia del certificado de residencia?", lang="es")
    assert given["lang"] == "es" and given["outcome"] == "clarify" and given["answer"] == catalogue("es")["clarify"]


def test_a_language_the_service_does_not_speak_is_refused(server):
    response = server.http.post("/v1/ask", json={"question": "Où est la mairie ?", "lang": "fr"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"


def test_a_regulation_answer_cites_article_and_paragraph(server):
    body = ask(server, "公民館の休館日は条例でどう決まっていますか")
    citation = body["citations"][0]
    assert citation["id"] == "ja-reg-facilities#3"
    assert citation["section"].startswith("第3条")
    assert "公民館条例" in body["answer"]


def test_an_out_of_scope_question_hands_off_with_suggestions_for_staff(server):
    body = ask(server, "what is the capital of France")
    assert body["outcome"] == "handoff_out_of_scope"
    assert body["handoff"]["needed"] and body["handoff"]["reason"] == "out_of_scope"
    assert body["citations"] == [] and len(body["suggestions"]) >= 1
    assert body["handoff"]["department"] and body["handoff"]["contact"]


@pytest.mark.parametrize(
    ("question", "number"),
    [
        ("家の隣で火事です！", "119"),
        ("my father collapsed and is not breathing", "119"),
        ("家に泥棒が入りました", "110"),
        ("もう死にたいです", "0120-279-338"),
        ("I want to kill myself", "0120-279-338"),
        ("夫から殴られています", "#8008"),
        ("I think the child next door is being abused", "189"),
        ("配偶者からの暴力について相談したい", "#8008"),
        ("児童手当の申請をしたいです。夫からの暴力で別居中です", "#8008"),
        ("もう消えたい。児童手当の手続きはどうすれば", "0120-279-338"),
    ],
)
def test_a_sensitive_question_hands_off_with_the_right_contact(server, question, number):
    body = ask(server, question)
    assert body["outcome"] == "handoff_sensitive" and body["handoff"]["reason"] == "sensitive"
    assert number in body["answer"] and number in body["handoff"]["contact"]


def test_personal_data_is_masked_in_the_audit_and_absent_from_logs(server, sample_index):
    my_number = "123456789018"
    assert is_my_number(my_number)
    question = (
        f"マイナンバー{my_number}、電話090-1234-5678、メール taro@example.com です。住民票の写しはどこで取れますか"
    )
    body = ask(server, question)
    assert body["outcome"] == "answered"  # still answered
    records = Store(server.database_url, 30).audit.records(limit=50)
    record = next(r for r in records if r["answer_id"] == body["answer_id"])
    for secret in (my_number, "090-1234-5678", "taro@example.com"):
        assert secret not in record["question"]
        assert secret not in server.log()
    assert "[MY_NUMBER]" in record["question"] and "住民票" not in server.log()
    assert set(record["personal_data"]) >= {"my_number", "phone", "email"}
    assert record["generation"] == body["generation"] and record["cited"] == ["ja-cert-juminhyo"]


def test_a_follow_up_uses_the_previous_turn(server):
    first = answered_from(server, "児童手当はいくらもらえますか", "ja-child-allowance")
    assert first["citations"][0]["id"] == "ja-child-allowance"
    follow_up = answered_from(server, "振込日は？", "ja-child-allowance-pay", conversation_id=first["conversation_id"])
    assert follow_up["outcome"] == "answered"
    assert follow_up["citations"][0]["id"] == "ja-child-allowance-pay"


def test_none_of_the_choices_hands_off_with_the_choices_in_the_staffs_transcript(server):
    asked = ask(server, "住民票の写しはどこでもらえますか")
    body = pick(server, asked, "none")
    assert body["outcome"] == "handoff_low_confidence" and body["handoff"]["case_id"] and body["suggestions"]
    case = CaseQueue(Store(server.database_url, 30).engine).get(body["handoff"]["case_id"])
    offered = " / ".join(choice["id"] for choice in asked["choices"])
    assert case["transcript"][0] == f"住民票の写しはどこでもらえますか → {offered}"


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"choice": "ja-cert-juminhyo"}, 422, "invalid_request"),  # a pick needs its conversation
        ({"choice": "ja-cert-juminhyo", "conversation_id": "never-issued"}, 409, "nothing_to_choose"),
    ],
)
def test_a_pick_without_choices_to_pick_from_is_refused(server, payload, status, code):
    response = server.http.post("/v1/ask", json=payload)
    assert response.status_code == status and response.json()["error"]["code"] == code


def test_a_pick_of_an_entry_that_was_not_offered_is_refused(server):
    asked = ask(server, "住民票の写しはどこでもらえますか")
    response = server.http.post(
        "/v1/ask", json={"choice": "ja-waste-bulky", "conversation_id": asked["conversation_id"]}
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "choice_not_offered"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"question": ""}, "question_empty"),
        ({"question": " \t\n\u3000 "}, "question_empty"),
        ({"question": "x" * 1001}, "question_too_long"),
        ({"question": "\u200b\ufeff\u3164 \u200d"}, "question_empty"),  # nothing visible once folded
        ({"question": "\ufdfa" * 100}, "question_too_long"),  # 100 characters that fold into 1,800
        ({"question": 42}, "invalid_request"),
        ({}, "invalid_request"),
        ({"question": "ok", "lang": "fr"}, "invalid_request"),
        ({"question": "ok", "conversation_id": "../../etc"}, "invalid_request"),
        ({"question": "ok", "surprise": True}, "invalid_request"),
    ],
)
def test_bad_input_gets_a_stable_error_code(server, payload, code):
    response = server.http.post("/v1/ask", json=payload)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code and response.json()["error"]["message"]


def test_a_huge_body_is_refused_before_it_is_read(server):
    response = server.http.post("/v1/ask", json={"question": "ごみ" * 100_000})
    assert response.status_code == 413 and response.json()["error"]["code"] == "request_too_large"


def test_malformed_json_is_an_invalid_request(server):
    response = server.http.post("/v1/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"


def test_control_characters_become_spaces_before_anything_reads_the_question(server):
    body = ask(server, "住民票の写し\x00はどこで\x07もらえますか")
    assert body["outcome"] == "clarify" and body["choices"][0]["id"] == "ja-cert-juminhyo"
    record = next(
        r for r in Store(server.database_url, 30).audit.records(limit=50) if r["answer_id"] == body["answer_id"]
    )
    assert record["question"] == "住民票の写し はどこで もらえますか"


def test_every_step_is_timed(server):
    body = ask(server, "燃えるごみの日はいつ？")
    assert body["outcome"] == "answered"  # an answer runs every step of the pipeline, then respond
    assert body["timings_ms"].keys() >= {step.__name__ for step in STEPS} | {"respond"}


def test_without_an_index_ask_is_unavailable(tmp_path):
    running = server_on(tmp_path / "none", tmp_path)
    try:
        response = running.http.post("/v1/ask", json={"question": "住民票"})
        assert response.status_code == 503 and response.json()["error"]["code"] == "index_unavailable"
    finally:
        running.close()


def test_the_log_line_carries_the_outcome_but_not_the_question(server):
    body = answered_from(server, "犬の登録の手数料を教えてください", "ja-pet-dog-register")
    assert "犬" not in server.log()
    assert answer_log_lines(server)[-1]["outcome"] == body["outcome"] == "answered"


@pytest.fixture
def strict_server(sample_index, tmp_path, request):
    running = server_on(sample_index[0], tmp_path, **request.param)
    yield running
    running.close()


@pytest.mark.parametrize(
    ("strict_server", "outcome", "reason", "department", "phone"),
    [
        (  # unsure: the department of the likeliest passage
            {"handoff_threshold": "0.999", "answer_threshold": "0.999", "out_of_scope_share": "0"},
            "handoff_low_confidence",
            "low_confidence",
            "市民課",
            "0465-00-1101",
        ),
        (  # out of scope: the passages are unrelated, so general enquiries
            {"out_of_scope_share": "1.0", "handoff_threshold": "0.999"},
            "handoff_out_of_scope",
            "out_of_scope",
            "市役所総合案内",
            "0465-00-1000",
        ),
    ],
    indirect=["strict_server"],
)
def test_each_gate_hands_off_with_its_reason_and_names_the_department(
    strict_server, outcome, reason, department, phone
):
    body = ask(strict_server, "住民票の写しはどこでもらえますか")  # no published question: the gates decide
    assert (body["outcome"], body["handoff"]["reason"]) == (outcome, reason)
    assert body["citations"] == [] and body["suggestions"][0]["id"] == "ja-cert-juminhyo"
    assert body["handoff"]["department"] == department and phone in body["handoff"]["contact"]
    assert phone in body["answer"]


@pytest.mark.parametrize("strict_server", [{"conversation_retention_days": "0"}], indirect=True)
def test_with_no_retention_a_conversation_keeps_no_turns(strict_server):
    first = ask(strict_server, "児童手当はいくらもらえますか")
    ask(strict_server, "振込日は？", conversation_id=first["conversation_id"])
    assert [line["follow_up"] for line in answer_log_lines(strict_server)] == [False, False]
    engine = create_engine(strict_server.database_url)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(turns)).scalar() == 0
    engine.dispose()


def answer_log_lines(server) -> list[dict]:
    """The service's one log line per answer, parsed."""
    lines = [line for line in server.log().splitlines() if "service.api.respond: answer " in line]
    return [json.loads(line.split("answer ", 1)[1]) for line in lines]


def test_easy_japanese_brings_the_citys_easy_text_where_it_wrote_one_and_the_readings_of_the_harder_kanji(server):
    plain = answered_from(server, "粗大ごみを出したいです", "ja-waste-bulky")
    easy = answered_from(server, "粗大ごみを出したいです", "ja-waste-bulky", easy_japanese=True)
    assert plain["furigana"] is None and easy["answer"] != plain["answer"]
    assert easy["answer"].startswith("大きな ごみ（粗大ごみ）の 出し方です。")  # the city's own easy text
    assert easy["citations"][0]["id"] == plain["citations"][0]["id"] == "ja-waste-bulky"
    assert "".join(piece["text"] for piece in easy["furigana"]) == easy["answer"]
    assert {"text": "粗大", "reading": "そだい"} in easy["furigana"]
    no_easy_text = answered_from(server, "課税証明書が欲しい", "ja-cert-tax", easy_japanese=True)
    assert no_easy_text["answer"] == answered_from(server, "課税証明書が欲しい", "ja-cert-tax")["answer"]
    assert any(piece["reading"] for piece in no_easy_text["furigana"])
    english = answered_from(server, "How do I put out bulky garbage?", "en-waste-bulky", easy_japanese=True)
    assert english["lang"] == "en" and english["furigana"] is None
