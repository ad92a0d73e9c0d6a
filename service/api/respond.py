"""Respond: the one place an answered question leaves a trace. From the finished outcome it opens the case of
a handoff (whose reference the resident is told to quote), composes what the resident reads (``reply``: pure),
and records what happened (``record``: the audit record with the masked question, a pick for learning, the
metrics, one log line with no question text). Evaluation runs stop before this step."""

from __future__ import annotations

import json
import logging
import time

from service.answer.context import Context
from service.answer.contextualize import is_follow_up
from service.answer.furigana import furigana
from service.answer.outcomes import AI_NOTICE, ANSWERED, CLARIFY, REFERENCE_LINE, UNANSWERED, Outcome
from service.answer.privacy import learnable
from service.api.metrics import observe_answer
from service.api.schemas.residents import Answer, Handoff, ShownNotice
from service.report.office_hours import away
from service.store.audit import AuditRecord
from service.store.cases import NewCase
from service.store.conversations import Turn
from service.store.notices import Notice

logger = logging.getLogger(__name__)


def respond(ctx: Context, outcome: Outcome) -> Answer:
    """The response to a finished outcome, and its traces: the case of a handoff first (the resident is told its
    reference), then what the resident reads (``reply``), then what happened (``record``)."""
    started = time.perf_counter()
    services = ctx.services
    case = open_case(ctx, outcome) if outcome.handoff_reason else None
    later = away(services, outcome.department, ctx.lang) if case else ""
    running = services.notices.running() if services.notices else []
    made = reply(ctx, outcome, case, later, running)
    record(ctx, outcome, started)
    made.timings_ms = dict(ctx.timings_ms)  # with respond's own
    return made


def open_case(ctx: Context, outcome: Outcome) -> tuple[str, str]:
    """The case of a handoff, for staff of its department: (its id, the reference the resident quotes)."""
    return ctx.services.cases.open(
        NewCase(
            reason=str(outcome.handoff_reason),
            lang=ctx.lang,
            conversation_id=ctx.conversation_id,
            answer_id=ctx.answer_id,
            question=ctx.question,
            transcript=[transcript_line(turn) for turn in ctx.history] + [ctx.question],
            suggestions=[s.model_dump() for s in outcome.suggestions],
            department=" ".join(part for part in (outcome.department, outcome.contact) if part),
        )
    )


def reply(ctx: Context, outcome: Outcome, case: tuple[str, str] | None, later: str, running: list[Notice]) -> Answer:
    """What the resident reads, composed from the outcome and nothing else (writes nothing): the answer, the
    reference of a handoff's case and when its staff are back (``later``), the city's running notices first
    when the question asks where to evacuate, and the AI notice."""
    case_id, reference = case or (None, None)
    text = outcome.answer
    if reference:
        text += "\n" + REFERENCE_LINE[ctx.lang].format(reference=reference)
    if later:
        text += "\n" + later
    shown = [ShownNotice(severity=n.severity, text=n.text_in(ctx.lang), link=n.link) for n in running]
    if shown and ctx.asks_where_to_evacuate:  # the city's word in an emergency comes first
        text = "\n".join(notice.text for notice in shown) + "\n\n" + text
    trace = ctx.composer
    easy = ctx.easy_japanese and ctx.lang == "ja"  # やさしい日本語: readings beside the harder kanji
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
        answer_lang=outcome.answer_lang or None,
        conversation_id=ctx.conversation_token or ctx.conversation_id,
        generation=ctx.services.index.generation,
        notice=AI_NOTICE[ctx.lang],
        notices=shown,
        timings_ms=ctx.timings_ms,
        answer_id=ctx.answer_id,
        composer=trace.composer,
        composer_fallback=trace.fallback,
        choices=outcome.choices,
        furigana=furigana(text, ctx.services.settings.furigana_grade) if easy else None,
    )


def record(ctx: Context, outcome: Outcome, started: float) -> None:
    """What happened, kept: the audit record (masked question) with the turn, a pick for learning, the vector
    of an unanswered question, then respond's time since ``started``, the metrics and one log line (no question
    text)."""
    services = ctx.services
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
    observe_answer(services.settings.tenant, outcome.outcome, ctx.lang, ctx.confidence, ctx.timings_ms)
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
