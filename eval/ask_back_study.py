"""How the band edges of asking back were chosen (service/answer/ask_back.py, ADR 0009): every question of
localgovFAQ dev (as asked, and with its relevant entries removed), our own questions, our near misses and
CLINC150's out-of-scope set goes through the service's own steps up to the lookup; each of its first distinct
entries is weighed as assess weighs it. Then a grid of edges is replayed on those records, 2-fold: the edges
that score best on one half of every set are measured on the other half. The score puts the targets first
(wrong direct answers ≤ 2 %, unanswerable questions answered ≤ 5 %, near misses answered ≤ 5 % and offered
choices ≤ 25 %, CLINC150 answered or offered ≤ 1 %, own questions answered directly ≥ 85 % and right ≥ 97 %, at
most 3 choices on average), then the share of questions shown a right entry and of own questions answered right.
The edges include those of the published-question match (ingest/published.py; issue 42)."""

from __future__ import annotations

import itertools
import random
from dataclasses import asdict
from typing import Any, NamedTuple

from eval.answers import question_context, relevant_docs
from service.answer import ask_back, pipeline
from service.answer.ask_back import Edges, clear_match
from service.answer.assess import features_of, likely_entries
from service.answer.context import Services
from service.answer.lookup import lookup

# Edges(answer, offer, sibling, coverage, most, single, confirm, likeness, margin): a confirmation edge of 1 never
# confirms on confidence alone, a likeness edge over 1 matches only a question asked word for word
GRID = [
    Edges(*edges)
    for edges in itertools.product(
        (0.5, 0.6, 0.7, 0.8, 0.9),
        (0.05, 0.1),
        (0.0, 0.05, 0.1, 0.2, 0.3),
        (0.2, 0.4),
        (3,),
        (0.6,),
        (0.6, 1.0),
        (0.6, 0.7, 0.8, 1.01),
        (0.1, 0.3),
    )
]
Record = dict[str, Any]


def collect(services: Services, questions: list[dict[str, Any]], name: str, ablate: bool = False) -> list[Record]:
    """Per question: whether the screen or the lookup ended it, whether it is out of scope, and its first
    distinct entries with their confidence and topic coverage."""
    records = []
    for question in questions:
        ctx = question_context(services, question, ablate)
        ended = pipeline.run(ctx, until=lookup)
        entries = likely_entries(ctx) if ended is None and ctx.candidates else []
        index = services.index
        exact = index.asked_as_published(ctx.question, ctx.lang)
        alike = [(index.chunks[p].doc_id, likeness) for p, likeness in index.published_alike(ctx.question, 2, ctx.lang)]
        out_of_scope = bool(ctx.candidates) and features_of(ctx)["dense_share"] < services.settings.out_of_scope_share
        records.append(
            {
                "id": question["id"],
                "set": name,
                "answerable": bool(relevant_docs(question)) and not ablate and question.get("kind") != "sensitive",
                "relevant": sorted({doc.split("#")[0] for doc in relevant_docs(question)}) if not ablate else [],
                "ended": ended is not None,
                "out_of_scope": out_of_scope,
                "entries": [(e.candidate.chunk.doc_id, e.confidence, e.coverage) for e in entries],
                "follow_up": ctx.follow_up,
                "exact": index.chunks[exact].doc_id if exact is not None else None,
                "alike": alike,
            }
        )
    return records


class Weighed(NamedTuple):
    """A record's entry as the service's rule reads it."""

    entry: str
    confidence: float
    coverage: float


def decide(record: Record, edges: Edges) -> tuple[str, list[str]]:
    """The service's own rule (service/answer/ask_back.py: ``clear_match``, ``decide``) on a record: (outcome,
    entries shown)."""
    if record["ended"]:
        return "handoff", []
    matched = None if record["follow_up"] else record["exact"] or clear_match(record["alike"], edges)
    if matched:
        return "answer", [matched]
    entries = [Weighed(*entry) for entry in record["entries"]]
    decision = ask_back.decide(entries, [], record["out_of_scope"], edges, may_ask=True)
    if decision.action == "ask":
        return "clarify", [e.entry for e in decision.offered]
    return ("answer", [entries[0].entry]) if decision.action == "answer" else ("handoff", [])


def measure(records: list[Record], edges: Edges) -> dict[str, float]:
    total, counts = len(records) or 1, dict.fromkeys(("answered", "right", "clarified", "shown", "choices"), 0)
    for record in records:
        outcome, shown = decide(record, edges)
        right = set(record["relevant"])
        counts["answered"] += outcome == "answer"
        counts["right"] += outcome == "answer" and shown[0] in right
        counts["clarified"] += outcome == "clarify"
        counts["choices"] += len(shown) if outcome == "clarify" else 0
        counts["shown"] += outcome != "handoff" and bool(right & set(shown))
    return {
        "answered": round(counts["answered"] / total, 3),
        "wrong_direct": round((counts["answered"] - counts["right"]) / total, 3),
        "clarified": round(counts["clarified"] / total, 3),
        "right_shown": round(counts["shown"] / total, 3),
        "mean_choices": round(counts["choices"] / max(counts["clarified"], 1), 2),
        "precision": round(counts["right"] / max(counts["answered"], 1), 3),
    }


def groups(records: list[Record]) -> dict[str, list[Record]]:
    return {
        "localgovfaq": [r for r in records if r["set"] == "localgovfaq"],
        "localgovfaq_ablated": [r for r in records if r["set"] == "localgovfaq_ablated"],
        "own": [r for r in records if r["set"] == "own" and r["answerable"]],
        "near_miss": [r for r in records if r["set"] == "near_miss"],
        "clinc150": [r for r in records if r["set"] == "clinc150"],
    }


def score(m: dict[str, dict[str, float]]) -> float:
    penalty = 10 * max(0, m["localgovfaq"]["wrong_direct"] - 0.02) + 10 * max(
        0, m["localgovfaq_ablated"]["answered"] - 0.05
    )
    penalty += 10 * max(0, m["near_miss"]["answered"] - 0.05) + 10 * max(0, m["near_miss"]["clarified"] - 0.25)
    penalty += 10 * max(0, m["clinc150"]["answered"] + m["clinc150"]["clarified"] - 0.01)
    penalty += 10 * max(0, 0.97 - m["own"]["precision"]) + 10 * max(0, 0.85 - m["own"]["answered"])
    penalty += max(0, m["localgovfaq"]["mean_choices"] - 3)
    gain = m["localgovfaq"]["right_shown"] + 0.5 * m["own"]["right_shown"]
    return gain + 0.5 * (m["own"]["answered"] - m["own"]["wrong_direct"]) - penalty


def cross_validate(records: list[Record], seed: int = 7) -> dict[str, Any]:
    """2-fold by question id within every set: edges chosen on one half, measured on the other."""
    ids = sorted({(r["set"].removesuffix("_ablated"), r["id"]) for r in records})
    random.Random(seed).shuffle(ids)
    half = set(ids[::2])
    folds = []
    for fold in (True, False):
        fit = [r for r in records if ((r["set"].removesuffix("_ablated"), r["id"]) in half) == fold]
        held = [r for r in records if ((r["set"].removesuffix("_ablated"), r["id"]) in half) != fold]
        fitted = groups(fit)
        best = max(GRID, key=lambda edges: score({k: measure(v, edges) for k, v in fitted.items()}))
        folds.append({"edges": asdict(best), "held_out": {k: measure(v, best) for k, v in groups(held).items()}})
    return {"folds": folds}
