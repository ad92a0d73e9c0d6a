"""Respond: the one place an answered question leaves a trace. From the finished outcome it opens the case of
a handoff (whose reference the resident is told to quote), writes the audit record (masked question) and one
log line (no question text), and builds the response. Evaluation runs stop before this step."""

from __future__ import annotations

import json
import logging
import time

from service.answer.context import Context
from service.answer.contextualize import is_follow_up
from service.answer.outcomes import AI_NOTICE, ANSWERED, CLARIFY, REFERENCE_LINE, UNANSWERED, Outcome
from service.answer.privacy import learnable
from service.api.metrics import observe_answer
from service.api.schemas.residents import Answer, Handoff, ShownNotice
from service.report.office_hours import away
from service.store.audit import AuditRecord
from service.store.cases import NewCase
from service.store.conversations import Turn

logger = logging.getLogger(__name__)


def respond(ctx: Context, outcome: Outcome) -> Answer:
    started = time.perf_counter()
    services = ctx.services
    text, case_id, reference = outcome.answer, None, None
    if outcome.handoff_reason:
        case_id, reference = services.cases.open(
            NewCase(
                reason=outcome.handoff_reason,
                lang=ctx.lang,
                conversation_id=ctx.conversation_id,
                answer_id=ctx.answer_id,
                question=ctx.question,
                transcript=[transcript_line(turn) for turn in ctx.history] + [ctx.question],
                suggestions=[s.model_dump() for s in outcome.suggestions],
                department=" ".join(part for part in (outcome.department, outcome.contact) if part),
            )
        )
        text += "\n" + REFERENCE_LINE[ctx.lang].format(reference=reference)
        if later := away(services, outcome.department, ctx.lang):
            text += "\n" + later
    running = services.notices.running() if services.notices else []
    shown = [ShownNotice(severity=n.severity, text=n.text[ctx.lang], link=n.link) for n in running]
    if shown and ctx.asks_where_to_evacuate:  # the city's word in an emergency comes first
        text = "\n".join(notice.text for notice in shown) + "\n\n" + text
    cited = [c.id for c in outcome.citations]
    top = ctx.candidates[0].chunk.id if ctx.candidates else None
    trace = ctx.composer
    services.store.audit.record(
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
            composer=trace.composer,
            model=trace.model,
            prompt_version=trace.prompt_version,
            fallback=trace.fallback,
        ),
        chunk_id=cited[0] if cited else top,
        choices=[choice.id for choice in outcome.choices],
    )
    remember_pick(ctx, outcome)
    if outcome.outcome in UNANSWERED and ctx.query_vector and not ctx.follow_up:
        services.store.audit.keep_vector(services.index.embedding_model, ctx.question, ctx.query_vector)
    ctx.timings_ms["respond"] = round((time.perf_counter() - started) * 1000, 2)
    observe_answer(ctx.services.settings.tenant, outcome.outcome, ctx.lang, ctx.confidence, ctx.timings_ms)
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
                "follow_up": ctx.follow_up,
                "timings_ms": ctx.timings_ms,
            },
            ensure_ascii=False,
        ),
    )
    return Answer(
        answer=text,
        citations=outcome.citations,
        suggestions=outcome.suggestions,
        confidence=round(ctx.confidence, 4),
        handoff=Handoff(
            needed=outcome.handoff_reason is not None,
            reason=outcome.handoff_reason,
            department=outcome.department,
            contact=outcome.contact,
            case_id=case_id,
            reference=reference,
        ),
        outcome=outcome.outcome,
        lang=ctx.lang,
        conversation_id=ctx.conversation_token or ctx.conversation_id,
        generation=services.index.generation,
        notice=AI_NOTICE[ctx.lang],
        notices=shown,
        timings_ms=ctx.timings_ms,
        answer_id=ctx.answer_id,
        composer=trace.composer,
        composer_fallback=trace.fallback,
        choices=outcome.choices,
    )


def remember_pick(ctx: Context, outcome: Outcome) -> None:
    """What learning takes from this turn (service/store/learned.py): a resident's pick of an entry for a
    question that stands alone and holds no personal data; a conversation that ends with a person teaches
    nothing."""
    learned, settings = ctx.services.store.learned, ctx.services.settings
    if outcome.handoff_reason:
        if not ctx.fresh:  # a conversation the server has just started has picked nothing yet
            learned.void_conversation(ctx.conversation_id)
        return
    entry = ctx.chosen.entry if ctx.chosen and outcome.outcome == ANSWERED else None
    if entry and learnable(ctx.question) and not is_follow_up(ctx.question, settings.follow_up_max_words):
        learned.pick(entry, ctx.question, ctx.services.index.entry_digest(entry), ctx.conversation_id)


def transcript_line(turn: Turn) -> str:
    """A turn as staff read it in a case: the question, and the entries offered when the resident was asked back."""
    if turn.outcome == CLARIFY and turn.choices:
        return f"{turn.question} → {' / '.join(turn.choices)}"
    return turn.question
