"""Who taught which learned phrasing (ingest/learned.py), and which ones count.

A teaching is one row: a resident's pick of an entry from the choices offered (``pick``), a staff member's
resolution of a case that names the entry it answered from (``staff``), or an operator's approval (``operator``:
of an FAQ proposal, or of a phrasing residents' picks proposed). Guards: a phrasing counts only when a person
taught it (a staff member's resolution, an operator's approval); residents' picks alone never publish one (issue
41: one client opened three conversations in ten seconds and taught everyone a wrong entry), they propose it
to the operators once ``learn_after_picks`` distinct conversations picked the same entry for it;
picks of a conversation that then ended with a person (a handoff, "none of these") are void; an operator may
remove a phrasing, and it is never learned again for that entry; the callers teach only phrasings without
personal data (service/answer/privacy.py ``learnable``). Teachings of an earlier version of the entry do not
count for the current one. Nothing is deleted: the console shows who taught what."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from ingest.learned import Phrasing
from ingest.text import normalize
from service.errors import ConflictError, NotFoundError
from service.store.schema import as_utc, learned, utc_now


def phrasing_id(entry_id: str, phrasing: str) -> str:
    """The same words for the same entry are one phrasing, however often they are taught."""
    return hashlib.sha256(f"{entry_id}\0{normalize(phrasing).casefold()}".encode()).hexdigest()[:32]


def _conversation(key: str) -> str:
    """What a pick keeps of its conversation: enough to count distinct ones, nothing that joins the turns."""
    return hashlib.sha256(f"learned\0{key}".encode()).hexdigest()[:32]


class LearnedBox:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def pick(self, entry_id: str, phrasing: str, entry_digest: str, conversation: str) -> None:
        """A resident picked ``entry_id`` for ``phrasing``; one pick per conversation and phrasing."""
        key, who = phrasing_id(entry_id, phrasing), _conversation(conversation)
        with self.engine.begin() as connection:
            known = select(learned.c.id).where(learned.c.phrasing_id == key, learned.c.conversation == who)
            if connection.execute(known).first() is None:
                connection.execute(
                    insert(learned).values(self._row(key, entry_id, phrasing, entry_digest, "pick", None, who))
                )

    def teach(self, entry_id: str, phrasing: str, entry_digest: str, by: str, teacher: str) -> None:
        """A staff member (``by="staff"``) or an operator taught ``phrasing`` for ``entry_id``."""
        key = phrasing_id(entry_id, phrasing)
        with self.engine.begin() as connection:
            connection.execute(
                insert(learned).values(self._row(key, entry_id, phrasing, entry_digest, by, teacher, None))
            )

    @staticmethod
    def _row(
        key: str, entry_id: str, phrasing: str, digest: str, by: str, teacher: str | None, who: str | None
    ) -> dict[str, Any]:
        return {
            "phrasing_id": key,
            "created_at": utc_now(),
            "entry_id": entry_id,
            "phrasing": phrasing,
            "entry_digest": digest,
            "taught_by": by,
            "teacher": teacher,
            "conversation": who,
            "status": "active",
        }

    def void_conversation(self, conversation: str) -> None:
        """The conversation ended with a person: its picks teach nothing."""
        with self.engine.begin() as connection:
            connection.execute(
                update(learned)
                .where(learned.c.conversation == _conversation(conversation), learned.c.status == "active")
                .values(status="void")
            )

    def settle(self, digests: dict[str, str]) -> None:
        """Teachings of entries not yet served when taught (an approved proposal) take the served version."""
        with self.engine.begin() as connection:
            for entry_id, digest in digests.items():
                connection.execute(
                    update(learned)
                    .where(learned.c.entry_id == entry_id, learned.c.entry_digest == "")
                    .values(entry_digest=digest)
                )

    def unsettled(self) -> set[str]:
        """The entries taught before they were served."""
        query = select(learned.c.entry_id).where(learned.c.entry_digest == "").distinct()
        with self.engine.connect() as connection:
            return set(connection.execute(query).scalars())

    def approve(self, key: str, operator: str) -> dict[str, Any]:
        """An operator's word for a phrasing residents' picks proposed (404 unknown, 409 removed)."""
        current = self.get(key)
        if current["status"] == "removed":
            raise ConflictError("phrasing_removed", "This phrasing was removed; it is not learned again.")
        self.teach(current["entry_id"], current["phrasing"], current["entry_digest"], "operator", operator)
        return self.get(key)

    def remove(self, key: str, operator: str) -> dict[str, Any]:
        """Never learned again for that entry; gone from the next generation."""
        self.get(key)
        with self.engine.begin() as connection:
            connection.execute(
                update(learned).where(learned.c.phrasing_id == key).values(status="removed", removed_by=operator)
            )
        return self.get(key)

    def get(self, key: str) -> dict[str, Any]:
        found = [p for p in self.listing() if p["id"] == key]
        if not found:
            raise NotFoundError("phrasing_not_found", f"There is no learned phrasing {key[:40]!r}.")
        return found[0]

    def listing(self, learn_after_picks: int = 3) -> list[dict[str, Any]]:
        """Every phrasing, by entry: its words, the picks and the people who taught it (the current version's),
        and its status: ``learned`` (a person taught it: it counts), ``proposed`` (enough picks: an operator's
        approval makes it count), ``waiting`` (for picks), ``removed``."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(learned).order_by(learned.c.id)).mappings().all()
        teachings: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            teachings[row["phrasing_id"]].append(row)
        listed = []
        for key, taught in teachings.items():
            latest = taught[-1]["entry_digest"] or next(
                (t["entry_digest"] for t in reversed(taught) if t["entry_digest"]), ""
            )
            counted = [t for t in taught if t["status"] == "active" and t["entry_digest"] in (latest, "")]
            picks = len({t["conversation"] for t in counted if t["taught_by"] == "pick"})
            people = [
                {"by": t["taught_by"], "teacher": t["teacher"], "at": as_utc(t["created_at"]).isoformat()}
                for t in counted
                if t["taught_by"] != "pick"
            ]
            removed = next((t for t in taught if t["status"] == "removed"), None)
            status = (
                "removed"
                if removed
                else "learned"
                if people
                else "proposed"
                if picks >= learn_after_picks
                else "waiting"
            )
            listed.append(
                {
                    "id": key,
                    "entry_id": taught[0]["entry_id"],
                    "phrasing": taught[0]["phrasing"],
                    "entry_digest": latest,
                    "status": status,
                    "picks": picks,
                    "taught_by": people,
                    "removed_by": removed["removed_by"] if removed else None,
                    "first_taught": as_utc(taught[0]["created_at"]).isoformat(),
                }
            )
        return sorted(listed, key=lambda p: (p["entry_id"], p["first_taught"]))

    def counted(self, learn_after_picks: int) -> list[Phrasing]:
        """The phrasings a build keeps: those learned, as of their entry's current version."""
        return [
            Phrasing(id=p["id"], entry_id=p["entry_id"], text=p["phrasing"], entry_digest=p["entry_digest"])
            for p in self.listing(learn_after_picks)
            if p["status"] == "learned"
        ]
