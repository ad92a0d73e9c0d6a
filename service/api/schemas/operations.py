"""The contract of the operations router: health and status."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Health(BaseModel):
    status: str = Field(
        description="'ok' when this worker can answer (index open, database reachable); 'stale' (503) on a replica "
        "that could not sync the live generation at start-up and serves an older one; else 'unavailable'."
    )
    index: str = Field(description="'ready' when the live generation is open, 'stale' as above, else 'unavailable'.")
    database: str = Field("ok", description="'ok' when the database answers, else 'unavailable'.")
    generation: str | None = Field(None, description="The generation this worker serves.")
    problems: list[str] = Field(default_factory=list, description="What is wrong, in words; empty when ok.")


class Status(BaseModel):
    generation: str = Field(description="Id of the live index generation.")
    created: str = Field(description="When that generation was built (UTC, ISO 8601).")
    documents: int = Field(description="FAQ entries and regulations in the live generation.")
    chunks: int = Field(description="Retrievable chunks: one per FAQ, one per regulation article.")
    model: str = Field(description="Embedding model of the live generation.")
    languages: dict[str, int] = Field(description="Chunks per language.")
