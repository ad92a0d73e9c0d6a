"""Screen: mask personal data, then catch emergencies, self-harm and abuse before anything else runs."""

from __future__ import annotations

from service.context import Context
from service.hand_off import hand_off
from service.outcomes import HANDOFF_SENSITIVE, Outcome
from service.privacy import mask_personal_data


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
