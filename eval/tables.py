"""Answers from open-data rows on a real city's tables (Takamatsu, ``$MADOGUCHI_BENCH_DATA/takamatsu`` as published):
items in everyday words and other scripts answered from the right row, items the list does not name handed
off, collection days by district, English questions, and the time each question takes."""

from __future__ import annotations

import time
from statistics import median
from typing import Any

from eval.answers import question_context
from service.answer.context import Services
from service.answer.pipeline import run


def run_questions(services: Services, questions: list[dict[str, Any]]) -> dict[str, Any]:
    by_kind: dict[str, list[bool]] = {}
    misses: list[dict[str, Any]] = []
    times = []
    for question in questions:
        ctx = question_context(services, question)
        started = time.perf_counter()
        outcome = run(ctx)
        times.append((time.perf_counter() - started) * 1000)
        assert outcome is not None
        first = ctx.candidates[0].chunk.fields if ctx.candidates and outcome.citations else {}
        cited = [c.title for c in outcome.citations] or [c.title for c in outcome.choices]
        right = judge(question, outcome.outcome, cited, first)
        by_kind.setdefault(question["kind"], []).append(right)
        if not right:
            misses.append(
                {"id": question["id"], "query": question["query"], "outcome": outcome.outcome, "cited": cited[:3]}
            )
    return {
        "questions": len(questions),
        "right_share": {kind: round(sum(v) / len(v), 3) for kind, v in sorted(by_kind.items())},
        "counts": {kind: len(v) for kind, v in sorted(by_kind.items())},
        "p50_ms": round(median(times), 1),
        "misses": misses,
    }


def judge(question: dict[str, Any], outcome: str, cited: list[str], fields: dict[str, str]) -> bool:
    """Right: an unlisted item (or a question with no expected row) handed off (an evacuation question that
    names no place: asked which district, or handed off); any other answered with a first
    citation among its expected rows (a district question: the row whose district names the place; an
    evacuation question: a site whose district or address names it), or asked which row with an expected one
    among the choices (``cited``: then the choices' titles; an item whose rows differ by a condition)."""
    expected = question["expected_titles"]
    if question["kind"] == "evacuation" and not expected:  # no place named: asked which district, or handed off
        return outcome == "clarify" or outcome.startswith("handoff")
    if question["kind"] == "unlisted" or not expected:
        return outcome.startswith("handoff")
    if outcome == "clarify" and question["kind"] not in ("district", "evacuation"):
        return any(title in expected for title in cited)
    if outcome != "answered" or not cited:
        return False
    if question["kind"] == "district":
        return any(place in cited[0] for place in expected)
    if question["kind"] == "evacuation":
        where = fields.get("district", "") + fields.get("address", "")
        return any(place in where for place in expected)
    return cited[0] in expected
