"""Small helpers the tests share: free ports, awaiting a condition or a server, copying the sample corpus."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
TEST_DATA = ROOT / "tests" / "data"  # small real data with its licence (tests/data/README.md)
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


T = TypeVar("T")


def eventually(check: Callable[[], T], timeout: float = 30.0, interval: float = 0.05, what: str = "") -> T:
    """Await a condition: call ``check`` until it returns something true (which is returned) without raising
    AssertionError; after ``timeout`` seconds fail, saying ``what`` was awaited and what the last try found.
    The one wait of the suite: no test sleeps for a fixed time."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
            if value:
                return value
            last = f"last: {value!r}"
        except AssertionError as error:
            last = f"last: {error}"
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what or check.__name__} ({last})")
        time.sleep(interval)


def wait_for_http(url: str, process: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    def answers() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            httpx.get(url, timeout=2.0)
            return True
        except httpx.TransportError:
            return False

    eventually(answers, timeout, interval=0.2, what=f"an answer from {url}")


def copy_corpus(target: Path) -> Path:
    shutil.copytree(CORPUS, target)
    return target


def raw_request(base_url: str, head: bytes) -> socket.socket:
    """A connection to the server that has sent exactly ``head`` (a request, or part of one)."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)), timeout=30)
    connection.sendall(head)
    return connection


def read_reply(connection: socket.socket) -> str:
    """One whole HTTP response: its head, then as many bytes as its Content-Length says."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.lower().split(b"\r\n")
    length = int(next((line.split(b":")[1] for line in lines if line.startswith(b"content-length")), b"0"))
    while len(body) < length:
        body += connection.recv(65536)
    return (head + b"\r\n\r\n" + body).decode(errors="replace")


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(driver: Any) -> list[dict[str, Any]]:
    """What axe-core finds against WCAG 2.1 A and AA on the page the driver shows."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}).then(arguments[0])"
    )
    assert len(result["passes"]) > 10, "axe-core did not check the page"
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in result["violations"]]


def page_wait(driver: Any, seconds: float = 30) -> Any:
    """The browser's await (Selenium's WebDriverWait): pages re-render as data arrives, so an element found a
    moment ago may be gone; look again."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException,))


def answered(
    http: httpx.Client, question: str, entry: str | None = None, headers: dict[str, str] | None = None, **fields: Any
) -> dict[str, Any]:
    """The answer to ``question``: at once, or, where the service asks back, after the resident picks ``entry``
    (default: the first of the choices offered). For tests whose subject is what happens to an answer."""
    body: dict[str, Any] = http.post("/v1/ask", json={"question": question, **fields}, headers=headers).json()
    if body.get("outcome") == "clarify":
        offered = [choice["id"] for choice in body["choices"]]
        assert entry is None or entry in offered, offered
        pick = {"choice": entry or offered[0], "conversation_id": body["conversation_id"]}
        body = http.post("/v1/ask", json=pick, headers=headers).json()
    return body


def first_entry(body: dict[str, Any]) -> str | None:
    """The entry an answer is from, or the first entry it offered as a choice."""
    if body.get("citations"):
        return str(body["citations"][0]["id"]).split("#")[0]
    return str(body["choices"][0]["id"]) if body.get("choices") else None


class Stream:
    """A resident's page following its conversation: the server-sent events, read as they come."""

    def __init__(self, base_url: str, token: str, **headers: str) -> None:
        self.events: list[tuple[str, dict]] = []
        self.arrived = threading.Condition()
        self.client = httpx.Client(base_url=base_url, timeout=30)
        request = self.client.build_request("GET", f"/v1/conversations/{token}/events", headers=headers)
        self.response = self.client.send(request, stream=True)
        assert self.response.headers["content-type"].startswith("text/event-stream")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        kind, data = "", ""
        try:
            for line in self.response.iter_lines():
                if line.startswith("event: "):
                    kind = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    data = line.removeprefix("data: ")
                elif not line and kind:
                    with self.arrived:
                        self.events.append((kind, json.loads(data)))
                        self.arrived.notify_all()
                    kind = ""
        except (httpx.HTTPError, httpx.StreamError):
            pass  # closed by the test

    def next(self, kind: str, where=lambda data: True, timeout: float = 2.0) -> dict:
        """The first event of ``kind`` (matching ``where``) not yet taken, within ``timeout`` seconds."""
        with self.arrived:
            found = self.arrived.wait_for(
                lambda: next((e for e in self.events if e[0] == kind and where(e[1])), None), timeout
            )
            assert found, f"no {kind} event within {timeout} s; got {self.events}"
            self.events.remove(found)
            return found[1]

    def close(self) -> None:
        self.response.close()
        self.client.close()
