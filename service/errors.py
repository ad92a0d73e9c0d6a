"""The service's faults, each with its stable code and HTTP status. The base classes live in ingest/errors.py
(the bottom floor) so that ingest's faults render the same way; ``service/api/handlers.py`` renders them all."""

from __future__ import annotations

from ingest.errors import ConflictError, IngestError, MadoguchiError, NotFoundError

__all__ = [
    "ConflictError",
    "IndexUnavailableError",
    "IngestError",
    "InternalError",
    "MadoguchiError",
    "NotFoundError",
    "QuestionEmptyError",
    "QuestionTooLongError",
    "RateLimitedError",
    "RequestTooLargeError",
    "StorageUnavailableError",
    "TokenDisabledError",
    "UnauthorizedError",
]


class InternalError(MadoguchiError):
    """A fault of ours the resident can do nothing about; the log names it, the response does not."""

    status = 500

    def __init__(self) -> None:
        super().__init__("internal_error", "Something went wrong on our side; please try again later.")


def error_body(error: MadoguchiError) -> dict[str, dict[str, str]]:
    """What every error response and the stream's error event carry."""
    return {"error": {"code": error.code, "message": error.message}}


class IndexUnavailableError(MadoguchiError):
    status = 503

    def __init__(self, message: str = "The index is not available yet; an operator must run an ingest.") -> None:
        super().__init__("index_unavailable", message)


class QuestionEmptyError(MadoguchiError):
    status = 422

    def __init__(self) -> None:
        super().__init__("question_empty", "The question is empty. Please type a question.")


class QuestionTooLongError(MadoguchiError):
    status = 422

    def __init__(self, max_chars: int) -> None:
        super().__init__("question_too_long", f"The question is longer than {max_chars} characters. Please shorten it.")


class RequestTooLargeError(MadoguchiError):
    status = 413

    def __init__(self, max_bytes: int) -> None:
        super().__init__("request_too_large", f"The request body is larger than {max_bytes} bytes.")


class TokenDisabledError(MadoguchiError):
    status = 403

    def __init__(self, area: str, variable: str) -> None:
        super().__init__(f"{area}_disabled", f"The {area} API is off: set {variable} to use it.")


class UnauthorizedError(MadoguchiError):
    status = 401

    def __init__(self, area: str) -> None:
        super().__init__("unauthorized", f"A valid {area} bearer token is required.")


class RateLimitedError(MadoguchiError):
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__("rate_limited", f"Too many requests from this address; please try again in {retry_after} s.")
        self.headers = {"Retry-After": str(retry_after)}


class StorageUnavailableError(MadoguchiError):
    status = 503

    def __init__(self) -> None:
        message = "The service cannot record answers right now; please try again later or call the city hall."
        super().__init__("storage_unavailable", message)
