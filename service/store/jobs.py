"""Reload jobs: one row each, which every worker and the build process share (status, progress, report, why it
failed)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine

from service.store.schema import as_utc, jobs, utc_now


class Jobs:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, job_id: str, source: str) -> None:
        now = utc_now()
        with self.engine.begin() as connection:
            connection.execute(
                insert(jobs).values(
                    id=job_id, created_at=now, updated_at=now, status="queued", source=source, progress=0.0
                )
            )

    def update(
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

    def get(self, job_id: str) -> dict[str, Any] | None:
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

    def counts(self) -> dict[str, int]:
        """Reload jobs by status (queued, running, succeeded, failed)."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(jobs.c.status, func.count()).group_by(jobs.c.status)).all()
        return {str(status): int(count) for status, count in rows}

    def unfinished(self) -> list[str]:
        with self.engine.connect() as connection:
            return list(connection.execute(select(jobs.c.id).where(jobs.c.status.in_(("queued", "running")))).scalars())
