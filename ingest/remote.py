"""Ask a running service to reload its corpus (for scripts and cron): POST /v1/admin/reload, then follow the
job until it succeeds or fails. Standard library only."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any


class ReloadRefused(Exception):
    """The service refused or could not be reached; ``code`` is the API's error code where it gave one."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


def reload_remote(base_url: str, token: str, source: str | None = None, timeout: float = 1800.0) -> dict[str, Any]:
    """Start a reload and return its finished job (status succeeded or failed)."""
    body = {"source": source} if source else {}
    job_id = _call(base_url, "POST", "/v1/admin/reload", token, body)["job_id"]
    deadline = time.monotonic() + timeout
    while True:
        job = _call(base_url, "GET", f"/v1/admin/jobs/{job_id}", token)
        if job["status"] in ("succeeded", "failed"):
            return job
        if time.monotonic() > deadline:
            raise ReloadRefused("timeout", f"job {job_id} still {job['status']} after {timeout:.0f} s")
        time.sleep(0.5)


def _call(base_url: str, method: str, path: str, token: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    request = urllib.request.Request(
        base_url.rstrip("/") + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            result: dict[str, Any] = json.load(response)
            return result
    except urllib.error.HTTPError as error:
        try:
            detail = json.load(error)["error"]
        except (ValueError, KeyError):
            detail = {"code": f"http_{error.code}", "message": error.reason}
        raise ReloadRefused(detail["code"], detail["message"]) from error
    except urllib.error.URLError as error:
        raise ReloadRefused("unreachable", str(error.reason)) from error
