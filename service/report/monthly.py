"""The monthly report: what residents asked, what was answered and from which sources, what residents and staff
thought of it, how the handoff queue kept up, and what the corpus does not answer, grouped into topics.

Every figure comes from the database in one pass over the month's audit rows (the ``created_at`` index finds
them); days and the month are the city's (``MADOGUCHI_TIMEZONE``). The public report (``public``) covers only
months that have ended, keeps only aggregates and hides every figure smaller than ``MADOGUCHI_REPORT_MIN_CELL``
and any figure from which such a one could be worked out: never a question's text."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import case, func, or_, select

from ingest.languages import LANGUAGES
from ingest.text import normalize
from service.answer.context import Services
from service.answer.outcomes import OUTCOMES, UNANSWERED
from service.errors import MadoguchiError
from service.report.disclosure import Sum, hidden_figures
from service.report.office_hours import overdue
from service.report.review import REVIEWED_KINDS
from service.store.schema import as_utc, audit, case_messages, cases, feedback
from service.store.switches import SwitchBoard
from service.store.threads import RESIDENT, STAFF, department_name

CONFIDENCE_BINS = 10
LISTED = 20  # sources, topics and comments a report lists
EXAMPLES = 3  # questions shown for a topic
PUBLIC_KEPT_S = 600.0  # a closed month's public figures are computed at most this often per worker
_published: dict[tuple[str, str, str], tuple[float, dict[str, Any]]] = {}


@dataclass(frozen=True)
class Month:
    name: str  # 2026-11
    start: dt.datetime  # the first instant, in UTC
    end: dt.datetime


def month_of(name: str, zone: dt.tzinfo) -> Month:
    """``2026-11`` as the span of the city's own calendar month."""
    year, number = (int(part) for part in name.split("-"))
    first = dt.datetime(year, number, 1, tzinfo=zone)
    following = dt.datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)
    return Month(name, first.astimezone(dt.UTC), following.astimezone(dt.UTC))


def monthly(services: Services, name: str) -> dict[str, Any]:
    """The staff's report of month ``name`` (``YYYY-MM``)."""
    zone = services.settings.zone
    month = month_of(name, zone)
    documents = _documents_of(services.index)
    cited: Counter[str] = Counter()
    unanswered: Counter[str] = Counter()
    days: dict[str, Counter[str]] = {day: Counter() for day in _days_of(month, zone)}
    first, last = min(days), max(days)
    outcomes: Counter[str] = Counter()
    bins = [0] * CONFIDENCE_BINS
    in_month = (audit.c.created_at >= month.start) & (audit.c.created_at < month.end)
    with services.store.engine.connect() as connection:
        hour, band = _hour(connection, audit.c.created_at), _band(audit.c.confidence)
        per_hour = select(hour, audit.c.lang, func.count()).where(in_month).group_by(hour, audit.c.lang)
        for at, lang, count in connection.execute(per_hour):
            day = dt.datetime.strptime(at, "%Y-%m-%dT%H").replace(tzinfo=dt.UTC).astimezone(zone).date().isoformat()
            days[min(max(day, first), last)][lang] += count  # a zone with half hours: the month's edge hour
        per_band = select(audit.c.outcome, band, func.count()).where(in_month).group_by(audit.c.outcome, band)
        for outcome, bin_, count in connection.execute(per_band):
            outcomes[outcome] += count
            bins[bin_] += count
        handed = audit.c.outcome.in_(UNANSWERED)
        what = case((handed, audit.c.question), else_=audit.c.cited)  # one pass over the month's rows
        for unanswered_question, text, count in connection.execute(
            select(handed, what, func.count())
            .where(in_month, or_(handed, audit.c.cited != "[]"))
            .group_by(handed, what)
        ):
            if unanswered_question:
                unanswered[normalize(text)] += count
            else:
                for doc_id in {_document_of(chunk_id, documents) for chunk_id in json.loads(text)}:
                    cited[doc_id] += count
        ratings = _feedback(connection, month, documents)
        queue = _cases(connection, month)
        _add_overdue(services, connection, month, queue)
    total = sum(outcomes.values())
    listed_documents = {doc_id: meta for doc_id, meta in documents.items() if meta["kind"] in REVIEWED_KINDS}
    return {
        "month": name,
        "timezone": services.settings.timezone,
        "generation": services.index.generation,
        "model": services.index.embedding_model,
        "questions": total,
        "days": [
            {"day": day, "ja": counts["ja"], "en": counts["en"], "other": counts.total() - counts["ja"] - counts["en"]}
            for day, counts in days.items()
        ],
        "languages": counted_languages(sum(days.values(), Counter())),
        "outcomes": {outcome: outcomes[outcome] for outcome in OUTCOMES},
        "confidence": [
            {"low": round(i / CONFIDENCE_BINS, 2), "high": round((i + 1) / CONFIDENCE_BINS, 2), "answers": n}
            for i, n in enumerate(bins)
        ],
        "most_cited": [{**_source(doc_id, documents), "citations": n} for doc_id, n in cited.most_common(LISTED)],
        "never_cited": [_source(doc_id, documents) for doc_id in sorted(listed_documents) if doc_id not in cited],
        "feedback": ratings,
        "cases": queue,
        "switches": switch_changes(services, month, public=False),
        "unanswered": {
            "questions": sum(unanswered.values()),
            "topics": topics(services, unanswered),
        },
    }


