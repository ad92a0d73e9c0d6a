"""The API contract."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator, model_validator

from service.answer.outcomes import Citation

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


class Health(BaseModel):
    status: str = Field(description="'ok' when this worker can answer (index open, database reachable).")
    index: str = Field(description="'ready' when a live generation is open, else 'unavailable'.")
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


Lang = Literal["ja", "en"]
QUESTION_PATTERN = r"[^\s\x00-\x1f\x7f-\x9f]"  # at least one visible character


class AskRequest(Incoming):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        description="The resident's question, in Japanese or English. Control characters are removed; "
        "what remains must not be blank (422 question_empty) nor longer than the limit (422 question_too_long).",
        json_schema_extra={"minLength": 1, "pattern": QUESTION_PATTERN},
    )
    lang: Lang | None = Field(None, description="Language of the question; detected when absent.")
    conversation_id: str | None = Field(
        None,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Continue a conversation (follow-up questions use its earlier turns).",
    )


class Handoff(BaseModel):
    needed: bool
    reason: Literal["low_confidence", "out_of_scope", "sensitive"] | None = None
    department: str = Field("", description="Who takes over.")
    contact: str = Field("", description="Phone number and opening hours, or the emergency number.")
    case_id: str | None = Field(None, description="The case opened in the staff queue for this handoff.")
    reference: str | None = Field(None, description="A short reference the resident can quote on the phone.")


class ShownNotice(BaseModel):
    severity: Literal["info", "warning", "emergency"]
    text: str = Field(description="In the question's language.")
    link: str | None = None


class Answer(BaseModel):
    answer: str = Field(description="The answer, or what the resident should do when a person takes over.")
    citations: list[Citation] = Field(description="Sources the answer uses; at least one when answered.")
    suggestions: list[Citation] = Field(
        default_factory=list, description="With a handoff: the best passages, for the staff who take over."
    )
    confidence: float = Field(ge=0, le=1, description="Calibrated probability that the answer is right.")
    handoff: Handoff
    outcome: str = Field(description="answered | handoff_low_confidence | handoff_out_of_scope | handoff_sensitive")
    lang: Lang
    conversation_id: str
    generation: str = Field(description="The index generation that answered.")
    notice: str = Field(description="Says this is an automated answer from the city's published information.")
    notices: list[ShownNotice] = Field(
        default_factory=list, description="The city's emergency notices running now, the most severe first."
    )
    timings_ms: dict[str, float] = Field(description="Milliseconds spent in each step.")
    answer_id: str = Field(description="This answer's id, for POST /v1/feedback.")
    composer: Literal["extractive", "generative"] = Field(
        "extractive", description="Who wrote the answer: the source verbatim, or a language model (checked)."
    )
    composer_fallback: str | None = Field(
        None, description="Why a generated answer was not shown (check_<reason>, llm_timeout, llm_unreachable)."
    )


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


class SuggestRequest(Incoming):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(
        description="What the caller asked, pasted or typed by staff.",
        json_schema_extra={"minLength": 1, "pattern": QUESTION_PATTERN},
    )
    lang: Lang | None = None
    k: int = Field(5, ge=1, le=20, description="How many distinct sources to suggest.")


class SuggestionCitation(BaseModel):
    id: str
    title: str
    section: str
    url: str
    updated: str


class Suggestion(BaseModel):
    answer: str = Field(description="The source's answer, verbatim, with its 'as of' date.")
    citation: SuggestionCitation
    score: float = Field(description="Fused retrieval score, 0..1; the ranking.")
    confidence: float = Field(ge=0, le=1, description="Calibrated probability that this source answers it.")


class Suggestions(BaseModel):
    suggestions: list[Suggestion]


CaseStatus = Literal["open", "claimed", "resolved"]


class Case(BaseModel):
    id: str
    reference: str
    reason: str
    created_at: str
    updated_at: str
    lang: Lang
    question: str = Field(description="Personal data masked.")
    transcript: list[str] = Field(description="The conversation's questions, oldest first, masked.")
    suggestions: list[Citation]
    department: str
    status: CaseStatus
    claimed_by: str | None = None
    resolution: str | None = None
    answer_used: str | None = None


class Cases(BaseModel):
    cases: list[Case] = Field(description="Sensitive cases first, then newest first.")
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page; null on the last.")


class ClaimRequest(Incoming):
    model_config = ConfigDict(extra="forbid")
    staff: str = Field("staff", min_length=1, max_length=100, description="Who takes the case (a name or desk).")


class FaqProposal(Incoming):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=1000)
    answer: str = Field(min_length=1, max_length=5000)


class ResolveRequest(Incoming):
    model_config = ConfigDict(extra="forbid")
    resolution: str = Field(min_length=1, max_length=5000, description="What was done or answered.")
    answer_used: str | None = Field(None, max_length=300, description="The citation id of the answer given.")
    propose_faq: FaqProposal | None = Field(None, description="Propose this exchange as a new FAQ.")


class FeedbackRequest(Incoming):
    model_config = ConfigDict(extra="forbid")
    answer_id: str = Field(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")
    helpful: bool
    comment: str | None = Field(None, max_length=2000)


class FeedbackAccepted(BaseModel):
    recorded: bool = True
    source: Literal["resident", "staff"]


class NoticeRequest(Incoming):
    """A notice to publish: both languages, a severity, an end (at most 14 days on), optionally a start."""

    model_config = ConfigDict(extra="forbid")
    severity: Literal["info", "warning", "emergency"]
    ja: str = Field(min_length=1, max_length=1000)
    en: str = Field(min_length=1, max_length=1000)
    link: AnyHttpUrl | None = Field(None, description="A page with more (http or https).")
    starts_at: dt.datetime | None = Field(None, description="ISO 8601 with a time zone; default now.")
    ends_at: dt.datetime = Field(description="ISO 8601 with a time zone.")

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


class Notices(BaseModel):
    notices: list[NoticeOut]


class ReviewEntry(BaseModel):
    id: str
    title: str
    department: str
    updated: str = Field(description="The entry's own date, as the corpus gives it.")
    cited: int = Field(description="Answers that cited it in the window.")
    helpful: int
    not_helpful: int


class Review(BaseModel):
    outdated: list[ReviewEntry] = Field(description="Updated before the cut-off, oldest first.")
    uncited: list[ReviewEntry] = Field(description="Cited by no answer in the window.")
    poorly_rated: list[ReviewEntry] = Field(description="More 'not helpful' than 'helpful' in the window, worst first.")


MONTH = r"^20\d{2}-(0[1-9]|1[0-2])$"  # years 2000-2099: nothing older is in any database


class DayCount(BaseModel):
    day: str = Field(description="The city's date (MADOGUCHI_TIMEZONE).")
    ja: int
    en: int


class ConfidenceBand(BaseModel):
    low: float
    high: float
    answers: int


class SourceCount(BaseModel):
    id: str
    title: str
    department: str
    citations: int = 0


class SourceRating(BaseModel):
    id: str
    title: str
    department: str
    helpful: int
    not_helpful: int


class FeedbackComment(BaseModel):
    helpful: bool
    by: Literal["resident", "staff"]
    comment: str = Field(description="Masked.")
    source: str | None = Field(description="The rated answer's first source.")


class FeedbackSummary(BaseModel):
    helpful: int
    not_helpful: int
    sources: list[SourceRating] = Field(description="Per first-cited source, most 'not helpful' first.")
    comments: list[FeedbackComment]


class CaseFigures(BaseModel):
    opened: int
    claimed: int
    resolved: int
    minutes_to_claim_median: float | None
    minutes_to_claim_p90: float | None


class Topic(BaseModel):
    size: int = Field(description="Questions asked in the topic this month.")
    examples: list[str] = Field(description="Up to three of its most asked questions (masked).")
    nearest: SourceCount | None = Field(description="The existing source nearest to the topic.")


class Unanswered(BaseModel):
    questions: int = Field(description="Questions handed off as out of scope or low confidence.")
    topics: list[Topic] = Field(description="Grouped by meaning, biggest first.")


class MonthlyReport(BaseModel):
    month: str
    timezone: str
    generation: str
    model: str
    questions: int
    days: list[DayCount]
    languages: dict[str, int]
    outcomes: dict[str, int]
    confidence: list[ConfidenceBand]
    most_cited: list[SourceCount]
    never_cited: list[SourceCount] = Field(description="FAQs and regulations of the live corpus no answer cited.")
    feedback: FeedbackSummary
    cases: CaseFigures
    unanswered: Unanswered


class CategoryCount(BaseModel):
    category: str
    answers: int


class PublicReport(BaseModel):
    month: str
    questions: int | None = Field(description="None: fewer than min_cell.")
    outcomes: dict[str, int | None]
    shares: dict[str, float | None]
    languages: dict[str, int | None]
    categories: list[CategoryCount] = Field(description="Subjects of the answers; those under min_cell left out.")
    model: str
    generation: str
    corpus_updated: str | None
    min_cell: int


ProposalStatus = Literal["submitted", "approved", "rejected", "live"]


class ProposalRequest(Incoming):
    lang: Lang
    question: str = Field(min_length=1, max_length=500, description="The FAQ's question, as residents ask it.")
    answer: str = Field(min_length=1, max_length=4000, description="The FAQ's answer (checked by an operator).")
    department: str = Field(min_length=1, max_length=100, description="A key of the corpus's departments.yaml.")
    category: str = Field("", max_length=100)
    url: AnyHttpUrl | None = Field(None, description="The city's page on it, if there is one.")
    asked: str = Field(
        min_length=1, max_length=1000, description="The resident's question it answers: the reload's first canary."
    )
    origin: str | None = Field(None, max_length=100, description="A case reference, or 'topic'.")
    proposed_by: str = Field("staff", min_length=1, max_length=100)


class ProposalOut(BaseModel):
    id: str
    status: ProposalStatus
    created_at: str
    updated_at: str
    lang: Lang
    question: str
    answer: str
    department: str
    category: str
    url: str | None
    asked: str = Field(description="Masked.")
    origin: str | None
    proposed_by: str
    reviewed_by: str | None
    reviewed_at: str | None
    reason: str | None = Field(description="Why it was rejected.")
    entry_id: str | None = Field(description="The FAQ id written to the corpus on approval.")
    job_id: str | None = Field(description="The reload its approval started.")
    generation: str | None = Field(description="The generation that first served it.")


class Proposals(BaseModel):
    proposals: list[ProposalOut]


class ApproveRequest(Incoming):
    reviewer: str = Field("operator", min_length=1, max_length=100)
    question: str | None = Field(None, min_length=1, max_length=500, description="An edit of the question.")
    answer: str | None = Field(None, min_length=1, max_length=4000, description="An edit of the answer.")
    department: str | None = Field(None, min_length=1, max_length=100)
    category: str | None = Field(None, max_length=100)


class RejectRequest(Incoming):
    reviewer: str = Field("operator", min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=1000)


class Department(BaseModel):
    key: str
    ja: str
    en: str


class Departments(BaseModel):
    departments: list[Department]
