"""What one client may send: a body of at most ``max_body_bytes`` (counted as it arrives, before anything reads
it), a number of questions and feedbacks per minute, and a back-off after failed token checks.

The client is the peer address, or the address a trusted reverse proxy (``MADOGUCHI_TRUSTED_PROXIES``) puts
last in ``X-Forwarded-For``. Counts live in each worker's memory (the `limits` library's moving window): with
N workers a client may get up to N times the limit, which still bounds a flood."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from ipaddress import ip_address, ip_network
from typing import Any

from fastapi import Request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import RateLimitedError
from service.settings import Settings

LINE_WEBHOOK = "/v1/line/webhook"


class BodyLimit:
    """ASGI middleware: a request body is read here first, byte by byte as it arrives, and refused with 413
    ``request_too_large`` as soon as it passes the limit (chunked bodies included); only then does the app,
    authentication and parsing included, see it."""

    def __init__(self, app: ASGIApp, max_bytes: int, refuse: Callable[[int], ASGIApp], webhook_bytes: int) -> None:
        self.app, self.refuse = app, refuse
        self.max_bytes, self.webhook_bytes = max_bytes, webhook_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # LINE batches several events, each message up to 5,000 characters: its webhook takes larger bodies
        limit = self.webhook_bytes if scope["path"].endswith(LINE_WEBHOOK) else self.max_bytes
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            await self.refuse(limit)(scope, receive, send)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self.refuse(limit)(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: only http.disconnect remains

        await self.app(scope, replay, send)


class RateLimits:
    """Per-client limits: ``check(request, name)`` raises 429 ``rate_limited`` (with Retry-After) past the
    setting's rate; ``failed_token(request)`` counts a wrong token, and ``token_backoff(request)`` refuses a
    client that has sent too many, whether or not per-client limits are on."""

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limits == "on"
        self.items: dict[str, RateLimitItem] = {
            "ask": parse(settings.ask_rate),
            "feedback": parse(settings.feedback_rate),
            "wrong": parse(settings.wrong_report_rate),
            "read": parse(settings.read_rate),
            "token": parse(settings.failed_token_rate),
            "line": parse(settings.line_rate),
        }
        self.proxies = [ip_network(proxy.strip()) for proxy in settings.trusted_proxies.split(",") if proxy.strip()]
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def check(self, request: Request, name: str) -> None:
        if self.enabled:
            self._hit(name, self.client(request))

    def allows(self, name: str, key: str) -> bool:
        """Whether ``key`` (a client that is no request: a LINE user) may do one more ``name``; counts it."""
        return not self.enabled or self.limiter.hit(self.items[name], key)

    def token_backoff(self, request: Request) -> None:
        """Refuse a client whose wrong tokens have used up their allowance, before its token is compared."""
        client, item = self.client(request), self.items["token"]
        if not self.limiter.test(item, client):
            raise RateLimitedError(self._retry_after(item, client))

    def failed_token(self, request: Request) -> None:
        self.limiter.hit(self.items["token"], self.client(request))

    def client(self, request: Request) -> str:
        peer = request.client.host if request.client else "unknown"
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded and self._trusted(peer):
            return forwarded.split(",")[-1].strip() or peer
        return peer

    def _hit(self, name: str, client: str) -> None:
        item = self.items[name]
        if not self.limiter.hit(item, client):
            raise RateLimitedError(self._retry_after(item, client))

    def _retry_after(self, item: RateLimitItem, client: str) -> int:
        reset = self.limiter.get_window_stats(item, client).reset_time
        return max(1, math.ceil(reset - time.time()))

    def _trusted(self, peer: str) -> bool:
        try:
            address = ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.proxies)


def rate_limits_of(request: Request) -> RateLimits:
    limits: RateLimits = request.app.state.rate_limits
    return limits


def limited(name: str) -> Callable[[Request], Any]:
    """A FastAPI dependency that counts one ``name`` request against the client's allowance."""

    def dependency(request: Request) -> None:
        rate_limits_of(request).check(request, name)

    return dependency