def public(services: Services, name: str) -> dict[str, Any]:
    """What the city may publish about a closed month: volumes, shares, languages, the categories answered,
    the model and the corpus generation. A figure under ``report_min_cell`` is ``None``, and so is any figure
    from which one could be worked out (service/report/disclosure.py). Only a month that has ended is
    published: polling the current one would tell when each question arrived and how it ended (422
    month_not_closed: there is no public report of it yet)."""
    month = month_of(name, services.settings.zone)
    if month.end > dt.datetime.now(dt.UTC):
        raise MadoguchiError(
            "month_not_closed", f"The public report covers months that have ended; {name} ends {month.end.date()}.", 404
        )
    key = (services.store.engine.url.render_as_string(), name, services.index.generation)
    kept = _published.get(key)
    if kept is not None and time.monotonic() - kept[0] < PUBLIC_KEPT_S:
        return kept[1]
    report = _public(services, name)
    if len(_published) > 64:
        _published.clear()
    _published[key] = (time.monotonic(), report)
    return report


def last_closed_month(zone: dt.tzinfo) -> str:
    first = dt.datetime.now(zone).replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


def _public(services: Services, name: str) -> dict[str, Any]:
    report = monthly_figures(services, name)
    floor = services.settings.report_min_cell
    figures = {"questions": report["questions"]}
    figures |= {f"outcome:{outcome}": n for outcome, n in report["outcomes"].items()}
    figures |= {f"lang:{lang}": n for lang, n in report["languages"].items()}
    answered = dict(report["categories"])
    every_category = {meta.get("category") or "—" for meta in _documents_of(services.index).values()} | {"—"}
    figures |= {f"category:{category}": answered.get(category, 0) for category in every_category | set(answered)}
    figures["staff_replies"] = _staff_replies(services, month_of(name, services.settings.zone))
    sums = [
        Sum("questions", tuple(name for name in figures if name.startswith("outcome:"))),
        Sum("questions", tuple(name for name in figures if name.startswith("lang:"))),
        Sum("outcome:answered", tuple(name for name in figures if name.startswith("category:"))),
    ]
    hidden = hidden_figures(figures, sums, floor)

    def cell(name: str) -> int | None:
        return None if name in hidden else figures[name]

    total = report["questions"]
    return {
        "month": name,
        "questions": cell("questions"),
        "outcomes": {outcome: cell(f"outcome:{outcome}") for outcome in report["outcomes"]},
        "shares": {
            outcome: None if f"outcome:{outcome}" in hidden or not total else round(n / total, 3)
            for outcome, n in report["outcomes"].items()
        },
        "languages": {lang: cell(f"lang:{lang}") for lang in report["languages"]},
        "categories": [
            {"category": category, "answers": n}
            for category, n in report["categories"]
            if f"category:{category}" not in hidden
        ],
        "staff_replies": cell("staff_replies"),
        "switches": switch_changes(services, month_of(name, services.settings.zone), public=True),
        "model": report["model"],
        "generation": report["generation"],
        "corpus_updated": report["corpus_updated"],
        "min_cell": floor,
    }


