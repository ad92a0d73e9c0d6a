"""Who taught a learned phrasing and whether it counts: a person's word (residents' picks only propose it);
never from a conversation that ended with a person; never again once removed; only for the entry as taught;
kept for its retention."""

import datetime as dt

import pytest
from sqlalchemy import select, update

from service.errors import ConflictError, NotFoundError
from service.settings import Retention
from service.store.database import Store
from service.store.learned import phrasing_id
from service.store.schema import learned

ENTRY, ASKED = "ja-waste-bulky", "古いソファを捨てたい"


@pytest.fixture
def box(database_url):
    store = Store(database_url, retention_days=30)
    yield store.learned
    store.engine.dispose()


def status(box, entry=ENTRY, asked=ASKED):
    return box.get(phrasing_id(entry, asked))


def test_picks_count_once_per_conversation_and_after_three_propose_but_never_teach_alone(box):
    box.pick(ENTRY, ASKED, "d1", "conversation-1")
    box.pick(ENTRY, ASKED, "d1", "conversation-1")  # the same resident picking again
    box.pick(ENTRY, "古いソファを捨てたい ", "d1", "conversation-2")  # the same words, spaced otherwise
    assert status(box)["picks"] == 2 and status(box)["status"] == "waiting" and box.counted(3) == []
    for n in range(3, 30):  # one client opening conversations as fast as it likes
        box.pick(ENTRY, ASKED, "d1", f"conversation-{n}")
    assert status(box)["status"] == "proposed" and box.counted(3) == []
    box.approve(phrasing_id(ENTRY, ASKED), "operator")
    [learned] = box.counted(3)
    assert (learned.entry_id, learned.text, learned.entry_digest) == (ENTRY, ASKED, "d1")


def test_a_conversation_that_ended_with_a_person_teaches_nothing(box):
    for conversation in ("c1", "c2", "c3"):
        box.pick(ENTRY, ASKED, "d1", conversation)
    box.void_conversation("c2")
    assert status(box)["picks"] == 2 and status(box)["status"] == "waiting"


def test_a_staff_resolution_or_an_operator_teaches_alone_and_says_who(box):
    box.teach(ENTRY, ASKED, "d1", "staff", "田中")
    [shown] = box.listing()
    assert shown["status"] == "learned" and shown["taught_by"][0]["by"] == "staff"
    assert shown["taught_by"][0]["teacher"] == "田中" and len(box.counted(3)) == 1


def test_a_removed_phrasing_never_counts_again(box):
    box.teach(ENTRY, ASKED, "d1", "staff", "田中")
    box.remove(phrasing_id(ENTRY, ASKED), "operator")
    for conversation in ("c1", "c2", "c3"):
        box.pick(ENTRY, ASKED, "d1", conversation)
    box.teach(ENTRY, ASKED, "d1", "staff", "佐藤")
    assert status(box)["status"] == "removed" and status(box)["removed_by"] == "operator" and box.counted(3) == []
    with pytest.raises(ConflictError):
        box.approve(phrasing_id(ENTRY, ASKED), "operator")


def test_an_operator_may_approve_a_phrasing_that_waits_for_picks(box):
    box.pick(ENTRY, ASKED, "d1", "c1")
    assert status(box)["status"] == "waiting"
    approved = box.approve(phrasing_id(ENTRY, ASKED), "operator")
    assert approved["status"] == "learned" and approved["taught_by"][0]["by"] == "operator"
    with pytest.raises(NotFoundError):
        box.approve("no-such-phrasing", "operator")


def test_teachings_of_an_earlier_version_of_the_entry_do_not_count_for_the_current_one(box):
    box.pick(ENTRY, ASKED, "old", "c1")
    box.pick(ENTRY, ASKED, "old", "c2")
    box.pick(ENTRY, ASKED, "new", "c3")
    assert status(box)["picks"] == 1 and box.counted(3) == []


def test_a_teaching_before_the_entry_is_served_takes_the_served_version(box):
    box.teach("ja-approved-1", "粗大ごみの予約を変更したい", "", "operator", "operator")
    assert box.unsettled() == {"ja-approved-1"}
    assert box.counted(3)[0].entry_digest == ""
    box.settle({"ja-approved-1": "d9"})
    assert box.unsettled() == set() and box.counted(3)[0].entry_digest == "d9"


def test_teachings_past_their_retention_are_purged_and_a_removed_phrasing_keeps_only_its_digest(database_url):
    store = Store(database_url, retention_days=30, keep=Retention(learned_days=365))
    box = store.learned
    box.teach(ENTRY, ASKED, "d1", "staff", "田中")
    box.teach(ENTRY, "粗大ごみの予約", "d1", "staff", "田中")
    box.remove(phrasing_id(ENTRY, "粗大ごみの予約"), "operator")
    box.teach("ja-cert-juminhyo", "住民票の写し", "d2", "staff", "田中")
    with store.engine.begin() as connection:  # two of them were taught more than a year ago
        long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
        connection.execute(update(learned).where(learned.c.entry_id == ENTRY).values(created_at=long_ago))
    purged = store.purge_expired()
    assert purged["learned"] == 1 and purged["learned_removed"] == 1
    assert [p.text for p in box.counted(3)] == ["住民票の写し"]
    with store.engine.connect() as connection:
        words = sorted(connection.execute(select(learned.c.phrasing)).scalars())
    assert words == ["", "住民票の写し"]  # the removed one's words went; its digest still blocks it
    box.teach(ENTRY, "粗大ごみの予約", "d1", "staff", "佐藤")
    assert status(box, asked="粗大ごみの予約")["status"] == "removed"
    store.engine.dispose()
