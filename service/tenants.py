"""Several municipalities on one install (自治体クラウド): each a tenant with its own corpus, index, database,
tokens and settings, named in one TOML file (``MADOGUCHI_TENANTS_FILE``)::

    [takamatsu]                                   # the tenant's name: /t/takamatsu/…
    hosts = ["faq.city.takamatsu.example.jp"]     # and/or these host names
    corpus_dir = "/srv/madoguchi/takamatsu/corpus"
    staff_token = "…"
    allowed_origins = "https://www.city.takamatsu.lg.jp"

    [naoshima]
    corpus_dir = "/srv/madoguchi/naoshima/corpus"
    handoff_threshold = 0.4

A tenant's table sets any of the service's settings by its lower-case name; what it leaves out comes from the
environment, except what must never be shared: its index directory (``<MADOGUCHI_INDEX_DIR>/<name>``), its
database (a SQLite file beside the install's, or the ``database_url`` it names) and its tokens (only its own;
none is an area switched off). Each tenant is a whole app of its own (service/app.py), so its answers, cases,
reports, reloads and rollbacks never touch another's; one process serves them all and shares the model.
Without the file nothing changes: one municipality, today's URLs."""

from __future__ import annotations

import asyncio
import re
import tomllib
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Host, Mount, Route

from service.api.handlers import SecurityHeaders
from service.app import create_app
from service.settings import Settings

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
RESERVED = frozenset({"generations", "baselines"})  # what a single municipality's index directory holds
PREFIX = "/t"
INSTALL_WIDE = frozenset({"host", "port", "workers", "request_timeout_s", "tenants_file", "tenant"})
OWN = ("index_dir", "database_url", "corpus_dir")  # never shared by two tenants
TOKENS = (  # only ever the tenant's own
    "admin_token",
    "staff_token",
    "metrics_token",
    "line_channel_secret",
    "line_channel_access_token",
)
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "0:0:0:0:0:0:0:1"})
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306}


class TenantsFileError(ValueError):
    """The tenants file cannot be served as written; the message names the tenant and the key."""


@dataclass(frozen=True)
class Tenant:
    name: str
    hosts: tuple[str, ...]
    settings: Settings


def load_tenants(base: Settings) -> list[Tenant]:
    """The tenants ``base.tenants_file`` names, each with its settings; none when the setting is unset."""
    if base.tenants_file is None:
        return []
    path = base.tenants_file
    try:
        tables = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise TenantsFileError(f"{path}: cannot be read as TOML ({error})") from error
    if not tables:
        raise TenantsFileError(f"{path}: names no tenant; add a [name] table with its corpus_dir")
    tenants = [_tenant(name, table, base, path) for name, table in tables.items()]
    _refuse_shared(tenants, path)
    return tenants


