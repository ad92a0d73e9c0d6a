"""Starting points for the chat page: instead of an empty box, the entries residents asked about most this month
(counted from the audit's citations: never a resident's words), each asked about by at least
``report_min_cell`` questions, so that no single resident's question shows."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from typing import Any

from sqlalchemy import func, select

from service.answer.context import Services
from service.answer.outcomes import ANSWERED
from service.store.schema import audit

_kept: dict[tuple[str, str, str], tuple[float, list[dict[str, str]]]] = {}


def starting_points(services: Services, lang: str, limit: int = 4) -> list[dict[str, str]]:
    """Up to ``limit`` entries in ``lang`` (id and title), most answered from this month first."""
    key = (services.store.engine.url.render_as_string(), lang, services.index.generation)
    kept = _kept.get(key)
    if kept is not None and time.monotonic() - kept[0] < services.settings.starting_points_refresh_s:
        return kept[1][:limit]
    found = _most_answered(services, lang)
    if len(_kept) > 64:
        _kept.clear()
    _kept[key] = (time.monotonic(), found)
    return found[:limit]


def _most_answered(services: Services, lang: str) -> list[dict[str, str]]:
    first_of_month = dt.datetime.now(services.settings.zone).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    query = (
        select(audit.c.cited, func.count())
        .where(audit.c.created_at >= first_of_month, audit.c.outcome == ANSWERED, audit.c.lang == lang)
        .group_by(audit.c.cited)
    )
    counted: Counter[str] = Counter()
    with services.store.engine.connect() as connection:
        for cited, count in connection.execute(query):
            first = json.loads(cited)[:1]
            if first:
                counted[str(first[0]).split("#")[0]] += int(count)
    titles: dict[str, Any] = {}
    for chunk in services.index.chunks:
        if chunk.lang == lang and chunk.kind in ("faq", "regulation"):
            titles.setdefault(chunk.doc_id, chunk.title)
    floor = services.settings.report_min_cell
    return [{"id": doc, "title": titles[doc]} for doc, n in counted.most_common() if n >= floor and doc in titles]
