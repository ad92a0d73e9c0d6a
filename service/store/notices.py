"""Notices in an emergency: during a typhoon or after an earthquake operators publish a notice (Japanese and
English text, severity, start and end, optional link) through the admin API. While it runs the chat shows it
at the top, every answer carries it, and an answer about evacuation starts with it; with an ``emergency``
notice the generative composer is off (only checked, verbatim answers). A notice ends by itself at its end
time, or earlier when an operator ends it; none is ever deleted (the table is the trail of what was shown).

Each worker reads the running notices from the database at most every ``refresh_s`` seconds
(MADOGUCHI_NOTICES_REFRESH_S)."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update

from service.errors import ConflictError
from service.store.database import Store
from service.store.schema import as_utc, notices, utc_now

SEVERITIES = ("info", "warning", "emergency")


@dataclass(frozen=True)
class Notice:
    id: str
    severity: str
    text: dict[str, str]  # lang -> text
    link: str | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    ended_at: dt.datetime | None = None
    broadcast_at: dt.datetime | None = None  # when it was pushed to every LINE follower

    def running(self, now: dt.datetime) -> bool:
        return self.starts_at <= now < self.ends_at and self.ended_at is None

    def text_in(self, lang: str) -> str:
        """The notice in ``lang`` where the city wrote it so (Japanese and English), else in English."""
        return self.text.get(lang) or self.text.get("en") or self.text["ja"]


class NoticeBoard:
    """The notices of one database, with the running ones remembered for ``refresh_s`` seconds."""

    def __init__(self, store: Store, refresh_s: float = 2.0, most: int = 5) -> None:
        self.engine, self.refresh_s, self.most = store.engine, refresh_s, most
        self._lock = threading.Lock()
        self._read_at = -self.refresh_s
        self._running: list[Notice] = []

    def publish(
        self,
        severity: str,
        text: dict[str, str],
        ends_at: dt.datetime,
        starts_at: dt.datetime | None = None,
        link: str | None = None,
    ) -> Notice:
        """409 too_many_notices when ``most`` notices are already running or to come: every answer carries the
        running ones, so their number bounds the size of every answer."""
        notice = Notice(uuid.uuid4().hex, severity, text, link, as_utc(starts_at or utc_now()), as_utc(ends_at))
        with self.engine.begin() as connection:
            current = connection.execute(select(func.count()).select_from(notices).where(_current())).scalar_one()
            if current >= self.most:
                message = f"{current} notices are running or to come (at most {self.most}): end one first."
                raise ConflictError("too_many_notices", message)
            connection.execute(
                insert(notices).values(
                    id=notice.id,
                    created_at=utc_now(),
                    severity=severity,
                    text_ja=text["ja"],
                    text_en=text["en"],
                    link=link,
                    starts_at=notice.starts_at,
                    ends_at=notice.ends_at,
                )
            )
        self._read_at = -self.refresh_s  # this worker shows it at once
        return notice

    def end(self, notice_id: str) -> Notice | None:
        """Ends a notice now; None when there is no such notice. Ending an ended notice changes nothing."""
        with self.engine.begin() as connection:
            connection.execute(
                update(notices)
                .where(notices.c.id == notice_id, notices.c.ended_at.is_(None))
                .values(ended_at=utc_now())
            )
            row = connection.execute(select(notices).where(notices.c.id == notice_id)).mappings().first()
        self._read_at = -self.refresh_s
        return _notice(row) if row else None

    def find(self, notice_id: str) -> Notice | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(notices).where(notices.c.id == notice_id)).mappings().first()
        return _notice(row) if row else None

    def mark_broadcast(self, notice_id: str, sent: bool = True) -> bool:
        """Mark a notice as broadcast, once: False when it already was (another operator, another worker).
        ``sent=False`` takes the mark back after a broadcast LINE refused, so that it can be tried again."""
        with self.engine.begin() as connection:
            if not sent:
                connection.execute(update(notices).where(notices.c.id == notice_id).values(broadcast_at=None))
                return True
            marked = connection.execute(
                update(notices)
                .where(notices.c.id == notice_id, notices.c.broadcast_at.is_(None))
                .values(broadcast_at=utc_now())
            )
        return bool(marked.rowcount)

    def all(self, limit: int = 100) -> list[Notice]:
        """Every notice running or to come (so that each can be found and ended), then the newest ``limit`` of
        the others; newest first."""
        newest = notices.c.created_at.desc()
        with self.engine.connect() as connection:
            current = connection.execute(select(notices).where(_current()).order_by(newest)).mappings().all()
            past = connection.execute(select(notices).where(~_current()).order_by(newest).limit(limit)).mappings()
            return [_notice(row) for row in [*current, *past]]

    def running(self) -> list[Notice]:
        """The notices running now, the most severe first."""
        with self._lock:
            if time.monotonic() - self._read_at >= self.refresh_s:
                now = utc_now()
                query = select(notices).where(
                    notices.c.starts_at <= now, notices.c.ends_at > now, notices.c.ended_at.is_(None)
                )
                with self.engine.connect() as connection:
                    found = [_notice(row) for row in connection.execute(query).mappings()]
                self._running = sorted(found, key=lambda n: (-SEVERITIES.index(n.severity), n.starts_at))
                self._read_at = time.monotonic()
            now = utc_now()
            return [notice for notice in self._running if notice.running(now)]

    def emergency(self) -> bool:
        return any(notice.severity == "emergency" for notice in self.running())


def _current() -> Any:
    """Running or to come: not ended and not yet past its end."""
    return notices.c.ended_at.is_(None) & (notices.c.ends_at > utc_now())


def _notice(row: object) -> Notice:
    values = dict(row)  # type: ignore[call-overload]
    return Notice(
        id=values["id"],
        severity=values["severity"],
        text={"ja": values["text_ja"], "en": values["text_en"]},
        link=values["link"],
        starts_at=as_utc(values["starts_at"]),
        ends_at=as_utc(values["ends_at"]),
        ended_at=as_utc(values["ended_at"]) if values["ended_at"] else None,
        broadcast_at=as_utc(values["broadcast_at"]) if values.get("broadcast_at") else None,
    )


def described(notice: Notice) -> dict[str, object]:
    """A notice as the API shows it."""
    return {
        "id": notice.id,
        "severity": notice.severity,
        "text": notice.text,
        "link": notice.link,
        "starts_at": notice.starts_at.isoformat(),
        "ends_at": notice.ends_at.isoformat(),
        "ended_at": notice.ended_at.isoformat() if notice.ended_at else None,
        "running": notice.running(utc_now()),
        "broadcast_at": notice.broadcast_at.isoformat() if notice.broadcast_at else None,
    }
