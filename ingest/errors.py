"""The faults every part of Madoguchi raises: each carries a stable ``code``, a message for people and the HTTP
status the service answers with. Raised where the fault is; rendered at the edge by one handler
(``service/api/handlers.py``) as ``{"error": {"code", "message"}}``. This module is the bottom floor: it imports
nothing of ours, so ingest and service can both raise its classes."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.report import IngestReport


class MadoguchiError(Exception):
    """A fault the caller can act on: ``code`` is stable, ``message`` is for people."""

    status = 400
    headers: dict[str, str] = {}  # noqa: RUF012 - read only; a subclass that needs headers sets its own

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code, self.message = code, message
        if status is not None:
            self.status = status


class NotFoundError(MadoguchiError):
    status = 404


class ConflictError(MadoguchiError):
    status = 409


class IngestError(MadoguchiError):
    """An ingest that promoted nothing; the live generation is untouched. ``report`` says what was found."""

    status = 422

    def __init__(self, code: str, message: str, report: IngestReport | None = None) -> None:
        super().__init__(code, message)
        self.report = report


class GenerationNotFoundError(IngestError):
    status = 404

    def __init__(self, generation: str) -> None:
        super().__init__("generation_not_found", f"There is no finished generation {generation!r}.")


class BuildInProgressError(IngestError):
    status = 409

    def __init__(self) -> None:
        super().__init__("reload_in_progress", "Another ingest is building a generation; wait for it to finish.")
