"""Bearer tokens for the operators' and the staff's APIs: each area has its own token setting; an area
without one is off (403), a missing or wrong token is refused (401). Tokens are compared in constant time, and
a client that keeps sending wrong ones is refused for a while (429, service/api/limits.py)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from fastapi import Request
from pydantic import SecretStr

from service.api.deps import settings_of
from service.api.limits import rate_limits_of
from service.api.schemas.common import ErrorBody
from service.errors import TokenDisabledError, UnauthorizedError
from service.settings import Settings


def token_guard(area: str, token_of: Callable[[Settings], SecretStr | None]) -> Callable[[Request], None]:
    """A FastAPI dependency for one area ("admin", "staff")."""

    def guard(request: Request) -> None:
        expected = token_of(settings_of(request))
        if expected is None:
            raise TokenDisabledError(area, f"MADOGUCHI_{area.upper()}_TOKEN")
        if not checked_token(request, expected):
            raise UnauthorizedError(area)

    return guard


def checked_token(request: Request, expected: SecretStr | None) -> bool:
    """Whether the request carries ``expected``; a client that has sent too many wrong tokens is refused (429)
    before its token is even compared, and every wrong one counts against it."""
    limits = rate_limits_of(request)
    limits.token_backoff(request)
    if has_token(request, expected):
        return True
    limits.failed_token(request)
    return False


def has_token(request: Request, expected: SecretStr | None) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if expected is None or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), expected.get_secret_value().encode())


def token_errors(area: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI description of a token-guarded area's two refusals."""
    return {
        401: {"model": ErrorBody, "description": "unauthorized: the bearer token is missing or wrong"},
        403: {"model": ErrorBody, "description": f"{area}_disabled: no {area} token is configured"},
    }
