"""The residents' contract: a question, its answer (with its citations, handoff and notices), feedback."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from service.answer.furigana import Ruby
from service.answer.outcomes import Choice, Citation
from service.api.schemas.common import QUESTION_PATTERN, Incoming, ResidentLang


class AskRequest(Incoming):
    """A question, or the pick of one of the choices a question was answered with (``clarify``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [{"required": ["question"]}, {"required": ["choice", "conversation_id"]}],
            "dependentRequired": {"choice": ["conversation_id"]},
        },
    )

    # SkipJsonSchema: null is accepted as "absent" but not offered in the contract, so "question or choice" holds
    question: str | SkipJsonSchema[None] = Field(
        None,
        description="The resident's question, in Japanese or English. Control characters are removed; "
        "what remains must not be blank (422 question_empty) nor longer than the limit (422 question_too_long). "
        "Ignored when `choice` is given.",
        json_schema_extra={"minLength": 1, "pattern": QUESTION_PATTERN},
    )
    choice: str | SkipJsonSchema[None] = Field(
        None,
        min_length=1,
        max_length=300,
        json_schema_extra={"minLength": 1},
        description="The id of one of the choices the conversation's last answer offered (answered from that "
        "entry), or `none` (none of them fits: a person takes over). Needs `conversation_id`; 409 "
        "nothing_to_choose when its last answer offered no choices, 409 choice_not_offered for another id.",
    )
    lang: ResidentLang | None = Field(
        None,
        description="The resident's language (ja, en, zh-Hans, zh-Hant, ko, vi, tl, pt, ne, id, my, es, th): the "
        "answer's messages are in it, and its text where the city published one; detected when absent.",
    )
    conversation_id: str | SkipJsonSchema[None] = Field(
        None,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        json_schema_extra={"pattern": r"^[A-Za-z0-9_-]+$"},
        description="Continue a conversation (follow-up questions use its earlier turns).",
    )
    easy_japanese: bool = Field(
        False,
        description="やさしい日本語: a Japanese answer comes with `furigana`, the readings of its kanji beyond "
        "MADOGUCHI_FURIGANA_GRADE (the text itself is unchanged).",
    )

    @model_validator(mode="after")
    def _a_question_or_a_pick(self) -> AskRequest:
        if self.choice is None and self.question is None:
            raise ValueError("question is required (or choice, with the conversation_id it was offered in)")
        if self.choice is not None and self.conversation_id is None:
            raise ValueError("a choice needs the conversation_id it was offered in")
        return self


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
    outcome: str = Field(
        description="answered | clarify | handoff_low_confidence | handoff_out_of_scope | handoff_sensitive | "
        "paused (operators switched the AI answers off: the general desk is named) | with_staff (the "
        "conversation is with a person: the message went to them)"
    )
    choices: list[Choice] = Field(
        default_factory=list,
        description="With `clarify`: the entries the question may be about, best first; pick one with "
        "`choice` (or `none`).",
    )
    lang: ResidentLang = Field(description="The resident's language: every message the service writes is in it.")
    answer_lang: ResidentLang | None = Field(
        None,
        description="The language `answer` quotes the city in: the resident's where the city published the entry "
        "in it, else the entry's own (a note in the resident's language says so, with the multilingual desk).",
    )
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
    furigana: list[Ruby] | None = Field(
        None,
        description="With `easy_japanese` and a Japanese answer: `answer` in pieces, in order, each with the reading "
        "of its kanji (hiragana) or null; joined, the pieces' texts are `answer`.",
    )


class FeedbackRequest(Incoming):
    model_config = ConfigDict(extra="forbid")
    answer_id: str = Field(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")
    helpful: bool
    wrong: bool = Field(
        False,
        description="This answer is wrong (counted as not helpful, whatever `helpful` says): a case opens for "
        "staff of the cited entry's department with the question, masked, and the answer's sources.",
    )
    comment: str | None = Field(None, max_length=2000)


class FeedbackAccepted(BaseModel):
    recorded: bool = True
    source: Literal["resident", "staff"]
    reference: str | None = Field(None, description="The case a wrong-answer report opened (to quote on the phone).")


class StartingPoint(BaseModel):
    id: str
    title: str = Field(description="The entry's published question: ask it as it is.")


class StartingPoints(BaseModel):
    entries: list[StartingPoint] = Field(description="Most asked about this month first; empty early in a month.")


class ThreadMessage(BaseModel):
    """A message of the conversation with a person (staff's replies, what the resident wrote to them, the close)."""

    id: int = Field(description="Pass the last one seen as `after` to get only newer ones.")
    author: Literal["resident", "staff", "closing"]
    department: str = Field(description="Who is answering: staff of which department (never a person's name).")
    text: str = Field(description="Personal data masked.")
    created_at: str
    citation: Citation | None = Field(None, description="A corpus entry staff attached as a cited answer.")


class Thread(BaseModel):
    state: Literal["bot", "waiting", "with_staff"] = Field(
        description="bot: the AI answers; waiting: handed to staff, not yet taken; with_staff: a person answers."
    )
    department: str = Field("", description="Who the conversation is handed to, while it is.")
    reference: str | None = Field(None, description="The case's reference, while it is handed to staff.")
    typing: bool = Field(False, description="Staff are writing a reply.")
    messages: list[ThreadMessage]


class RatingRequest(Incoming):
    model_config = ConfigDict(extra="forbid")
    resolved: bool = Field(description="The resident's answer to 'was this resolved?' after staff closed it.")
