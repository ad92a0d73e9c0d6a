"""Off switches: operators pause the AI answers for the whole service, for one channel (the chat page, the API,
LINE), or only the generative composer, each time with a reason. While a channel is paused its residents are
told so and how to reach a person, and nothing is answered from the corpus; staff suggestions keep working.

Every change is a row that is never deleted (who, when, why: the reports list them); the state of a switch is
its latest row, so a restart changes nothing. Each worker reads the state from the database at most every
``refresh_s`` seconds (MADOGUCHI_SWITCHES_REFRESH_S), so a change reaches every worker and replica within it."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

from sqlalchemy import func, insert, select

from service.store.database import Store
from service.store.schema import as_utc, switches, utc_now

CHANNELS = ("web", "api", "line")
TARGETS = ("all", *CHANNELS, "generative")


@dataclass(frozen=True)
class Change:
    at: dt.datetime
    target: str
    on: bool
    reason: str
    changed_by: str


class SwitchBoard:
    """The switches of one database, their state remembered for ``refresh_s`` seconds."""

    def __init__(self, store: Store, refresh_s: float = 0.5) -> None:
        self.engine, self.refresh_s = store.engine, refresh_s
        self._lock = threading.Lock()
        self._read_at = -refresh_s
        self._off: frozenset[str] = frozenset()

    def turn(self, target: str, on: bool, reason: str, changed_by: str) -> Change:
        """Switch ``target`` on or off (``reason`` and ``changed_by`` already masked)."""
        change = Change(utc_now(), target, on, reason, changed_by)
        with self.engine.begin() as connection:
            connection.execute(
                insert(switches).values(
                    created_at=change.at, target=target, on=on, reason=reason, changed_by=changed_by
                )
            )
        self._read_at = -self.refresh_s  # this worker follows at once
        return change

    def off(self) -> frozenset[str]:
        """The targets switched off now."""
        with self._lock:
            if time.monotonic() - self._read_at >= self.refresh_s:
                latest = select(switches.c.target, func.max(switches.c.id).label("id")).group_by(switches.c.target)
                latest_rows = latest.subquery()
                query = select(switches.c.target).join(latest_rows, switches.c.id == latest_rows.c.id)
                with self.engine.connect() as connection:
                    self._off = frozenset(
                        target for (target,) in connection.execute(query.where(switches.c.on.is_(False)))
                    )
                self._read_at = time.monotonic()
            return self._off

    def paused(self, channel: str) -> bool:
        """Whether the AI answers of ``channel`` (web, api, line) are paused."""
        off = self.off()
        return "all" in off or channel in off

    def generative_off(self) -> bool:
        return "generative" in self.off()

    def history(
        self, since: dt.datetime | None = None, until: dt.datetime | None = None, limit: int = 200
    ) -> list[Change]:
        """The changes between ``since`` and ``until``, newest first."""
        query = select(switches).order_by(switches.c.id.desc()).limit(limit)
        if since is not None:
            query = query.where(switches.c.created_at >= since)
        if until is not None:
            query = query.where(switches.c.created_at < until)
        with self.engine.connect() as connection:
            return [
                Change(as_utc(row["created_at"]), row["target"], row["on"], row["reason"], row["changed_by"])
                for row in connection.execute(query).mappings()
            ]
