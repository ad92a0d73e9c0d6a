"""A double of LINE's Messaging API: a real HTTP server on loopback that records every call and answers as LINE
documents (https://developers.line.biz/en/reference/messaging-api/), for the tests and the LINE benchmark.

It checks what LINE checks: the bearer token (401), every message against LINE's limits (400 with LINE's error
body), a reply token used twice or expired (400 "Invalid reply token"), a push or broadcast sent again under an
accepted retry key (409), the loading animation's seconds (5-60, a multiple of 5). ``delay_s`` holds each answer
back (a slow LINE); ``expired`` names reply tokens LINE no longer accepts; ``odd_bodies`` names users whose
messages LINE accepts (200) with a body of a shape the SDK does not know (LINE may add fields or change them)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TEXT_MAX, MESSAGES_MAX, QUICK_REPLIES_MAX, LABEL_MAX, DATA_MAX = 5000, 5, 13, 20, 300


@dataclass
class Call:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    status: int
    at: float = field(default_factory=time.monotonic)


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def problems(messages: Any) -> list[str]:
    """What LINE would refuse in a list of message objects (empty: it accepts them)."""
    found = []
    if not isinstance(messages, list) or not 1 <= len(messages) <= MESSAGES_MAX:
        return [f"messages: between 1 and {MESSAGES_MAX} message objects"]
    for n, message in enumerate(messages):
        if message.get("type") != "text" or not isinstance(message.get("text"), str) or not message["text"]:
            found.append(f"messages[{n}].text: required")
            continue
        if units(message["text"]) > TEXT_MAX:
            found.append(f"messages[{n}].text: at most {TEXT_MAX} characters")
        items = (message.get("quickReply") or {}).get("items", [])
        if len(items) > QUICK_REPLIES_MAX:
            found.append(f"messages[{n}].quickReply.items: at most {QUICK_REPLIES_MAX}")
        for i, item in enumerate(items):
            action = item.get("action") or {}
            if not action.get("label") or units(action["label"]) > LABEL_MAX:
                found.append(f"messages[{n}].quickReply.items[{i}].action.label: 1 to {LABEL_MAX} characters")
            if action.get("type") == "postback" and not 1 <= units(action.get("data", "")) <= DATA_MAX:
                found.append(f"messages[{n}].quickReply.items[{i}].action.data: 1 to {DATA_MAX} characters")
            if units(action.get("displayText", "")) > DATA_MAX:
                found.append(f"messages[{n}].quickReply.items[{i}].action.displayText: at most {DATA_MAX}")
            if action.get("type") not in ("postback", "message", "location", "camera", "cameraRoll", "uri"):
                found.append(f"messages[{n}].quickReply.items[{i}].action.type: unknown")
    return found


class LineDouble:
    def __init__(self, access_token: str) -> None:
        self.access_token = access_token
        self.calls: list[Call] = []
        self.arrived: list[str] = []  # the path of every call, as it arrives (before ``delay_s``)
        self.expired: set[str] = set()
        self.used: set[str] = set()
        self.retry_keys: set[str] = set()
        self.delay_s = 0.0
        self.odd_bodies: set[str] = set()  # users whose replies and pushes LINE accepts with a body of another shape
        self.languages: dict[str, str] = {}  # the language each user set in LINE (the profile's; absent: none)
        self.lock = threading.Lock()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.server.handle_error = lambda *_: None  # type: ignore[method-assign] # a caller that died mid-call
        self.url = f"http://127.0.0.1:{port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="line-double", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sent(self, path: str, status: int = 200) -> list[Call]:
        """The calls to ``path`` that LINE accepted (``status``)."""
        with self.lock:
            return [call for call in self.calls if call.path == path and call.status == status]

    def to(self, user_id: str) -> list[Call]:
        """The accepted replies and pushes that reached ``user_id`` (a reply by the token the user's event had)."""
        with self.lock:
            return [
                call
                for call in self.calls
                if call.status == 200
                and (call.body.get("to") == user_id or call.body.get("replyToken", "").startswith(user_id + ":"))
            ]

    def texts(self, user_id: str) -> list[str]:
        return [message["text"] for call in self.to(user_id) for message in call.body["messages"]]

    def answer(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if headers.get("authorization") != f"Bearer {self.access_token}":
            return 401, {"message": "Authentication failed due to the following reason: invalid token."}
        if path in ("/v2/bot/message/reply", "/v2/bot/message/push", "/v2/bot/message/broadcast"):
            found = problems(body.get("messages"))
            if found:
                return 400, {"message": "The request body has 1 error(s)", "details": [{"message": p} for p in found]}
        if path == "/v2/bot/message/reply":
            token = body.get("replyToken", "")
            if token in self.expired or token in self.used:
                return 400, {"message": "Invalid reply token"}
            self.used.add(token)
            return 200, {"sentMessages": [{"id": uuid.uuid4().hex, "quoteToken": "q"} for _ in body["messages"]]}
        if path in ("/v2/bot/message/push", "/v2/bot/message/broadcast"):
            key = headers.get("x-line-retry-key", "")
            if key and key in self.retry_keys:
                return 409, {"message": "The retry key is already accepted"}
            if key:
                self.retry_keys.add(key)
            if path.endswith("push") and not str(body.get("to", "")).startswith("U"):
                return 400, {"message": "The property, 'to', in the request body is invalid"}
            return 200, {"sentMessages": [{"id": uuid.uuid4().hex, "quoteToken": "q"} for _ in body["messages"]]}
        if path == "/v2/bot/chat/loading/start":
            seconds = body.get("loadingSeconds", 20)
            if not isinstance(seconds, int) or not 5 <= seconds <= 60 or seconds % 5:
                return 400, {"message": "The request body has 1 error(s)"}
            return 202, {}
        return 404, {"message": "Not found"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                """A user's profile, as LINE documents it: ``language`` only where the user set one."""
                headers = {key.lower(): value for key, value in self.headers.items()}
                user = self.path.removeprefix("/v2/bot/profile/")
                with double.lock:
                    double.arrived.append(self.path)
                    if headers.get("authorization") != f"Bearer {double.access_token}":
                        status, answer = 401, {"message": "Authentication failed"}
                    elif not self.path.startswith("/v2/bot/profile/") or not user.startswith("U"):
                        status, answer = 404, {"message": "Not found"}
                    else:
                        status, answer = 200, {"userId": user, "displayName": "住民"}
                        if user in double.languages:
                            answer["language"] = double.languages[user]
                    double.calls.append(Call(self.path, {}, headers, status))
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    body = {}
                headers = {key.lower(): value for key, value in self.headers.items()}
                with double.lock:
                    double.arrived.append(self.path)
                if double.delay_s:
                    time.sleep(double.delay_s)
                with double.lock:
                    status, answer = double.answer(self.path, headers, body)
                    double.calls.append(Call(self.path, body, headers, status))
                    to = str(body.get("to") or body.get("replyToken", "")).split(":")[0]
                    if status == 200 and to in double.odd_bodies:
                        answer = {"sentMessages": "accepted", "note": ["a shape the SDK does not expect"]}
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("x-line-request-id", uuid.uuid4().hex)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


def signature(body: bytes, secret: str) -> str:
    """X-Line-Signature: base64 of the HMAC-SHA256 of the body with the channel secret, as LINE signs."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def text_event(
    user_id: str,
    text: str,
    *,
    event_id: str = "",
    sent_ms: int | None = None,
    redelivery: bool = False,
    mode: str = "active",
) -> dict[str, Any]:
    """A message event as LINE sends it; its reply token starts with the user id (so a reply can be traced)."""
    event_id = event_id or uuid.uuid4().hex.upper()[:26]
    return {
        "type": "message",
        "mode": mode,
        "timestamp": sent_ms if sent_ms is not None else int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": event_id,
        "deliveryContext": {"isRedelivery": redelivery},
        "replyToken": f"{user_id}:{event_id}",
        "message": {"id": event_id[::-1], "type": "text", "quoteToken": "q", "text": text},
    }


def event(kind: str, user_id: str, **fields: Any) -> dict[str, Any]:
    """Any other event (follow, unfollow, postback, unsend, a message of another type) as LINE sends it."""
    event_id = uuid.uuid4().hex.upper()[:26]
    made = {
        "type": kind,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": event_id,
        "deliveryContext": {"isRedelivery": False},
        **fields,
    }
    if kind in ("message", "follow", "postback"):
        made["replyToken"] = f"{user_id}:{event_id}"
    return made


def webhook_body(*events: dict[str, Any]) -> bytes:
    return json.dumps({"destination": "Uaccount", "events": list(events)}, ensure_ascii=False).encode()
