"""FAQ proposals on SQLite and PostgreSQL: submitted, approved once (the entry written whole under the corpus,
in the corpus's FAQ format, with who proposed and approved it), or rejected with a reason; the reload an
approval starts checks the proposal's own question, and the generation that serves it makes it live."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.load import load_corpus
from service.errors import ConflictError, NotFoundError
from service.store.database import Store
from service.store.proposals import Draft, ProposalBox

DRAFT = Draft("ja", "市営墓地の募集は？", "毎年6月に募集します。", "kankyo", "くらし", None, "墓地を買いたい", "topic")


@pytest.fixture
def box(database_url: str):
    store = Store(database_url, 30)
    yield ProposalBox(store.engine)
    store.engine.dispose()


def test_an_approved_proposal_is_written_as_a_corpus_faq_with_who_proposed_and_approved_it(box, tmp_path: Path):
    proposal = box.submit(DRAFT, "suzuki")
    approved = box.approve(proposal["id"], "tanaka", {"answer": "毎年6月です。"}, tmp_path)

    assert approved["status"] == "approved" and approved["reviewed_by"] == "tanaka"
    files = list((tmp_path / "approved").iterdir())
    assert [f.name for f in files] == [f"{approved['entry_id']}.jsonl"]
    entry = json.loads(files[0].read_text(encoding="utf-8"))
    assert entry["answer"] == "毎年6月です。" and entry["proposed_by"] == "suzuki" and entry["approved_by"] == "tanaka"
    corpus = load_corpus(tmp_path)
    assert [faq.id for _, faq in corpus.faqs] == [approved["entry_id"]] and not corpus.rejections
    with pytest.raises(ConflictError):
        box.approve(proposal["id"], "sato", {}, tmp_path)


def test_a_rejected_proposal_keeps_its_reason_and_writes_nothing(box, tmp_path: Path):
    proposal = box.submit(DRAFT, "suzuki")
    rejected = box.reject(proposal["id"], "tanaka", "県の所管です")
    assert (rejected["status"], rejected["reason"]) == ("rejected", "県の所管です")
    assert not (tmp_path / "approved").exists()
    with pytest.raises(NotFoundError):
        box.reject("missing", "tanaka", "x")


def test_an_approval_that_cannot_write_the_corpus_leaves_the_proposal_submitted(box, tmp_path: Path):
    proposal = box.submit(DRAFT, "suzuki")
    (tmp_path / "approved").write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises(Exception, match="cannot be written"):
        box.approve(proposal["id"], "tanaka", {}, tmp_path)
    assert box.get(proposal["id"])["status"] == "submitted"


def test_the_reload_an_approval_started_checks_its_question_and_its_generation_makes_it_live(box, tmp_path: Path):
    proposal = box.approve(box.submit(DRAFT, "suzuki")["id"], "tanaka", {}, tmp_path)
    box.started(proposal["id"], "job-1")
    checks = box.checks("job-1")
    assert [(c.question, c.expected) for c in checks] == [("墓地を買いたい", proposal["entry_id"])]
    assert box.checks("another-job") == []

    box.went_live({proposal["entry_id"], "ja-waste-bulky"}, "g2")
    live = box.get(proposal["id"])
    assert (live["status"], live["generation"]) == ("live", "g2")
