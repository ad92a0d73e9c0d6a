"""The audit log: one record per answer (masked question, outcome, confidence, sources, composer), kept; with
it the turn a follow-up reads, and the query vectors of questions the corpus could not answer (for the monthly
report's topics)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from service.store.schema import audit, question_key, question_vectors, turns, utc_now

WITHDRAWN = "（送信取消）"  # the question of an answer whose message its sender took back


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


class AuditLog:
    def __init__(self, engine: Engine, turns_kept_for: dt.timedelta) -> None:
        self.engine, self.retention = engine, turns_kept_for

    def record(self, record: AuditRecord, chunk_id: str | None, choices: list[str] | None = None) -> None:
        """One audit record per answer, and the turn for follow-ups (with the entries offered when the
        resident was asked back), in one transaction."""
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
                        outcome=record.outcome,
                        choices=json.dumps(choices) if choices else None,
                        answer_id=record.answer_id,
                    ),
                )

    def withdraw(self, answer_id: str) -> bool:
        """A message its sender took back (LINE's unsend): its turn is forgotten and its audit record keeps the
        outcome (for the counts) without the question. Whether there was such an answer."""
        with self.engine.begin() as connection:
            connection.execute(delete(turns).where(turns.c.answer_id == answer_id))
            done = connection.execute(update(audit).where(audit.c.answer_id == answer_id).values(question=WITHDRAWN))
        return bool(done.rowcount)

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

    def records(self, limit: int = 100) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(audit).order_by(audit.c.id.desc()).limit(limit)).mappings().all()
        return [
            {**row, "cited": json.loads(row["cited"]), "personal_data": json.loads(row["personal_data"])}
            for row in rows
        ]
