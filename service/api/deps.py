"""What the routers share: the settings, the live services and the reloader this app opened, the services of the
live generation, and a question made fit to answer. With ``limits.rate_limits_of``, the only code of the routers
that reads ``app.state``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request

from ingest.text import normalize, without_invisible
from service.answer.context import Services
from service.errors import IndexUnavailableError, QuestionEmptyError, QuestionTooLongError
from service.live.reloader import Reloader
from service.live.services import LiveServices
from service.settings import Settings
from service.store.notices import NoticeBoard
from service.store.switches import SwitchBoard

T = TypeVar("T")


def clean_question(text: str, max_chars: int) -> str:
    """The question as the service reads it (NFKC, nothing invisible), its length counted after folding: a
    ligature such as U+FDFA becomes 18 characters."""
    question = normalize(without_invisible(text))
    if len(question) > max_chars:
        raise QuestionTooLongError(max_chars)
    if not question:
        raise QuestionEmptyError()
    return question


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def live_of(request: Request) -> LiveServices:
    live: LiveServices = request.app.state.live
    return live


def reloader_of(request: Request) -> Reloader:
    reloader: Reloader = request.app.state.reloader
    return reloader


def services_of(request: Request) -> Services:
    services: Services | None = live_of(request).current()
    if services is None:
        raise IndexUnavailableError()
    return services


def notices_of(request: Request) -> NoticeBoard:
    return live_of(request).notices


def switches_of(request: Request) -> SwitchBoard:
    return live_of(request).switches


def on_the_loop(read: Callable[[Request], T]) -> Callable[[Request], Awaitable[T]]:
    """FastAPI runs a plain function dependency in its thread pool, where it would wait behind every question
    waiting there (``/healthz`` must answer while they do); these reads take no time, so they run on the loop."""

    async def dependency(request: Request) -> T:
        return read(request)

    return dependency


SettingsDep = Annotated[Settings, Depends(on_the_loop(settings_of))]
LiveDep = Annotated[LiveServices, Depends(on_the_loop(live_of))]
ReloaderDep = Annotated[Reloader, Depends(on_the_loop(reloader_of))]
ServicesDep = Annotated[Services, Depends(on_the_loop(services_of))]
NoticesDep = Annotated[NoticeBoard, Depends(on_the_loop(notices_of))]
SwitchesDep = Annotated[SwitchBoard, Depends(on_the_loop(switches_of))]
