"""What the routers share: the settings, the services of the live generation, and a question made fit to
answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ingest.text import normalize
from service.answer.context import Services
from service.errors import IndexUnavailableError, QuestionEmptyError, QuestionTooLongError
from service.settings import Settings


def clean_question(text: str, max_chars: int) -> str:
    if len(text) > max_chars:
        raise QuestionTooLongError(max_chars)
    question = normalize(text)
    if not question:
        raise QuestionEmptyError()
    return question


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def services_of(request: Request) -> Services:
    services: Services | None = request.app.state.live.current()
    if services is None:
        raise IndexUnavailableError()
    return services


SettingsDep = Annotated[Settings, Depends(settings_of)]
ServicesDep = Annotated[Services, Depends(services_of)]
