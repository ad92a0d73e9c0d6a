"""A person takes over, measured over HTTP: the real service (two workers) on the sample corpus, residents whose
conversations were handed to staff following them as the chat page does (the server-sent event stream, coming
back with Last-Event-ID when it ends, like EventSource), and staff replying.

- **Staff reply to resident**: ``replies`` replies spread over ``residents`` open streams, each posted by the staff
  API; the time from the post to its ``message`` event on the resident's stream, p50/p95.
- **Idle residents**: ``idle`` more residents following their handed-over conversations for ``minutes``; the
  server's memory (all its processes) and its open connections every 30 s, and failed streams."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from eval.bench import _free_port, wait_until_ready

TOKEN = "handover-bench-staff-token-0123"
STAFF = {"Authorization": f"Bearer {TOKEN}"}
OUT_OF_SCOPE = "宇宙旅行の補助金はありますか"


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the uvicorn workers), in MB."""
    pids = [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    total = 0
    for one in pids:
        for line in Path(f"/proc/{one}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return round(total / 1024, 1)


def _connections(port: int) -> int:
    """Established TCP connections to the server's port (IPv4 loopback), from /proc/net/tcp."""
    wanted = f":{port:04X}"
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(wanted) and fields[3] == "01":  # local address is the server's, ESTABLISHED
            count += 1
    return count


def handed_over(client: httpx.Client) -> tuple[str, str]:
    """A new conversation handed to staff, claimed: (the resident's token, the case id)."""
    body = client.post("/v1/ask", json={"question": OUT_OF_SCOPE}).json()
    case_id = body["handoff"]["case_id"]
    client.post(f"/v1/handoffs/{case_id}/claim", json={"staff": "bench"}, headers=STAFF)
    return body["conversation_id"], case_id


def run(index_dir: Path, residents: int, replies: int, idle: int, minutes: float) -> dict[str, Any]:
    scratch = tempfile.mkdtemp(prefix="madoguchi-handover-")
    port = _free_port()
    env = {
        **os.environ,
        "MADOGUCHI_INDEX_DIR": str(index_dir),
        "MADOGUCHI_DATABASE_URL": f"sqlite:///{scratch}/db",
        "MADOGUCHI_RATE_LIMITS": "off",
        "MADOGUCHI_WORKERS": "2",
        "MADOGUCHI_STAFF_TOKEN": TOKEN,
    }
    command = [sys.executable, "-m", "service", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base + "/healthz", lambda body: body.get("index") == "ready")
        with httpx.Client(base_url=base, timeout=30) as client:
            active = [handed_over(client) for _ in range(residents)]
            waiting = [handed_over(client)[0] for _ in range(idle)]
        seen: dict[int, float] = {}
        failed: Counter[str] = Counter()
        stop = threading.Event()

        def resident(token: str, record: bool) -> None:
            last = 0
            with httpx.Client(base_url=base, timeout=httpx.Timeout(30, read=60)) as client:
                while not stop.is_set():
                    headers = {"Last-Event-ID": str(last)} if last else {}
                    try:
                        with client.stream("GET", f"/v1/conversations/{token}/events", headers=headers) as stream:
                            for line in stream.iter_lines():
                                if line.startswith("id: "):
                                    last = int(line.removeprefix("id: "))
                                    if record:
                                        seen.setdefault(last, time.monotonic())
                                if stop.is_set():
                                    return
                    except (httpx.HTTPError, ValueError) as error:
                        failed[type(error).__name__] += 1
                        stop.wait(2)  # as EventSource's retry

        readers = [threading.Thread(target=resident, args=(token, True)) for token, _ in active]
        readers += [threading.Thread(target=resident, args=(token, False)) for token in waiting]
        for reader in readers:
            reader.start()
        time.sleep(3)  # every stream is open
        samples = [(0.0, _rss_mb(server.pid), _connections(port))]
        posted: dict[int, float] = {}
        with httpx.Client(base_url=base, timeout=30) as client:
            for n in range(replies):
                _, case_id = active[n % residents]
                started = time.monotonic()
                message = client.post(
                    f"/v1/handoffs/{case_id}/messages", json={"text": f"返信 {n}", "staff": "bench"}, headers=STAFF
                ).json()
                posted[message["id"]] = started
                time.sleep(0.2)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(m not in seen for m in posted):
            time.sleep(0.1)
        latencies = [(seen[m] - posted[m]) * 1000 for m in posted if m in seen]
        began = time.monotonic()
        while time.monotonic() - began < minutes * 60:
            time.sleep(min(30, max(minutes * 60 - (time.monotonic() - began), 0.1)))
            samples.append((round(time.monotonic() - began), _rss_mb(server.pid), _connections(port)))
        stop.set()
        for reader in readers:
            reader.join(timeout=70)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "residents": residents,
        "idle_residents": idle,
        "replies": replies,
        "seen": len(latencies),
        "reply_to_resident_ms_p50": round(float(np.percentile(latencies, 50)), 1) if latencies else None,
        "reply_to_resident_ms_p95": round(float(np.percentile(latencies, 95)), 1) if latencies else None,
        "failed_streams": sum(failed.values()),
        "failures": dict(failed),
        "minutes": minutes,
        "memory_mb_start": samples[0][1],
        "memory_mb_end": samples[-1][1],
        "memory_mb_max": max(sample[1] for sample in samples),
        "connections_start": samples[0][2],
        "connections_end": samples[-1][2],
        "samples": [{"s": at, "memory_mb": mb, "connections": open_} for at, mb, open_ in samples],
    }


def summarize(metrics: dict[str, Any]) -> str:
    return (
        f"staff reply to resident ({metrics['replies']} replies over {metrics['residents']} conversations, "
        f"two workers, residents following the event stream): p50 {metrics['reply_to_resident_ms_p50']} ms, "
        f"p95 {metrics['reply_to_resident_ms_p95']} ms, {metrics['seen']} of {metrics['replies']} seen\n"
        f"{metrics['idle_residents'] + metrics['residents']} residents following for {metrics['minutes']} min more: "
        f"memory {metrics['memory_mb_start']} -> {metrics['memory_mb_end']} MB (max {metrics['memory_mb_max']}), "
        f"open connections {metrics['connections_start']} -> {metrics['connections_end']}, "
        f"{metrics['failed_streams']} failed streams {metrics['failures']}"
    )
