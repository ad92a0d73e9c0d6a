"""The conversation with staff as a stream of server-sent events, for the chat page and any other client.

Staff may write on another worker or another replica than the one the resident's page is connected to, so what
changed is read from the shared database: one watcher per worker asks it every MADOGUCHI_THREAD_POLL_S which
cases changed (every change of a case sets its ``updated_at``) and wakes the streams of those conversations,
which read their new messages and state. Nothing is polled while no stream is open. A stream ends once the
conversation is with the bot (nothing more comes from staff), and after MADOGUCHI_THREAD_STREAM_S or when the
server stops (MADOGUCHI_SHUTDOWN_GRACE_S): the browser's EventSource comes back, to this replica or another,
with the last event's id (Last-Event-ID) and misses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import time
import weakref
from collections.abc import AsyncIterator

from starlette.concurrency import run_in_threadpool

from service.answer.context import Services
from service.api.with_staff import thread_of
from service.store.schema import utc_now
from service.store.threads import BOT, Threads

logger = logging.getLogger(__name__)

KEEP_ALIVE_S = 15.0  # a comment line at least this often, so that proxies keep the connection open
SKEW_S = 2.0  # changes are read again for this long: a commit whose clock ran behind is not missed


class ThreadWatch:
    """Which conversations with staff changed, for the streams of one worker."""

    def __init__(self, threads: Threads, interval_s: float) -> None:
        self.threads, self.interval_s = threads, interval_s
        self.streams: dict[str, set[asyncio.Event]] = {}
        self.task: asyncio.Task[None] | None = None

    def follow(self, conversation_id: str) -> asyncio.Event:
        woken = asyncio.Event()
        self.streams.setdefault(conversation_id, set()).add(woken)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._watch())
        return woken

    def leave(self, conversation_id: str, woken: asyncio.Event) -> None:
        followers = self.streams.get(conversation_id, set())
        followers.discard(woken)
        if not followers:
            self.streams.pop(conversation_id, None)

    async def _watch(self) -> None:
        seen = utc_now() - dt.timedelta(seconds=SKEW_S)
        woke: dict[str, dt.datetime] = {}  # the change each conversation was last woken for, within the window
        while self.streams:
            since = seen - dt.timedelta(seconds=SKEW_S)
            try:
                changed = await run_in_threadpool(self.threads.changed_since, since)
            except Exception:  # the database is away: the streams wait, and read again once it is back
                logger.warning("could not read which conversations with staff changed", exc_info=True)
                changed = []
            for conversation_id, updated in changed:
                seen = max(seen, updated)
                if woke.get(conversation_id) != updated:
                    woke[conversation_id] = updated
                    for woken in self.streams.get(conversation_id, ()):
                        woken.set()
            woke = {key: at for key, at in woke.items() if at > since}
            await asyncio.sleep(self.interval_s)


_watches: weakref.WeakKeyDictionary[Threads, ThreadWatch] = weakref.WeakKeyDictionary()


def watch_of(services: Services) -> ThreadWatch:
    threads = services.store.threads
    if threads not in _watches:
        _watches[threads] = ThreadWatch(threads, services.settings.thread_poll_s)
    return _watches[threads]


async def thread_events(services: Services, conversation_id: str, after: int) -> AsyncIterator[str]:
    """``message`` events (id: the message's id) for each message after ``after``, and a ``state`` event whenever
    the conversation's state, department or typing changes (first at once); until it is with the bot."""
    watch = watch_of(services)
    woken = watch.follow(conversation_id)
    ends = time.monotonic() + services.settings.thread_stream_s
    last: str | None = None
    written = time.monotonic()
    try:
        yield "retry: 2000\n\n"
        while time.monotonic() < ends:
            woken.clear()
            thread = await run_in_threadpool(thread_of, services, conversation_id, after)
            for message in thread.messages:
                yield f"id: {message.id}\nevent: message\ndata: {message.model_dump_json()}\n\n"
                after, written = message.id, time.monotonic()
            state = json.dumps(thread.model_dump(exclude={"messages"}), ensure_ascii=False)
            if state != last:
                yield f"event: state\ndata: {state}\n\n"
                last, written = state, time.monotonic()
            if thread.state == BOT:
                return
            if time.monotonic() - written >= KEEP_ALIVE_S:
                yield ": keep-alive\n\n"
                written = time.monotonic()
            wait = 1.0 if thread.typing else KEEP_ALIVE_S  # typing ends by itself: look again soon
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), timeout=min(wait, max(ends - time.monotonic(), 0.01)))
    finally:
        watch.leave(conversation_id, woken)
