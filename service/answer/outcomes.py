"""The closed vocabulary of outcomes, and what the resident is told for each."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from service.answer.catalogue import texts

ANSWERED = "answered"
CLARIFY = "clarify"  # the likely entries offered as choices: the resident picks one, or none of them
HANDOFF_LOW_CONFIDENCE = "handoff_low_confidence"
HANDOFF_OUT_OF_SCOPE = "handoff_out_of_scope"
HANDOFF_SENSITIVE = "handoff_sensitive"
PAUSED = "paused"  # operators switched the AI answers of this channel off: nothing is answered from the corpus
WITH_STAFF = "with_staff"  # the conversation is handed to a person: the message went to them, the bot kept quiet
UNANSWERED = (HANDOFF_OUT_OF_SCOPE, HANDOFF_LOW_CONFIDENCE)  # the corpus had no answer: what reports group
OUTCOMES = (ANSWERED, CLARIFY, HANDOFF_LOW_CONFIDENCE, HANDOFF_OUT_OF_SCOPE, HANDOFF_SENSITIVE, PAUSED)
HANDOFF_REASONS = {
    HANDOFF_LOW_CONFIDENCE: "low_confidence",
    HANDOFF_OUT_OF_SCOPE: "out_of_scope",
    HANDOFF_SENSITIVE: "sensitive",
}

AI_NOTICE = texts("ai_notice")

HANDOFF_MESSAGES = {
    HANDOFF_LOW_CONFIDENCE: texts("handoff_low_confidence"),
    HANDOFF_OUT_OF_SCOPE: texts("handoff_out_of_scope"),
}

CLARIFY_MESSAGES = texts("clarify")

PLACE_MESSAGES = texts("clarify_place")
NO_COORDINATES = texts("no_coordinates")
NEAREST = texts("nearest")
DISTANCE = texts("distance")
ROW_MESSAGES = texts("clarify_row")

WITH_STAFF_MESSAGES = texts("with_staff")
LOCATION_SENT = texts("location_sent")
CLOSING_MESSAGES = texts("closing")
OUT_OF_HOURS = texts("out_of_hours")
CLOSED_NOW = texts("closed_now")
PAUSED_MESSAGES = texts("paused")
CONTACT_LINE = texts("contact_line")
REFERENCE_LINE = texts("reference_line")
AS_OF = texts("as_of")
UNTRANSLATED = texts("untranslated")
MULTILINGUAL_DESK = texts("multilingual_desk")


class Citation(BaseModel):
    id: str = Field(description="Chunk id: an FAQ id, or '<regulation id>#<article>'.")
    title: str = Field(description="The FAQ's question, or the regulation's title.")
    section: str = Field(description="'第5条第2項' / 'Article 5(2)'; empty for an FAQ.")
    url: str
    snippet: str = Field(description="The cited text, verbatim.")
    updated: str = Field(description="Last-updated or effective date of the source ('as of').")


class Choice(BaseModel):
    """An entry the question may be about, offered to the resident to pick."""

    id: str = Field(description="The entry (an FAQ, a regulation, a row of a list): pass it back as `choice`.")
    title: str = Field(description="Its published question, or the regulation's title and article, or the row's name.")
    section: str = Field("", description="'第5条' / 'Article 5'; empty for an FAQ.")
    department: str = Field("", description="Who is in charge of it.")


@dataclass
class Outcome:
    """How a question ended. Every exit of the pipeline is one of these."""

    outcome: str
    answer: str
    citations: list[Citation] = field(default_factory=list)
    suggestions: list[Citation] = field(default_factory=list)
    department: str = ""
    contact: str = ""
    choices: list[Choice] = field(default_factory=list)  # for ``clarify``: the likely entries, best first
    answer_lang: str = ""  # the language the answer quotes the city in, where it quotes the city

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}")

    @property
    def handoff_reason(self) -> str | None:
        return HANDOFF_REASONS.get(self.outcome)
