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


class AdapterStatus(BaseModel):
    used: bool = Field(description="Whether questions are embedded through the corpus's adapter.")
    reason: str = Field(description="Why it is used or not, in words.")
    held_out: int = Field(0, description="FAQ entries the build held out to check it.")
    loss_without: float = Field(
        0.0,
        description="How unclearly the held-out entries' questions find their own "
        "passage without the adapter (cross-entropy over every passage; lower is clearer).",
    )
    loss_with: float = Field(0.0, description="The same with an adapter fitted on the other entries.")
    mrr_without: float = Field(0.0, description="Their own passage's mean reciprocal rank, without it.")
    mrr_with: float = Field(0.0, description="The same, with it.")


class Status(BaseModel):
    generation: str = Field(description="Id of the live index generation.")
    created: str = Field(description="When that generation was built (UTC, ISO 8601).")
    documents: int = Field(description="FAQ entries and regulations in the live generation.")
    chunks: int = Field(description="Retrievable chunks: one per FAQ, one per regulation article.")
    model: str = Field(description="Embedding model of the live generation.")
    languages: dict[str, int] = Field(description="Chunks per language.")
    adapter: AdapterStatus | None = Field(
        None, description="The generation's adapter on question vectors and its build's check (ADR 0011)."
    )
