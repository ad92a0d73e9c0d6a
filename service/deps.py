"""What the routers share: the services of the live generation, and a question made fit to answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ingest.text import normalize
from service.context import Services
from service.errors import IndexUnavailableError, MadoguchiError


def clean_question(text: str, max_chars: int) -> str:
    if len(text) > max_chars:
        raise MadoguchiError(
            "question_too_long", f"The question is longer than {max_chars} characters. Please shorten it.", 422
        )
    question = normalize(text)
    if not question:
        raise MadoguchiError("question_empty", "The question is empty. Please type a question.", 422)
    return question


def services_of(request: Request) -> Services:
    services: Services | None = request.app.state.live.current()
    if services is None:
        raise IndexUnavailableError()
    return services


ServicesDep = Annotated[Services, Depends(services_of)]
