"""The one door a resident's words come in by. Each channel (the web API: service/api/residents.py; LINE:
service/api/line/worker.py) says what the resident sent as a ``Said``: a question, a pick of a choice, or a
location, with its channel and conversation. ``enter`` reads the conversation once and builds the question's
Context (the only place in the service that does); ``hear`` answers it: while the conversation is with staff the
message goes to them (service/api/with_staff.py), otherwise the pipeline answers and ``respond`` records it."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ingest.languages import detect
from service.answer.catalogue import texts
from service.answer.context import Context, Services
from service.answer.outcomes import CLARIFY
from service.answer.pick import Pick
from service.answer.pipeline import answer
from service.answer.rows import asks_where_to_evacuate
from service.api.deps import clean_question
from service.api.respond import respond
from service.api.schemas.residents import Answer
from service.api.with_staff import handed_over
from service.errors import ConflictError

CHANNELS = ("web", "api", "line")  # what an off switch may pause
WHERE_TO_EVACUATE = texts("where_to_evacuate")


@dataclass(frozen=True)
class Said:
    """What a resident sent, as its channel read it: exactly one of ``question``, ``pick`` and ``location``.
    ``token`` is the conversation's token as the resident's side holds it ("" for none); ``lang`` the language
    the channel was told (else the question's own); ``easy_japanese``: readings beside the harder kanji."""

    channel: str
    token: str = ""
    question: str | None = None
    pick: Pick | None = None
    location: tuple[float, float] | None = None
    lang: str | None = None
    easy_japanese: bool = False
    again: bool = False  # the conversation's last question, asked again (LINE's やさしい日本語 button)


def hear(said: Said, services: Services) -> Answer:
    """The reply to what the resident sent: staff's note while the conversation is with them, else the answer."""
    ctx = enter(said, services)
    return handed_over(ctx) or answered(ctx)


def answered(ctx: Context, on_token: Callable[[str], None] | None = None) -> Answer:
    """The pipeline's answer to ``ctx``, recorded (``on_token`` hears a generative composer's sentences)."""
    return respond(ctx, answer(ctx, on_token=on_token))


def enter(said: Said, services: Services) -> Context:
    """The Context of what the resident sent. A question in a conversation the server does not know starts a
    new one (only the server starts a conversation: a token the resident made up is replaced, except on LINE,
    whose token the server derives from the user). Raises ConflictError for a pick nothing offered."""
    assert said.channel in CHANNELS, said.channel
    if said.again:
        ctx = _asked_again(said, services)
    elif said.pick is not None:
        ctx = _picked(said, said.pick, services)
    elif said.location is not None:
        ctx = _located(said, said.location, services)
    else:
        ctx = _asked(said, services)
    ctx.channel = said.channel
    ctx.easy_japanese = said.easy_japanese
    return ctx


def _asked(said: Said, services: Services) -> Context:
    question = clean_question(said.question or "", services.settings.question_max_chars)
    token = said.token
    known = bool(token) and conversation_known(services, conversation_key(token))
    if not known and said.channel != "line":
        token = secrets.token_urlsafe(24)
    return Context(
        question=question,
        lang=said.lang or detect(question),
        conversation_id=conversation_key(token),
        conversation_token=token,
        fresh=not known and said.channel != "line",
        services=services,
    )


def _picked(said: Said, pick: Pick, services: Services) -> Context:
    """A pick of one of the choices the conversation's last answer offered: its question again, answered from
    the picked entry (or handed off: none of them fits); the place of a slot question named in the question."""
    key = conversation_key(said.token)
    history = services.store.conversations.history(key, services.settings.history_turns)
    pick = pick.resolved(history[-1].choices if history else [])
    offered = history[-1] if history and history[-1].outcome == CLARIFY else None
    if offered is None or pick.id not in (*offered.choices, Pick("none").id):
        if (case := services.store.threads.active(key)) is not None:  # with staff: the tap goes to them
            return Context("", case.lang, key, services, conversation_token=said.token, chosen=pick)
        if offered is None:
            raise ConflictError(
                "nothing_to_choose", "The conversation's last answer offered no choices: ask a question."
            )
        raise ConflictError("choice_not_offered", "Pick one of the choices offered, or 'none'.")
    if pick.kind == "place":
        return _in_conversation(said, f"{pick.value} {offered.question}", offered.lang, services, history=history)
    return _in_conversation(said, offered.question, offered.lang, services, history=history, chosen=pick)


def _asked_again(said: Said, services: Services) -> Context:
    """The conversation's last question once more, with the turns before it (a follow-up stays one)."""
    key = conversation_key(said.token)
    history = services.store.conversations.history(key, services.settings.history_turns + 1)
    if not history:
        raise ConflictError("nothing_to_ask_again", "The conversation has no question to ask again: ask one.")
    last = history[-1]
    # its turn the conversation's first: nothing before it to lean on
    return _in_conversation(
        said, last.question, last.lang, services, history=history[:-1], stands_alone=len(history) == 1
    )


def _located(said: Said, location: tuple[float, float], services: Services) -> Context:
    """A location: the evacuation question the conversation asked last (its hazard), or where to evacuate. It
    stands alone: no follow-up of the turn before it."""
    key = conversation_key(said.token)
    history = services.store.conversations.history(key, services.settings.history_turns)
    asked = next((turn for turn in reversed(history) if asks_where_to_evacuate(turn.question)), None)
    lang = asked.lang if asked else "ja"
    question = asked.question if asked else WHERE_TO_EVACUATE[lang]
    return _in_conversation(said, question, lang, services, stands_alone=True, location=location)


def _in_conversation(said: Said, question: str, lang: str, services: Services, **more: Any) -> Context:
    """The Context of a question in the conversation ``said`` names."""
    key = conversation_key(said.token)
    return Context(question, lang, key, services, conversation_token=said.token, **more)


def conversation_known(services: Services, key: str) -> bool:
    """Whether a conversation goes on: it has turns within their retention, or a case that staff hold or are to
    take (kept whatever the retention: their reply must reach the conversation the resident reads)."""
    return services.store.conversations.exists(key) or services.store.threads.active(key) is not None


def conversation_key(token: str) -> str:
    """What the database knows a conversation by: a digest of the secret only the resident's side holds, so
    neither a chosen id nor one seen in the staff's queue continues somebody else's conversation."""
    return hashlib.sha256(token.encode()).hexdigest()[:64]