def switch_changes(services: Services, month: Month, public: bool) -> list[dict[str, Any]]:
    """The off switch changes of the month, oldest first; who made them only in the staff's report."""
    changes = reversed(SwitchBoard(services.store).history(month.start, month.end, limit=1000))
    return [
        {"at": c.at.isoformat(), "target": c.target, "on": c.on, "reason": c.reason}
        | ({} if public else {"by": c.changed_by})
        for c in changes
    ]


def _staff_replies(services: Services, month: Month) -> int:
    """How many replies staff wrote to residents in the month (counted; their text is never shown)."""
    written = (case_messages.c.created_at >= month.start) & (case_messages.c.created_at < month.end)
    query = select(func.count()).where(written, case_messages.c.author == STAFF)
    with services.store.engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def counted_languages(counts: Mapping[str, int]) -> dict[str, int]:
    """Questions per language: Japanese and English always, every other language residents wrote in."""
    return {lang: int(counts.get(lang, 0)) for lang in LANGUAGES if lang in ("ja", "en") or counts.get(lang)}


def monthly_figures(services: Services, name: str) -> dict[str, Any]:
    """The aggregates the public report is made of: counted in the database, no question read."""
    zone = services.settings.zone
    month = month_of(name, zone)
    documents = _documents_of(services.index)
    in_month = (audit.c.created_at >= month.start) & (audit.c.created_at < month.end)
    categories: Counter[str] = Counter()
    with services.store.engine.connect() as connection:
        outcomes: dict[str, int] = dict(
            connection.execute(select(audit.c.outcome, func.count()).where(in_month).group_by(audit.c.outcome)).all()
        )
        languages: dict[str, int] = dict(
            connection.execute(select(audit.c.lang, func.count()).where(in_month).group_by(audit.c.lang)).all()
        )
        answered = select(audit.c.cited, func.count()).where(in_month, audit.c.outcome == "answered")
        for listed, count in connection.execute(answered.group_by(audit.c.cited)):
            first = json.loads(listed)[:1]
            if first:
                categories[documents.get(_document_of(first[0], documents), {}).get("category") or "—"] += count
    updated = max((meta["updated"] for meta in documents.values() if meta["updated"]), default=None)
    return {
        "questions": sum(outcomes.values()),
        "outcomes": {outcome: int(outcomes.get(outcome, 0)) for outcome in OUTCOMES},
        "languages": counted_languages(languages),
        "categories": categories.most_common(),
        "model": services.index.embedding_model,
        "generation": services.index.generation,
        "corpus_updated": updated,
    }


