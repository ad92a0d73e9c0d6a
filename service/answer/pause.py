"""Pause: while operators have switched the AI answers of the question's channel off (service/store/switches.py),
the resident is told so and given the general desk; nothing is answered from the corpus. It runs after the
screening, so that an emergency or a cry for help still gets its helplines."""

from __future__ import annotations

from service.answer.context import Context
from service.answer.hand_off import general_enquiries
from service.answer.outcomes import CONTACT_LINE, PAUSED, PAUSED_MESSAGES, Outcome


def pause(ctx: Context) -> Outcome | None:
    switches = ctx.services.switches
    if switches is None or not switches.paused(ctx.channel):
        return None
    department, contact = general_enquiries(ctx)
    message = PAUSED_MESSAGES[ctx.lang] + "\n" + CONTACT_LINE[ctx.lang].format(department=department, contact=contact)
    return Outcome(PAUSED, answer=message, department=department, contact=contact)
