"""One question, step by step. Every exit is a named outcome, complete when its step returns it (a handoff
is finished by service/answer/hand_off.py); every step is timed under its own name. Nothing here writes anywhere:
service/api/respond.py turns the outcome into the response, the audit record, the case and the log line."""

from __future__ import annotations

import time
from collections.abc import Callable

from service.answer.assess import assess
from service.answer.compose import compose
from service.answer.context import Context
from service.answer.contextualize import contextualize
from service.answer.lookup import lookup
from service.answer.outcomes import Outcome
from service.answer.pause import pause
from service.answer.retrieve import retrieve
from service.answer.screen import screen

Step = Callable[[Context], Outcome | None]
STEPS: list[Step] = [screen, pause, contextualize, retrieve, lookup, assess, compose]


def run(ctx: Context, until: Step | None = None) -> Outcome | None:
    """Run the steps in order until one returns an outcome, or until the step ``until`` has run (then None:
    ``ctx`` holds what the steps so far found)."""
    for step in STEPS:
        started = time.perf_counter()
        outcome = step(ctx)
        ctx.timings_ms[step.__name__] = round((time.perf_counter() - started) * 1000, 2)
        if outcome is not None or step is until:
            return outcome
    raise AssertionError("compose always returns an outcome")


def answer(ctx: Context, on_token: Callable[[str], None] | None = None) -> Outcome:
    """The whole path. ``on_token`` hears a generative composer's words as they come (for streaming); what
    the resident finally reads is the returned outcome's, checked."""
    ctx.on_token = on_token
    outcome = run(ctx)
    assert outcome is not None
    return outcome