def topics(services: Services, asked: Counter[str]) -> list[dict[str, Any]]:
    """The most asked of ``asked`` (question → times) grouped by meaning, the biggest ``LISTED``: each with its size,
    three example questions and the existing source nearest to it (what to extend, or whose page was missed)."""
    questions = [question for question, _ in asked.most_common(services.settings.report_topic_questions)]
    if not questions:
        return []
    vectors = _vectors(services, questions)
    centred = vectors - _corpus_mean_of(services.index)
    centred /= np.linalg.norm(centred, axis=1, keepdims=True) + 1e-9
    if len(questions) == 1:
        labels = np.zeros(1, dtype=int)
    else:
        from sklearn.cluster import AgglomerativeClustering  # imported by the first report, not at every start

        clustering = AgglomerativeClustering(
            n_clusters=None,
            distance_threshold=services.settings.report_topic_distance,
            metric="cosine",
            linkage="average",
        )
        labels = clustering.fit_predict(centred)
    groups: dict[int, list[int]] = {}
    for position, label in enumerate(labels):
        groups.setdefault(int(label), []).append(position)  # most asked first within a group
    documents = _documents_of(services.index)
    found = []
    ranked = sorted(groups.values(), key=lambda m: (-sum(asked[questions[i]] for i in m), m[0]))
    for members in ranked[:LISTED]:
        centre = vectors[members].mean(axis=0)
        hits = services.index.dense(centre.tolist(), 1)
        nearest = _source(services.index.chunks[hits[0].position].doc_id, documents) if hits else None
        found.append(
            {
                "size": sum(asked[questions[i]] for i in members),
                "examples": [questions[i] for i in members[:EXAMPLES]],
                "nearest": nearest,
            }
        )
    return found


def as_csv(report: dict[str, Any]) -> str:
    """The staff's report as one CSV of sections: ``section,key,value,detail`` (opens in any spreadsheet)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "key", "value", "detail"])
    writer.writerow(["month", report["month"], report["questions"], report["generation"]])
    for day in report["days"]:
        writer.writerow(["day", day["day"], day["ja"] + day["en"], f"ja={day['ja']} en={day['en']}"])
    for outcome, n in report["outcomes"].items():
        writer.writerow(["outcome", outcome, n, ""])
    for band in report["confidence"]:
        writer.writerow(["confidence", f"{band['low']:.1f}-{band['high']:.1f}", band["answers"], ""])
    for source in report["most_cited"]:
        writer.writerow(["most_cited", source["id"], source["citations"], source["title"]])
    for source in report["never_cited"]:
        writer.writerow(["never_cited", source["id"], 0, source["title"]])
    for source in report["feedback"]["sources"]:
        writer.writerow(["feedback", source["id"], source["helpful"], f"not_helpful={source['not_helpful']}"])
    for key, value in report["cases"].items():
        if key != "departments":
            writer.writerow(["cases", key, value, ""])
    for change in report.get("switches", []):
        writer.writerow(
            ["switch", change["target"], "on" if change["on"] else "off", f"{change['at']} {change['reason']}"]
        )
    for row in report["cases"].get("departments", []):
        rated = f"resolved={row['resolved']} not_resolved={row['not_resolved']} overdue={row['overdue']}"
        writer.writerow(["department_cases", row["department"], row["closed"], rated])
    for number, topic in enumerate(report["unanswered"]["topics"], 1):
        nearest = topic["nearest"]["id"] if topic["nearest"] else ""
        writer.writerow(["unanswered_topic", number, topic["size"], " / ".join(topic["examples"]) + f" → {nearest}"])
    return out.getvalue()


def _days_of(month: Month, zone: dt.tzinfo) -> list[str]:
    """Each date of the month in the city's calendar."""
    first, last = month.start.astimezone(zone).date(), month.end.astimezone(zone).date()
    return [(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days)]


def _hour(connection: Any, column: Any) -> Any:
    """The UTC hour of a moment as text (2026-11-03T09), in the database's own dialect: rows are counted per
    hour there and each hour is given to the city's date here (exact in every zone whose offset is whole
    hours, as Japan's is)."""
    if connection.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24')
    return func.strftime("%Y-%m-%dT%H", column)


def _band(column: Any) -> Any:
    """The confidence bin (0..9) in SQL that means the same on every database."""
    below = ((column < (i + 1) / CONFIDENCE_BINS, i) for i in range(CONFIDENCE_BINS - 1))
    return case(*below, else_=CONFIDENCE_BINS - 1)


