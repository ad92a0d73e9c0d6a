"""What in the corpus needs a person's look: entries whose ``updated`` date is older than a setting, entries
no answer cited in the last days, and entries residents and staff rated worst (their first citation judged by
the feedback on the answer); and for やさしい日本語, the Japanese FAQs whose easy text breaks a rule the checker
reads (service/report/easy_japanese.py) and those without one. Each with its department, so that it reaches the
people who own it."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from service.answer.context import Services
from service.report.easy_japanese import problems as easy_problems
from service.store.schema import audit, feedback, utc_now

REVIEWED_KINDS = ("faq", "regulation")  # a table's rows are the city's dataset, refreshed as a whole


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    department: str
    updated: str
    cited: int = 0
    helpful: int = 0
    not_helpful: int = 0
    wrong: int = 0  # answers reported wrong whose first source it was
    easy_problems: tuple[str, ...] = ()  # what the easy-Japanese checker found in its easy text


def review(services: Services, older_than_days: int, window_days: int, limit: int) -> dict[str, list[Entry]]:
    """``outdated`` (oldest first), ``uncited`` in the last ``window_days`` and ``poorly_rated`` there (those
    reported wrong first, then most "not helpful"), ``easy_text_to_check`` (Japanese FAQs whose easy text breaks a
    rule, most findings first) and ``without_easy_text``, at most ``limit`` each."""
    now = utc_now()
    since = now - dt.timedelta(days=window_days)
    cited, ratings = _usage(services, since)
    entries: dict[str, Entry] = {}
    for chunk in services.index.chunks:
        if chunk.kind in REVIEWED_KINDS and chunk.doc_id not in entries:
            helpful, unhelpful, wrong = ratings.get(chunk.doc_id, (0, 0, 0))
            entries[chunk.doc_id] = Entry(
                chunk.doc_id,
                chunk.title,
                chunk.department,
                chunk.updated,
                cited[chunk.doc_id],
                helpful,
                unhelpful,
                wrong,
                tuple(easy_problems(chunk.easy)) if chunk.easy else (),
            )
    cutoff = (now - dt.timedelta(days=older_than_days)).date().isoformat()
    outdated = sorted((e for e in entries.values() if e.updated and e.updated[:10] < cutoff), key=lambda e: e.updated)
    uncited = sorted((e for e in entries.values() if e.cited == 0), key=lambda e: (e.department, e.id))
    poorly = sorted(
        (e for e in entries.values() if e.wrong or e.not_helpful > e.helpful),
        key=lambda e: (-e.wrong, -e.not_helpful, e.helpful, e.id),
    )
    japanese_faqs = {c.doc_id: c for c in services.index.chunks if c.kind == "faq" and c.lang == "ja"}
    to_check = sorted(
        (entries[doc] for doc in japanese_faqs if entries[doc].easy_problems),
        key=lambda e: (-len(e.easy_problems), e.id),
    )
    without = sorted(
        (entries[doc] for doc, c in japanese_faqs.items() if not c.easy), key=lambda e: (e.department, e.id)
    )
    return {
        "outdated": outdated[:limit],
        "uncited": uncited[:limit],
        "poorly_rated": poorly[:limit],
        "easy_text_to_check": to_check[:limit],
        "without_easy_text": without[:limit],
    }


def _usage(services: Services, since: dt.datetime) -> tuple[Counter[str], dict[str, tuple[int, int, int]]]:
    """How often each document was cited since ``since``, and (helpful, not helpful, reported wrong) of the
    answers whose first citation it was."""
    documents = {chunk.id: chunk.doc_id for chunk in services.index.chunks}
    cited: Counter[str] = Counter()
    first: dict[str, str] = {}
    with services.store.engine.connect() as connection:
        for answer_id, listed in connection.execute(
            select(audit.c.answer_id, audit.c.cited).where(audit.c.created_at >= since)
        ):
            ids = [documents.get(chunk_id, chunk_id) for chunk_id in json.loads(listed)]
            cited.update(set(ids))
            if ids and answer_id:
                first[answer_id] = ids[0]
        votes = connection.execute(
            select(feedback.c.answer_id, feedback.c.helpful, feedback.c.wrong).where(feedback.c.created_at >= since)
        ).all()
    ratings: dict[str, tuple[int, int, int]] = {}
    for answer_id, helpful, wrong in votes:
        if answer_id in first:
            good, bad, reported = ratings.get(first[answer_id], (0, 0, 0))
            ratings[first[answer_id]] = (good + int(helpful), bad + int(not helpful), reported + int(wrong))
    return cited, ratings
