"""The staff's handoff queue and the feedback on answers, over the Store's database.

Every handed-off question opens a case with a short reference the resident can quote on the phone. Staff claim
a case (exactly one claim wins, even when two staff click at once: the claim is a conditional UPDATE),
resolve it, and may propose what they answered as a new FAQ for the operators to review."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from service.errors import ConflictError, MadoguchiError, NotFoundError
from service.store.schema import as_utc, audit, cases, feedback, utc_now

REFERENCE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"  # no look-alikes (0/O, 1/I/L, 2/Z, 5/S, 8/B)


@dataclass(frozen=True)
class NewCase:
    reason: str
    lang: str
    conversation_id: str
    answer_id: str
    question: str  # masked
    transcript: list[str]  # masked, oldest first, this question last
    suggestions: list[dict[str, Any]]
    department: str


@dataclass(frozen=True)
class CaseQuery:
    """Which cases a page of the staff's queue shows; ``after`` is a decoded cursor."""

    status: str = "open"
    reason: str | None = None
    department: str | None = None
    lang: str | None = None
    limit: int = 50
    after: tuple[int, dt.datetime, str] | None = None


def encode_cursor(priority: int, created_at: dt.datetime, case_id: str) -> str:
    raw = json.dumps([priority, created_at.isoformat(), case_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, dt.datetime, str]:
    """The position a cursor names; a cursor that is not one of ours is a 422 ``invalid_cursor``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        priority, created, case_id = json.loads(raw)
        return int(priority), as_utc(dt.datetime.fromisoformat(created)), str(case_id)
    except (ValueError, TypeError, UnicodeDecodeError) as error:
        raise MadoguchiError("invalid_cursor", "This cursor is not one the queue gave out.", 422) from error


class CaseQueue:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def open(self, case: NewCase) -> tuple[str, str]:
        """Open a case; returns its id and reference."""
        case_id, now = uuid.uuid4().hex, utc_now()
        for _ in range(5):  # a reference collision is rare; draw again
            reference = "MD-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
            try:
                with self.engine.begin() as connection:
                    connection.execute(  # values as parameters: the compiled statement is cached
                        insert(cases),
                        dict(
                            id=case_id,
                            reference=reference,
                            created_at=now,
                            updated_at=now,
                            status="open",
                            reason=case.reason,
                            lang=case.lang,
                            conversation_id=case.conversation_id,
                            answer_id=case.answer_id,
                            question=case.question,
                            transcript=json.dumps(case.transcript, ensure_ascii=False),
                            suggestions=json.dumps(case.suggestions, ensure_ascii=False),
                            department=case.department,
                        ),
                    )
                return case_id, reference
            except IntegrityError:
                continue
        raise RuntimeError("could not draw a unique case reference")

    def page(self, query: CaseQuery) -> tuple[list[dict[str, Any]], str | None]:
        """One page of the queue: sensitive cases first, newest first within a priority; and the cursor of the
        next page (None on the last one)."""
        priority = case((cases.c.reason == "sensitive", 0), else_=1)
        statement = select(cases, priority.label("priority")).where(cases.c.status == query.status)
        for column, wanted in ((cases.c.reason, query.reason), (cases.c.lang, query.lang)):
            if wanted:
                statement = statement.where(column == wanted)
        if query.department:
            statement = statement.where(cases.c.department.contains(query.department, autoescape=True))
        if query.after:
            rank, created, case_id = query.after
            statement = statement.where(
                or_(
                    priority > rank,
                    and_(priority == rank, cases.c.created_at < created),
                    and_(priority == rank, cases.c.created_at == created, cases.c.id < case_id),
                )
            )
        statement = statement.order_by(priority, cases.c.created_at.desc(), cases.c.id.desc()).limit(query.limit + 1)
        with self.engine.connect() as connection:
            rows = connection.execute(statement).mappings().all()
        more, rows = len(rows) > query.limit, rows[: query.limit]
        cursor = encode_cursor(rows[-1]["priority"], as_utc(rows[-1]["created_at"]), rows[-1]["id"]) if more else None
        return [_case(row) for row in rows], cursor

    def get(self, case_id: str) -> dict[str, Any]:
        with self.engine.connect() as connection:
            row = connection.execute(select(cases).where(cases.c.id == case_id)).mappings().first()
        if row is None:
            raise NotFoundError("case_not_found", f"There is no case {case_id[:40]!r}.")
        return _case(row)

    def claim(self, case_id: str, staff: str) -> dict[str, Any]:
        with self.engine.begin() as connection:
            claimed = connection.execute(
                update(cases)
                .where(cases.c.id == case_id, cases.c.status == "open")
                .values(status="claimed", claimed_by=staff, updated_at=utc_now(), claimed_at=utc_now())
            ).rowcount
        if not claimed:
            current = self.get(case_id)  # 404 when there is no such case
            raise ConflictError("case_not_open", f"Case {current['reference']} is already {current['status']}.")
        return self.get(case_id)

    def resolve(
        self, case_id: str, resolution: str, answer_used: str | None, proposal: tuple[str, str] | None
    ) -> dict[str, Any]:
        values: dict[str, Any] = {
            "status": "resolved",
            "resolution": resolution,
            "answer_used": answer_used,
            "updated_at": utc_now(),
            "resolved_at": utc_now(),
        }
        if proposal:
            values["proposed_question"], values["proposed_answer"] = proposal
        with self.engine.begin() as connection:
            done = connection.execute(
                update(cases).where(cases.c.id == case_id, cases.c.status != "resolved").values(**values)
            ).rowcount
        if not done:
            current = self.get(case_id)
            raise ConflictError("case_not_open", f"Case {current['reference']} is already resolved.")
        return self.get(case_id)

    def proposals(self) -> list[dict[str, Any]]:
        """Resolved cases whose answer staff proposed as an FAQ, in the corpus's FAQ format."""
        query = select(cases).where(cases.c.proposed_question.is_not(None)).order_by(cases.c.updated_at)
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [
            {
                "id": f"{row['lang']}-proposed-{row['reference'].removeprefix('MD-').lower()}",
                "lang": row["lang"],
                "question": row["proposed_question"],
                "answer": row["proposed_answer"],
                "category": "Proposed by staff" if row["lang"] == "en" else "職員からの提案",
                "updated": as_utc(row["updated_at"]).date().isoformat(),
                "source_case": row["reference"],
            }
            for row in rows
        ]

    def add_feedback(
        self, answer_id: str, helpful: bool, comment: str | None, source: str, wrong: bool = False
    ) -> Answered:
        """Keep one feedback per answer and source; what the answer's audit record says of it, for a report
        that it is wrong."""
        answered = select(audit.c.conversation_id, audit.c.lang, audit.c.question, audit.c.cited)
        with self.engine.begin() as connection:
            known = connection.execute(answered.where(audit.c.answer_id == answer_id)).mappings().first()
            if known is None:
                raise NotFoundError("answer_not_found", f"There is no answer {answer_id[:40]!r}.")
            if wrong and not json.loads(known["cited"]):  # asked back or handed off: nothing to be wrong
                raise ConflictError("nothing_answered", "Only an answer with sources can be reported wrong.")
            given = select(feedback.c.id).where(feedback.c.answer_id == answer_id, feedback.c.source == source)
            if connection.execute(given).first() is None:
                with contextlib.suppress(IntegrityError):  # given at the same moment by another request
                    connection.execute(
                        insert(feedback).values(
                            created_at=utc_now(),
                            answer_id=answer_id,
                            helpful=helpful,
                            comment=comment,
                            source=source,
                            wrong=wrong,
                        )
                    )
                    return Answered(
                        known["conversation_id"], known["lang"], known["question"], json.loads(known["cited"])
                    )
        raise ConflictError("feedback_exists", "Feedback on this answer has already been given. Thank you.")


@dataclass(frozen=True)
class Answered:
    """An answer as its audit record keeps it: the conversation, the language, the masked question, the ids of
    the chunks it cited."""

    conversation_id: str
    lang: str
    question: str
    cited: list[str]


def _case(row: Any) -> dict[str, Any]:
    return {
        **row,
        "created_at": as_utc(row["created_at"]).isoformat(),
        "updated_at": as_utc(row["updated_at"]).isoformat(),
        "transcript": json.loads(row["transcript"]),
        "suggestions": json.loads(row["suggestions"]),
    }
