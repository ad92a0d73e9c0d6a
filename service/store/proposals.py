"""From a question the corpus could not answer to a published FAQ, the same day.

Staff draft an entry (from a topic of the monthly report or a resolved case) and submit it; an operator
approves it, perhaps edited, or rejects it with a reason. Approval writes the entry to a file of its own under
the corpus (``approved/<id>.jsonl``, the corpus's FAQ format, with who proposed and approved it and when) and
starts a reload; that reload checks the resident's own question first among its canaries, and the proposal is
``live`` with the generation that first served it. A reload that fails undoes the approvals that started it
(their files removed, the proposals ``submitted`` again with the reason), so an entry can never break every
later reload; an operator may withdraw an approved entry (its file removed, a reload started). Every step
stays in the table: nothing is deleted."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from service.errors import ConflictError, MadoguchiError, NotFoundError
from service.store.schema import as_utc, proposals, utc_now

APPROVED_DIR = "approved"  # under the corpus directory


@dataclass(frozen=True)
class Draft:
    lang: str
    question: str
    answer: str
    department: str
    category: str
    url: str | None
    asked: str  # the resident's question (masked) the entry answers
    origin: str | None  # a case reference, or "topic"


@dataclass(frozen=True)
class Check:
    """A proposal's own question, which must find its entry before the generation holding it goes live."""

    question: str
    expected: str
    may_change_canaries: bool  # the operator confirmed that the entry may become a canary's first source


class ProposalBox:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def submit(self, draft: Draft, proposed_by: str) -> dict[str, Any]:
        proposal_id, now = uuid.uuid4().hex, utc_now()
        with self.engine.begin() as connection:
            connection.execute(
                insert(proposals).values(
                    id=proposal_id,
                    created_at=now,
                    updated_at=now,
                    status="submitted",
                    proposed_by=proposed_by,
                    **vars(draft),
                )
            )
        return self.get(proposal_id)

    def listed(self, status: str | None, limit: int) -> list[dict[str, Any]]:
        """Newest first; ``status`` one of submitted, approved, rejected, live (None: all)."""
        query = select(proposals).order_by(proposals.c.created_at.desc(), proposals.c.id).limit(limit)
        if status:
            query = query.where(proposals.c.status == status)
        with self.engine.connect() as connection:
            return [_described(row) for row in connection.execute(query).mappings()]

    def get(self, proposal_id: str) -> dict[str, Any]:
        with self.engine.connect() as connection:
            row = connection.execute(select(proposals).where(proposals.c.id == proposal_id)).mappings().first()
        if row is None:
            raise NotFoundError("proposal_not_found", f"There is no proposal {proposal_id[:40]!r}.")
        return _described(row)

    def approve(self, proposal_id: str, reviewer: str, edits: dict[str, Any], corpus_dir: Path) -> dict[str, Any]:
        """Approve a submitted proposal (with the operator's edits of question, answer, department or category,
        and ``canary_changes_confirmed``) and write its entry under the corpus. 409 proposal_not_submitted when
        it was already decided."""
        current = self.get(proposal_id)
        if current["status"] != "submitted":
            raise ConflictError("proposal_not_submitted", f"This proposal is already {current['status']}.")
        entry_id = f"{current['lang']}-approved-{proposal_id[:10]}"
        now = utc_now()
        values = {
            **edits,
            "entry_id": entry_id,
            "reviewed_by": reviewer,
            "reviewed_at": now,
            "updated_at": now,
            "reason": None,
        }
        with self.engine.begin() as connection:
            decided = connection.execute(
                update(proposals)
                .where(proposals.c.id == proposal_id, proposals.c.status == "submitted")
                .values(status="approved", **values)
            ).rowcount
        if not decided:
            raise ConflictError("proposal_not_submitted", "This proposal was decided a moment ago by someone else.")
        approved = self.get(proposal_id)
        try:
            write_entry(approved, corpus_dir)
        except OSError as error:  # undo the decision: nothing is approved that is not in the corpus
            with self.engine.begin() as connection:
                connection.execute(
                    update(proposals)
                    .where(proposals.c.id == proposal_id)
                    .values(status="submitted", entry_id=None, reviewed_by=None, reviewed_at=None)
                )
            message = f"The corpus directory cannot be written ({error.strerror}); the proposal is still submitted."
            raise MadoguchiError("corpus_not_writable", message, 503) from error
        return approved

    def reject(self, proposal_id: str, reviewer: str, reason: str) -> dict[str, Any]:
        now = utc_now()
        with self.engine.begin() as connection:
            decided = connection.execute(
                update(proposals)
                .where(proposals.c.id == proposal_id, proposals.c.status == "submitted")
                .values(status="rejected", reviewed_by=reviewer, reviewed_at=now, reason=reason, updated_at=now)
            ).rowcount
        if not decided:
            current = self.get(proposal_id)  # 404 when there is no such proposal
            raise ConflictError("proposal_not_submitted", f"This proposal is already {current['status']}.")
        return self.get(proposal_id)

    def started(self, proposal_id: str, job_id: str | None) -> dict[str, Any]:
        with self.engine.begin() as connection:
            connection.execute(update(proposals).where(proposals.c.id == proposal_id).values(job_id=job_id))
        return self.get(proposal_id)

    def checks(self, job_id: str) -> list[Check]:
        """The own questions of the proposals whose approval started reload ``job_id``: its first canaries."""
        query = select(proposals.c.asked, proposals.c.entry_id, proposals.c.canary_changes_confirmed).where(
            proposals.c.status == "approved", proposals.c.job_id == job_id
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(proposals.c.id))
            return [Check(asked, entry_id, bool(confirmed)) for asked, entry_id, confirmed in rows]

    def failed(self, job_id: str, reason: str, corpus_dir: Path) -> None:
        """Reload ``job_id`` failed: the approvals that started it are undone (their entries removed from the
        corpus, the proposals submitted again with ``reason``), so that the next reload is not refused too."""
        query = select(proposals.c.id, proposals.c.entry_id).where(
            proposals.c.status == "approved", proposals.c.job_id == job_id
        )
        with self.engine.begin() as connection:
            undone = connection.execute(query).all()
            for proposal_id, entry_id in undone:
                remove_entry(entry_id, corpus_dir)
                connection.execute(
                    update(proposals)
                    .where(proposals.c.id == proposal_id)
                    .values(
                        status="submitted",
                        entry_id=None,
                        job_id=None,
                        reviewed_by=None,
                        reviewed_at=None,
                        canary_changes_confirmed=False,
                        reason=f"Its approval did not go live: {reason}",
                        updated_at=utc_now(),
                    )
                )

    def withdraw(self, proposal_id: str, reviewer: str, reason: str, corpus_dir: Path) -> dict[str, Any]:
        """An approved or live entry taken out of the corpus (409 proposal_not_approved otherwise); the caller
        starts the reload that stops serving it."""
        current = self.get(proposal_id)
        if current["status"] not in ("approved", "live"):
            raise ConflictError("proposal_not_approved", f"This proposal is {current['status']}: nothing to withdraw.")
        remove_entry(current["entry_id"], corpus_dir)
        now = utc_now()
        with self.engine.begin() as connection:
            connection.execute(
                update(proposals)
                .where(proposals.c.id == proposal_id)
                .values(status="withdrawn", reviewed_by=reviewer, reason=reason, updated_at=now, job_id=None)
            )
        return self.get(proposal_id)

    def went_live(self, entry_ids: set[str], generation: str) -> None:
        """``generation`` is served now (``entry_ids``: its documents): the approved proposals whose entries it
        holds are live, and a live one whose entry it does not hold (a rollback, a build without it) is only
        approved again: a proposal is never shown as live while no served generation holds its entry."""
        with self.engine.begin() as connection:
            if entry_ids:
                connection.execute(
                    update(proposals)
                    .where(proposals.c.status == "approved", proposals.c.entry_id.in_(sorted(entry_ids)))
                    .values(status="live", generation=generation, updated_at=utc_now())
                )
            connection.execute(
                update(proposals)
                .where(proposals.c.status == "live", proposals.c.entry_id.not_in(sorted(entry_ids) or [""]))
                .values(status="approved", generation=None, updated_at=utc_now())
            )

    def materialize(self, corpus_dir: Path) -> None:
        """Every approved entry the database holds, written under ``corpus_dir`` (and none it does not): what a
        build reads, whichever machine runs it. The database is where an approval lives; the files in
        ``approved/`` are its copy on this machine (issue 32)."""
        query = select(proposals).where(proposals.c.status.in_(("approved", "live")))
        with self.engine.connect() as connection:
            kept = [_described(row) for row in connection.execute(query).mappings()]
        wanted = {f"{proposal['entry_id']}.jsonl" for proposal in kept}
        folder = corpus_dir / APPROVED_DIR
        for stale in folder.glob("*.jsonl") if folder.exists() else []:
            if stale.name not in wanted:
                stale.unlink()
        for proposal in kept:
            write_entry(proposal, corpus_dir)


