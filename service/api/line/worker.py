"""The LINE worker: answers the events the webhook kept, by the same path as the chat page (screen, retrieve,
assess, compose, respond: the same citations, handoffs, cases, notices, audit and reports), and sends the answer
back through the reply token while LINE still takes it, or else by push.

Each worker process runs ``line_workers`` of these loops. They wake when their webhook keeps an event, and
every ``line_poll_interval_s`` for events kept by another process or left by one that died. One user's events
are answered in the order they were sent (a follow-up needs the turn before it)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from service.answer.context import Services
from service.answer.desks import general_desk
from service.answer.pick import Pick
from service.api import door
from service.api.door import Said, conversation_key, enter
from service.api.limits import RateLimits
from service.api.line import messages as say
from service.api.line.platform import LinePlatform, LineRejected
from service.api.with_staff import handed_over
from service.api.wrong_answers import report_wrong
from service.errors import ConflictError, MadoguchiError, NotFoundError, QuestionTooLongError
from service.live.services import LiveServices
from service.settings import Settings
from service.store.line_events import LineEvent, LineInbox
from service.store.schema import utc_now
from service.store.threads import Message

logger = logging.getLogger(__name__)
GIVE_UP_AFTER = 5  # tries of one event (each after a lease) before it is logged as failed and left


@dataclass
class Reply:
    """What an event gets: messages (none: nothing to send) and the answer they carry, if any."""

    messages: list[dict[str, Any]]
    answer_id: str | None = None


class LineChannel:
    """The LINE channel of one tenant: its inbox, its connection to LINE and its worker loops."""

    def __init__(self, settings: Settings, live: LiveServices, limits: RateLimits) -> None:
        assert settings.line_channel_secret is not None
        self.settings, self.live = settings, live
        self.secret = settings.line_channel_secret.get_secret_value()
        self.inbox = LineInbox(live.store.engine)
        self.platform = LinePlatform(settings)
        self.wake = asyncio.Event()
        self.limits = limits
        self.tasks: list[asyncio.Task[None]] = []

    def user_key(self, user_id: str) -> str:
        return user_key(self.secret, user_id)

    def keep(self, events: list[dict[str, Any]]) -> int:
        """Keep the webhook's events (before its 200); how many were new (not redeliveries)."""
        kept = 0
        for event in events:
            user_id = str((event.get("source") or {}).get("userId", ""))
            event_id = str(event.get("webhookEventId") or _digest(event))[:64]
            kept += self.inbox.accept(event_id, self.user_key(user_id) if user_id else "", event)
        return kept

    def start(self) -> None:
        self.tasks = [
            asyncio.create_task(self.run(), name=f"line-worker-{n}") for n in range(self.settings.line_workers)
        ]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.platform.close()

    async def run(self) -> None:
        while True:
            try:
                event = await asyncio.to_thread(self.inbox.claim, self.settings.line_lease_s)
            except SQLAlchemyError as error:
                logger.warning("LINE inbox unavailable: %s", type(error).__name__)
                event = None
            if event is None:
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), self.settings.line_poll_interval_s)
                continue
            await asyncio.to_thread(self.work, event)

    def work(self, event: LineEvent) -> None:
        """Answer one event and send the answer; an event that fails is tried again after its lease."""
        if event.attempts > GIVE_UP_AFTER:
            logger.error("LINE event %s failed %d times; left unanswered", event.id, event.attempts - 1)
            self.inbox.finish(event.id, "failed")
            return
        try:
            reply = self.handle(event)
            delivery = self.deliver(event, reply.messages) if reply.messages else "none"
        except LineRejected as error:
            logger.error("LINE event %s: %s", event.id, error)
            self.inbox.finish(event.id, "failed")
            return
        except (LookupError, TypeError, ValueError, AttributeError) as error:  # the event itself: it would fail again
            logger.warning("LINE event %s dropped: a value LINE does not send (%s)", event.id, type(error).__name__)
            self.inbox.finish(event.id, "failed")
            return
        except Exception:
            logger.exception(
                "LINE event %s not answered yet (tried again after %s s)", event.id, self.settings.line_lease_s
            )
            return
        self.inbox.finish(event.id, delivery, reply.answer_id)

    def handle(self, event: LineEvent) -> Reply:
        payload = event.payload
        source = payload.get("source") or {}
        user_id = str(source.get("userId", ""))
        if source.get("type") != "user" or not user_id:
            return Reply([])  # a group or a room: the account answers residents one to one
        services = self.live.current()
        if services is None:
            raise RuntimeError("no live index")
        token = line_token(event.user_key)
        if event.kind == "follow":
            return Reply(say.greeting(_desks(services), self.platform.language(user_id)))
        if event.kind == "unfollow":
            self.forget(services, event.user_key, token)
            return Reply([])
        if event.kind == "unsend":
            answered = self.inbox.take_back(event.user_key, str((payload.get("unsend") or {}).get("messageId", "")))
            if answered:
                services.store.audit.withdraw(answered)
            return Reply([])
        if event.kind not in ("message", "postback"):
            return Reply([])
        message = payload.get("message") or {}
        kind = message.get("type") if event.kind == "message" else "postback"
        if kind not in ("text", "location", "postback"):
            return Reply(say.unreadable(self.platform.language(user_id)))
        said = str(message.get("text", ""))
        if not self.limits.allows("line", event.user_key):
            return Reply(say.in_language(say.SLOW_DOWN, said))
        self.platform.loading(user_id)
        data = str((payload.get("postback") or {}).get("data", "")) if kind == "postback" else ""
        if data.startswith(say.WRONG):  # "this answer is wrong" under an answer: a case for its department
            if not self.limits.allows("wrong", event.user_key):
                return Reply(say.in_language(say.SLOW_DOWN, said))
            return self.report_wrong(services, data.removeprefix(say.WRONG), user_id)
        try:
            sent = self.said(services, token, kind, payload)
            ctx = enter(sent, services) if sent else None
        except ConflictError:
            return Reply(say.in_language(say.STALE_CHOICE, said))
        except QuestionTooLongError:
            return Reply(say.in_language(say.TOO_LONG, said, chars=services.settings.question_max_chars))
        except MadoguchiError as error:
            logger.info("LINE event %s: nothing to answer (%s)", event.id, error.code)
            return Reply([])  # an empty message, a location LINE never sends: nothing to answer
        if ctx is None:
            return Reply([])
        if (passed := handed_over(ctx)) is not None:  # with staff: they read it, the bot keeps quiet
            return Reply(say.answer_messages(passed))
        made = door.answered(ctx)
        if made.handoff.case_id:  # staff replies to this case are pushed to the user
            services.store.threads.reach(made.handoff.case_id, user_id)
        return Reply(say.answer_messages(made), made.answer_id)

    def report_wrong(self, services: Services, answer_id: str, user_id: str) -> Reply:
        """The resident says the answer ``answer_id`` is wrong: a case as from the chat page, its reference said."""
        try:
            answered = services.cases.add_feedback(answer_id[:32], False, None, "resident", wrong=True)
        except NotFoundError:
            return Reply(say.in_language(say.STALE_CHOICE))
        except ConflictError as error:
            if error.code == "nothing_answered":
                return Reply(say.in_language(say.STALE_CHOICE))
            return Reply(say.in_language(say.ALREADY_REPORTED))
        lang = answered.lang if answered.lang in ("ja", "en") else "ja"
        case_id, reference = report_wrong(services, answer_id[:32], answered, None)
        services.store.threads.reach(case_id, user_id)  # staff replies to it are pushed, as after a handoff
        return Reply([say.text_message(say.WRONG_THANKS[lang].format(reference=reference))])

    def said(self, services: Services, token: str, kind: str, payload: dict[str, Any]) -> Said | None:
        """What an event says, for the door (service/api/door.py); None: nothing to answer (a rating of a case)."""
        if kind == "postback":
            data = str((payload.get("postback") or {}).get("data", ""))
            if data.startswith(say.RESOLVED):
                services.store.threads.rate(conversation_key(token), data.removeprefix(say.RESOLVED) == "yes")
                return None
            if data == say.EASY:  # the last question again, in やさしい日本語
                return Said("line", token, again=True, easy_japanese=True)
            if not data.startswith(say.CHOOSE):
                return None
            return Said("line", token, pick=quick_reply_pick(data.removeprefix(say.CHOOSE)))
        message = payload["message"]
        if kind == "location":
            return Said("line", token, location=coordinates(message))
        return Said("line", token, question=str(message.get("text", "")))

    def deliver(self, event: LineEvent, messages: list[dict[str, Any]]) -> str:
        """Through the reply token when it is still good (first try, within the reply window), else by push."""
        token = str(event.payload.get("replyToken", ""))
        age_s = (utc_now() - event.sent_at).total_seconds()
        in_time = token and event.attempts == 1 and age_s < self.settings.line_reply_window_s
        if in_time and self.platform.reply(token, messages):
            return "reply"
        user_id = str(event.payload["source"]["userId"])
        self.platform.push(user_id, messages, retry_key=event.id)
        return "push"

    def forget(self, services: Services, user_key: str, token: str) -> None:
        """A user who blocked the account: their conversation, and what they sent, are no longer kept."""
        key = conversation_key(token)
        services.store.conversations.forget(key)
        services.store.learned.void_conversation(key)
        services.store.threads.unreach(key)  # staff replies are no longer pushed to them
        self.inbox.forget(user_key)

    def push_thread(self, user_id: str, message: Message, lang: str) -> None:
        """A message of staff (or their close) to the LINE user of the case; a failure is logged, the message
        stays in the conversation."""
        try:
            self.platform.push(user_id, say.thread_messages(message, lang), retry_key=f"thread:{message.id}")
        except Exception as error:
            logger.warning("LINE push of case message %d failed: %s", message.id, type(error).__name__)

    def broadcast(self, notice_id: str, texts: dict[str, str], link: str | None) -> None:
        """An emergency notice to every follower, once (its retry key is the notice's)."""
        body = "\n\n".join(texts[lang] for lang in ("ja", "en") if texts.get(lang))
        text = say.NOTICES["ja"] + "\n" + body + (f"\n{link}" if link else "")
        self.platform.broadcast([say.text_message(text)], retry_key=f"notice:{notice_id}")


