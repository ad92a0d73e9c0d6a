"""Hand off: finish a handoff as the resident will read it. Every step that decides a person must take over
ends the run through here, so a handoff outcome is complete when it leaves its step: the message in the
question's language, the door (department and contact) and the passages staff will see first."""

from __future__ import annotations

from service.compose import cite
from service.context import Context
from service.outcomes import CONTACT_LINE, HANDOFF_LOW_CONFIDENCE, HANDOFF_MESSAGES, Outcome


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
    return Outcome(
        outcome,
        answer=message,
        suggestions=[cite(candidate, ctx.query, ctx.services.settings.snippet_chars) for candidate in suggestions],
        department=department,
        contact=contact,
    )


def door(ctx: Context, outcome: str) -> tuple[str, str]:
    """Who takes over. Merely unsure: the department of the likeliest passage in the question's language.
    Out of scope: the passages found are unrelated and their department would be a wrong door, so general
    enquiries."""
    if outcome == HANDOFF_LOW_CONFIDENCE:
        likely = ctx.candidates[: ctx.services.settings.suggestions]
        owner = next((c.chunk for c in likely if c.chunk.department and c.chunk.lang == ctx.lang), None)
        if owner:
            return owner.department, owner.contact
    return general_enquiries(ctx)


def general_enquiries(ctx: Context) -> tuple[str, str]:
    """The city's general enquiries desk from the corpus's departments.yaml, or City Hall."""
    general = ctx.services.index.manifest.get("departments", {}).get("general", {})
    names = general.get(ctx.lang, {}) if isinstance(general, dict) else {}
    if not names:
        return ("市役所" if ctx.lang == "ja" else "City Hall"), ""
    hours = names.get("hours", "")
    phone = str(general.get("phone", ""))
    return names.get("name", ""), f"{phone} ({hours})" if hours else phone
