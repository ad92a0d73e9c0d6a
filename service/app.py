"""create_app(settings): assembles the routers, the error handlers, the middleware and a lifespan that opens
the store and the live generation (each worker then follows LIVE on its own, see service/live/services.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError

from ingest.learned import write_phrasings
from service.api import admin, operations, pages, reports, residents, staff
from service.api.handlers import add_error_handlers, add_middleware
from service.api.limits import RateLimits
from service.api.line import webhook as line_webhook
from service.api.line.worker import LineChannel
from service.api.pages import STATIC
from service.live.reloader import Reloader
from service.live.services import LiveServices
from service.settings import Settings
from service.store.database import Store

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="Madoguchi",
        summary="Answers residents' enquiries from the city's own FAQs and regulations, offline.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs" if settings.api_docs else None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.rate_limits = RateLimits(settings)
    add_error_handlers(app)
    add_middleware(app, settings)
    for router in (
        residents.router,
        staff.router,
        reports.staff_router,
        reports.public_router,
        admin.router,
        operations.router,
        line_webhook.router,
        pages.router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.openapi = lambda: contract(app, settings)  # type: ignore[method-assign]
    return app


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    store = Store(settings.database_url, settings.conversation_retention_days, settings.retention)
    app.state.live = LiveServices(settings, store)
    app.state.reloader = Reloader(settings, store)
    app.state.reloader.recover()
    purging = asyncio.create_task(purge_on_schedule(store, settings))
    if settings.line_channel_secret is not None:  # the LINE channel: its worker answers what was kept
        app.state.line = LineChannel(settings, app.state.live, app.state.rate_limits)
        app.state.line.start()
    yield
    purging.cancel()
    if settings.line_channel_secret is not None:
        await app.state.line.stop()
    app.state.live.close()
    store.engine.dispose()


async def purge_on_schedule(store: Store, settings: Settings) -> None:
    """What is past its retention period goes at start-up and then every ``purge_interval_s``."""
    while True:
        try:
            purged = await asyncio.to_thread(store.purge_expired)
            if any(purged.values()):
                logger.info("retention purge removed %s", purged)
            if purged.get("learned"):  # the corpus's learned file holds only what is still kept
                kept = store.learned.counted(settings.learn_after_picks)
                await asyncio.to_thread(write_phrasings, settings.corpus_dir.resolve(), kept)
        except SQLAlchemyError as error:
            logger.warning("retention purge failed: %s", type(error).__name__)
        await asyncio.sleep(settings.purge_interval_s)


def contract(app: FastAPI, settings: Settings) -> dict[str, Any]:
    """The generated OpenAPI contract, with the question's length limit as this deployment sets it."""
    if not app.openapi_schema:
        schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
        question = schema["components"]["schemas"]["AskRequest"]["properties"]["question"]
        question["maxLength"] = settings.question_max_chars
        app.openapi_schema = schema
    return app.openapi_schema
