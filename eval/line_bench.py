"""The LINE channel under load and across a crash, over HTTP: the real service on the sample corpus, signed
webhooks as LINE sends them, and the double of LINE's Messaging API from the tests (tests/line_double.py, so this
benchmark runs from a clone of the repository).

- **Acknowledgement**: ``senders`` concurrent senders post ``events`` webhooks (one question each, each from a
  user of its own); the time until each 200, p50/p95 (LINE suspends webhooks of slow servers).
- **Webhook to answer**: from the start of each post to the arrival of its reply (or push) at LINE's double.
- **Crash**: a burst of ``burst`` events from the same senders; when half have been acknowledged the server is
  killed (SIGKILL). Senders retry what got no 200 as LINE redelivers (``isRedelivery``), a new server starts on
  the same database, and every event must reach its user exactly once: lost (acknowledged, never answered) and
  duplicated (answered more than once) are counted."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import numpy as np
from sqlalchemy import create_engine, func, select

from eval.bench import _free_port, wait_until_ready
from service.store.schema import line_events

if TYPE_CHECKING:
    from tests.line_double import LineDouble

SECRET = "bench-line-channel-secret-0123456789"
ACCESS_TOKEN = "bench-line-access-token-0123456789"
QUESTIONS = [
    "フライパンは何ごみですか",
    "粗大ごみの出し方",
    "住民票の写しはどこで取れますか",
    "What kind of garbage is a frying pan?",
]


def _percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 1) if values else 0.0


class Service:
    """`python -m service` with the LINE channel on, pointed at the double; killable."""

    def __init__(self, index_dir: Path, database: str, double: LineDouble, workers: int) -> None:
        self.port = _free_port()
        env = {
            **os.environ,
            "MADOGUCHI_INDEX_DIR": str(index_dir),
            "MADOGUCHI_DATABASE_URL": database,
            "MADOGUCHI_RATE_LIMITS": "off",
            "MADOGUCHI_WORKERS": str(workers),
            "MADOGUCHI_LINE_CHANNEL_SECRET": SECRET,
            "MADOGUCHI_LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
            "MADOGUCHI_LINE_API_URL": double.url,
            "MADOGUCHI_LINE_LEASE_S": "5",
            "MADOGUCHI_LINE_POLL_INTERVAL_S": "0.5",
        }
        command = [sys.executable, "-m", "service", "--port", str(self.port)]
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        self.url = f"http://127.0.0.1:{self.port}"
        wait_until_ready(self.url + "/healthz", lambda body: body.get("index") == "ready")

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)  # the whole process group: every worker, no shutdown
        self.process.wait()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def post(client: httpx.Client, url: str, event: dict[str, Any]) -> int:
    from tests.line_double import signature, webhook_body

    body = webhook_body(event)
    headers = {"x-line-signature": signature(body, SECRET), "content-type": "application/json"}
    return client.post(url + "/v1/line/webhook", content=body, headers=headers).status_code


def start_senders(items: list[Any], count: int, send: Callable[[httpx.Client, Any], None]) -> list[threading.Thread]:
    """``count`` senders, each with its own connection, sharing ``items`` until none is left; started."""
    todo: queue.Queue[Any] = queue.Queue()
    for item in items:
        todo.put(item)

    def sender() -> None:
        with httpx.Client(timeout=10) as client:
            while True:
                try:
                    item = todo.get_nowait()
                except queue.Empty:
                    return
                send(client, item)

    threads = [threading.Thread(target=sender) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


def acknowledgement(index_dir: Path, double: LineDouble, events: int, senders: int, workers: int) -> dict[str, Any]:
    from tests.line_double import text_event

    scratch = tempfile.mkdtemp(prefix="madoguchi-line-bench-")
    service = Service(index_dir, f"sqlite:///{scratch}/db", double, workers)
    acks: list[float] = []
    started: dict[str, float] = {}
    lock = threading.Lock()

    def send(client: httpx.Client, n: int) -> None:
        user = f"Uack{n:029d}"
        begun = time.monotonic()
        status = post(client, service.url, text_event(user, QUESTIONS[n % len(QUESTIONS)]))
        with lock:
            acks.append((time.monotonic() - begun) * 1000)
            started[user] = begun
        assert status == 200, status

    try:
        for thread in start_senders(list(range(events)), senders, send):
            thread.join()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and any(not double.to(user) for user in started):
            time.sleep(0.2)
    finally:
        service.stop()
    to_answer = [(double.to(user)[0].at - begun) * 1000 for user, begun in started.items() if double.to(user)]
    paths = [double.to(user)[0].path.rsplit("/", 1)[-1] for user in started if double.to(user)]
    return {
        "events": events,
        "senders": senders,
        "workers": workers,
        "ack_ms_p50": _percentile(acks, 50),
        "ack_ms_p95": _percentile(acks, 95),
        "webhook_to_answer_ms_p50": _percentile(to_answer, 50),
        "webhook_to_answer_ms_p95": _percentile(to_answer, 95),
        "answered": len(to_answer),
        "by_reply": paths.count("reply"),
        "by_push": paths.count("push"),
    }


def crash(index_dir: Path, double: LineDouble, burst: int, senders: int, workers: int) -> dict[str, Any]:
    from tests.line_double import text_event

    scratch = tempfile.mkdtemp(prefix="madoguchi-line-crash-")
    database = f"sqlite:///{scratch}/db"
    current = {"service": Service(index_dir, database, double, workers)}
    events = [text_event(f"Ucrash{n:027d}", QUESTIONS[n % len(QUESTIONS)]) for n in range(burst)]
    acknowledged: set[str] = set()
    redelivered = 0
    lock = threading.Lock()
    killed = threading.Event()

    def send(client: httpx.Client, event: dict[str, Any]) -> None:
        nonlocal redelivered
        while True:  # as LINE redelivers an event that got no 200
            try:
                if post(client, current["service"].url, event) == 200:
                    break
            except httpx.TransportError:
                pass
            with lock:
                redelivered += 1
            event = {**event, "deliveryContext": {"isRedelivery": True}}
            time.sleep(0.5)
        with lock:
            acknowledged.add(event["source"]["userId"])
            if len(acknowledged) >= burst // 2:
                killed.set()

    threads = start_senders(events, senders, send)
    killed.wait(timeout=300)
    current["service"].kill()
    killed_at = time.monotonic()
    current["service"] = Service(index_dir, database, double, workers)  # senders retry against it
    restarted_s = time.monotonic() - killed_at
    for thread in threads:
        thread.join()
    users = [event["source"]["userId"] for event in events]
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and any(not double.to(user) for user in users):
        time.sleep(0.5)
    current["service"].stop()
    received = {user: len(double.to(user)) for user in users}
    engine = create_engine(database)
    with engine.connect() as connection:
        taken_again = connection.execute(select(func.count()).where(line_events.c.attempts > 1)).scalar()
        deliveries: dict[str, int] = dict(
            connection.execute(select(line_events.c.delivery, func.count()).group_by(line_events.c.delivery)).all()
        )
    engine.dispose()
    return {
        "burst": burst,
        "acknowledged": len(acknowledged),
        "redelivered_posts": redelivered,
        "lost": sum(1 for user in users if received[user] == 0),
        "duplicated": sum(1 for user in users if received[user] > 1),
        "restart_s": round(restarted_s, 1),
        "taken_again_after_the_kill": taken_again,
        "by_reply": deliveries.get("reply", 0),
        "by_push": deliveries.get("push", 0),
    }


def run(index_dir: Path, events: int, burst: int, senders: int, workers: int) -> dict[str, Any]:
    """Needs a clone of the repository: the double of LINE lives with the tests (an image has no tests/)."""
    from tests.line_double import LineDouble

    double = LineDouble(ACCESS_TOKEN)
    try:
        metrics = {"acknowledgement": acknowledgement(index_dir, double, events, senders, workers)}
        metrics["crash"] = crash(index_dir, double, burst, senders, workers)
    finally:
        double.close()
    return metrics


def summarize(metrics: dict[str, Any]) -> str:
    ack, crashed = metrics["acknowledgement"], metrics["crash"]
    return "\n".join(
        [
            f"webhook acknowledgement, {ack['senders']} senders, {ack['events']} events, {ack['workers']} worker(s): "
            f"p50 {ack['ack_ms_p50']} ms, p95 {ack['ack_ms_p95']} ms",
            f"webhook to answer: p50 {ack['webhook_to_answer_ms_p50']} ms, p95 {ack['webhook_to_answer_ms_p95']} ms "
            f"({ack['by_reply']} by reply, {ack['by_push']} by push, {ack['answered']} answered)",
            f"kill -9 during a burst of {crashed['burst']}: lost {crashed['lost']}, duplicated {crashed['duplicated']} "
            f"({crashed['redelivered_posts']} posts redelivered; {crashed['taken_again_after_the_kill']} events "
            f"in work at the kill answered by the next server; {crashed['by_reply']} by reply, "
            f"{crashed['by_push']} by push; new server ready after {crashed['restart_s']} s)",
        ]
    )
