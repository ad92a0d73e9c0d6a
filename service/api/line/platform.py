"""LINE's Messaging API, through LINE's official SDK (line-bot-sdk v3, ADR 0010): reply with a reply token, push
to a user, broadcast to every follower, and show the loading animation while an answer is made. The host is a
setting (``MADOGUCHI_LINE_API_URL``), so tests talk to a double of LINE on loopback through the same code.

A push carries a retry key made from what it answers (``X-Line-Retry-Key``): LINE accepts one push per key, so
a push sent again after a crash is refused with 409 instead of reaching the resident twice.

The SDK takes most of a second to import: it is loaded when a channel is made, so a city without LINE (and every
server start without it) never pays for it."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from ingest.languages import LANGUAGES
from service.settings import Settings

if TYPE_CHECKING:
    from linebot.v3.messaging import Message
    from linebot.v3.messaging.exceptions import ApiException

logger = logging.getLogger(__name__)
LOADING_SECONDS = 20  # LINE's animation lasts 5-60 s (a multiple of 5) or until the answer arrives
RETRY_KEYS = uuid.UUID("6f2c7a38-5b8e-4d5e-9a51-0d7c6c1e9b11")  # namespace of our retry keys


class LineRejected(Exception):
    """LINE refused a call for good (4xx other than an expired reply token): sending it again will not help."""


class LinePlatform:
    def __init__(self, settings: Settings) -> None:
        from linebot.v3 import messaging, webhook  # the SDK, loaded with the channel (module docstring)

        token = settings.line_channel_access_token.get_secret_value() if settings.line_channel_access_token else ""
        secret = settings.line_channel_secret.get_secret_value() if settings.line_channel_secret else ""
        self.sdk = messaging
        self.validator = webhook.SignatureValidator(secret)
        self.client = self.sdk.ApiClient(self.sdk.Configuration(host=settings.line_api_url, access_token=token))
        self.api = self.sdk.MessagingApi(self.client)
        self.timeout_s = settings.line_timeout_s
        # Any 2xx is delivered: the body LINE answers with is not read (a body the SDK did not expect once made a
        # delivered message look failed, and it was pushed again).
        self.raw: dict[str, Any] = {"_preload_content": False, "_request_timeout": self.timeout_s}

    def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> bool:
        """Send through the reply token; False when LINE no longer accepts the token (used or expired)."""
        request = self.sdk.ReplyMessageRequest(reply_token=reply_token, messages=self._messages(messages))
        try:
            self.api.reply_message_with_http_info(request, **self.raw)
        except self.sdk.ApiException as error:
            if error.status == 400 and "reply token" in str(error.body or "").lower():
                return False
            _refused(error)
        return True

    def push(self, user_id: str, messages: list[dict[str, Any]], retry_key: str) -> None:
        """Send to the user; a push LINE has already accepted under this retry key is not sent again."""
        request = self.sdk.PushMessageRequest(to=user_id, messages=self._messages(messages))
        try:
            self.api.push_message_with_http_info(request, x_line_retry_key=key_of(retry_key), **self.raw)
        except self.sdk.ApiException as error:
            if error.status != 409:  # 409: accepted before under this key
                _refused(error)

    def broadcast(self, messages: list[dict[str, Any]], retry_key: str) -> None:
        """Send to every follower of the account, once per retry key."""
        request = self.sdk.BroadcastRequest(messages=self._messages(messages), notification_disabled=False)
        try:
            self.api.broadcast_with_http_info(request, x_line_retry_key=key_of(retry_key), **self.raw)
        except self.sdk.ApiException as error:
            if error.status != 409:
                _refused(error)

    def loading(self, user_id: str) -> None:
        """The loading animation in the user's chat, while the answer is made (a courtesy: a failure is logged)."""
        request = self.sdk.ShowLoadingAnimationRequest(chat_id=user_id, loading_seconds=LOADING_SECONDS)
        try:
            self.api.show_loading_animation(request, _request_timeout=self.timeout_s)
        except Exception as error:
            logger.warning("LINE loading animation failed: %s", type(error).__name__)

    def language(self, user_id: str) -> str | None:
        """The language the user set in LINE (``GET /v2/bot/profile/{userId}``, ``language``), as one of ours
        (ingest/languages.py); None where LINE does not say, says one we do not speak, or cannot be asked now."""
        try:
            profile = self.api.get_profile(user_id, _request_timeout=self.timeout_s)
        except Exception as error:
            logger.warning("LINE profile not read: %s", type(error).__name__)
            return None
        return ours(getattr(profile, "language", None) or "")

    def signed(self, body: str, signature: str) -> bool:
        """Whether ``signature`` is LINE's signature of ``body`` under the channel secret (the SDK's check)."""
        return bool(self.validator.validate(body, signature))

    def close(self) -> None:
        self.client.close()

    def _messages(self, messages: list[dict[str, Any]]) -> list[Message]:
        return [self.sdk.Message.from_dict(message) for message in messages]


def ours(tag: str) -> str | None:
    """A language tag as LINE or a browser writes it (ja, en, zh-Hant, zh-TW, pt-BR, fil) as one of ours."""
    lowered = tag.replace("_", "-").lower()
    aliases = {"zh-tw": "zh-Hant", "zh-hk": "zh-Hant", "zh-hant": "zh-Hant", "zh-cn": "zh-Hans", "zh": "zh-Hans"}
    aliases |= {"zh-hans": "zh-Hans", "fil": "tl", "in": "id"}  # Android still writes Indonesian as "in"
    if lowered in aliases:
        return aliases[lowered]
    primary = lowered.split("-")[0]
    found = aliases.get(primary) or next((lang for lang in LANGUAGES if lang == primary), None)
    return found


def key_of(what: str) -> str:
    """The retry key of a push or broadcast: the same for the same event or notice, on every worker."""
    return str(uuid.uuid5(RETRY_KEYS, what))


def _refused(error: ApiException) -> None:
    if error.status is not None and 400 <= error.status < 500 and error.status != 429:
        raise LineRejected(f"LINE refused the call: {error.status}") from error
    raise error
