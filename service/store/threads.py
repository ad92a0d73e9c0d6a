"""A person takes over in the same conversation: the messages of a case between staff and the resident.

A conversation is with the bot until a handoff opens a case; then it is ``waiting`` (the case is open) and
``with_staff`` (claimed) until staff resolve the case (back to the bot). While it is waiting or with staff the
bot does not answer in it: what the resident writes is added to the case (masked). Staff replies, the resident's
messages and the closing message are kept here, masked, for as long as the case (its retention); the name of the
staff member is kept for the audit and never shown to the resident, who sees the department."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from service.store.schema import as_utc, case_messages, cases, utc_now

BOT, WAITING, WITH_STAFF = "bot", "waiting", "with_staff"
_CONTACT = re.compile(r"\s+(?=[+(]?\d[\d\-() ]{5,})")  # where a door's phone number begins
RESIDENT, STAFF, CLOSING = "resident", "staff", "closing"


@dataclass(frozen=True)
class Message:
    id: int
    case_id: str
    created_at: dt.datetime
    author: str  # resident, staff, closing
    department: str
    text: str  # masked
    cited: dict[str, Any] | None = None


@dataclass(frozen=True)
class ActiveCase:
    id: str
    reference: str
    status: str  # open (waiting) or claimed (with staff)
    department: str
    lang: str
    claimed_by: str | None
    line_user: str | None
    conversation_id: str
    typing: bool = False  # staff are writing a reply

    @property
    def state(self) -> str:
        return WITH_STAFF if self.status == "claimed" else WAITING


class Threads:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def active(self, conversation_id: str) -> ActiveCase | None:
        """The case a conversation is handed to, while it is waiting or with staff."""
        query = (
            select(cases)
            .where(cases.c.conversation_id == conversation_id, cases.c.status.in_(("open", "claimed")))
            .order_by(cases.c.created_at.desc())
            .limit(1)
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return _active(row) if row else None

    def case(self, case_id: str) -> ActiveCase | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(cases).where(cases.c.id == case_id)).mappings().first()
        return _active(row) if row else None

    def add(
        self,
        case_id: str,
        conversation_id: str,
        author: str,
        text: str,
        department: str,
        staff: str | None = None,
        cited: dict[str, Any] | None = None,
    ) -> Message:
        """One message of the case (``text`` already masked)."""
        now = utc_now()
        with self.engine.begin() as connection:
            added = connection.execute(
                insert(case_messages).values(
                    case_id=case_id,
                    conversation_id=conversation_id,
                    created_at=now,
                    author=author,
                    staff=staff,
                    department=department,
                    text=text,
                    cited=json.dumps(cited, ensure_ascii=False) if cited else None,
                )
            )
            values: dict[str, Any] = {"updated_at": now}
            if author == STAFF:
                values["staff_typing_until"] = None  # the reply is written
            connection.execute(update(cases).where(cases.c.id == case_id).values(**values))
        key = added.inserted_primary_key
        assert key is not None
        return Message(int(key[0]), case_id, now, author, department, text, cited)

    def after(self, conversation_id: str, after_id: int = 0, limit: int = 100) -> list[Message]:
        """The conversation's messages with staff after ``after_id``, oldest first."""
        query = (
            select(case_messages)
            .where(case_messages.c.conversation_id == conversation_id, case_messages.c.id > after_id)
            .order_by(case_messages.c.id)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            return [_message(row) for row in connection.execute(query).mappings()]

    def of_case(self, case_id: str) -> list[Message]:
        query = select(case_messages).where(case_messages.c.case_id == case_id).order_by(case_messages.c.id)
        with self.engine.connect() as connection:
            return [_message(row) for row in connection.execute(query).mappings()]

    def typing(self, case_id: str, seconds: float) -> None:
        """Staff are writing a reply: the resident sees so for ``seconds`` (0: they stopped)."""
        now = utc_now()
        until = now + dt.timedelta(seconds=seconds) if seconds else None
        with self.engine.begin() as connection:
            connection.execute(
                update(cases).where(cases.c.id == case_id).values(staff_typing_until=until, updated_at=now)
            )

    def changed_since(self, moment: dt.datetime) -> list[tuple[str, dt.datetime]]:
        """Conversations whose case changed after ``moment`` (a message, a claim, typing, the close), with when:
        what a page following its conversation must read again. Every change sets the case's ``updated_at``."""
        query = select(cases.c.conversation_id, cases.c.updated_at).where(cases.c.updated_at > moment)
        with self.engine.connect() as connection:
            return [(row[0], as_utc(row[1])) for row in connection.execute(query)]

    def reach(self, case_id: str, line_user: str | None) -> None:
        """Where staff replies are pushed (a LINE user) while the case is open; None forgets it."""
        with self.engine.begin() as connection:
            connection.execute(update(cases).where(cases.c.id == case_id).values(line_user=line_user))

    def unreach(self, conversation_id: str) -> None:
        """The LINE user of a conversation blocked the account: nothing more is pushed to them."""
        with self.engine.begin() as connection:
            connection.execute(update(cases).where(cases.c.conversation_id == conversation_id).values(line_user=None))

    def rate(self, conversation_id: str, resolved: bool) -> bool:
        """The resident's answer to "was this resolved?" on the conversation's last closed case; False when it
        has none."""
        last = (
            select(cases.c.id)
            .where(cases.c.conversation_id == conversation_id, cases.c.status == "resolved")
            .order_by(cases.c.resolved_at.desc())
            .limit(1)
        )
        with self.engine.begin() as connection:
            case_id = connection.execute(last).scalar()
            if case_id is None:
                return False
            connection.execute(update(cases).where(cases.c.id == case_id).values(resident_resolved=resolved))
        return True


def department_name(door: str) -> str:
    """Who is answering, as the resident sees it: a case's door without its phone number and hours
    ("市民課 0465-00-1101 (平日…)" is 市民課)."""
    return _CONTACT.split(door, maxsplit=1)[0].strip()


def _active(row: Any) -> ActiveCase:
    return ActiveCase(
        row["id"],
        row["reference"],
        row["status"],
        department_name(row["department"]),
        row["lang"],
        row["claimed_by"],
        row["line_user"],
        row["conversation_id"],
        row["staff_typing_until"] is not None and as_utc(row["staff_typing_until"]) > utc_now(),
    )


def _message(row: Any) -> Message:
    return Message(
        id=row["id"],
        case_id=row["case_id"],
        created_at=as_utc(row["created_at"]),
        author=row["author"],
        department=row["department"],
        text=row["text"],
        cited=json.loads(row["cited"]) if row["cited"] else None,
    )