def _feedback(connection: Any, month: Month, documents: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Helpful / not helpful per source (the answer's first citation), answers reported wrong per source and
    per department, and the month's comments (masked)."""
    joined = (
        select(feedback.c.helpful, feedback.c.wrong, feedback.c.source, feedback.c.comment, audit.c.cited)
        .join(audit, audit.c.answer_id == feedback.c.answer_id)
        .where(feedback.c.created_at >= month.start, feedback.c.created_at < month.end)
        .order_by(feedback.c.created_at.desc())
    )
    votes: dict[str, list[int]] = {}
    reported: Counter[str] = Counter()
    comments: list[dict[str, Any]] = []
    given = Counter[str]()
    for helpful, wrong, source, comment, listed in connection.execute(joined):
        given["helpful" if helpful else "not_helpful"] += 1
        given["wrong"] += int(wrong)
        first = json.loads(listed)[:1]
        doc_id = _document_of(first[0], documents) if first else None
        if doc_id:
            tally = votes.setdefault(doc_id, [0, 0])
            tally[0 if helpful else 1] += 1
            reported[doc_id] += int(wrong)
        if comment and len(comments) < LISTED:
            comments.append({"helpful": bool(helpful), "by": source, "comment": comment, "source": doc_id})
    ranked = sorted(votes.items(), key=lambda item: (-reported[item[0]], -item[1][1], -item[1][0], item[0]))
    departments: Counter[str] = Counter()
    for doc_id, n in reported.items():
        departments[documents.get(doc_id, {}).get("department") or "—"] += n
    return {
        "helpful": given["helpful"],
        "not_helpful": given["not_helpful"],
        "wrong": given["wrong"],
        "sources": [
            {**_source(doc_id, documents), "helpful": up, "not_helpful": down, "wrong": reported[doc_id]}
            for doc_id, (up, down) in ranked[:LISTED]
        ],
        "wrong_by_department": [
            {"department": name, "wrong": n}
            for name, n in sorted(departments.items(), key=lambda i: (-i[1], i[0]))
            if n
        ],
        "comments": comments,
    }


def _cases(connection: Any, month: Month) -> dict[str, Any]:
    """Cases opened, claimed and resolved in the month, and the minutes from opening to claim."""

    def within(column: Any) -> Any:
        return (column >= month.start) & (column < month.end)

    opened = connection.execute(select(func.count()).where(within(cases.c.created_at))).scalar_one()
    resolved = connection.execute(select(func.count()).where(within(cases.c.resolved_at))).scalar_one()
    wait = func.round(_minutes(connection, cases.c.claimed_at) - _minutes(connection, cases.c.created_at))
    waits = sorted(
        (float(minutes), int(n))
        for minutes, n in connection.execute(
            select(wait, func.count()).where(within(cases.c.claimed_at)).group_by(wait)
        )
    )
    claimed = sum(n for _, n in waits)
    written = select(case_messages.c.author, func.count()).where(within(case_messages.c.created_at))
    messages = dict(connection.execute(written.group_by(case_messages.c.author)).all())
    return {
        "opened": int(opened),
        "claimed": claimed,
        "resolved": int(resolved),
        "minutes_to_claim_median": _quantile(waits, claimed, 0.5),
        "minutes_to_claim_p90": _quantile(waits, claimed, 0.9),
        "staff_replies": int(messages.get(STAFF, 0)),
        "resident_messages": int(messages.get(RESIDENT, 0)),
        "departments": _closed_by_department(connection, within(cases.c.resolved_at)),
    }


def _closed_by_department(connection: Any, closed_in_month: Any) -> list[dict[str, Any]]:
    """Per department: cases closed in the month, and how many of their residents said it was resolved or not."""
    rated = select(cases.c.department, cases.c.resident_resolved, func.count()).where(closed_in_month)
    counts: dict[str, dict[str, Any]] = {}
    for door, said, n in connection.execute(rated.group_by(cases.c.department, cases.c.resident_resolved)):
        name = department_name(door) or "—"
        row = counts.setdefault(name, {"department": name, "closed": 0, "resolved": 0, "not_resolved": 0})
        row["closed"] += n
        if said is not None:
            row["resolved" if said else "not_resolved"] += n
    return sorted(counts.values(), key=lambda row: (-row["closed"], row["department"]))


def _add_overdue(services: Services, connection: Any, month: Month, queue: dict[str, Any]) -> None:
    """Cases opened in the month that waited past MADOGUCHI_CASE_OVERDUE_WORKING_DAYS working days of their
    department (until resolved; an open one until now or the month's end), in all and per department."""
    opened = select(cases.c.department, cases.c.created_at, cases.c.resolved_at).where(
        (cases.c.created_at >= month.start) & (cases.c.created_at < month.end)
    )
    now = services.clock()
    late: Counter[str] = Counter()
    for door, created, resolved in connection.execute(opened):
        until = as_utc(resolved) if resolved is not None else min(now, month.end)
        if overdue(services, door, as_utc(created), until):
            late[department_name(door) or "—"] += 1
    queue["overdue"] = sum(late.values())
    rows = {row["department"]: row for row in queue["departments"]}
    for name in late:
        rows.setdefault(name, {"department": name, "closed": 0, "resolved": 0, "not_resolved": 0})
    for row in rows.values():
        row["overdue"] = late[row["department"]]
    queue["departments"] = sorted(rows.values(), key=lambda row: (-row["closed"], -row["overdue"], row["department"]))


def _minutes(connection: Any, column: Any) -> Any:
    """Minutes since an epoch, in the database's own dialect."""
    if connection.dialect.name == "postgresql":
        return func.extract("epoch", column) / 60
    return func.julianday(column) * 1440


def _quantile(counted: list[tuple[float, int]], total: int, share: float) -> float | None:
    """The ``share`` quantile of values given as (value, times), sorted by value."""
    seen = 0
    for value, times in counted:
        seen += times
        if seen >= share * total:
            return value
    return None


@lru_cache(maxsize=4)
def _documents_of(index: Any) -> dict[str, dict[str, str]]:
    """Each document of a generation with its title, department, category, kind and date (first chunk)."""
    found: dict[str, dict[str, str]] = {}
    for chunk in index.chunks:
        found.setdefault(
            chunk.doc_id,
            {
                "title": chunk.title,
                "department": chunk.department,
                "category": chunk.category,
                "kind": chunk.kind,
                "updated": chunk.updated,
            },
        )
    return found


def _document_of(chunk_id: str, documents: dict[str, dict[str, str]]) -> str:
    """A regulation's article ``doc#5`` belongs to ``doc``; an FAQ's chunk id is its document's."""
    return chunk_id if chunk_id in documents else chunk_id.split("#", 1)[0]


def _source(doc_id: str, documents: dict[str, dict[str, str]]) -> dict[str, str]:
    meta = documents.get(doc_id, {})
    return {"id": doc_id, "title": meta.get("title", doc_id), "department": meta.get("department", "")}


@lru_cache(maxsize=4)
def _corpus_mean_of(index: Any) -> np.ndarray:
    """The mean of a generation's stored vectors: subtracted before clustering, because a model like e5 puts
    every text in a narrow cone where all distances look alike. On the 48 topics of the near-miss questions
    (Japanese, query vectors) centring gives a wide plateau (V-measure .92-.94 for distances 0.4 to 0.55);
    uncentred the same quality needs a distance of 0.10-0.12 and falls to .20 at 0.2."""
    vectors = index.stored_vectors()
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    return vectors.mean(axis=0)  # type: ignore[no-any-return]


def _vectors(services: Services, questions: list[str]) -> np.ndarray:
    """The questions' unit vectors: those the answer path kept when it handed them off, the others embedded
    now (and kept, so that the next report need not)."""
    model, store = services.index.embedding_model, services.store
    kept = store.audit.vectors(model, questions)
    for question in questions:
        if question not in kept:
            kept[question] = np.asarray(services.embedder.embed_query(question), dtype=np.float32)
            store.audit.keep_vector(model, question, kept[question].tolist())
    vectors = np.stack([kept[q] for q in questions])
    return vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9)  # type: ignore[no-any-return]
