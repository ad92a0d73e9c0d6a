"""LINE's webhook: ``POST /v1/line/webhook``, where LINE sends what residents do in the city's official account.

The body is checked against ``X-Line-Signature`` (HMAC-SHA256 with the channel secret, compared in constant time,
by LINE's SDK) before anything reads it: unsigned or wrongly signed, 401 and nothing is kept. Signed events are
written to the database, and only then is the 200 sent; the worker (service/api/line/worker.py) answers them
after. LINE suspends the webhooks of slow servers, so nothing here waits for an answer."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, Request

from service.api.line.channel import LineDep
from service.api.schemas.common import ErrorBody
from service.errors import MadoguchiError

router = APIRouter(tags=["line"])


MAX_TIMESTAMP_MS = 2**53  # past any date a resident sends from; a larger one is not LINE's


def well_formed(event: Any) -> bool:
    """An event has the shape LINE documents where the worker reads it: objects where objects are, a string type
    and ids, a timestamp in milliseconds. The rest of it is read when it is answered, and a bad value there is
    dropped with a log line (service/api/line/worker.py)."""
    if not isinstance(event, dict) or not isinstance(event.get("type", ""), str):
        return False
    parts = ("source", "message", "postback", "unsend", "deliveryContext")
    if not all(isinstance(event.get(part, {}), dict) for part in parts):
        return False
    ids = (event.get("webhookEventId", ""), event.get("replyToken", ""), event.get("mode", ""))
    if not all(isinstance(value, str) for value in (*ids, event.get("source", {}).get("userId", ""))):
        return False
    stamp = event.get("timestamp", 0)
    return isinstance(stamp, int) and not isinstance(stamp, bool) and 0 <= stamp < MAX_TIMESTAMP_MS


@router.post(
    "/v1/line/webhook",
    responses={
        400: {"model": ErrorBody, "description": "invalid_request: not LINE's webhook body"},
        401: {"model": ErrorBody, "description": "signature_invalid: X-Line-Signature missing or wrong"},
        404: {"model": ErrorBody, "description": "channel_disabled: no LINE channel secret is set"},
    },
)
async def webhook(request: Request, channel: LineDep) -> dict[str, Any]:
    """Receive LINE's events: kept before the 200, answered after."""
    body = await request.body()
    signature = request.headers.get("x-line-signature", "")
    try:
        signed = bool(signature) and channel.platform.signed(body.decode("utf-8"), signature)
    except UnicodeDecodeError:
        signed = False
    if not signed:
        raise MadoguchiError("signature_invalid", "X-Line-Signature is missing or does not match the body.", 401)
    try:
        events = json.loads(body)["events"]
        if not isinstance(events, list) or not all(well_formed(event) for event in events):
            raise TypeError
    except (ValueError, KeyError, TypeError, RecursionError) as error:  # RecursionError: nesting too deep to read
        raise MadoguchiError(
            "invalid_request", "The body is not a LINE webhook: a list of events, each as LINE documents it."
        ) from error
    if events:
        await asyncio.to_thread(channel.keep, events)
        channel.wake.set()
    return {}
