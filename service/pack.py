"""``python -m service.pack --out DIR [--tenant NAME] [--date YYYY-MM-DD]``: write the procurement pack
(service/report/procurement.py) from this installation's settings, live generation, database and evaluation results."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from ingest.settings import load_settings_or_exit
from service.report.procurement import RESULTS, gather, write_pack
from service.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.pack", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="the folder the pack is written to")
    parser.add_argument("--tenant", help="one municipality of MADOGUCHI_TENANTS_FILE")
    parser.add_argument("--date", type=dt.date.fromisoformat, help="the date the pack says it was made (default today)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where python -m eval wrote its results")
    args = parser.parse_args(argv)
    settings = load_settings_or_exit(Settings)
    if args.tenant:
        from service.tenants import load_tenants

        tenants = {tenant.name: tenant.settings for tenant in load_tenants(settings)}
        if args.tenant not in tenants:
            print(f"no tenant {args.tenant!r} in MADOGUCHI_TENANTS_FILE ({', '.join(tenants)})", file=sys.stderr)
            return 2
        settings = tenants[args.tenant]
    if args.out.exists() and not args.out.is_dir():
        print(f"--out {args.out} is a file: name a folder for the pack", file=sys.stderr)
        return 2
    try:
        facts = gather(settings, args.date or dt.date.today(), args.results)
    except SQLAlchemyError as error:
        print(f"the database is unreachable ({type(error).__name__}): check MADOGUCHI_DATABASE_URL", file=sys.stderr)
        return 2
    try:
        written = write_pack(facts, args.out)
    except OSError as error:
        print(f"could not write the pack to {args.out}: {error.strerror or type(error).__name__}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
