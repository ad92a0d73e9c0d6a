"""The staff's case queue and feedback, on SQLite and on a real PostgreSQL server: the schema comes from the
migrations, exactly one of two simultaneous claims wins, and proposed FAQs load as a corpus file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, update

from ingest.load import load_corpus
from service.errors import MadoguchiError
from service.settings import Retention
from service.store.audit import AuditRecord
from service.store.cases import CaseQuery, CaseQueue, NewCase, decode_cursor
from service.store.database import Store
from service.store.schema import audit, cases, feedback, metadata, question_key, question_vectors, turns


def new_case(question: str = "パスポートの申請は? [PHONE]") -> NewCase:
    return NewCase(
        reason="out_of_scope",
        lang="ja",
        conversation_id="c1",
        answer_id="a" * 32,
        question=question,
        transcript=[question],
        suggestions=[
            {"id": "ja-mynumber-apply", "title": "t", "section": "", "url": "u", "snippet": "s", "updated": ""}
        ],
        department="市民課 0465-00-1101",
    )


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = Store(database_url, 30)
    yield opened
    opened.engine.dispose()


def test_migrations_make_the_schema_the_code_queries_and_run_again_harmlessly(store, database_url):
    Store(database_url, 30).engine.dispose()  # a second worker starting: already at the newest revision
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []


def test_a_case_opens_with_a_short_reference_and_is_listed_until_resolved(store):
    queue = CaseQueue(store.engine)
    case_id, reference = queue.open(new_case())
    assert reference.startswith("MD-") and len(reference) == 9
    [listed] = listed_ids(queue, "open", full=True)
    assert listed["id"] == case_id and listed["transcript"] == ["パスポートの申請は? [PHONE]"]

    queue.claim(case_id, "desk 3")
    assert listed_ids(queue, "open") == [] and listed_ids(queue, "claimed", full=True)[0]["claimed_by"] == "desk 3"
    resolved = queue.resolve(case_id, "Told them the prefecture's passport office.", None, None)
    assert resolved["status"] == "resolved" and listed_ids(queue, "claimed") == []
    with pytest.raises(MadoguchiError) as again:
        queue.resolve(case_id, "twice", None, None)
    assert again.value.status == 409


def listed_ids(queue: CaseQueue, status: str = "open", full: bool = False, **filters: str) -> list:
    """Every case the queue lists, page after page, in its order."""
    found, after = [], None
    while True:
        page, cursor = queue.page(CaseQuery(status=status, limit=7, after=after, **filters))
        found += page if full else [case["id"] for case in page]
        if cursor is None:
            return found
        after = decode_cursor(cursor)


def test_the_queue_pages_through_every_case_sensitive_first_then_newest_first(store):
    queue = CaseQueue(store.engine)
    opened = []
    for n in range(30):
        reason = "sensitive" if n in (3, 29) else ("low_confidence" if n % 2 else "out_of_scope")
        lang = "en" if n % 3 == 0 else "ja"
        case = dataclasses.replace(new_case(f"question {n}"), reason=reason, lang=lang)
        opened.append((n, queue.open(case)[0], reason, lang))
    listed = listed_ids(queue)
    assert len(listed) == len(set(listed)) == 30  # no case twice, none lost between pages
    newest_first = [case_id for _, case_id, _, _ in reversed(opened)]
    sensitive = [case_id for case_id in newest_first if case_id in (opened[3][1], opened[29][1])]
    assert listed[:2] == sensitive and listed[2:] == [c for c in newest_first if c not in sensitive]
    assert listed_ids(queue, reason="low_confidence") == [c for n, c, r, _ in reversed(opened) if r == "low_confidence"]
    assert listed_ids(queue, lang="en") == [c for c in listed if c in {c for _, c, _, lang in opened if lang == "en"}]
    assert len(listed_ids(queue, department="市民課")) == 30 and listed_ids(queue, department="税務課") == []


def test_a_cursor_the_queue_did_not_give_is_refused(store):
    with pytest.raises(MadoguchiError) as refused:
        decode_cursor("not-a-cursor")
    assert (refused.value.status, refused.value.code) == (422, "invalid_cursor")


def test_two_staff_claiming_one_case_at_once_exactly_one_wins(store):
    queue = CaseQueue(store.engine)
    case_id, _ = queue.open(new_case())
    start, results = threading.Barrier(8), []

    def claim(desk: int) -> None:
        start.wait()
        try:
            queue.claim(case_id, f"desk {desk}")
            results.append("won")
        except MadoguchiError as error:
            results.append(error.code)

    threads = [threading.Thread(target=claim, args=(desk,)) for desk in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["case_not_open"] * 7 + ["won"]


def test_an_unknown_case_is_not_found(store):
    queue = CaseQueue(store.engine)
    with pytest.raises(MadoguchiError) as missing:
        queue.claim("nope", "desk 1")
    assert (missing.value.status, missing.value.code) == (404, "case_not_found")


def test_proposed_faqs_export_in_the_corpus_format(store, tmp_path: Path):
    queue = CaseQueue(store.engine)
    case_id, _ = queue.open(new_case())
    proposal = ("パスポートはどこで申請できますか。", "県のパスポートセンターで申請できます。")
    queue.resolve(case_id, "answered by phone", None, proposal)
    rows = queue.proposals()
    assert [(r["question"], r["answer"], r["lang"]) for r in rows] == [(*proposal, "ja")]

    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "proposals.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    corpus = load_corpus(tmp_path)
    assert corpus.rejections == [] and [faq.id for _, faq in corpus.faqs] == [rows[0]["id"]]


def feedback_on(store: Store, answer_id: str) -> list[tuple[bool, str | None, str]]:
    query = select(feedback.c.helpful, feedback.c.comment, feedback.c.source).where(feedback.c.answer_id == answer_id)
    with store.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query.order_by(feedback.c.id))]


def test_feedback_needs_an_answer_that_exists(store):
    queue = CaseQueue(store.engine)
    with pytest.raises(MadoguchiError) as unknown:
        queue.add_feedback("f" * 32, True, None, "resident")
    assert unknown.value.code == "answer_not_found"
    store.audit.record(AuditRecord("c1", "en", "q", "answered", 0.9, ["en-x"], "g1", [], "b" * 32), "en-x")
    queue.add_feedback("b" * 32, False, "the fee was wrong", "staff")
    assert feedback_on(store, "b" * 32) == [(False, "the fee was wrong", "staff")]


def test_one_feedback_per_answer_and_source(store):
    queue = CaseQueue(store.engine)
    store.audit.record(AuditRecord("c1", "en", "q", "answered", 0.9, ["en-x"], "g1", [], "c" * 32), "en-x")
    queue.add_feedback("c" * 32, True, None, "resident")
    with pytest.raises(MadoguchiError) as again:
        queue.add_feedback("c" * 32, False, "changed my mind", "resident")
    assert (again.value.status, again.value.code) == (409, "feedback_exists")
    queue.add_feedback("c" * 32, False, None, "staff")  # staff judge the same answer for themselves
    assert feedback_on(store, "c" * 32) == [(True, None, "resident"), (False, None, "staff")]


def test_the_retention_purge_removes_only_what_is_past_its_period(database_url):
    keep = Retention(conversation_days=30, audit_days=365, case_days=365, feedback_days=365)
    store = Store(database_url, 30, keep)
    queue = CaseQueue(store.engine)
    store.audit.record(AuditRecord("old", "en", "q", "answered", 0.9, [], "g1", [], "d" * 32), None)
    store.audit.record(AuditRecord("new", "en", "q", "answered", 0.9, [], "g1", [], "e" * 32), None)
    queue.add_feedback("d" * 32, True, None, "resident")
    resolved_id, _ = queue.open(new_case())
    queue.resolve(resolved_id, "done", None, None)
    open_id, _ = queue.open(new_case())
    store.audit.keep_vector("m", "an old unanswered question", [0.1, 0.2])
    store.audit.keep_vector("m", "a new unanswered question", [0.3, 0.4])
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    with store.engine.begin() as connection:
        connection.execute(
            update(question_vectors)
            .where(question_vectors.c.question == question_key("an old unanswered question"))
            .values(created_at=long_ago)
        )
        connection.execute(update(audit).where(audit.c.conversation_id == "old").values(created_at=long_ago))
        connection.execute(update(turns).where(turns.c.conversation_id == "old").values(created_at=long_ago))
        connection.execute(update(feedback).values(created_at=long_ago))
        connection.execute(update(cases).values(updated_at=long_ago))

    purged = store.purge_expired()
    expected = {"turns": 1, "line_events": 0, "audit": 1, "question_vectors": 1, "case_messages": 0, "cases": 1}
    assert purged == {**expected, "feedback": 1}
    assert list(store.audit.vectors("m", ["an old unanswered question", "a new unanswered question"])) == [
        "a new unanswered question"
    ]
    assert [r["conversation_id"] for r in store.audit.records()] == ["new"]
    assert listed_ids(queue, "open") == [open_id]  # an open case is never purged, however old
    assert store.conversations.exists("new") and not store.conversations.exists("old")
    store.engine.dispose()
