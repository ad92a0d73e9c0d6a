"""LINE's events in the service's database (SQLite and PostgreSQL): kept once however often LINE delivers them,
answered in the order each user sent them, taken again when the worker that had them died, and forgotten."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select, update

from service.store.database import Store
from service.store.line_events import LineInbox
from service.store.schema import line_events
from tests.line_double import event, text_event


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    made = Store(database_url, 30)
    yield made
    made.engine.dispose()


@pytest.fixture
def inbox(store: Store) -> LineInbox:
    return LineInbox(store.engine)


def keep(inbox: LineInbox, made: dict) -> bool:
    return inbox.accept(made["webhookEventId"], made["source"]["userId"], made)


def test_an_event_delivered_again_is_kept_once(inbox):
    asked = text_event("Ua", "質問")
    assert keep(inbox, asked) is True
    assert keep(inbox, {**asked, "deliveryContext": {"isRedelivery": True}}) is False
    assert inbox.counts() == {"pending": 1}


def test_one_users_events_are_taken_in_the_order_sent_and_one_at_a_time(inbox):
    now = int(time.time() * 1000)
    second, first = text_event("Ua", "二つ目", sent_ms=now), text_event("Ua", "一つ目", sent_ms=now - 1000)
    other = text_event("Ub", "別の人", sent_ms=now + 1000)
    for made in (second, first, other):
        keep(inbox, made)
    taken = inbox.claim(lease_s=60)
    assert taken is not None and taken.id == first["webhookEventId"] and taken.attempts == 1
    assert inbox.claim(lease_s=60).id == other["webhookEventId"]  # not Ua's second while its first is in work
    assert inbox.claim(lease_s=60) is None
    inbox.finish(first["webhookEventId"], "reply", "answer-1")
    assert inbox.claim(lease_s=60).id == second["webhookEventId"]


def test_an_event_whose_worker_died_is_taken_again_after_its_lease_and_what_was_sent_goes_once_answered(inbox):
    asked = text_event("Ua", "質問")
    keep(inbox, asked)
    assert inbox.claim(lease_s=60).attempts == 1
    assert inbox.claim(lease_s=60) is None  # in work
    again = inbox.claim(lease_s=0)  # the lease has passed
    assert again is not None and again.attempts == 2 and again.payload["message"]["text"] == "質問"
    inbox.finish(asked["webhookEventId"], "push", "answer-1")
    assert inbox.counts() == {"done": 1}
    assert inbox.claim(lease_s=0) is None


def test_a_standby_event_is_kept_without_its_text_and_never_taken(store, inbox):
    keep(inbox, text_event("Ua", "質問", mode="standby"))
    assert inbox.claim(lease_s=60) is None
    assert inbox.counts() == {"standby": 1}
    with store.engine.connect() as connection:
        assert connection.execute(select(line_events.c.payload)).scalar() is None


def test_a_message_taken_back_before_it_is_answered_is_never_answered(inbox):
    asked = text_event("Ua", "質問")
    keep(inbox, asked)
    assert inbox.take_back("Ua", asked["message"]["id"]) is None  # no answer to withdraw
    assert inbox.claim(lease_s=60) is None
    assert inbox.counts() == {"removed": 1}


def test_a_message_taken_back_after_it_was_answered_names_its_answer(inbox):
    asked = text_event("Ua", "質問")
    keep(inbox, asked)
    inbox.claim(lease_s=60)
    inbox.finish(asked["webhookEventId"], "reply", "answer-1")
    assert inbox.take_back("Ua", asked["message"]["id"]) == "answer-1"
    assert inbox.take_back("Ub", asked["message"]["id"]) is None  # only its sender takes it back


def test_a_user_who_blocks_the_account_is_not_answered_any_more(inbox):
    for made in (text_event("Ua", "一つ目"), text_event("Ua", "二つ目"), event("follow", "Ub")):
        keep(inbox, made)
    inbox.forget("Ua")
    taken = inbox.claim(lease_s=60)
    assert taken is not None and taken.user_key == "Ub"
    assert inbox.claim(lease_s=60) is None


def test_an_answered_event_is_purged_after_the_conversation_retention_and_a_waiting_one_never(store, inbox):
    now = int(time.time() * 1000)
    old, recent = text_event("Ua", "古い", sent_ms=now - 2), text_event("Ub", "新しい", sent_ms=now - 1)
    waiting = text_event("Uc", "待ち", sent_ms=now)
    for made in (old, recent, waiting):
        keep(inbox, made)
    for _ in (old, recent):
        taken = inbox.claim(lease_s=60)
        inbox.finish(taken.id, "reply", "a")
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
    with store.engine.begin() as connection:
        not_recent = line_events.c.id != recent["webhookEventId"]  # the waiting one too: never purged
        connection.execute(update(line_events).where(not_recent).values(finished_at=long_ago))
    assert store.purge_expired()["line_events"] == 1
    assert inbox.counts() == {"done": 1, "pending": 1}
