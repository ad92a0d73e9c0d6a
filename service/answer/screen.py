"""Screen: mask personal data, then catch emergencies, self-harm and abuse before anything else runs."""

from __future__ import annotations

from service.answer.context import Context
from service.answer.hand_off import hand_off
from service.answer.outcomes import HANDOFF_SENSITIVE, Outcome
from service.answer.privacy import mask_personal_data


def screen(ctx: Context) -> Outcome | None:
    ctx.question, ctx.personal_data = mask_personal_data(ctx.question)
    category = ctx.services.screening.match(ctx.question)
    if category is None:
        return None
    ctx.sensitive_category = category.name
    return hand_off(
        ctx,
        HANDOFF_SENSITIVE,
        message=category.message[ctx.lang],
        department=category.department[ctx.lang],
        contact=category.contact[ctx.lang],
    )
