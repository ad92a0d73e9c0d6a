"""create_app(settings): assembles the routers, the error handlers, the middleware and a lifespan that opens
the store and the live generation (each worker then follows LIVE on its own, see service/live.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles

from service import admin, operations, pages, residents, staff
from service.handlers import add_error_handlers, add_middleware
from service.live import LiveServices
from service.pages import STATIC
from service.reload import Reloader
from service.settings import Settings
from service.store import Store


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="Madoguchi",
        summary="Answers residents' enquiries from the city's own FAQs and regulations, offline.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    add_error_handlers(app)
    add_middleware(app, settings)
    for module in (residents, staff, admin, operations, pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.openapi = lambda: contract(app, settings)  # type: ignore[method-assign]
    return app


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    store = Store(settings.database_url, settings.conversation_retention_days)
    store.purge_expired()
    app.state.live = LiveServices(settings, store)
    app.state.reloader = Reloader(settings, store)
    app.state.reloader.recover()
    yield
    store.engine.dispose()


def contract(app: FastAPI, settings: Settings) -> dict[str, Any]:
    """The generated OpenAPI contract, with the question's length limit as this deployment sets it."""
    if not app.openapi_schema:
        schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
        question = schema["components"]["schemas"]["AskRequest"]["properties"]["question"]
        question["maxLength"] = settings.question_max_chars
        app.openapi_schema = schema
    return app.openapi_schema
