"""The monthly report on a year of data: a database filled with generated audit rows (answers citing the sample
corpus's real passages, handoffs asking the near-miss questions in many wordings), feedback and cases, then the
staff's report and the public one of a month in the middle, timed cold (the first report of that month) and
warm. The unanswered questions' vectors are kept as the answer path keeps them when it hands one off."""

from __future__ import annotations

import datetime as dt
import json
import random
import time
import uuid
from typing import Any

from sqlalchemy import func, insert, select

from eval.embedders import load_queries
from eval.harness import NEAR_MISS_QUESTIONS, SAMPLE_QUESTIONS
from service.answer.context import Services
from service.report.monthly import monthly, public
from service.store.database import Store
from service.store.schema import audit, cases, feedback

BATCH = 20_000
WORDINGS = ("", "？", "について教えて", "はどこですか", "の手続き", " please", "を知りたい", "の窓口")


def fill(store: Store, services: Services, rows: int, seed: int = 7) -> None:
    """``rows`` audit rows spread over the twelve months before today; one in twenty rated, each handoff a case."""
    rng = random.Random(seed)
    chunk_ids = [chunk.id for chunk in services.index.chunks if chunk.kind != "record"]
    answered = [q["query"] for q in load_queries(SAMPLE_QUESTIONS) if q.get("relevant")]
    unanswered = [f"{q['query']}{w}" for q in load_queries(NEAR_MISS_QUESTIONS) for w in WORDINGS]
    citations = {q: json.dumps(random.Random(q).sample(chunk_ids, 2)) for q in answered}  # one question, one answer
    end = dt.datetime.now(dt.UTC)
    span = dt.timedelta(days=365).total_seconds()
    with store.engine.begin() as connection:
        done = connection.execute(select(func.count()).select_from(audit)).scalar_one()
    while done < rows:
        audits, votes, opened = [], [], []
        for _ in range(min(BATCH, rows - done)):
            at = end - dt.timedelta(seconds=rng.random() * span)
            answer_id = uuid.uuid4().hex
            handed = rng.random() < 0.25
            outcome = rng.choice(("handoff_out_of_scope", "handoff_low_confidence")) if handed else "answered"
            question = rng.choice(unanswered) if handed else rng.choice(answered)
            audits.append(
                {
                    "created_at": at,
                    "conversation_id": uuid.uuid4().hex,
                    "lang": "en" if question.isascii() else "ja",
                    "question": question,
                    "outcome": outcome,
                    "confidence": rng.random() * (0.5 if handed else 1.0),
                    "cited": "[]" if handed else citations[question],
                    "generation": services.index.generation,
                    "personal_data": "[]",
                    "answer_id": answer_id,
                }
            )
            if rng.random() < 0.05:
                votes.append(
                    {
                        "created_at": at,
                        "answer_id": answer_id,
                        "helpful": rng.random() < 0.7,
                        "comment": None,
                        "source": "resident",
                    }
                )
            if handed:
                opened.append(_case(at, answer_id, question, rng))
        with store.engine.begin() as connection:
            connection.execute(insert(audit), audits)
            if votes:
                connection.execute(insert(feedback), votes)
            connection.execute(insert(cases), opened)
        done += len(audits)
    model = services.index.embedding_model
    kept = store.audit.vectors(model, unanswered)
    for question in unanswered:  # as the answer path keeps them when it hands a question off
        if question not in kept:
            store.audit.keep_vector(model, question, services.embedder.embed_query(question))


def _case(at: dt.datetime, answer_id: str, question: str, rng: random.Random) -> dict[str, Any]:
    claimed = at + dt.timedelta(minutes=rng.expovariate(1 / 30))
    return {
        "id": uuid.uuid4().hex,
        "reference": "MD-" + uuid.uuid4().hex[:12],
        "created_at": at,
        "updated_at": claimed,
        "status": "resolved",
        "reason": "out_of_scope",
        "lang": "ja",
        "conversation_id": "bench",
        "answer_id": answer_id,
        "question": question,
        "transcript": "[]",
        "suggestions": "[]",
        "department": "General enquiries",
        "claimed_at": claimed,
        "resolved_at": claimed + dt.timedelta(minutes=10),
    }


def run(services: Services, rows: int) -> dict[str, Any]:
    """Fill (or top up) the database, then time the report of the month before last, three times each."""
    started = time.perf_counter()
    fill(services.store, services, rows)
    filled_s = time.perf_counter() - started
    today = dt.date.today()
    month = f"{today.year - (today.month <= 2)}-{(today.month - 3) % 12 + 1:02d}"

    def timed(make: Any) -> tuple[float, Any]:
        begun = time.perf_counter()
        made = make(services, month)
        return time.perf_counter() - begun, made

    services.embedder.embed_documents(["warm-up"])  # a running service has its model loaded
    cold, report = timed(monthly)
    warm = min(timed(monthly)[0] for _ in range(3))
    public_s = min(timed(public)[0] for _ in range(3))
    with services.store.engine.connect() as connection:
        total = connection.execute(select(func.count()).select_from(audit)).scalar_one()
    return {
        "database": services.store.engine.url.get_backend_name(),
        "audit_rows": int(total),
        "month": month,
        "month_rows": report["questions"],
        "unanswered_in_month": report["unanswered"]["questions"],
        "topics": len(report["unanswered"]["topics"]),
        "fill_s": round(filled_s, 1),
        "monthly_cold_s": round(cold, 3),
        "monthly_warm_s": round(warm, 3),
        "public_s": round(public_s, 3),
    }
