"""Personal data typed in everyday forms never reaches storage: not the audit, the turns, the cases staff
see, the feedback, the kept question vectors, the staff's monthly report (its topic examples) or the log.
Each variant below was stored as written before the second security review (issue 31)."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, select

from ingest.report import IngestReport
from service.answer.privacy import is_my_number
from tests.conftest import Server, server_on

TOKEN = "desk-secret-0123456789"
STAFF = {"Authorization": f"Bearer {TOKEN}"}
KANJI = str.maketrans("0123456789", "〇一二三四五六七八九")
FULL = str.maketrans("0123456789-", "０１２３４５６７８９－")
FROM_KANJI = str.maketrans("〇一二三四五六七八九", "0123456789")


def a_my_number(seed: int) -> str:
    rng = random.Random(seed)
    body = "".join(rng.choice("0123456789") for _ in range(11))
    return next(body + d for d in "0123456789" if is_my_number(body + d))


def written(number: str, gap: str) -> str:
    return gap.join((number[:4], number[4:8], number[8:]))


def variants() -> list[tuple[str, str]]:
    """(what the resident types, the digits or text that must not be stored)."""
    numbers = [a_my_number(seed) for seed in range(8)]
    return [
        (f"マイナンバーは{written(numbers[0], '  ')}です", numbers[0]),
        (f"マイナンバー {written(numbers[1], ' - ')}", numbers[1]),
        (f"番号は{written(numbers[2], '-').translate(FULL)}", numbers[2]),
        (f"番号 {written(numbers[3], '・')}", numbers[3]),
        (f"番号 {written(numbers[4], chr(9))}", numbers[4]),
        (f"番号\n{written(numbers[5], chr(10))}", numbers[5]),
        (f"マイナンバーは{numbers[6].translate(KANJI)}", numbers[6]),
        (f"番号 {written(numbers[7], ',')}", numbers[7]),
        ("電話は〇九〇ー二四六八ー一三五七です", "24681357"),
        ("ぜろはちぜろ きゅうはちななろく ごよんさんに まで", "98765432"),
        ("(090)3141-5926 までお願いします", "31415926"),
        ("メールは山田@例え.jp です", "例え.jp"),
        ("mail taro (at) example.com", "example.com"),
        ("口座番号は七六五四三二一", "7654321"),
        ("住所はみなと台3の4の5です", "3の4の5"),
        ("コーポ山田101号室に住んでいます", "101号室"),
        # issue 41: runs of separators, @ written otherwise, a space before the number, a long label
        (f"マイナンバーは{written(numbers[0], '    ')}です", numbers[0]),
        (f"番号 {written(numbers[1], ' -- ')}", numbers[1]),
        ("電話は090〜2468〜1357です", "24681357"),
        ("メールは hanako★example.jp です", "hanako"),
        ("メールは hanako アット example.jp です", "hanako"),
        ("mail taro at example dot com please", "taro"),
        ("住所は桜町\u3000２－５－３です", "2-5-3"),
        ("口座番号（ゆうちょ銀行・普通預金・名義は本人）は 864213 です", "864213"),
    ]


@pytest.fixture(scope="module")
def privacy_server(
    sample_index: tuple[Path, IngestReport], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    running = server_on(sample_index[0], tmp_path_factory.mktemp("privacy"), staff_token=TOKEN)
    yield running
    running.close()


def stored_texts(database_url: str) -> Iterator[tuple[str, str]]:
    """Every text value of every table: (table, value)."""
    engine = create_engine(database_url)
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as connection:
        for table in tables.sorted_tables:
            for row in connection.execute(select(table)):
                for value in row:
                    if isinstance(value, str):
                        yield table.name, value
    engine.dispose()


def survives(secret: str, text: str) -> bool:
    if secret.isdigit():  # however it was written: in digits, kanji or full width, with any separators
        return secret in re.sub(r"\D", "", unicodedata.normalize("NFKC", text).translate(FROM_KANJI))
    return secret in text


def test_personal_data_in_everyday_forms_is_stored_nowhere(privacy_server):
    http = privacy_server.http
    for typed, _ in variants():
        # an unanswerable question: it opens a case, is kept for the report's topics, and gets feedback; what
        # the resident writes next goes to the staff of the case
        body = http.post("/v1/ask", json={"question": f"{typed}。宇宙旅行の補助金はありますか"}).json()
        assert body["outcome"].startswith("handoff"), body["outcome"]
        follow = {"question": f"{typed}。住民票の写しはどこで取れますか", "conversation_id": body["conversation_id"]}
        assert http.post("/v1/ask", json=follow).json()["outcome"] == "with_staff"
        feedback = {"answer_id": body["answer_id"], "helpful": False, "comment": f"{typed} に連絡ください"}
        assert http.post("/v1/feedback", json=feedback).status_code == 201
    report = http.get("/v1/reports/monthly", headers=STAFF)
    cases = http.get("/v1/handoffs", params={"status": "open", "limit": 100}, headers=STAFF)
    assert report.status_code == 200 and cases.status_code == 200
    assert report.json()["unanswered"]["topics"], "the report's topics are part of what is checked"

    stored = list(stored_texts(privacy_server.database_url))
    assert any(table == "audit" for table, _ in stored) and any(table == "feedback" for table, _ in stored)
    for typed, secret in variants():
        for table, value in stored:
            assert not survives(secret, value), f"{typed!r} is stored in {table}: {value[:200]!r}"
        for name, text in (("report", report.text), ("cases", cases.text), ("log", privacy_server.log())):
            assert not survives(secret, text), f"{typed!r} appears in the {name}"
