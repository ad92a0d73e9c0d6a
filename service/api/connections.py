"""uvicorn's HTTP protocol with a deadline for each request to arrive whole. uvicorn closes idle connections
between requests (its keep-alive timeout) but not one that opens and sends nothing, or sends half a request
and stops (slowloris): those would hold a connection for ever. Here they are closed after
``MADOGUCHI_REQUEST_TIMEOUT_S``. Behind a reverse proxy (nginx, a cloud load balancer) the proxy's own
timeouts come first; this is the floor when there is none."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class TimelyHttp(HttpToolsProtocol):
    """Give uvicorn ``functools.partial(TimelyHttp, deadline_s=...)``: the partial travels to every worker."""

    _deadline: asyncio.TimerHandle | None = None

    def __init__(self, *args: Any, deadline_s: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline_s = deadline_s

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:  # the next request on a kept-alive connection has begun to arrive
            self._arm()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._deadline = self.loop.call_later(self.deadline_s, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()
