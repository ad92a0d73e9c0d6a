"""The staff's handoff queue and the feedback on answers, over the Store's database.

Every handed-off question opens a case with a short reference the resident can quote on the phone. Staff claim
a case (exactly one claim wins, even when two staff click at once: the claim is a conditional UPDATE),
resolve it, and may propose what they answered as a new FAQ for the operators to review."""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from service.errors import ConflictError, NotFoundError
from service.store import as_utc, audit, cases, feedback, utc_now

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
                    connection.execute(
                        insert(cases).values(
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
                        )
                    )
                return case_id, reference
            except IntegrityError:
                continue
        raise RuntimeError("could not draw a unique case reference")

    def by_status(self, status: str, limit: int = 100) -> list[dict[str, Any]]:
        query = select(cases).where(cases.c.status == status).order_by(cases.c.created_at).limit(limit)
        with self.engine.connect() as connection:
            return [_case(row) for row in connection.execute(query).mappings()]

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
                .values(status="claimed", claimed_by=staff, updated_at=utc_now())
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

    def add_feedback(self, answer_id: str, helpful: bool, comment: str | None, source: str) -> None:
        with self.engine.begin() as connection:
            known = connection.execute(select(audit.c.id).where(audit.c.answer_id == answer_id)).first()
            if known is None:
                raise NotFoundError("answer_not_found", f"There is no answer {answer_id[:40]!r}.")
            connection.execute(
                insert(feedback).values(
                    created_at=utc_now(), answer_id=answer_id, helpful=helpful, comment=comment, source=source
                )
            )


def _case(row: Any) -> dict[str, Any]:
    return {
        **row,
        "created_at": as_utc(row["created_at"]).isoformat(),
        "updated_at": as_utc(row["updated_at"]).isoformat(),
        "transcript": json.loads(row["transcript"]),
        "suggestions": json.loads(row["suggestions"]),
    }
