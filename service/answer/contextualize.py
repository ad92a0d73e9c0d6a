"""Contextualize: a follow-up ("and for children?") is searched together with the turn before it."""

from __future__ import annotations

import re

from ingest.text import tokenize
from service.answer.context import Context
from service.answer.outcomes import Outcome

_FOLLOW_UP = re.compile(
    r"^\s*(and|also|what about|how about|what if|in that case"
    r"|そ(れ|の)(場合|とき|ほか|他)|では|じゃあ|なら|あと|ちなみに)",
    re.IGNORECASE,
)


def is_follow_up(question: str, max_words: int) -> bool:
    """Does the question lean on the turn before it: it opens like a follow-up, or it has ``max_words``
    content words or fewer and cannot stand on its own."""
    return bool(_FOLLOW_UP.search(question)) or len(tokenize(question)) <= max_words


def contextualize(ctx: Context) -> Outcome | None:
    settings = ctx.services.settings
    if not ctx.history and not (ctx.fresh or ctx.stands_alone):
        ctx.history = ctx.services.store.conversations.history(ctx.conversation_id, settings.history_turns)
    ctx.query = ctx.question
    if ctx.chosen:  # a pick from the choices offered for this very question: nothing to add
        return None
    if ctx.history and is_follow_up(ctx.question, settings.follow_up_max_words):
        ctx.query = f"{ctx.history[-1].question}\n{ctx.question}"
        ctx.follow_up = True
    return None