def _tenant(name: str, table: Any, base: Settings, path: Path) -> Tenant:
    where = f"{path}: [{name}]"
    if not NAME.match(name) or name in RESERVED:
        raise TenantsFileError(
            f"{where}: a tenant's name is lower-case letters, digits and '-' (it is in its URLs), "
            f"and not {' or '.join(sorted(RESERVED))}"
        )
    if not isinstance(table, dict):
        raise TenantsFileError(f"{where}: must be a table of settings")
    values = dict(table)
    hosts = values.pop("hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(host, str) and host for host in hosts):
        raise TenantsFileError(f"{where}: hosts must be a list of host names")
    if "corpus_dir" not in values:
        raise TenantsFileError(f"{where}: corpus_dir is required (the municipality's own FAQs and regulations)")
    if wide := sorted(INSTALL_WIDE & values.keys()):
        raise TenantsFileError(f"{where}: {', '.join(wide)} is set for the whole install, not per tenant")
    if "index_dir" in values:
        raise TenantsFileError(f"{where}: index_dir is <MADOGUCHI_INDEX_DIR>/{name} for a tenant, not set per tenant")
    own: dict[str, Any] = {"index_dir": base.index_dir / name, **dict.fromkeys(TOKENS)}
    if "database_url" not in values:
        if (database := _sqlite_beside(base.database_url, name)) is None:
            raise TenantsFileError(f"{where}: database_url is required (its own database on this engine)")
        own["database_url"] = database
    try:
        settings = Settings(**{**own, **values, "tenant": name})
    except ValidationError as error:
        problem = error.errors()[0]
        key = ".".join(str(part) for part in problem["loc"])
        raise TenantsFileError(f"{where}: {key}: {problem['msg']}") from error
    return Tenant(name, tuple(host.lower() for host in hosts), settings)


def _sqlite_beside(install_url: str, name: str) -> str | None:
    """A SQLite file beside the install's (var/madoguchi.db -> var/madoguchi-<name>.db); any other engine's
    database is created by its administrator and named in the tenant's table."""
    url = make_url(install_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    database = Path(url.database)
    return url.set(database=str(database.with_name(f"{database.stem}-{name}{database.suffix}"))).render_as_string(
        hide_password=False
    )


def _refuse_shared(tenants: list[Tenant], path: Path) -> None:
    """Two tenants never share an index, a database, a corpus, a host or a token: either would mix their data."""
    for what, keys in (*((key, (key,)) for key in (*OWN, "hosts")), ("token", TOKENS)):
        seen: dict[str, str] = {}
        for tenant in tenants:
            for value in {value for key in keys for value in _values(tenant, key)}:
                if seen.setdefault(value, tenant.name) != tenant.name:
                    raise TenantsFileError(f"{path}: [{seen[value]}] and [{tenant.name}] share one {what}")


def _values(tenant: Tenant, key: str) -> list[str]:
    if key == "hosts":
        return list(tenant.hosts)
    value = getattr(tenant.settings, key)
    if value is None:
        return []
    if isinstance(value, Path):
        return [str(value.resolve())]
    if key == "database_url":
        return [_database_identity(value)]
    return [value if isinstance(value, str) else value.get_secret_value()]


def _database_identity(url: str) -> str:
    """One database however its URL is spelled: a SQLite file by its resolved path (``/./``, ``..``, links);
    a server database by engine, host (every loopback spelling one), port (the engine's default when left
    out) and name; never its user or password."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return f"sqlite:{Path(parsed.database).resolve()}" if parsed.database else f"sqlite:memory:{url}"
    host = (parsed.host or "localhost").lower().strip("[]")
    host = "loopback" if host in LOOPBACK else host
    port = parsed.port or DEFAULT_PORTS.get(backend)
    return f"{backend}://{host}:{port}/{parsed.database}"


def create_server() -> Starlette | FastAPI:
    """What ``python -m service`` serves: one app, or one per tenant when a tenants file is set."""
    settings = Settings()
    tenants = load_tenants(settings)
    return create_tenanted_app(tenants) if tenants else create_app(settings)


def create_tenanted_app(tenants: list[Tenant]) -> Starlette:
    """One app per tenant, reached by its host names or under ``/t/<name>/``; their lifespans run together."""
    apps = {tenant.name: create_app(tenant.settings) for tenant in tenants}
    routes: list[BaseRoute] = [Host(host, apps[tenant.name]) for tenant in tenants for host in tenant.hosts]
    routes += [Route("/healthz", _healthz), Route("/", _directory)]
    routes += [Mount(f"{PREFIX}/{name}", app) for name, app in apps.items()]

    @asynccontextmanager
    async def lifespan(_: Starlette) -> Any:
        async with AsyncExitStack() as stack:
            for app in apps.values():
                await stack.enter_async_context(app.router.lifespan_context(app))
            yield

    server = Starlette(routes=routes, lifespan=lifespan)
    server.add_middleware(SecurityHeaders)  # the directory, the health and the 404s too
    server.state.tenants = apps
    server.add_exception_handler(404, _unknown)
    return server


async def _healthz(request: Request) -> JSONResponse:
    """200 when every tenant can answer: its index open and its database reachable and writable (checked at
    once, off the event loop); each tenant's own health, with what is wrong, is at /t/<name>/healthz."""
    apps: dict[str, FastAPI] = request.app.state.tenants

    def can_answer(app: FastAPI) -> bool:
        return app.state.live.current() is not None and bool(app.state.live.store.reachable())

    checked = await asyncio.gather(*(asyncio.to_thread(can_answer, app) for app in apps.values()))
    ready = dict(zip(apps, checked, strict=True))
    body = {"status": "ok" if all(ready.values()) else "unavailable", "tenants": ready}
    return JSONResponse(body, status_code=200 if all(ready.values()) else 503)


async def _directory(request: Request) -> JSONResponse:
    apps: dict[str, FastAPI] = request.app.state.tenants
    return JSONResponse({"tenants": [f"{PREFIX}/{name}/" for name in apps]})


async def _unknown(request: Request, _: Exception) -> JSONResponse:
    message = "No municipality is served here; each is under /t/<name>/ or on its own host name."
    return JSONResponse({"error": {"code": "tenant_unknown", "message": message}}, status_code=404)