def quick_reply_pick(picked: str) -> Pick:
    """A quick reply's button: the choice at its position of the last answer's choices, or none of them."""
    if picked.isascii() and picked.isdecimal():
        return Pick("at", picked)
    return Pick.parse(picked[:64] or "?")


def coordinates(message: dict[str, Any]) -> tuple[float, float]:
    """Where a location message says the resident is; anything but a place on Earth is not one LINE sends."""
    latitude, longitude = float(message["latitude"]), float(message["longitude"])
    if not (math.isfinite(latitude) and math.isfinite(longitude) and abs(latitude) <= 90 and abs(longitude) <= 180):
        raise MadoguchiError("invalid_location", "The location is not a place on Earth.", 400)
    return latitude, longitude


def user_key(secret: str, user_id: str) -> str:
    """What the database knows a LINE user by: a digest keyed with the channel secret, never the id itself."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()[:64]


def line_token(key: str) -> str:
    """The conversation token of a LINE user: what the chat page's browser holds, here held by the server (in
    the form the API's ``conversation_id`` takes)."""
    return f"line-{key[:48]}"


def _digest(event: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest()


def _desks(services: Services) -> dict[str, str]:
    """The general enquiries desk in each language, as the greeting names it."""
    return {lang: " ".join(general_desk(services.index.manifest, lang)).strip() for lang in ("ja", "en")}
