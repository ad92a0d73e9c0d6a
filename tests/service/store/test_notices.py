"""Notices in an emergency, kept in the service's database (SQLite and PostgreSQL): a notice runs from its start
to its end or until an operator ends it, the most severe first; none is ever deleted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from service.errors import ConflictError
from service.store.database import Store
from service.store.notices import NoticeBoard

NOW = dt.datetime.now(dt.UTC)
TEXT = {"ja": "台風10号が接近しています。", "en": "Typhoon No. 10 is approaching."}


@pytest.fixture
def board(database_url: str) -> Iterator[NoticeBoard]:
    store = Store(database_url, 30)
    yield NoticeBoard(store)
    store.engine.dispose()


def test_a_notice_runs_from_its_start_until_its_end_or_until_it_is_ended(board):
    warning = board.publish("warning", TEXT, NOW + dt.timedelta(hours=6))
    emergency = board.publish("emergency", TEXT, NOW + dt.timedelta(hours=6), link="https://city.example.jp/t")
    later = board.publish("info", TEXT, NOW + dt.timedelta(days=2), starts_at=NOW + dt.timedelta(days=1))
    assert [n.id for n in board.running()] == [emergency.id, warning.id]  # the most severe first; none to come
    assert board.emergency() and board.running()[0].link == "https://city.example.jp/t"
    assert not warning.running(warning.ends_at) and later.running(later.starts_at)  # ends by itself, starts so
    ended = board.end(emergency.id)
    assert ended is not None and ended.ended_at is not None
    assert [n.id for n in board.running()] == [warning.id] and not board.emergency()
    assert {n.id for n in board.all()} == {warning.id, emergency.id, later.id}  # every one kept
    assert board.end("no-such-notice") is None


def test_no_more_than_the_most_notices_run_or_wait_at_once_and_each_of_them_is_listed(database_url):
    store = Store(database_url, 30)
    board = NoticeBoard(store, most=2)
    try:
        ended = [board.publish("info", TEXT, NOW + dt.timedelta(hours=1)) for _ in range(2)]
        for notice in ended:
            board.end(notice.id)
        current = [board.publish("warning", TEXT, NOW + dt.timedelta(hours=1)) for _ in range(2)]
        with pytest.raises(ConflictError) as refused:
            board.publish("emergency", TEXT, NOW + dt.timedelta(hours=1))
        assert refused.value.code == "too_many_notices"
        listed = [n.id for n in board.all(limit=1)]  # the newest ended one, and every current one however old
        assert set(listed) == {*(n.id for n in current), ended[-1].id}
    finally:
        store.engine.dispose()
