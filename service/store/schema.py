"""The database's tables, as the Alembic migrations make them (``service/store/migrations``; a test compares
the two), how the schema is brought up to date, and the time and key helpers every store module shares."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
from pathlib import Path

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
    false,
)
from sqlalchemy.engine import Engine

from ingest.text import normalize

metadata = MetaData()

turns = Table(
    "turns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(64), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("lang", String(8), nullable=False),  # one of ingest/languages.py: LANGUAGES (zh-Hant)
    Column("question", Text, nullable=False),  # masked
    Column("chunk_id", String(300)),
    Column("outcome", String(40)),  # how the turn ended
    Column("choices", Text),  # JSON list of the entries offered when it was asked back
    Column("answer_id", String(32), index=True),  # the answer this turn got (a LINE unsend removes the turn)
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("conversation_id", String(64), nullable=False),
    Column("lang", String(8), nullable=False),  # one of ingest/languages.py: LANGUAGES (zh-Hant)
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
    Column("lang", String(8), nullable=False),  # one of ingest/languages.py: LANGUAGES (zh-Hant)
    Column("conversation_id", String(64), nullable=False, index=True),  # is it with staff? (every continued ask)
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
    Column("line_user", String(64)),  # the LINE user staff replies are pushed to, only while the case is open
    Column("resident_resolved", Boolean),  # the resident's answer to "was this resolved?" after the close
    Column("staff_typing_until", DateTime(timezone=True)),  # staff are writing a reply (the resident sees it)
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
    Column("status", String(16), nullable=False, index=True),  # submitted, approved, rejected, live, withdrawn
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
    Column("reason", Text),  # why it was rejected or withdrawn, or why its approval did not go live
    Column("entry_id", String(100)),  # the FAQ id written to the corpus on approval
    Column("job_id", String(32)),  # the reload that approval started
    Column("generation", String(40)),  # the generation that first served it
    # the operator confirmed that the entry may become the first source of a canary question
    Column("canary_changes_confirmed", Boolean, nullable=False, server_default=false()),
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
    Column("broadcast_at", DateTime(timezone=True)),  # pushed to every LINE follower (once)
)

switches = Table(  # every change of an off switch, kept for good: the trail of when the AI was paused and why
    "switches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("target", String(16), nullable=False),  # all, web, api, line, generative
    Column("on", Boolean, nullable=False),
    Column("reason", Text, nullable=False),  # published on the transparency page
    Column("changed_by", String(100), nullable=False),  # masked
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
    Column("wrong", Boolean, nullable=False, server_default=false()),  # "this answer is wrong": a case was opened
    Index("feedback_answer_source", "answer_id", "source", unique=True),  # one feedback per answer and source
    Index("feedback_created_at", "created_at"),
)

learned = Table(  # one teaching of a learned phrasing (service/store/learned.py)
    "learned",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("phrasing_id", String(32), nullable=False, index=True),  # digest of the entry and the phrasing
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("entry_id", String(300), nullable=False),
    Column("phrasing", Text, nullable=False),  # the resident's question, masked, holding no personal data
    Column("entry_digest", String(16), nullable=False),  # the entry as it was taught ("": not yet served)
    Column("taught_by", String(16), nullable=False),  # pick, staff, operator
    Column("teacher", String(100)),  # the staff member or operator; none for a pick
    Column("conversation", String(32), index=True),  # a digest of the conversation's key, for a pick
    Column("status", String(16), nullable=False),  # active, void (the conversation ended with a person), removed
    Column("removed_by", String(100)),
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


case_messages = Table(  # the conversation of a case between staff and the resident (service/store/threads.py)
    "case_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(32), nullable=False, index=True),
    Column("conversation_id", String(64), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("author", String(16), nullable=False),  # resident, staff, closing
    Column("staff", String(100)),  # who wrote it (audited; never shown to the resident)
    Column("department", Text, nullable=False),  # who is answering, as the resident sees it
    Column("text", Text, nullable=False),  # masked
    Column("cited", Text),  # JSON citation of a corpus entry staff attached
)

line_events = Table(  # LINE webhook events, kept from before the 200 until answered (service/store/line_events.py)
    "line_events",
    metadata,
    Column("id", String(64), primary_key=True),  # LINE's webhookEventId: a redelivery is the same row
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False),  # when the resident sent it (LINE's timestamp)
    Column("kind", String(32), nullable=False),  # message, follow, unfollow, postback, unsend, ...
    Column("user_key", String(64), nullable=False, index=True),  # a digest of the LINE user id
    Column("message_id", String(64), index=True),  # for an unsend
    Column("status", String(16), nullable=False, index=True),  # pending, working, done, standby, removed
    Column("payload", Text),  # the event as LINE sent it, only until it is answered
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("claimed_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("delivery", String(16)),  # reply, push, none
    Column("answer_id", String(32)),  # the audit record of the answer
)


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
