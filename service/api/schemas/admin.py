"""The operators' contract: reloads and their jobs, generations and rollback, emergency notices, approvals."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from ingest.text import visible
from service.api.schemas.common import Incoming

GENERATION_ID = r"^\d{8}T\d{6}-\d{6}$"


class ReloadRequest(Incoming):
    model_config = ConfigDict(extra="forbid")
    source: str | None = Field(
        None,
        max_length=500,
        pattern=r"^[^\x00-\x1f\x7f]*$",
        description="A sub-path of the corpus directory to ingest instead of all of it (no control characters).",
    )


class ReloadAccepted(BaseModel):
    job_id: str


class ReloadFailure(BaseModel):
    """Why a reload job failed. The request that reads the job succeeded, so this is data of the job, not an
    error of the request (ADR 0004)."""

    reason: str = Field(description="What stopped it: corpus_invalid, canary_failed, storage_error, interrupted, ...")
    message: str


class Job(BaseModel):
    id: str
    status: Literal["queued", "running", "succeeded", "failed"]
    source: str
    progress: float = Field(description="Share of the texts to embed that are done, 0..1.")
    created_at: str
    updated_at: str
    report: dict[str, Any] | None = Field(
        None, description="The ingest report: added, changed, removed, unchanged, rejected (file and line each)."
    )
    failure: ReloadFailure | None = None


class Generation(BaseModel):
    id: str
    created: str
    documents: int
    chunks: int
    model: str
    live: bool


class Generations(BaseModel):
    generations: list[Generation] = Field(description="Newest first.")


class RollbackRequest(Incoming):
    model_config = ConfigDict(extra="forbid")
    generation: str = Field(pattern=GENERATION_ID)


class SwitchRequest(Incoming):
    """Switch the AI answers off (or on again) for the whole service, one channel, or only the generative
    composer, with the reason (published on the transparency page)."""

    model_config = ConfigDict(extra="forbid")
    target: Literal["all", "web", "api", "line", "generative"]
    on: StrictBool = Field(description='true: answering; false: switched off (a boolean: "false" is a 422).')
    reason: str = Field(min_length=1, max_length=500, description="Why; shown on the public transparency page.")
    by: str = Field("operator", min_length=1, max_length=100, description="Who switches (a name or desk).")

    @field_validator("reason", "by")
    @classmethod
    def _visible(cls, value: str) -> str:
        return visible(value)


class SwitchChange(BaseModel):
    at: dt.datetime
    target: str
    on: bool
    reason: str
    by: str


class Switches(BaseModel):
    off: list[str] = Field(description="The targets switched off now (empty: the AI answers everywhere).")
    history: list[SwitchChange] = Field(description="Every change, newest first.")


class NoticeRequest(Incoming):
    """A notice to publish: both languages, a severity, an end (at most 14 days on), optionally a start."""

    model_config = ConfigDict(extra="forbid")
    severity: Literal["info", "warning", "emergency"]
    ja: str = Field(min_length=1, max_length=1000)
    en: str = Field(min_length=1, max_length=1000)
    link: AnyHttpUrl | None = Field(None, description="A page with more (http or https).")
    starts_at: dt.datetime | None = Field(None, description="ISO 8601 with a time zone; default now.")
    ends_at: dt.datetime = Field(description="ISO 8601 with a time zone.")

    @field_validator("ja", "en")
    @classmethod
    def _visible(cls, value: str) -> str:
        return visible(value)

    @field_validator("link")
    @classmethod
    def _no_user_in_link(cls, value: AnyHttpUrl | None) -> AnyHttpUrl | None:
        if value is not None and (value.username or value.password):
            raise ValueError(
                "a link may not hold a user name or password (https://city.example.jp@other.example/ goes to "
                "other.example)"
            )
        return value

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> NoticeRequest:
        now = dt.datetime.now(dt.UTC)
        for moment in (self.starts_at, self.ends_at):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("times need a time zone (2026-09-01T18:00:00+09:00)")
        starts = self.starts_at or now
        if not starts < self.ends_at or self.ends_at <= now:
            raise ValueError("ends_at must be in the future and after starts_at")
        if self.ends_at - starts > dt.timedelta(days=14):
            raise ValueError("a notice runs at most 14 days; publish a new one to extend it")
        return self


class NoticeOut(BaseModel):
    id: str
    severity: Literal["info", "warning", "emergency"]
    text: dict[str, str] = Field(description="ja and en.")
    link: str | None
    starts_at: str
    ends_at: str
    ended_at: str | None = Field(description="When an operator ended it early.")
    running: bool
    broadcast_at: str | None = Field(None, description="When it was pushed to every LINE follower (once).")


class Notices(BaseModel):
    notices: list[NoticeOut]


class ApproveRequest(Incoming):
    reviewer: str = Field("operator", min_length=1, max_length=100)
    question: str | None = Field(None, min_length=1, max_length=500, description="An edit of the question.")
    answer: str | None = Field(None, min_length=1, max_length=4000, description="An edit of the answer.")
    department: str | None = Field(None, min_length=1, max_length=100)
    category: str | None = Field(None, max_length=100)
    canary_changes_confirmed: bool = Field(
        False,
        description="The entry may become the first source of a canary question (see the preview); without it, "
        "a reload that finds it so fails with canary_shadowed and the proposal is submitted again.",
    )


class WithdrawRequest(Incoming):
    reviewer: str = Field("operator", min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=1000, description="Why the entry is taken out of the corpus.")


class FirstSource(BaseModel):
    question: str
    expected: str | None = Field(description="The canary's expected source; null for the proposal's own question.")
    first: str | None = Field(description="The source the live index answers it from first today.")
    title: str | None = Field(description="That source's title.")


class ProposalPreview(BaseModel):
    own: FirstSource = Field(description="The proposal's question (and the resident's): what answers it today.")
    canaries: list[FirstSource] = Field(
        description="Every canary question of canaries.yaml with its first source today: an approval that makes "
        "the new entry first for one of them needs canary_changes_confirmed."
    )


class RejectRequest(Incoming):
    reviewer: str = Field("operator", min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=1000)


class Teaching(BaseModel):
    by: str = Field(description="staff (a case resolved with the entry) or operator (an approval).")
    teacher: str | None
    at: str


class LearnedPhrasing(BaseModel):
    """A resident's question that finds an entry: searched with it, it may bring the entry into the choices
    offered and never answers alone."""

    id: str
    entry_id: str
    entry_title: str | None = Field(description="The entry's title in the served generation; null: not served.")
    phrasing: str = Field(description="The resident's question, masked (only questions without personal data).")
    status: str = Field(
        description="learned (a person taught it: it counts), proposed (enough residents picked it: an operator's "
        "approval makes it count), waiting (for more picks), removed."
    )
    picks: int = Field(description="Distinct conversations that picked the entry for it.")
    taught_by: list[Teaching]
    removed_by: str | None
    served: bool = Field(description="The served generation searches it.")
    entry_changed: bool = Field(description="The entry changed since it was taught: the next build drops it.")


class PhrasingRemoved(LearnedPhrasing):
    job_id: str | None = Field(
        description="The reload that stops searching it (follow it at /jobs/{job_id}); "
        "null while another reload runs: the next one leaves it out."
    )


class LearnedPhrasings(BaseModel):
    learn_after_picks: int
    phrasings: list[LearnedPhrasing]


class PhrasingDecision(Incoming):
    operator: str = Field("operator", min_length=1, max_length=100)
