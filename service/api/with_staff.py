"""A conversation handed to a person: while it waits for staff or is with them, the bot keeps quiet and what the
resident writes goes to the case (masked), never to the answer path; what staff write reaches the resident in
the same conversation (the chat page reads it, LINE gets it pushed)."""

from __future__ import annotations

import logging
import uuid

from service.answer.context import Context, Services
from service.answer.outcomes import AI_NOTICE, LOCATION_SENT, WITH_STAFF, WITH_STAFF_MESSAGES
from service.answer.privacy import mask_personal_data
from service.api.schemas.residents import Answer, Handoff, Thread, ThreadMessage
from service.report.office_hours import away
from service.store.threads import BOT, RESIDENT, WAITING, Message

logger = logging.getLogger(__name__)


def handed_over(ctx: Context) -> Answer | None:
    """The reply to a message in a conversation that is with staff (None: it is with the bot): the message (a
    question, a pick of a choice, a location) is added to its case, masked, and the resident is told so. Nothing
    is answered, audited or learned. "With staff" is the conversation's active case, never its stored turns:
    those may be past their retention, unsent, or absent (a location stands alone)."""
    if ctx.fresh:
        return None
    services = ctx.services
    case = services.store.threads.active(ctx.conversation_id)
    if case is None:
        return None
    lang = ctx.lang if ctx.lang in WITH_STAFF_MESSAGES else case.lang
    masked, kinds = mask_personal_data(said_to_staff(ctx))
    services.store.threads.add(case.id, ctx.conversation_id, RESIDENT, masked, case.department)
    logger.info("message to staff for case %s (personal data masked: %s)", case.reference, kinds)
    text = WITH_STAFF_MESSAGES[lang].format(department=case.department or "市役所")
    if case.state == WAITING and (later := away(services, case.department, lang)):
        text += "\n" + later
    return Answer(
        answer=text,
        citations=[],
        confidence=0.0,
        handoff=Handoff(needed=True, department=case.department, case_id=case.id, reference=case.reference),
        outcome=WITH_STAFF,
        lang=lang,
        conversation_id=ctx.conversation_token,
        generation=services.index.generation,
        notice=AI_NOTICE[lang],
        timings_ms={},
        answer_id=uuid.uuid4().hex,
    )


def said_to_staff(ctx: Context) -> str:
    """What the resident sent, as staff read it: the words, the choice tapped, or that a location came (never
    where: staff ask for an address if they need one)."""
    if ctx.location is not None:
        return LOCATION_SENT[ctx.lang if ctx.lang in LOCATION_SENT else "ja"]
    if ctx.chosen is not None:
        return " → ".join(part for part in (ctx.question, ctx.chosen.id) if part)
    return ctx.question


def thread_of(services: Services, conversation_id: str, after: int) -> Thread:
    """What the resident's side shows of the conversation with staff: its state and the messages after ``after``."""
    case = services.store.threads.active(conversation_id)
    messages = [shown(message) for message in services.store.threads.after(conversation_id, after)]
    if case is None:
        return Thread(state=BOT, messages=messages)
    return Thread(
        state=case.state, department=case.department, reference=case.reference, typing=case.typing, messages=messages
    )


def shown(message: Message) -> ThreadMessage:
    return ThreadMessage(
        id=message.id,
        author=message.author,
        department=message.department,
        text=message.text,
        created_at=message.created_at.isoformat(),
        citation=message.cited,
    )
