"""The staff's case queue and feedback, on SQLite and on a real PostgreSQL server: the schema comes from the
migrations, exactly one of two simultaneous claims wins, and proposed FAQs load as a corpus file."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ingest.load import load_corpus
from service.cases import CaseQueue, NewCase
from service.errors import MadoguchiError
from service.store import AuditRecord, Store, metadata


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
    [listed] = queue.by_status("open")
    assert listed["id"] == case_id and listed["transcript"] == ["パスポートの申請は? [PHONE]"]

    queue.claim(case_id, "desk 3")
    assert queue.by_status("open") == [] and queue.by_status("claimed")[0]["claimed_by"] == "desk 3"
    resolved = queue.resolve(case_id, "Told them the prefecture's passport office.", None, None)
    assert resolved["status"] == "resolved" and queue.by_status("claimed") == []
    with pytest.raises(MadoguchiError) as again:
        queue.resolve(case_id, "twice", None, None)
    assert again.value.status == 409


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


def test_feedback_needs_an_answer_that_exists(store):
    queue = CaseQueue(store.engine)
    with pytest.raises(MadoguchiError) as unknown:
        queue.add_feedback("f" * 32, True, None, "resident")
    assert unknown.value.code == "answer_not_found"
    store.record(AuditRecord("c1", "en", "q", "answered", 0.9, ["en-x"], "g1", [], "b" * 32), "en-x")
    queue.add_feedback("b" * 32, False, "the fee was wrong", "staff")
