"""Hand off: finish a handoff as the resident will read it. Every step that decides a person must take over
ends the run through here, so a handoff outcome is complete when it leaves its step: the message in the
question's language, the door (department and contact) and the passages staff will see first."""

from __future__ import annotations

from service.answer.compose import cite
from service.answer.context import Context
from service.answer.desks import general_desk, multilingual_desk
from service.answer.outcomes import CONTACT_LINE, HANDOFF_LOW_CONFIDENCE, HANDOFF_MESSAGES, MULTILINGUAL_DESK, Outcome


def hand_off(ctx: Context, outcome: str, message: str = "", department: str = "", contact: str = "") -> Outcome:
    """The complete handoff ``outcome``. ``message`` and the door are given where the deciding step knows
    better (a sensitive question's helpline); otherwise they follow from the outcome and the passages found."""
    suggestions = ctx.candidates[: ctx.services.settings.suggestions]
    if not department:
        department, contact = door(ctx, outcome)
    if not message:
        message = HANDOFF_MESSAGES[outcome][ctx.lang]
        if department:
            message += "\n" + CONTACT_LINE[ctx.lang].format(department=department, contact=contact)
        desk = multilingual_desk(ctx.services.index.manifest, ctx.lang) if ctx.lang not in ("ja", "en") else ""
        if desk:  # the departments speak Japanese (and English): the city's desk for the resident's language
            message += "\n" + MULTILINGUAL_DESK[ctx.lang].format(desk=desk)
    return Outcome(
        outcome,
        answer=message,
        suggestions=[cite(candidate, ctx.query, ctx.services.settings.snippet_chars) for candidate in suggestions],
        department=department,
        contact=contact,
    )


def door(ctx: Context, outcome: str) -> tuple[str, str]:
    """Who takes over. A department only when the evidence for it is strong: the question is merely unsure
    (not out of scope) and the likeliest passages in its language all belong to that one department. Otherwise
    general enquiries: a wrong door (blood donation sent to Children and Families) costs the resident a second
    call, general enquiries never does."""
    if outcome == HANDOFF_LOW_CONFIDENCE:
        likely = [c.chunk for c in ctx.candidates[: ctx.services.settings.suggestions] if c.chunk.lang == ctx.lang]
        doors = {(chunk.department, chunk.contact) for chunk in likely}
        if len(likely) > 1 and len(doors) == 1 and likely[0].department:
            return likely[0].department, likely[0].contact
    return general_enquiries(ctx)


def general_enquiries(ctx: Context) -> tuple[str, str]:
    """The city's general enquiries desk from the corpus's departments.yaml, or City Hall."""
    return general_desk(ctx.services.index.manifest, ctx.lang)