def write_entry(proposal: dict[str, Any], corpus_dir: Path) -> Path:
    """The approved entry as one line of the corpus's FAQ format, in a file of its own, written whole or not
    at all (a temporary file renamed into place)."""
    entry = {
        "id": proposal["entry_id"],
        "lang": proposal["lang"],
        "question": proposal["question"],
        "answer": proposal["answer"],
        "department": proposal["department"],
        "category": proposal["category"],
        "url": proposal["url"] or "",
        "updated": dt.date.fromisoformat(proposal["reviewed_at"][:10]).isoformat(),
        "proposed_by": proposal["proposed_by"],
        "approved_by": proposal["reviewed_by"],
        "approved_at": proposal["reviewed_at"],
        "proposal": proposal["id"],
    }
    folder = corpus_dir / APPROVED_DIR
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{proposal['entry_id']}.jsonl"
    handle, scratch = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(json.dumps(entry, ensure_ascii=False) + "\n")
    os.chmod(scratch, corpus_dir.stat().st_mode & 0o666)  # as the corpus's own files: readable by its readers
    os.replace(scratch, target)
    return target


def remove_entry(entry_id: str | None, corpus_dir: Path) -> None:
    """An approved entry's file taken out of the corpus (nothing when it is already gone)."""
    if entry_id:
        (corpus_dir / APPROVED_DIR / f"{entry_id}.jsonl").unlink(missing_ok=True)


def _described(row: Any) -> dict[str, Any]:
    moments = ("created_at", "updated_at", "reviewed_at")
    return {**row, **{key: as_utc(row[key]).isoformat() if row[key] else None for key in moments}}
