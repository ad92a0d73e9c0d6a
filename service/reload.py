"""``python -m service.reload --build``: build, check and promote a generation from the command line (a
Kubernetes Job, a first deploy, cron); also what a worker starts for ``POST /v1/admin/reload``. The work is
service/live/reloader.py."""

from __future__ import annotations

import sys

from service.live.reloader import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
