"""The reports' contract: the monthly report for staff and the public transparency report."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

MONTH = r"^20[0-9]{2}-(0[1-9]|1[0-2])$"  # years 2000-2099, ASCII digits only: nothing older is in any database


class DayCount(BaseModel):
    day: str = Field(description="The city's date (MADOGUCHI_TIMEZONE).")
    ja: int
    en: int
    other: int = Field(0, description="Questions in the other languages residents wrote in (see `languages`).")


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
    wrong: int = Field(0, description="Answers it was the first source of that residents or staff reported wrong.")


class DepartmentWrong(BaseModel):
    department: str
    wrong: int


class FeedbackComment(BaseModel):
    helpful: bool
    by: Literal["resident", "staff"]
    comment: str = Field(description="Masked.")
    source: str | None = Field(description="The rated answer's first source.")


class FeedbackSummary(BaseModel):
    helpful: int
    not_helpful: int
    wrong: int = Field(0, description="Answers reported wrong (each opened a case).")
    sources: list[SourceRating] = Field(
        description="Per first-cited source: most reported wrong, then most 'not helpful'."
    )
    wrong_by_department: list[DepartmentWrong] = Field(default_factory=list)
    comments: list[FeedbackComment]


class DepartmentCases(BaseModel):
    department: str
    closed: int = Field(description="Cases of the department staff closed in the month.")
    resolved: int = Field(description="Of them, those whose resident answered that it was resolved.")
    not_resolved: int = Field(description="Those whose resident answered that it was not.")
    overdue: int = Field(0, description="Cases of the department opened in the month that became overdue.")


class CaseFigures(BaseModel):
    opened: int
    claimed: int
    resolved: int
    minutes_to_claim_median: float | None
    minutes_to_claim_p90: float | None
    staff_replies: int = Field(0, description="Replies staff wrote to residents in their conversations.")
    resident_messages: int = Field(0, description="Messages residents wrote to staff while a person had them.")
    overdue: int = Field(
        0, description="Cases opened in the month still open after MADOGUCHI_CASE_OVERDUE_WORKING_DAYS working days."
    )
    departments: list[DepartmentCases] = Field(default_factory=list)


class Topic(BaseModel):
    size: int = Field(description="Questions asked in the topic this month.")
    examples: list[str] = Field(description="Up to three of its most asked questions (masked).")
    nearest: SourceCount | None = Field(description="The existing source nearest to the topic.")


class Unanswered(BaseModel):
    questions: int = Field(description="Questions handed off as out of scope or low confidence.")
    topics: list[Topic] = Field(description="Grouped by meaning, biggest first.")


class SwitchChange(BaseModel):
    at: str = Field(description="When (ISO 8601, UTC).")
    target: str = Field(description="all, web, api, line or generative.")
    on: bool = Field(description="false: the AI answers of the target were paused; true: they came back.")
    reason: str
    by: str | None = Field(None, description="Who (the staff report only; never published).")


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
    switches: list[SwitchChange] = Field(default_factory=list, description="Off switch changes, oldest first.")
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
    staff_replies: int | None = Field(
        None, description="Replies staff wrote to residents in the chat (counted, never shown); None: under min_cell."
    )
    switches: list[SwitchChange] = Field(
        default_factory=list, description="When operators paused the AI answers and brought them back, and why."
    )
    model: str
    generation: str
    corpus_updated: str | None
    min_cell: int
