"""A bounded load and soak over loopback: N clients for M minutes against the real service, each doing what
residents and staff do (ask, follow up, stream, give feedback; list the queue, get suggestions), while a
sampler watches the server's memory, open files and threads. Reports failures (5xx and dropped connections),
latency percentiles, the memory slope and how fast the database grows."""

from __future__ import annotations

import random
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from eval.bench import running_service

STAFF_TOKEN = "load-staff-token-0123456789"
SAMPLE_EVERY_S = 10.0
WARM_UP_S = 60.0  # memory grows while caches fill; the slope is measured after this


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    asks: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, elapsed_ms: float, failed: bool) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(elapsed_ms)
            if failed:
                self.failures[kind] = self.failures.get(kind, 0) + 1
            if kind.startswith("ask"):
                self.asks += 1


def _process_tree(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = [pid]
    if children.exists():
        for child in children.read_text().split():
            found += _process_tree(int(child))
    return found


def _sample(pid: int) -> dict[str, float]:
    rss_kb = threads = files = 0
    for member in _process_tree(pid):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss_kb += int(line.split()[1])
                elif line.startswith("Threads:"):
                    threads += int(line.split()[1])
            files += len(list(Path(f"/proc/{member}/fd").iterdir()))
        except OSError:
            continue
    return {"rss_mb": round(rss_kb / 1024, 1), "threads": threads, "open_files": files}


def _database_bytes(path: Path) -> int:
    """The SQLite database's size once its write-ahead log is folded in (the log itself is reused, bounded)."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


class Client:
    """One simulated user, looping over a mix of what residents and staff do until ``stop_at``."""

    def __init__(self, base: str, questions: list[str], tally: Tally, seed: int) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)
        self.questions, self.tally, self.random = questions, tally, random.Random(seed)

    def call(self, kind: str, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = self.http.request(method, path, **kwargs)
            if kind == "ask_stream":
                response.read()
        except httpx.TransportError:
            self.tally.add(kind, (time.perf_counter() - started) * 1000, True)
            return None
        self.tally.add(kind, (time.perf_counter() - started) * 1000, response.status_code >= 500)
        return response

    def run(self, stop_at: float) -> None:
        staff = {"Authorization": f"Bearer {STAFF_TOKEN}"}
        while time.monotonic() < stop_at:
            question = self.random.choice(self.questions)
            roll = self.random.random()
            if roll < 0.60:
                asked = self.call("ask", "POST", "/v1/ask", json={"question": question})
                if asked is not None and asked.status_code == 200 and self.random.random() < 0.1:
                    feedback = {"answer_id": asked.json()["answer_id"], "helpful": self.random.random() < 0.7}
                    self.call("feedback", "POST", "/v1/feedback", json=feedback)
            elif roll < 0.75:
                first = self.call("ask", "POST", "/v1/ask", json={"question": question})
                if first is not None and first.status_code == 200:
                    follow = {"question": "手数料は？", "conversation_id": first.json()["conversation_id"]}
                    self.call("ask_follow_up", "POST", "/v1/ask", json=follow)
            elif roll < 0.85:
                self.call("ask_stream", "POST", "/v1/ask/stream", json={"question": question})
            elif roll < 0.93:
                self.call("staff_queue", "GET", "/v1/handoffs", params={"limit": 20}, headers=staff)
            else:
                self.call("staff_suggest", "POST", "/v1/suggest", json={"question": question, "k": 3}, headers=staff)
        self.http.close()


def run(index_dir: Path, questions: list[str], clients: int, minutes: float, workers: int = 1) -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="madoguchi-load-"))
    database = scratch / "db.sqlite"
    settings = {
        "MADOGUCHI_INDEX_DIR": str(index_dir),
        "MADOGUCHI_DATABASE_URL": f"sqlite:///{database}",
        "MADOGUCHI_STAFF_TOKEN": STAFF_TOKEN,
        "MADOGUCHI_WORKERS": str(workers),
    }
    tally, samples = Tally(), []
    with running_service(settings) as (base, pid):
        with httpx.Client(base_url=base, timeout=30) as warm:
            for question in questions[:10]:
                warm.post("/v1/ask", json={"question": question})
        started = time.monotonic()
        stop_at = started + minutes * 60
        asks_at_start, bytes_at_start = tally.asks, _database_bytes(database)
        threads = [
            threading.Thread(target=Client(base, questions, tally, seed).run, args=(stop_at,))
            for seed in range(clients)
        ]
        for thread in threads:
            thread.start()
        while time.monotonic() < stop_at:
            samples.append({"t_s": round(time.monotonic() - started, 1), **_sample(pid)})
            time.sleep(min(SAMPLE_EVERY_S, max(0.0, stop_at - time.monotonic())))
        for thread in threads:
            thread.join()
        samples.append({"t_s": round(time.monotonic() - started, 1), **_sample(pid)})
        grown = _database_bytes(database) - bytes_at_start
    return summarize(tally, samples, clients, minutes, workers, grown, tally.asks - asks_at_start)


def summarize(
    tally: Tally, samples: list[dict[str, float]], clients: int, minutes: float, workers: int, grown: int, asks: int
) -> dict[str, Any]:
    every = np.array([ms for values in tally.latencies.values() for ms in values])
    settled = [s for s in samples if s["t_s"] >= min(WARM_UP_S, samples[-1]["t_s"] / 2)]
    slope = 0.0
    if len(settled) >= 3:
        hours = np.array([s["t_s"] for s in settled]) / 600  # per 10 minutes
        slope = float(np.polyfit(hours, np.array([s["rss_mb"] for s in settled]), 1)[0])
    return {
        "clients": clients,
        "minutes": minutes,
        "workers": workers,
        "requests": int(every.size),
        "failed": sum(tally.failures.values()),
        "failed_by_kind": tally.failures,
        "requests_by_kind": {kind: len(values) for kind, values in tally.latencies.items()},
        "p50_ms": round(float(np.percentile(every, 50)), 1),
        "p95_ms": round(float(np.percentile(every, 95)), 1),
        "p99_ms": round(float(np.percentile(every, 99)), 1),
        "rss_mb_start": samples[0]["rss_mb"],
        "rss_mb_end": samples[-1]["rss_mb"],
        "rss_slope_mb_per_10_min": round(slope, 2),
        "open_files_start_end": [samples[0]["open_files"], samples[-1]["open_files"]],
        "threads_start_end": [samples[0]["threads"], samples[-1]["threads"]],
        "database_kb_per_1000_asks": round(grown / 1024 / max(asks, 1) * 1000, 1),
        "samples": samples,
    }
