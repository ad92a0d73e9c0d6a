"""Contextualize: a follow-up ("and for children?") is searched together with the turn before it."""

from __future__ import annotations

import re

from ingest.text import tokenize
from service.context import Context
from service.outcomes import Outcome

_FOLLOW_UP = re.compile(
    r"^\s*(and|also|what about|how about|what if|in that case"
    r"|そ(れ|の)(場合|とき|ほか|他)|では|じゃあ|なら|あと|ちなみに)",
    re.IGNORECASE,
)
SHORT = 3  # a question with this many content words or fewer cannot stand on its own


def is_follow_up(question: str) -> bool:
    return bool(_FOLLOW_UP.search(question)) or len(tokenize(question)) <= SHORT


def contextualize(ctx: Context) -> Outcome | None:
    ctx.history = ctx.services.store.history(ctx.conversation_id)
    ctx.query = ctx.question
    if ctx.history and is_follow_up(ctx.question):
        ctx.query = f"{ctx.history[-1].question}\n{ctx.question}"
        ctx.extra["follow_up"] = True
    return None
