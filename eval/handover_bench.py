"""A person takes over, measured over HTTP: the real service (two workers) on the sample corpus, residents whose
conversations were handed to staff reading them as the chat page does (every 1.5 s), and staff replying.

- **Staff reply to resident**: ``replies`` replies spread over ``residents`` open conversations, each posted by
  the staff API; the time from the post to the first read of the resident's side that shows it, p50/p95.
- **Idle residents**: ``idle`` more residents reading their handed-over conversations for ``minutes``; the
  server's memory (all its processes) at the start and the end, and failed reads."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from eval.bench import _free_port, wait_until_ready

TOKEN = "handover-bench-staff-token-0123"
STAFF = {"Authorization": f"Bearer {TOKEN}"}
POLL_S = 1.5  # as service/static/chat.js reads
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
        failed = [0]
        stop = threading.Event()

        def resident(token: str, record: bool) -> None:
            after = 0
            with httpx.Client(base_url=base, timeout=30) as client:
                while not stop.is_set():
                    try:
                        thread = client.get(f"/v1/conversations/{token}/messages", params={"after": after}).json()
                        now = time.monotonic()
                        for message in thread["messages"]:
                            after = max(after, message["id"])
                            if record:
                                seen.setdefault(message["id"], now)
                    except (httpx.HTTPError, KeyError, ValueError):
                        failed[0] += 1
                    stop.wait(POLL_S)

        readers = [threading.Thread(target=resident, args=(token, True)) for token, _ in active]
        readers += [threading.Thread(target=resident, args=(token, False)) for token in waiting]
        for reader in readers:
            reader.start()
        memory_start = _rss_mb(server.pid)
        posted: dict[int, float] = {}
        with httpx.Client(base_url=base, timeout=30) as client:
            for n in range(replies):
                _, case_id = active[n % residents]
                started = time.monotonic()
                message = client.post(
                    f"/v1/handoffs/{case_id}/messages", json={"text": f"返信 {n}", "staff": "bench"}, headers=STAFF
                ).json()
                posted[message["id"]] = started
                time.sleep(POLL_S * residents / replies * 2)  # replies spread over the residents' reads
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(m not in seen for m in posted):
            time.sleep(0.1)
        latencies = [(seen[m] - posted[m]) * 1000 for m in posted if m in seen]
        end = time.monotonic() + minutes * 60
        while time.monotonic() < end:
            time.sleep(1)
        memory_end = _rss_mb(server.pid)
        stop.set()
        for reader in readers:
            reader.join()
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
        "failed_reads": failed[0],
        "minutes": minutes,
        "memory_mb_start": memory_start,
        "memory_mb_end": memory_end,
    }


def summarize(metrics: dict[str, Any]) -> str:
    return (
        f"staff reply to resident ({metrics['replies']} replies over {metrics['residents']} conversations, "
        f"two workers, residents reading every {POLL_S} s): p50 {metrics['reply_to_resident_ms_p50']} ms, "
        f"p95 {metrics['reply_to_resident_ms_p95']} ms, {metrics['seen']} of {metrics['replies']} seen\n"
        f"{metrics['idle_residents'] + metrics['residents']} residents reading for {metrics['minutes']} min more: "
        f"memory {metrics['memory_mb_start']} -> {metrics['memory_mb_end']} MB, {metrics['failed_reads']} failed reads"
    )
