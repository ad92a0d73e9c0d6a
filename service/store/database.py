"""Conversations (kept for follow-ups, then purged), the audit log (kept), reload jobs, and the tables of the
staff's case queue, in one SQL database.

SQLite by default; PostgreSQL (``postgresql+psycopg://…``) for cities that run several service instances.
The schema is made by Alembic migrations (``service/store/migrations``), applied when a Store opens; the Table
objects here mirror them for queries (a test compares the two). Only masked questions are ever written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ingest.text import normalize
from service.settings import Retention


@dataclass
class Turn:
    """One earlier question of a conversation, as stored (masked), for follow-ups."""

    question: str  # masked
    lang: str
    chunk_id: str | None


metadata = MetaData()

turns = Table(
    "turns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(64), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("lang", String(2), nullable=False),
    Column("question", Text, nullable=False),  # masked
    Column("chunk_id", String(300)),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("conversation_id", String(64), nullable=False),
    Column("lang", String(2), nullable=False),
    Column("question", Text, nullable=False),  # masked
    Column("outcome", String(40), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("cited", Text, nullable=False),  # JSON list of chunk ids
    Column("generation", String(40), nullable=False),
    Column("personal_data", Text, nullable=False),  # JSON list of the kinds that were masked
    Column("answer_id", String(32), index=True, unique=True),  # what feedback refers to
    Column("composer", String(16), nullable=False, server_default="extractive"),
    Column("model", String(200)),  # the generative composer's model, when it was asked
    Column("prompt_version", String(40)),
    Column("fallback", String(40)),  # why a generated answer was not shown
    Index("audit_month", "created_at", "lang", "outcome", "confidence"),  # a month's counts without the rows
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False, index=True),  # queued, running, succeeded, failed
    Column("source", Text, nullable=False),
    Column("progress", Float, nullable=False),
    Column("report", Text),  # JSON: the ingest report
    Column("error", Text),  # JSON: {"code", "message"}
)

cases = Table(
    "cases",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("reference", String(16), nullable=False, unique=True),  # what a resident quotes on the phone
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False, index=True),  # open, claimed, resolved
    Column("reason", String(32), nullable=False),
    Column("lang", String(2), nullable=False),
    Column("conversation_id", String(64), nullable=False),
    Column("answer_id", String(32), nullable=False),
    Column("question", Text, nullable=False),  # masked
    Column("transcript", Text, nullable=False),  # JSON list of the conversation's masked questions
    Column("suggestions", Text, nullable=False),  # JSON list of citations
    Column("department", Text, nullable=False),
    Column("claimed_by", String(100)),
    Column("resolution", Text),
    Column("answer_used", String(300)),
    Column("proposed_question", Text),  # "propose as FAQ"
    Column("proposed_answer", Text),
    Column("claimed_at", DateTime(timezone=True)),
    Column("resolved_at", DateTime(timezone=True)),
    Index("cases_updated_at", "updated_at"),
    Index("cases_claimed_at", "claimed_at"),
    Index("cases_resolved_at", "resolved_at"),
)

question_vectors = Table(
    "question_vectors",
    metadata,
    Column("model", String(200), primary_key=True),
    Column("question", String(64), primary_key=True),  # sha256 of the masked, normalised question
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("vector", LargeBinary, nullable=False),  # float32, as the answer path embedded the question
)

proposals = Table(
    "proposals",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False, index=True),  # submitted, approved, rejected, live
    Column("lang", String(2), nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("department", String(200), nullable=False),
    Column("category", String(200), nullable=False),
    Column("url", String(500)),
    Column("asked", Text, nullable=False),  # the resident's question (masked) it answers: the first canary
    Column("origin", String(100)),  # a case reference or "topic"
    Column("proposed_by", String(100), nullable=False),
    Column("reviewed_by", String(100)),
    Column("reviewed_at", DateTime(timezone=True)),
    Column("reason", Text),  # why it was rejected
    Column("entry_id", String(100)),  # the FAQ id written to the corpus on approval
    Column("job_id", String(32)),  # the reload that approval started
    Column("generation", String(40)),  # the generation that first served it
)

notices = Table(
    "notices",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("severity", String(16), nullable=False),  # info, warning, emergency
    Column("text_ja", Text, nullable=False),
    Column("text_en", Text, nullable=False),
    Column("link", String(500)),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False, index=True),
    Column("ended_at", DateTime(timezone=True)),  # ended early by an operator
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("answer_id", String(32), nullable=False, index=True),
    Column("helpful", Boolean, nullable=False),
    Column("comment", Text),  # masked
    Column("source", String(16), nullable=False),  # resident or staff
    Index("feedback_answer_source", "answer_id", "source", unique=True),  # one feedback per answer and source
    Index("feedback_created_at", "created_at"),
)

published = Table(  # generations published for every replica (service/live/replicas.py)
    "published",
    metadata,
    Column("generation", String(40), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("digest", String(64), nullable=False),  # SHA-256 of the archive
    Column("manifest", Text, nullable=False),
    Column("archive", LargeBinary, nullable=False),  # the generation directory and its baseline, tar.gz
)

live = Table(  # the one generation every replica serves: a single row
    "live",
    metadata,
    Column("generation", String(40), primary_key=True),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)


@dataclass
class AuditRecord:
    conversation_id: str
    lang: str
    question: str
    outcome: str
    confidence: float
    cited: list[str]
    generation: str
    personal_data: list[str]
    answer_id: str
    composer: str = "extractive"
    model: str | None = None
    prompt_version: str | None = None
    fallback: str | None = None


class Store:
    def __init__(self, url: str, retention_days: int, keep: Retention | None = None) -> None:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, pool_pre_ping=True)
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        migrate(self.engine)
        self.retention = dt.timedelta(days=retention_days)
        self.keep = keep or Retention(conversation_days=retention_days)

    def history(self, conversation_id: str, limit: int) -> list[Turn]:
        """The conversation's latest turns within the retention period, oldest first."""
        if not self.retention:
            return []
        since = utc_now() - self.retention
        query = (
            select(turns.c.question, turns.c.lang, turns.c.chunk_id)
            .where(turns.c.conversation_id == conversation_id, turns.c.created_at >= since)
            .order_by(turns.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [Turn(question=r.question, lang=r.lang, chunk_id=r.chunk_id) for r in reversed(rows)]

    def record(self, record: AuditRecord, chunk_id: str | None) -> None:
        """One audit record per answer, and the turn for follow-ups, in one transaction."""
        now = utc_now()
        with self.engine.begin() as connection:
            connection.execute(  # values as parameters: one compiled statement, cached, for every answer
                insert(audit),
                dict(
                    created_at=now,
                    conversation_id=record.conversation_id,
                    lang=record.lang,
                    question=record.question,
                    outcome=record.outcome,
                    confidence=record.confidence,
                    cited=json.dumps(record.cited),
                    generation=record.generation,
                    personal_data=json.dumps(record.personal_data),
                    answer_id=record.answer_id,
                    composer=record.composer,
                    model=record.model,
                    prompt_version=record.prompt_version,
                    fallback=record.fallback,
                ),
            )
            if self.retention:
                connection.execute(
                    insert(turns),
                    dict(
                        conversation_id=record.conversation_id,
                        created_at=now,
                        lang=record.lang,
                        question=record.question,
                        chunk_id=chunk_id,
                    ),
                )

    def keep_vector(self, model: str, question: str, vector: list[float]) -> None:
        """The query vector of a question the corpus could not answer, once per model and question: the
        monthly report groups such questions into topics without embedding them again."""
        key = question_key(question)
        known = select(question_vectors.c.question).where(
            question_vectors.c.model == model, question_vectors.c.question == key
        )
        with contextlib.suppress(IntegrityError), self.engine.begin() as connection:  # kept a moment ago
            if connection.execute(known).first() is None:
                connection.execute(
                    insert(question_vectors),
                    dict(
                        model=model,
                        question=key,
                        created_at=utc_now(),
                        vector=np.asarray(vector, dtype=np.float32).tobytes(),
                    ),
                )

    def vectors(self, model: str, questions: list[str]) -> dict[str, np.ndarray]:
        """The kept vectors of those of ``questions`` that have one."""
        keys = {question_key(q): q for q in questions}
        found: dict[str, np.ndarray] = {}
        with self.engine.connect() as connection:
            for start in range(0, len(keys), 500):
                listed = list(keys)[start : start + 500]
                rows = connection.execute(
                    select(question_vectors.c.question, question_vectors.c.vector).where(
                        question_vectors.c.model == model, question_vectors.c.question.in_(listed)
                    )
                )
                found.update({keys[key]: np.frombuffer(blob, dtype=np.float32) for key, blob in rows})
        return found

    def reachable(self) -> bool:
        """Whether the database answers and accepts a write (a full disk fails here, not only on the next ask)."""
        try:
            with self.engine.begin() as connection:
                connection.execute(update(jobs).where(jobs.c.id == "").values(progress=0.0))
        except SQLAlchemyError:
            return False
        return True

    def has_conversation(self, conversation_id: str) -> bool:
        """Whether a conversation has turns still within the retention period."""
        if not self.retention:
            return False
        query = select(turns.c.id).where(
            turns.c.conversation_id == conversation_id, turns.c.created_at >= utc_now() - self.retention
        )
        with self.engine.connect() as connection:
            return connection.execute(query.limit(1)).first() is not None

    def purge_expired(self) -> dict[str, int]:
        """Forget what is older than its retention period: conversation turns always, the audit log, resolved
        cases and feedback when a retention is set for them. Returns how many rows of each went."""
        now, keep = utc_now(), self.keep
        rules = [("turns", delete(turns).where(turns.c.created_at < now - self.retention))]
        if keep.audit_days:
            before = now - dt.timedelta(days=keep.audit_days)
            rules.append(("audit", delete(audit).where(audit.c.created_at < before)))
            rules.append(("question_vectors", delete(question_vectors).where(question_vectors.c.created_at < before)))
        if keep.case_days:
            old = cases.c.updated_at < now - dt.timedelta(days=keep.case_days)
            rules.append(("cases", delete(cases).where(old, cases.c.status == "resolved")))
        if keep.feedback_days:
            old = feedback.c.created_at < now - dt.timedelta(days=keep.feedback_days)
            rules.append(("feedback", delete(feedback).where(old)))
        with self.engine.begin() as connection:
            return {name: connection.execute(statement).rowcount for name, statement in rules}

    def audit_records(self, limit: int = 100) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(audit).order_by(audit.c.id.desc()).limit(limit)).mappings().all()
        return [
            {**row, "cited": json.loads(row["cited"]), "personal_data": json.loads(row["personal_data"])}
            for row in rows
        ]

    def create_job(self, job_id: str, source: str) -> None:
        now = utc_now()
        with self.engine.begin() as connection:
            connection.execute(
                insert(jobs).values(
                    id=job_id, created_at=now, updated_at=now, status="queued", source=source, progress=0.0
                )
            )

    def update_job(
        self,
        job_id: str,
        status: str | None = None,
        progress: float | None = None,
        report: dict[str, Any] | None = None,
        failure: dict[str, str] | None = None,
    ) -> None:
        values: dict[str, Any] = {"updated_at": utc_now()}
        if status is not None:
            values["status"] = status
        if progress is not None:
            values["progress"] = round(progress, 3)
        if report is not None:
            values["report"] = json.dumps(report, ensure_ascii=False)
        if failure is not None:
            values["error"] = json.dumps(failure, ensure_ascii=False)  # the column keeps its first name
        with self.engine.begin() as connection:
            connection.execute(update(jobs).where(jobs.c.id == job_id).values(**values))

    def job(self, job_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
        if row is None:
            return None
        failure = json.loads(row["error"]) if row["error"] else None
        return {
            **{key: value for key, value in row.items() if key != "error"},
            "created_at": as_utc(row["created_at"]),
            "updated_at": as_utc(row["updated_at"]),
            "report": json.loads(row["report"]) if row["report"] else None,
            "failure": {"reason": failure["reason"], "message": failure["message"]} if failure else None,
        }

    def job_counts(self) -> dict[str, int]:
        """Reload jobs by status (queued, running, succeeded, failed)."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(jobs.c.status, func.count()).group_by(jobs.c.status)).all()
        return {str(status): int(count) for status, count in rows}

    def unfinished_jobs(self) -> list[str]:
        with self.engine.connect() as connection:
            return list(connection.execute(select(jobs.c.id).where(jobs.c.status.in_(("queued", "running")))).scalars())


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration. Workers may start together: PostgreSQL serialises them with
    an advisory lock (in env.py), SQLite with a lock file beside the database."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    with contextlib.ExitStack() as stack:
        if database and database != ":memory:":
            lock = stack.enter_context(Path(database + ".migrate.lock").open("w"))
            fcntl.flock(lock, fcntl.LOCK_EX)
        connection = stack.enter_context(engine.begin())
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def question_key(question: str) -> str:
    return hashlib.sha256(normalize(question).encode()).hexdigest()


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """SQLite gives naive datetimes back; every time stored here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _sqlite_pragmas(connection: Any, _: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
