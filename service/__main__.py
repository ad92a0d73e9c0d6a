"""``python -m service --host H --port P``: serve the app with uvicorn."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from functools import partial

import uvicorn

from ingest.settings import load_settings_or_exit
from service.api.connections import TimelyHttp
from service.settings import Settings


def main(argv: list[str] | None = None) -> int:
    settings = load_settings_or_exit(Settings)  # a bad setting stops here, in a second, before the app is imported
    from service.tenants import TenantsFileError, load_tenants

    try:
        load_tenants(settings)  # a tenants file that cannot be served stops here, naming the tenant and key
    except TenantsFileError as error:
        print(f"setting MADOGUCHI_TENANTS_FILE: {error}", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog="python -m service", description="Serve the Madoguchi HTTP API.")
    parser.add_argument("--host", default=settings.host, help="bind address (MADOGUCHI_HOST)")
    parser.add_argument("--port", type=int, default=settings.port, help="port (MADOGUCHI_PORT)")
    parser.add_argument("--workers", type=int, default=settings.workers, help="worker processes (MADOGUCHI_WORKERS)")
    args = parser.parse_args(argv)
    if args.workers > 1:  # the workers count in files of one fresh directory; a scrape adds them up
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="madoguchi-metrics-")
    # Each worker builds its own app from the same environment; they share the index and the database.
    uvicorn.run(
        "service.tenants:create_server",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=LOGGING,
        # closes requests that never arrive whole; uvicorn takes any protocol factory, its annotation says a class
        http=partial(TimelyHttp, deadline_s=settings.request_timeout_s),  # type: ignore[arg-type]
        server_header=False,  # no software banner
        proxy_headers=False,  # the client address is decided by service/api/limits.py (MADOGUCHI_TRUSTED_PROXIES)
        timeout_keep_alive=5,
        timeout_graceful_shutdown=settings.shutdown_grace_s,
    )
    return 0


LOGGING = {  # uvicorn's own loggers and ours, one format, in every worker
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": "INFO"},
}


if __name__ == "__main__":
    sys.exit(main())
