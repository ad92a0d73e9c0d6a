"""Faults with stable codes. One handler in app.py renders them as {"error": {"code", "message"}}."""

from __future__ import annotations


class MadoguchiError(Exception):
    """A fault the caller can act on: ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


class IndexUnavailableError(MadoguchiError):
    def __init__(self, message: str = "The index is not available yet; an operator must run an ingest.") -> None:
        super().__init__("index_unavailable", message, 503)
