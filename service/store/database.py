"""One SQL database: conversations (kept for follow-ups, then purged), the audit log (kept), reload jobs, and
the tables of the staff's case queue, notices and proposals. ``Store`` opens it, brings its schema up to date
and hands out one object per concern (``store.conversations``, ``store.audit``, ``store.jobs``); it keeps only
what spans them: whether the database answers, and the purge of what is past its retention period.

SQLite by default; PostgreSQL (``postgresql+psycopg://…``) for cities that run several service instances.
Only masked questions are ever written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, event, select, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.expression import Executable

from service.settings import Retention
from service.store.audit import AuditLog
from service.store.conversations import Conversations
from service.store.jobs import Jobs
from service.store.learned import LearnedBox
from service.store.schema import (
    audit,
    case_messages,
    cases,
    feedback,
    jobs,
    learned,
    line_events,
    migrate,
    question_vectors,
    turns,
    utc_now,
)
from service.store.threads import Threads


class Store:
    def __init__(self, url: str, retention_days: int, keep: Retention | None = None) -> None:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        sqlite = parsed.get_backend_name() == "sqlite"
        # A server's connections can drop (pinged before use); a file's cannot, and the ping cost every answer a query.
        self.engine: Engine = create_engine(url, pool_pre_ping=not sqlite)
        if sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        migrate(self.engine)
        self.retention = dt.timedelta(days=retention_days)
        self.keep = keep or Retention(conversation_days=retention_days)
        self.conversations = Conversations(self.engine, self.retention)
        self.audit = AuditLog(self.engine, self.retention)
        self.jobs = Jobs(self.engine)
        self.learned = LearnedBox(self.engine)
        self.threads = Threads(self.engine)

    def reachable(self) -> bool:
        """Whether the database answers and accepts a write (a full disk fails here, not only on the next ask)."""
        try:
            with self.engine.begin() as connection:
                connection.execute(update(jobs).where(jobs.c.id == "").values(progress=0.0))
        except SQLAlchemyError:
            return False
        return True

    def purge_expired(self) -> dict[str, int]:
        """Forget what is older than its retention period: conversation turns always, the audit log, resolved
        cases, feedback and learned phrasings when a retention is set for them. Returns how many rows of each went."""
        now, keep = utc_now(), self.keep
        rules: list[tuple[str, Executable]] = [
            ("turns", delete(turns).where(turns.c.created_at < now - self.retention))
        ]
        finished = now - max(self.retention, dt.timedelta(days=1))  # a day at least: LINE redelivers within it
        done = line_events.c.status.notin_(("pending", "working"))
        rules.append(("line_events", delete(line_events).where(done, line_events.c.finished_at < finished)))
        if keep.audit_days:
            before = now - dt.timedelta(days=keep.audit_days)
            rules.append(("audit", delete(audit).where(audit.c.created_at < before)))
            rules.append(("question_vectors", delete(question_vectors).where(question_vectors.c.created_at < before)))
        if keep.case_days:
            old = cases.c.updated_at < now - dt.timedelta(days=keep.case_days)
            gone = select(cases.c.id).where(old, cases.c.status == "resolved")
            rules.append(("case_messages", delete(case_messages).where(case_messages.c.case_id.in_(gone))))
            rules.append(("cases", delete(cases).where(old, cases.c.status == "resolved")))
        if keep.learned_days:
            old = learned.c.created_at < now - dt.timedelta(days=keep.learned_days)
            rules.append(("learned", delete(learned).where(old, learned.c.status != "removed")))
            # a removed phrasing's digest stays (it is never learned again); its words go
            rules.append(("learned_removed", update(learned).where(old, learned.c.phrasing != "").values(phrasing="")))
        if keep.feedback_days:
            old = feedback.c.created_at < now - dt.timedelta(days=keep.feedback_days)
            rules.append(("feedback", delete(feedback).where(old)))
        with self.engine.begin() as connection:
            return {name: connection.execute(statement).rowcount for name, statement in rules}


def _sqlite_pragmas(connection: Any, _: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
