"""``python -m service --host H --port P``: serve the app with uvicorn."""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn
from pydantic import ValidationError

from service.app import create_app
from service.settings import Settings


def main(argv: list[str] | None = None) -> int:
    try:
        settings = Settings()
    except ValidationError as error:
        for problem in error.errors():
            key = "MADOGUCHI_" + "_".join(str(p) for p in problem["loc"]).upper()
            print(f"setting {key}: {problem['msg']}", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog="python -m service", description="Serve the Madoguchi HTTP API.")
    parser.add_argument("--host", default=settings.host, help="bind address (MADOGUCHI_HOST)")
    parser.add_argument("--port", type=int, default=settings.port, help="port (MADOGUCHI_PORT)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
