"""The edge: one shape for every error ({"error": {"code", "message"}}), and the middleware every request
passes through (the body-size limit of service/api/limits.py, CORS, security and cache headers)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.limits import BodyLimit
from service.api.metrics import CountRequests
from service.errors import (
    InternalError,
    MadoguchiError,
    RequestTooLargeError,
    StorageUnavailableError,
    error_body,
)
from service.settings import Settings

logger = logging.getLogger(__name__)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'"
)
HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


def error_response(error: MadoguchiError) -> JSONResponse:
    return JSONResponse(error_body(error), status_code=error.status, headers=error.headers)


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(MadoguchiError)
    async def on_error(_: Request, error: MadoguchiError) -> JSONResponse:
        return error_response(error)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
        message = f"{where or 'request'}: {first.get('msg', 'invalid')}"
        return error_response(MadoguchiError("invalid_request", message, 422))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(error.status_code, "http_error")
        return error_response(MadoguchiError(code, str(error.detail), error.status_code))

    @app.exception_handler(DBAPIError)
    async def on_storage(request: Request, error: DBAPIError) -> JSONResponse:
        # One line, no traceback, no statement or parameters (they would hold the resident's words).
        cause = str(error.orig).splitlines()[0][:200] if error.orig else ""
        logger.error(
            "storage unavailable on %s %s: %s %s", request.method, request.url.path, type(error.orig).__name__, cause
        )
        return error_response(StorageUnavailableError())

    @app.exception_handler(Exception)
    async def on_fault(request: Request, error: Exception) -> JSONResponse:
        # The traceback names code, never the question: request bodies are not logged.
        logger.error("unhandled %s on %s %s", type(error).__name__, request.method, request.url.path, exc_info=error)
        return error_response(InternalError())


def add_middleware(app: FastAPI, settings: Settings) -> None:
    # Innermost first: the body limit reads every body before the app does; the headers go on every
    # response, refusals included.
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_body_bytes, refuse=too_large, webhook_bytes=settings.line_max_body_bytes
    )

    app.add_middleware(SecurityHeaders, origins=settings.origins)
    app.add_middleware(CountRequests, tenant=settings.tenant)  # outermost: every response counts, refusals included

    if settings.origins:  # the city's own pages may call the residents' endpoints from the browser
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "X-Madoguchi-Channel"],
        )


class SecurityHeaders:
    """ASGI middleware: pages run only their own scripts and styles, from this server, and nothing is fetched
    elsewhere; only the residents' chat may be framed, and only by the city's own pages (``origins``); answers
    and staff data are never kept by a cache; a redirect (``/t/a`` -> ``/t/a/``) names only a path, never the
    Host header a client sent. A pure ASGI middleware, so that a client that leaves mid-request ends quietly
    here (a ``BaseHTTPMiddleware`` would log it as a fault)."""

    def __init__(self, app: ASGIApp, origins: list[str] | None = None) -> None:
        self.app, self.origins = app, origins or []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope_path(scope)
        host = Headers(scope=scope).get("host", "")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if path != "/docs":  # the API browser (off by default) loads its assets from a CDN
                    ancestors = " ".join(["'self'", *self.origins]) if path == "/" else "'none'"
                    headers.setdefault(
                        "Content-Security-Policy", f"{CONTENT_SECURITY_POLICY}; frame-ancestors {ancestors}"
                    )
                if path.startswith("/v1/"):
                    headers["Cache-Control"] = "no-store"
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                if 300 <= message["status"] < 400 and "location" in headers:
                    target = urlsplit(headers["location"])
                    if target.netloc == host:  # built from the request's Host header: it never sends anyone away
                        headers["location"] = urlunsplit(("", "", target.path or "/", target.query, target.fragment))
            await send(message)

        await self.app(scope, receive, with_headers)


def scope_path(scope: Scope) -> str:
    """The path within this app: under a tenant's /t/<name>/ prefix, what follows it."""
    path: str = scope.get("path", "")
    return path.removeprefix(scope.get("root_path", "")) or "/"


def too_large(max_bytes: int) -> JSONResponse:
    return error_response(RequestTooLargeError(max_bytes))
