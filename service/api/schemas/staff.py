"""The staff's contract: suggestions, the handoff queue, the content review, FAQ proposals, departments."""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from service.answer.outcomes import Citation
from service.api.schemas.common import QUESTION_PATTERN, Incoming, Lang


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
    resident_resolved: bool | None = Field(
        None, description="After the close, the resident's answer to 'was this resolved?' (null: not given)."
    )
    overdue: bool = Field(
        False, description="Still open after MADOGUCHI_CASE_OVERDUE_WORKING_DAYS working days of its department."
    )


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


class ReviewEntry(BaseModel):
    id: str
    title: str
    department: str
    updated: str = Field(description="The entry's own date, as the corpus gives it.")
    cited: int = Field(description="Answers that cited it in the window.")
    helpful: int
    not_helpful: int
    wrong: int = Field(0, description="Answers it was the first source of that were reported wrong in the window.")
    easy_problems: list[str] = Field(
        default_factory=list,
        description="What the やさしい日本語 checker found in its easy text, each `code: what` (long_sentence, "
        "double_negative, honorific, katakana_loanword, era_without_western_year).",
    )


class Review(BaseModel):
    outdated: list[ReviewEntry] = Field(description="Updated before the cut-off, oldest first.")
    uncited: list[ReviewEntry] = Field(description="Cited by no answer in the window.")
    poorly_rated: list[ReviewEntry] = Field(
        description="Reported wrong, or more 'not helpful' than 'helpful', in the window: those reported wrong first."
    )
    easy_text_to_check: list[ReviewEntry] = Field(
        default_factory=list, description="Japanese FAQs whose やさしい日本語 text breaks a rule, most findings first."
    )
    without_easy_text: list[ReviewEntry] = Field(
        default_factory=list, description="Japanese FAQs with no やさしい日本語 text, by department."
    )


ProposalStatus = Literal["submitted", "approved", "rejected", "live", "withdrawn"]


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
    reason: str | None = Field(description="Why it was rejected or withdrawn, or why its approval did not go live.")
    entry_id: str | None = Field(description="The FAQ id written to the corpus on approval.")
    job_id: str | None = Field(description="The reload its approval started.")
    generation: str | None = Field(description="The generation that first served it.")
    canary_changes_confirmed: bool = Field(False, description="It may become a canary question's first source.")


class Proposals(BaseModel):
    proposals: list[ProposalOut]


class Department(BaseModel):
    key: str
    ja: str
    en: str


class Departments(BaseModel):
    departments: list[Department]


STAFF_MESSAGE_MAX_CHARS = 2000


class StaffMessageRequest(Incoming):
    """A reply to the resident of a claimed case, by the staff member who claimed it."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(
        min_length=1,
        max_length=STAFF_MESSAGE_MAX_CHARS,
        description="Masked before it is kept or sent; at most this many characters once folded (NFKC), and "
        "something visible (422 message_too_long, message_empty).",
    )
    staff: str = Field("staff", min_length=1, max_length=100, description="Who writes (as when the case was claimed).")
    entry: str | None = Field(
        None, max_length=300, description="A corpus entry to attach as a cited answer (its FAQ id or document id)."
    )
