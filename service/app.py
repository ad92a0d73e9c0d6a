"""create_app(settings): routes, one error handler, a lifespan that opens the store and the live generation
(each worker then follows LIVE on its own, see service/live.py)."""

from __future__ import annotations

import json
import logging
import queue
import threading
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ingest.text import detect_lang, normalize
from service import admin, staff
from service.auth import has_token
from service.context import Context, Services
from service.deps import ServicesDep, clean_question
from service.errors import MadoguchiError
from service.live import LiveServices
from service.outcomes import NOTICE, Outcome
from service.pipeline import answer
from service.privacy import mask_personal_data
from service.reload import Reloader
from service.schemas import Answer, AskRequest, ErrorBody, FeedbackAccepted, FeedbackRequest, Handoff, Health, Status
from service.settings import Settings
from service.store import Store

logger = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'"
)
ERRORS: dict[int | str, dict[str, Any]] = {503: {"model": ErrorBody, "description": "No live index generation"}}
ASK_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorBody, "description": "question_empty, question_too_long or invalid_request"},
    **ERRORS,
}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store(settings.database_url, settings.conversation_retention_days)
        store.purge_expired()
        app.state.live = LiveServices(settings, store)
        app.state.reloader = Reloader(settings, store)
        app.state.reloader.recover()
        yield
        store.engine.dispose()

    app = FastAPI(
        title="Madoguchi",
        summary="Answers residents' enquiries from the city's own FAQs and regulations, offline.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    _add_error_handlers(app)
    app.include_router(admin.router)
    app.include_router(staff.router)

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Any) -> Any:
        """Refuse an oversized body before reading it: a question is at most a few kilobytes."""
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > settings.max_body_bytes:
            message = f"The request body is larger than {settings.max_body_bytes} bytes."
            return error_response(413, "request_too_large", message)
        return await call_next(request)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Any:
        """Pages run only their own scripts and styles, from this server; nothing is fetched elsewhere."""
        response = await call_next(request)
        if request.url.path not in ("/docs", "/redoc"):  # FastAPI's API browser loads its own assets
            # Only the residents' chat may be framed, and only by the city's own pages.
            ancestors = " ".join(["'self'", *settings.origins]) if request.url.path == "/" else "'none'"
            response.headers.setdefault(
                "Content-Security-Policy", f"{CONTENT_SECURITY_POLICY}; frame-ancestors {ancestors}"
            )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if settings.origins:  # the city's own pages may call the residents' endpoints from the browser
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
        )

    @app.get("/console", include_in_schema=False)
    def console() -> FileResponse:
        """The staff console (one page, no external assets; the staff token is entered in the page)."""
        return FileResponse(STATIC / "console.html", headers={"Cache-Control": "no-cache"})

    @app.get("/", include_in_schema=False)
    def chat() -> FileResponse:
        """The residents' chat page (no external assets; embeddable by MADOGUCHI_ALLOWED_ORIGINS)."""
        return FileResponse(STATIC / "chat.html", headers={"Cache-Control": "no-cache"})

    @app.get("/healthz", response_model=Health, tags=["operations"])
    def healthz(request: Request) -> Health:
        """Liveness: the process answers. `index` tells whether it can also answer questions."""
        return Health(status="ok", index="ready" if request.app.state.live.current() else "unavailable")

    @app.get("/v1/status", response_model=Status, responses=ERRORS, tags=["operations"])
    def status(services: ServicesDep) -> Status:
        """The live index generation: its id, size and embedding model."""
        index = services.index
        return Status(
            generation=index.generation,
            created=str(index.manifest["created"]),
            documents=index.documents,
            chunks=len(index.chunks),
            model=index.embedding_model,
            languages=dict(Counter(chunk.lang for chunk in index.chunks)),
        )

    @app.post("/v1/ask", response_model=Answer, responses=ASK_ERRORS, tags=["residents"])
    def ask(request: AskRequest, services: ServicesDep) -> Answer:
        """Answer a resident's question from the city's own sources, or hand it to a person."""
        ctx = question_context(request, services)
        return to_answer(ctx, answer(ctx))

    @app.post(
        "/v1/ask/stream",
        responses={200: {"content": {"text/event-stream": {}}}, **ASK_ERRORS},
        response_class=StreamingResponse,
        tags=["residents"],
    )
    def ask_stream(request: AskRequest, services: ServicesDep) -> StreamingResponse:
        """The same answer as server-sent events: `token` events while a generative composer writes, then one
        `done` event with the whole answer, checked (it replaces the tokens: after a failed check it is the
        extractive answer). Without a generative composer there is only the `done` event."""
        ctx = question_context(request, services)
        tokens: queue.Queue[str | None] = queue.Queue()
        ctx.extra["on_token"] = tokens.put
        finished: list[Answer] = []

        def work() -> None:
            try:
                finished.append(to_answer(ctx, answer(ctx)))
            except Exception:
                logger.exception("streamed answer failed")
            finally:
                tokens.put(None)

        def events() -> Iterator[str]:
            threading.Thread(target=work, name="ask-stream", daemon=True).start()
            while (token := tokens.get()) is not None:
                yield f"event: token\ndata: {json.dumps(token, ensure_ascii=False)}\n\n"
            if finished:
                yield f"event: done\ndata: {finished[0].model_dump_json()}\n\n"
            else:
                error = {"error": {"code": "internal_error", "message": "Something went wrong on our side."}}
                yield f"event: error\ndata: {json.dumps(error)}\n\n"

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    @app.post(
        "/v1/feedback",
        response_model=FeedbackAccepted,
        status_code=201,
        responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
        tags=["residents", "staff"],
    )
    def give_feedback(body: FeedbackRequest, request: Request, services: ServicesDep) -> FeedbackAccepted:
        """Was an answer helpful? From residents (no token) and staff (their bearer token)."""
        source = "staff" if has_token(request, settings.staff_token) else "resident"
        comment = mask_personal_data(normalize(body.comment))[0] if body.comment else None
        services.cases.add_feedback(body.answer_id, body.helpful, comment, source)
        return FeedbackAccepted(source=source)

    def openapi() -> dict[str, Any]:
        """The generated contract, with the question's length limit as this deployment sets it."""
        if not app.openapi_schema:
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
            question = schema["components"]["schemas"]["AskRequest"]["properties"]["question"]
            question["maxLength"] = settings.question_max_chars
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def question_context(request: AskRequest, services: Services) -> Context:
    question = clean_question(request.question, services.settings.question_max_chars)
    return Context(
        question=question,
        lang=request.lang or detect_lang(question),
        conversation_id=request.conversation_id or uuid.uuid4().hex,
        services=services,
    )


