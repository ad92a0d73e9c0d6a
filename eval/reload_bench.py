"""Reload under load: the real service on a copy of the sample corpus, clients asking all the time, while an
operator reloads with one FAQ changed, then with every FAQ changed, then rolls back. Reports each reload's
time, the asks served and failed meanwhile, and their latency beside the quiet latency."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from eval.bench import running_service

TOKEN = "bench-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class Load:
    """Clients asking in a loop; latencies and failures recorded per phase."""

    def __init__(self, base: str, questions: list[str], clients: int) -> None:
        self.base, self.questions, self.clients = base, questions, clients
        self.phase = "warm-up"
        self.samples: dict[str, list[tuple[float, bool]]] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._client, args=(i,)) for i in range(clients)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _client(self, offset: int) -> None:
        with httpx.Client(base_url=self.base, timeout=60) as http:
            n = offset
            while not self._stop.is_set():
                phase, started = self.phase, time.perf_counter()
                try:
                    ok = http.post("/v1/ask", json={"question": self.questions[n % len(self.questions)]}).is_success
                except httpx.HTTPError:
                    ok = False
                with self._lock:
                    self.samples.setdefault(phase, []).append(((time.perf_counter() - started) * 1000, ok))
                n += self.clients

    def summary(self, phase: str) -> dict[str, Any]:
        samples = self.samples.get(phase, [])
        values = np.array([ms for ms, _ in samples]) if samples else np.array([0.0])
        return {
            "asks": len(samples),
            "failed": sum(not ok for _, ok in samples),
            "p50_ms": round(float(np.percentile(values, 50)), 1),
            "p95_ms": round(float(np.percentile(values, 95)), 1),
        }


def _edit_answers(corpus: Path, pick: Callable[[str], bool]) -> int:
    changed = 0
    for path in sorted((corpus / "faq").rglob("*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for row in rows:
            if pick(row["id"]):
                row["answer"] += " (revised)"
                changed += 1
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return changed


def _reload(http: httpx.Client) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    job_id = http.post("/v1/admin/reload", json={}, headers=AUTH).json()["job_id"]
    while (job := http.get(f"/v1/admin/jobs/{job_id}", headers=AUTH).json())["status"] not in ("succeeded", "failed"):
        time.sleep(0.05)
    return round(time.perf_counter() - started, 2), job


def run(corpus: Path, index_dir: Path, questions: list[str], clients: int, quiet_seconds: float) -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="madoguchi-reload-bench-"))
    shutil.copytree(corpus, scratch / "corpus")
    shutil.copytree(index_dir, scratch / "index")
    settings = {
        "MADOGUCHI_CORPUS_DIR": str(scratch / "corpus"),
        "MADOGUCHI_INDEX_DIR": str(scratch / "index"),
        "MADOGUCHI_DATABASE_URL": f"sqlite:///{scratch / 'db.sqlite'}",
        "MADOGUCHI_ADMIN_TOKEN": TOKEN,
    }
    metrics: dict[str, Any] = {"clients": clients}
    try:
        with (
            running_service(settings) as (base, _),
            httpx.Client(base_url=base, timeout=120) as http,
            Load(base, questions, clients) as load,
        ):
            time.sleep(2)
            load.phase = "quiet"
            time.sleep(quiet_seconds)
            metrics["quiet"] = load.summary("quiet")
            first = http.get("/v1/status").json()["generation"]
            for name, pick in (
                ("one_faq_changed", lambda i: i == "en-waste-bulky"),
                ("all_faqs_changed", lambda i: True),
            ):
                changed = _edit_answers(scratch / "corpus", pick)
                load.phase = name
                seconds, job = _reload(http)
                load.phase = "between"
                metrics[name] = {
                    "faqs_changed": changed,
                    "reload_s": seconds,
                    "status": job["status"],
                    **load.summary(name),
                }
            load.phase = "rollback"
            started = time.perf_counter()
            http.post("/v1/admin/rollback", json={"generation": first}, headers=AUTH)
            while http.get("/v1/status").json()["generation"] != first:
                time.sleep(0.01)
            metrics["rollback_s"] = round(time.perf_counter() - started, 3)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return metrics
