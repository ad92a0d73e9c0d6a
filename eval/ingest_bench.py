"""Ingest speed and memory: a fresh ingest, an unchanged re-ingest, and one changed FAQ, each as the real
``python -m ingest`` command in its own process (so that peak memory is that process's own)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _ingest(corpus: Path, index_dir: Path, env: dict[str, str]) -> dict[str, Any]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "ingest", str(corpus), "--index", str(index_dir), "--json", "--no-progress"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=True,
    )
    wall = time.perf_counter() - started
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return {
        "wall_seconds": round(wall, 2),
        "ingest_seconds": report["seconds"],
        "chunks": report["chunks"],
        "embedded": report["embedded"],
        "chunks_per_second": round(report["chunks"] / report["seconds"], 1),
        "peak_rss_mb": report["peak_rss_mb"],
    }


def _change_one_faq(corpus: Path) -> None:
    """Edit the answer of the first FAQ found, as an operator would."""
    for path in sorted(corpus.rglob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        record = json.loads(lines[0])
        record["answer"] = "(updated) " + record["answer"]
        path.write_text("\n".join([json.dumps(record, ensure_ascii=False), *lines[1:]]) + "\n", encoding="utf-8")
        return


def run(corpora: dict[str, Path], env: dict[str, str]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, corpus in corpora.items():
        with tempfile.TemporaryDirectory() as scratch:
            work = Path(scratch) / "corpus"
            if corpus.is_dir():
                shutil.copytree(corpus, work)
            else:
                work.mkdir()
                shutil.copy(corpus, work / corpus.name)
            index_dir = Path(scratch) / "index"
            results[name] = {
                "fresh": _ingest(work, index_dir, env),
                "unchanged": _ingest(work, index_dir, env),
            }
            _change_one_faq(work)
            results[name]["one_faq_changed"] = _ingest(work, index_dir, env)
    return results


def summarize(metrics: dict[str, Any]) -> str:
    lines = [
        "| corpus | run | chunks | embedded | ingest s | wall s | chunks/s | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, runs in metrics.items():
        for label, r in runs.items():
            lines.append(
                f"| {name} | {label} | {r['chunks']} | {r['embedded']} | {r['ingest_seconds']} | "
                f"{r['wall_seconds']} | {r['chunks_per_second']} | {r['peak_rss_mb']} |"
            )
    return "\n".join(lines)
