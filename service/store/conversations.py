"""Conversations: the turns kept for follow-up questions (masked), for the retention period, then purged."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from service.store.schema import turns, utc_now


@dataclass
class Turn:
    """One earlier question of a conversation, as stored (masked), for follow-ups."""

    question: str  # masked
    lang: str
    chunk_id: str | None
    outcome: str | None = None  # how the turn ended; "clarify": the resident was offered ``choices``
    choices: list[str] = field(default_factory=list)  # the entries offered, best first


class Conversations:
    def __init__(self, engine: Engine, retention: dt.timedelta) -> None:
        self.engine, self.retention = engine, retention

    def history(self, conversation_id: str, limit: int) -> list[Turn]:
        """The conversation's latest turns within the retention period, oldest first."""
        if not self.retention:
            return []
        since = utc_now() - self.retention
        query = (
            select(turns.c.question, turns.c.lang, turns.c.chunk_id, turns.c.outcome, turns.c.choices)
            .where(turns.c.conversation_id == conversation_id, turns.c.created_at >= since)
            .order_by(turns.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [
            Turn(r.question, r.lang, r.chunk_id, r.outcome, json.loads(r.choices) if r.choices else [])
            for r in reversed(rows)
        ]

    def exists(self, conversation_id: str) -> bool:
        """Whether a conversation has turns still within the retention period."""
        if not self.retention:
            return False
        query = select(turns.c.id).where(
            turns.c.conversation_id == conversation_id, turns.c.created_at >= utc_now() - self.retention
        )
        with self.engine.connect() as connection:
            return connection.execute(query.limit(1)).first() is not None

    def forget(self, conversation_id: str) -> int:
        """Every turn of a conversation (a LINE user who blocked the account): how many went."""
        with self.engine.begin() as connection:
            return connection.execute(delete(turns).where(turns.c.conversation_id == conversation_id)).rowcount
