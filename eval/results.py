"""Every eval task ends the same way: eval/results/<task>/<time>/ with metrics.json, config.json, summary.md."""

from __future__ import annotations

import datetime as dt
import json
import platform
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def save_results(task: str, metrics: dict[str, Any], config: dict[str, Any], summary: str) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = RESULTS / task / stamp
    folder.mkdir(parents=True, exist_ok=True)
    machine = {"python": platform.python_version(), "machine": platform.machine(), "cpus": _cpus()}
    (folder / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=2))
    (folder / "config.json").write_text(json.dumps({**config, "machine": machine}, ensure_ascii=False, indent=2))
    (folder / "summary.md").write_text(summary + "\n")
    return folder


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))