def to_answer(ctx: Context, outcome: Outcome) -> Answer:
    return Answer(
        answer=outcome.answer,
        citations=outcome.citations,
        suggestions=outcome.suggestions,
        confidence=round(ctx.confidence, 4),
        handoff=Handoff(
            needed=outcome.handoff_reason is not None,
            reason=outcome.handoff_reason,
            department=outcome.department,
            contact=outcome.contact,
            case_id=outcome.case_id,
            reference=outcome.reference,
        ),
        outcome=outcome.outcome,
        lang=ctx.lang,
        conversation_id=ctx.conversation_id,
        generation=ctx.services.index.generation,
        notice=NOTICE[ctx.lang],
        timings_ms=ctx.timings_ms,
        answer_id=ctx.answer_id,
        composer=ctx.extra.get("composer", "extractive"),
        composer_fallback=ctx.extra.get("fallback"),
    )


def error_response(status: int, code: str, message: str) -> JSONResponse:
    """The one shape of every error: {"error": {"code", "message"}}."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(MadoguchiError)
    async def on_error(_: Request, error: MadoguchiError) -> JSONResponse:
        return error_response(error.status, error.code, error.message)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
        return error_response(422, "invalid_request", f"{where or 'request'}: {first.get('msg', 'invalid')}")

    @app.exception_handler(Exception)
    async def on_fault(request: Request, error: Exception) -> JSONResponse:
        # The traceback names code, never the question: request bodies are not logged.
        logger.error("unhandled %s on %s %s", type(error).__name__, request.method, request.url.path, exc_info=error)
        return error_response(500, "internal_error", "Something went wrong on our side; please try again later.")

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed"}
        return error_response(error.status_code, codes.get(error.status_code, "http_error"), str(error.detail))
