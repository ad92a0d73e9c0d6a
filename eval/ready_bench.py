"""Time to ready: the real service (``python -m service``) started on a freshly built index of the sample
corpus, quiet and while other processes keep every core busy; with the generation's baseline as the build
keeps it, and with it taken away (what a server had to do before builds measured it: measure at start)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from statistics import median
from typing import Any

from eval.bench import _free_port, wait_until_ready
from ingest.embed import cores
from ingest.index import generations_dir, live_generation
from service.live.baseline import build as build_baseline
from service.settings import Settings

BURN = "while True: pass"


@contextmanager
def busy(processes: int) -> Iterator[None]:
    """``processes`` loops that keep a core each busy, at the service's own priority."""
    burners = [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range(processes)]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


def ready_s(index_dir: Path, limit_s: float) -> float:
    """Seconds from starting ``python -m service`` on ``index_dir`` until /healthz says the index is ready."""
    port = _free_port()
    scratch = tempfile.mkdtemp(prefix="madoguchi-ready-")
    env = {**os.environ, "MADOGUCHI_INDEX_DIR": str(index_dir), "MADOGUCHI_DATABASE_URL": f"sqlite:///{scratch}/db"}
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "service", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/healthz", lambda body: body.get("index") == "ready", limit_s)
        return round(time.perf_counter() - started, 1)
    except TimeoutError:
        return float("inf")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)


def fresh_copy(index_dir: Path, keep_baseline: bool, settings: Settings) -> Path:
    """A copy of ``index_dir`` as a build leaves it (its baseline measured inside it), or without a baseline."""
    copy = Path(tempfile.mkdtemp(prefix="madoguchi-index-")) / "index"
    shutil.copytree(index_dir, copy)
    generation = generations_dir(copy) / str(live_generation(copy))
    (generation / "baseline.json").unlink(missing_ok=True)
    if keep_baseline:
        build_baseline(generation, settings)
    return copy


def run(index_dir: Path, settings: Settings, repeats: int, burners: int, limit_s: float) -> dict[str, Any]:
    """Median seconds to ready over ``repeats`` starts for each case, alternated."""
    burners = burners or cores()
    cases = {
        f"{name}{', busy' if load else ''}": (keep, load)
        for name, keep in (("baseline kept by the build", True), ("baseline measured at start", False))
        for load in (0, burners)
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, (keep, load) in cases.items():
            copy = fresh_copy(index_dir, keep, settings)
            try:
                with busy(load):
                    times[name].append(ready_s(copy, limit_s))
            finally:
                shutil.rmtree(copy.parent, ignore_errors=True)
    return {
        "cores": cores(),
        "busy_processes": burners,
        "limit_s": limit_s,
        "ready_s": {name: {"median": median(values), "runs": values} for name, values in times.items()},
    }
