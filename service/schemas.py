"""The API contract."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, snake_case; safe to branch on.")
    message: str = Field(description="For people; may change.")


class ErrorBody(BaseModel):
    error: ErrorDetail


class Health(BaseModel):
    status: str = Field(description="'ok' while the process serves requests.")
    index: str = Field(description="'ready' when a live generation is open, else 'unavailable'.")


class Status(BaseModel):
    generation: str = Field(description="Id of the live index generation.")
    created: str = Field(description="When that generation was built (UTC, ISO 8601).")
    documents: int = Field(description="FAQ entries and regulations in the live generation.")
    chunks: int = Field(description="Retrievable chunks: one per FAQ, one per regulation article.")
    model: str = Field(description="Embedding model of the live generation.")
    languages: dict[str, int] = Field(description="Chunks per language.")
