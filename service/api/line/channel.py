"""The LINE channel of this app, as the routers ask for it (the webhook, staff's replies, operators' broadcasts)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.api.deps import on_the_loop, settings_of
from service.api.line.worker import LineChannel
from service.errors import NotFoundError


def line_of(request: Request) -> LineChannel:
    channel: LineChannel | None = getattr(request.app.state, "line", None)
    if channel is None or settings_of(request).line_channel_secret is None:
        raise NotFoundError(
            "channel_disabled",
            "The LINE channel is off: set MADOGUCHI_LINE_CHANNEL_SECRET and MADOGUCHI_LINE_CHANNEL_ACCESS_TOKEN.",
        )
    return channel


def line_or_none(request: Request) -> LineChannel | None:
    """The LINE channel of this app, when it is on."""
    channel: LineChannel | None = getattr(request.app.state, "line", None)
    return channel


LineDep = Annotated[LineChannel, Depends(on_the_loop(line_of))]
