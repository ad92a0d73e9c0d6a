"""Speed over HTTP: the real service on the sample corpus, several concurrent clients for a fixed time;
and in the same run the floor: the same questions' raw embedding plus one vector search, in one process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from statistics import median
from typing import Any

import httpx
import numpy as np

from ingest.embed import make_embedder
from ingest.live import open_live


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):  # peak resident set size
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def wait_until_ready(url: str, ready: Callable[[dict[str, Any]], bool] = lambda _: True, seconds: float = 120) -> None:
    """Poll ``url`` until it answers with JSON that ``ready`` accepts (a server starting up)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if ready(httpx.get(url, timeout=1).json()):
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} was not ready within {seconds:.0f} s")


def floor_ms(index_dir: Path, questions: list[str]) -> float:
    """Median of raw embedding plus one Chroma query (of the question-and-answer view) per question, warm, in this
    process."""
    index = open_live(index_dir)
    embedder = make_embedder(index.embedding_model)
    for question in questions[:5]:
        index.dense(embedder.embed_query(question), 10, view="qa")
    times = []
    for question in questions:
        started = time.perf_counter()
        index.dense(embedder.embed_query(question), 10, view="qa")
        times.append((time.perf_counter() - started) * 1000)
    return round(median(times), 2)


@contextmanager
def running_service(settings: dict[str, str]) -> Iterator[tuple[str, int]]:
    """The real service (`python -m service`) on a free loopback port with these MADOGUCHI_ settings, once
    its index is ready; yields its base URL and process id."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "service", "--port", str(port)],
        env={**os.environ, "MADOGUCHI_RATE_LIMITS": "off", **settings},  # one client address asks for all
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base + "/healthz", lambda body: body.get("index") == "ready")
        yield base, server.pid
    finally:
        server.terminate()
        server.wait(timeout=15)


def mixed(questions: list[str], mix: str, count: int = 20_000, seed: int = 11) -> list[str]:
    """The questions in the order clients ask them: each in turn (``uniform``), or drawn with the skew of real
    enquiry traffic (``zipf``: the k-th most asked question is asked in proportion to 1/k)."""
    if mix == "uniform":
        return questions
    weights = 1 / np.arange(1, len(questions) + 1)
    drawn = np.random.default_rng(seed).choice(len(questions), size=count, p=weights / weights.sum())
    return [questions[i] for i in drawn]


def load(
    index_dir: Path,
    questions: list[str],
    clients: int,
    seconds: float,
    warm: list[str] | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``clients`` asking ``questions`` in turn for ``seconds`` against a fresh server (with ``extra`` settings)
    that was first asked ``warm`` (by default the first ten questions) one at a time."""
    scratch = tempfile.mkdtemp(prefix="madoguchi-bench-")
    settings = {"MADOGUCHI_INDEX_DIR": str(index_dir), "MADOGUCHI_DATABASE_URL": f"sqlite:///{scratch}/db"}
    settings |= extra or {}
    with running_service(settings) as (base, pid):
        with httpx.Client(base_url=base, timeout=30) as asked_first:
            for question in questions[:10] if warm is None else warm:
                asked_first.post("/v1/ask", json={"question": question})
        latencies: list[float] = []
        failures = [0]
        lock = threading.Lock()
        stop_at = time.monotonic() + seconds

        def client(offset: int) -> None:
            with httpx.Client(base_url=base, timeout=30) as http:
                n = offset
                while time.monotonic() < stop_at:
                    started = time.perf_counter()
                    response = http.post("/v1/ask", json={"question": questions[n % len(questions)]})
                    elapsed = (time.perf_counter() - started) * 1000
                    with lock:
                        latencies.append(elapsed)
                        failures[0] += response.status_code != 200
                    n += clients

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        rss = _rss_mb(pid)
    values = np.array(latencies)
    return {
        "clients": clients,
        "seconds": seconds,
        "requests": len(latencies),
        "failed": failures[0],
        "p50_ms": round(float(np.percentile(values, 50)), 1),
        "p95_ms": round(float(np.percentile(values, 95)), 1),
        "p99_ms": round(float(np.percentile(values, 99)), 1),
        "rps": round(len(latencies) / seconds, 1),
        "rss_mb": rss,
    }


def run(index_dir: Path, questions: list[str], clients: int, seconds: float, mix: str = "uniform") -> dict[str, Any]:
    asked = mixed(questions, mix)
    single = load(index_dir, asked, 1, seconds)
    concurrent = load(index_dir, asked, clients, seconds)
    # A server that has run a while keeps an answer for every question of a small mix: its steady state, every
    # distinct question asked once before the measured run (the Zipf run above meets most of them for the first
    # time inside its window).
    kept = load(index_dir, asked, clients, seconds, warm=questions) if mix == "zipf" else None
    floor = floor_ms(index_dir, questions)
    return {
        "single_client": single,
        "concurrent": concurrent,
        **({"concurrent_all_kept": kept} if kept else {}),
        "floor_ms": floor,
        "ratio_p50_to_floor": round(single["p50_ms"] / floor, 2),
        "mix": mix,
    }
