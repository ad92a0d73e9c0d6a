"""``python -m ingest CORPUS_DIR --index INDEX_DIR [--json]``: build and promote a new index generation, its
baseline measured in the build (with the service's retrieval settings), so that a server only reads it."""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
from pathlib import Path

from ingest.errors import IngestError
from ingest.index import IndexSpec, ingest
from ingest.remote import ReloadRefused, reload_remote
from ingest.settings import load_settings_or_exit
from service.live.baseline import build as build_baseline
from service.settings import Settings


def main(argv: list[str] | None = None) -> int:
    settings = load_settings_or_exit(Settings)
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Load, validate, chunk and embed a corpus of FAQs and regulations, and promote it as the live "
        "index generation. Only chunks whose content changed are embedded again; a failure promotes nothing.",
    )
    parser.add_argument("corpus", nargs="?", type=Path, default=settings.corpus_dir, help="corpus directory")
    parser.add_argument("--index", type=Path, default=settings.index_dir, help="index directory (MADOGUCHI_INDEX_DIR)")
    parser.add_argument("--model", help=f"embedding model (MADOGUCHI_EMBEDDING_MODEL: {settings.embedding_model})")
    parser.add_argument("--json", action="store_true", help="end with the report as one JSON object on stdout")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--reload",
        metavar="URL",
        help="instead of ingesting here, ask the service at URL to reload its own corpus and wait for the "
        "result (token from MADOGUCHI_ADMIN_TOKEN); exits 1 when the reload fails",
    )
    parser.add_argument("--source", help="with --reload: a sub-path of the service's corpus directory")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.reload:
        return _reload(args.reload, settings, args.source, args.json)

    spec = (
        IndexSpec(args.model, settings.answer_chars, settings.chroma_url, settings.adapter)
        if args.model
        else settings.spec
    )
    try:
        report = ingest(
            args.corpus,
            args.index,
            spec,
            settings.keep_generations,
            False if args.no_progress else None,
            verify=lambda generation_dir: build_baseline(generation_dir, settings),
        )
    except IngestError as error:
        print(error.report if error.report else f"{error.code}: {error.message}", file=sys.stderr)
        if args.json:
            body = error.report.to_json() if error.report else {}
            print(json.dumps({**body, "error": {"code": error.code, "message": error.message}}, ensure_ascii=False))
        return 1
    print(report)
    if args.json:
        print(json.dumps({**report.to_json(), "peak_rss_mb": _peak_rss_mb()}, ensure_ascii=False))
    return 0


def _reload(url: str, settings: Settings, source: str | None, as_json: bool) -> int:
    if settings.admin_token is None:
        print("--reload needs MADOGUCHI_ADMIN_TOKEN, the service's admin token", file=sys.stderr)
        return 2
    try:
        job = reload_remote(url, settings.admin_token.get_secret_value(), source)
    except ReloadRefused as error:
        print(f"reload refused: {error}", file=sys.stderr)
        if as_json:
            print(json.dumps({"status": "refused", "error": {"code": error.code, "message": str(error)}}))
        return 1
    report = job.get("report") or {}
    if job["status"] == "succeeded":
        state = "promoted" if report.get("promoted") else "unchanged"
        print(f"reload succeeded: generation {report.get('generation')} ({state})")
    else:
        print(f"reload failed ({job['failure']['reason']}): {job['failure']['message']}", file=sys.stderr)
    if as_json:
        print(json.dumps(job, ensure_ascii=False))
    return 0 if job["status"] == "succeeded" else 1


def _peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


if __name__ == "__main__":
    sys.exit(main())
