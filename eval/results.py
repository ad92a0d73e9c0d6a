"""Every eval task ends the same way: eval/results/<task>/<time>/ with metrics.json, config.json, summary.md
and its figures as PNG."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

RESULTS = Path(__file__).resolve().parent / "results"


def save_results(
    task: str, metrics: dict[str, Any], config: dict[str, Any], summary: str, figures: Mapping[str, Figure]
) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = RESULTS / task / stamp
    folder.mkdir(parents=True, exist_ok=True)
    machine = {"python": platform.python_version(), "machine": platform.machine(), "cpus": len(os.sched_getaffinity(0))}
    (folder / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=2))
    (folder / "config.json").write_text(json.dumps({**config, "machine": machine}, ensure_ascii=False, indent=2))
    (folder / "summary.md").write_text(f"# python -m eval {task}\n\n{summary}\n\n{markdown_table(metrics)}")
    for name, figure in figures.items():
        figure.savefig(folder / f"{name}.png", dpi=120)
    return folder


def markdown_table(metrics: Mapping[str, Any]) -> str:
    """Every scalar figure as one row, nested keys joined with ' / '; lists (curves, sweeps) stay in metrics.json."""
    rows = [f"| {key} | {value} |" for key, value in _flatten(metrics)]
    return "| measure | value |\n|---|---|\n" + "\n".join(rows) + "\n"


def _flatten(metrics: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            rows += _flatten(value, f"{name} / ")
        elif not isinstance(value, list):
            rows.append((name, value))
    return rows
