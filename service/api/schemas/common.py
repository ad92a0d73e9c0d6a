"""What every router's contract shares: the error body, the rule that request texts are Unicode, the languages."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

SURROGATE = re.compile(r"[\ud800-\udfff]")


class Incoming(BaseModel):
    """A request body: every text in it must be Unicode text (JSON may escape a lone surrogate, "\\ud800",
    which no text can hold); such a body is a 422 invalid_request naming the field."""

    @field_validator("*")
    @classmethod
    def _text_is_unicode(cls, value: Any) -> Any:
        if isinstance(value, str) and SURROGATE.search(value):
            raise ValueError("holds an unpaired surrogate, which is not text")
        return value


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, snake_case; safe to branch on.")
    message: str = Field(description="For people; may change.")


class ErrorBody(BaseModel):
    error: ErrorDetail


Lang = Literal["ja", "en"]  # what staff and operators read
# what residents may write and read (ingest/languages.py: LANGUAGES)
ResidentLang = Literal["ja", "en", "zh-Hans", "zh-Hant", "ko", "vi", "tl", "pt", "ne", "id", "my", "es", "th"]


QUESTION_PATTERN = r"[^\s\x00-\x1f\x7f-\x9f]"  # at least one visible character
