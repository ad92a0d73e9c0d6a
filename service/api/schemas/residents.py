"""The residents' contract: a question, its answer (with its citations, handoff and notices), feedback."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.answer.outcomes import Citation
from service.api.schemas.common import QUESTION_PATTERN, Incoming, Lang


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


class FeedbackRequest(Incoming):
    model_config = ConfigDict(extra="forbid")
    answer_id: str = Field(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")
    helpful: bool
    comment: str | None = Field(None, max_length=2000)


class FeedbackAccepted(BaseModel):
    recorded: bool = True
    source: Literal["resident", "staff"]
