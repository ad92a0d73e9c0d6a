"""One question, step by step. Every exit is a named outcome; every step is timed under its own name."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from service.assess import assess
from service.cases import NewCase
from service.compose import cite, compose
from service.context import Context
from service.contextualize import contextualize
from service.outcomes import CONTACT_LINE, HANDOFF_LOW_CONFIDENCE, HANDOFF_MESSAGES, REFERENCE_LINE, Outcome
from service.retrieve import retrieve
from service.screen import screen
from service.store import AuditRecord

logger = logging.getLogger(__name__)

Step = Callable[[Context], Outcome | None]
STEPS: list[Step] = [screen, contextualize, retrieve, assess, compose]


def answer(ctx: Context) -> Outcome:
    """Run the steps until one returns an outcome; then complete the handoff, audit and log."""
    outcome: Outcome | None = None
    for step in STEPS:
        started = time.perf_counter()
        outcome = step(ctx)
        ctx.timings_ms[step.__name__] = round((time.perf_counter() - started) * 1000, 2)
        if outcome is not None:
            break
    assert outcome is not None, "compose always returns an outcome"
    if outcome.handoff_reason:
        _complete_handoff(ctx, outcome)
    started = time.perf_counter()
    _respond(ctx, outcome)
    ctx.timings_ms["respond"] = round((time.perf_counter() - started) * 1000, 2)
    return outcome


def _complete_handoff(ctx: Context, outcome: Outcome) -> None:
    """Say what happens next, who takes over, and give staff the best passages found."""
    suggestions = ctx.candidates[: ctx.services.settings.suggestions]
    outcome.suggestions = [cite(candidate, ctx.query) for candidate in suggestions]
    if not outcome.department:
        # Out of scope, the passages found are unrelated: their department would be a wrong door. Send the
        # resident to general enquiries; when merely unsure, to the department of the likeliest passage.
        likely = suggestions if outcome.outcome == HANDOFF_LOW_CONFIDENCE else []
        owner = next((c.chunk for c in likely if c.chunk.department and c.chunk.lang == ctx.lang), None)
        if owner:
            outcome.department, outcome.contact = owner.department, owner.contact
        else:
            outcome.department, outcome.contact = _general_contact(ctx)
    if not outcome.answer:
        message = HANDOFF_MESSAGES[outcome.outcome][ctx.lang]
        contact = CONTACT_LINE[ctx.lang].format(department=outcome.department, contact=outcome.contact)
        outcome.answer = f"{message}\n{contact}" if outcome.department else message


def _general_contact(ctx: Context) -> tuple[str, str]:
    general = ctx.services.index.manifest.get("departments", {}).get("general", {})
    names = general.get(ctx.lang, {}) if isinstance(general, dict) else {}
    if not names:
        return ("市役所" if ctx.lang == "ja" else "City Hall"), ""
    hours = names.get("hours", "")
    phone = str(general.get("phone", ""))
    return names.get("name", ""), f"{phone} ({hours})" if hours else phone


def _respond(ctx: Context, outcome: Outcome) -> None:
    """One audit record (masked question) and one log line (no question text) per answer."""
    services = ctx.services
    cited = [c.id for c in outcome.citations]
    top = ctx.candidates[0].chunk.id if ctx.candidates else None
    services.store.record(
        AuditRecord(
            conversation_id=ctx.conversation_id,
            lang=ctx.lang,
            question=ctx.question,
            outcome=outcome.outcome,
            confidence=round(ctx.confidence, 4),
            cited=cited,
            generation=services.index.generation,
            personal_data=ctx.personal_data,
            answer_id=ctx.answer_id,
            composer=ctx.extra.get("composer", "extractive"),
            model=ctx.extra.get("model"),
            prompt_version=ctx.extra.get("prompt_version"),
            fallback=ctx.extra.get("fallback"),
        ),
        chunk_id=cited[0] if cited else top,
    )
    if outcome.handoff_reason:
        outcome.case_id, outcome.reference = services.cases.open(
            NewCase(
                reason=outcome.handoff_reason,
                lang=ctx.lang,
                conversation_id=ctx.conversation_id,
                answer_id=ctx.answer_id,
                question=ctx.question,
                transcript=[turn.question for turn in ctx.history] + [ctx.question],
                suggestions=[s.model_dump() for s in outcome.suggestions],
                department=" ".join(part for part in (outcome.department, outcome.contact) if part),
            )
        )
        outcome.answer += "\n" + REFERENCE_LINE[ctx.lang].format(reference=outcome.reference)
    logger.info(
        "answer %s",
        json.dumps(
            {
                "outcome": outcome.outcome,
                "lang": ctx.lang,
                "confidence": round(ctx.confidence, 3),
                "cited": cited,
                "generation": services.index.generation,
                "personal_data": ctx.personal_data,
                "follow_up": bool(ctx.extra.get("follow_up")),
                "timings_ms": ctx.timings_ms,
            },
            ensure_ascii=False,
        ),
    )
