"""The corpus's adapter (ingest/adapter.py) measured on residents' real questions: the service's own ranking of
entries with and without it, and what the build's check said of it."""

from __future__ import annotations

from dataclasses import replace
from statistics import mean
from typing import Any

from eval.answers import question_context, relevant_docs
from service.answer import pipeline
from service.answer.context import Services
from service.answer.query_cache import Recent
from service.answer.retrieve import retrieve


def ranked_entries(services: Services, question: dict[str, Any]) -> list[str]:
    """The entries the service's retrieval ranks for one question, best first, each once."""
    ctx = question_context(services, question)
    pipeline.run(ctx, until=retrieve)
    return list(dict.fromkeys(candidate.chunk.doc_id for candidate in ctx.candidates))


def ranking(services: Services, questions: list[dict[str, Any]]) -> dict[str, float]:
    """P@1 (the first entry is right), a right entry in the first three and five, and MRR (to 10)."""
    firsts = []
    for question in questions:
        ranked, relevant = ranked_entries(services, question), relevant_docs(question)
        firsts.append(next((rank for rank, doc in enumerate(ranked[:10], start=1) if doc in relevant), None))
    return {
        "p_at_1": round(mean(rank == 1 for rank in firsts), 3),
        "in_first_3": round(mean(rank is not None and rank <= 3 for rank in firsts), 3),
        "in_first_5": round(mean(rank is not None and rank <= 5 for rank in firsts), 3),
        "mrr": round(mean(1 / rank if rank else 0.0 for rank in firsts), 3),
    }


def run(services: Services, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """The ranking of the questions that have a right entry, without and with the generation's adapter, and the
    build's check (its seconds included)."""
    questions = [question for question in questions if relevant_docs(question) and not question.get("context")]
    without = replace(services, index=services.index.unadapted(), searches=Recent(0))
    return {
        "questions": len(questions),
        "without": ranking(without, questions),
        "with": ranking(replace(services, searches=Recent(0)), questions)
        if services.index.adapter is not None
        else None,
        "check": services.index.manifest.get("adapter", {}),
    }
