"""LINE's webhook events, kept from before the webhook's 200 until they are answered: nothing a resident sent is
lost when a server dies after acknowledging it, and nothing is answered twice when LINE delivers it again.

An event's row goes pending -> working (a worker took it) -> done. ``standby`` events (another channel answers
the account's chats) are kept, without their text, and never answered; an event taken back by its sender
before it was answered is ``removed``. A working event whose worker died is taken again once its lease has
passed (and then answered by push: its reply token will have expired). The event as LINE sent it, with the raw
user id that a push needs, is kept only until it is answered; after that only the row's digests stay, so that
a redelivery is still known, until the retention purge (service/store/database.py)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, func, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from service.store.schema import as_utc, line_events, utc_now

PENDING, WORKING, DONE, STANDBY, REMOVED = "pending", "working", "done", "standby", "removed"


@dataclass(frozen=True)
class LineEvent:
    """One event a worker answers."""

    id: str
    kind: str
    user_key: str
    payload: dict[str, Any]
    attempts: int  # more than 1: taken again after the worker that had it died
    sent_at: dt.datetime


class LineInbox:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def accept(self, event_id: str, user_key: str, event: dict[str, Any]) -> bool:
        """Keep one event as LINE sent it (pending, or standby); False when it is already kept (a redelivery)."""
        stamp = event.get("timestamp")  # when the resident sent it, in LINE's milliseconds
        sent = dt.datetime.fromtimestamp(int(stamp) / 1000, dt.UTC) if stamp else utc_now()
        message = event.get("message") or {}
        standby = event.get("mode") == "standby"  # another channel answers: its text is not ours to keep
        row = dict(
            id=event_id,
            received_at=utc_now(),
            sent_at=sent,
            kind=str(event.get("type", ""))[:32],
            user_key=user_key,
            message_id=str(message.get("id", ""))[:64] or None,
            status=STANDBY if standby else PENDING,
            payload=None if standby else json.dumps(event, ensure_ascii=False),
            finished_at=utc_now() if standby else None,
            attempts=0,
        )
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(line_events), row)
        except IntegrityError:
            return False
        return True

    def claim(self, lease_s: float) -> LineEvent | None:
        """The oldest event to answer (pending, or in the work of a worker whose lease has passed) of a user with
        no other event in work, taken by this worker; None when there is none."""
        now = utc_now()
        expired = now - dt.timedelta(seconds=lease_s)
        takeable = or_(
            line_events.c.status == PENDING,
            and_(line_events.c.status == WORKING, line_events.c.claimed_at < expired),
        )
        other = line_events.alias("other")
        busy = exists().where(
            other.c.user_key == line_events.c.user_key,
            other.c.status == WORKING,
            other.c.claimed_at >= expired,
            other.c.id != line_events.c.id,
        )
        query = select(line_events.c.id).where(takeable, ~busy).order_by(line_events.c.sent_at).limit(10)
        with self.engine.begin() as connection:
            for (event_id,) in connection.execute(query).all():
                taken = connection.execute(
                    update(line_events)
                    .where(line_events.c.id == event_id, takeable)
                    .values(status=WORKING, claimed_at=now, attempts=line_events.c.attempts + 1)
                )
                if taken.rowcount == 1:
                    row = connection.execute(select(line_events).where(line_events.c.id == event_id)).one()
                    return LineEvent(
                        row.id, row.kind, row.user_key, json.loads(row.payload), row.attempts, as_utc(row.sent_at)
                    )
        return None

    def finish(self, event_id: str, delivery: str, answer_id: str | None = None) -> None:
        """An event answered (``delivery``: reply, push or none): what LINE sent is no longer kept."""
        with self.engine.begin() as connection:
            connection.execute(
                update(line_events)
                .where(line_events.c.id == event_id, line_events.c.status == WORKING)
                .values(status=DONE, finished_at=utc_now(), delivery=delivery, answer_id=answer_id, payload=None)
            )

    def take_back(self, user_key: str, message_id: str) -> str | None:
        """A message its sender unsent: not answered when it is still waiting (removed), and its text no longer
        kept; the id of the answer it got, if it was answered (for the audit and conversation to forget)."""
        mine = and_(line_events.c.user_key == user_key, line_events.c.message_id == message_id)
        with self.engine.begin() as connection:
            connection.execute(
                update(line_events)
                .where(mine, line_events.c.status.in_((PENDING, STANDBY)))
                .values(status=REMOVED, finished_at=utc_now(), payload=None)
            )
            answered = connection.execute(select(line_events.c.answer_id).where(mine)).scalar()
        return str(answered) if answered else None

    def forget(self, user_key: str) -> None:
        """A user who blocked the account: nothing they sent is kept or answered any more."""
        with self.engine.begin() as connection:
            connection.execute(
                update(line_events)
                .where(line_events.c.user_key == user_key, line_events.c.status.in_((PENDING, STANDBY)))
                .values(status=REMOVED, finished_at=utc_now())
            )
            connection.execute(
                update(line_events)
                .where(line_events.c.user_key == user_key, line_events.c.status != WORKING)
                .values(payload=None)
            )

    def counts(self) -> dict[str, int]:
        """How many events are in each state."""
        query = select(line_events.c.status, func.count()).group_by(line_events.c.status)
        with self.engine.connect() as connection:
            return {status: count for status, count in connection.execute(query).all()}
