"""The closed vocabulary of outcomes, and what the resident is told for each."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, Field

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

AI_NOTICE = {
    "ja": "これはAIによる自動回答です。市が公開している情報だけをもとにお答えしています。"
    "正確な内容は出典をご確認ください。",
    "en": "This is an automated answer by AI, based only on information the city has published. "
    "Please check the source for the exact wording.",
}

HANDOFF_MESSAGES = {
    HANDOFF_LOW_CONFIDENCE: {
        "ja": "申し訳ありません。この質問に確実にお答えできる情報が見つかりませんでした。担当の職員がご案内します。",
        "en": "Sorry, we could not find information that answers this question reliably. "
        "A member of staff will help you.",
    },
    HANDOFF_OUT_OF_SCOPE: {
        "ja": "申し訳ありません。この質問は、市が公開している情報ではお答えできない内容のようです。"
        "職員がご案内します。",
        "en": "Sorry, this question seems to be outside the information the city has published. "
        "A member of staff will help you.",
    },
}

CLARIFY_MESSAGES = {
    "ja": "どの内容についてのご質問でしょうか。近いものを選んでください。"
    "どれにも当てはまらない場合は「この中にはない」を選ぶと、職員がご案内します。",
    "en": "Which of these is your question about? Please choose one. If none of them fits, choose "
    '"None of these" and a member of staff will help you.',
}

PLACE_MESSAGES = {
    "ja": "どの地区の避難場所をお探しですか。地区を選んでください。",
    "en": "Evacuation sites are listed by district. Which district are you in?",
}
NO_COORDINATES = {
    "ja": "市の避難場所の一覧には位置の情報がないため、近い順にはお示しできません。",
    "en": "The city's list of evacuation sites does not say where each site is, so they cannot be listed by distance.",
}
NEAREST = {
    "ja": "現在地から近い避難場所です（直線距離。災害の種類に合うかは一覧の○△をご確認ください）。",
    "en": "The evacuation sites nearest to you (straight-line distance; check the ○/△ marks for each hazard).",
}
DISTANCE = {"ja": "現在地から約{km} km　地図: {map}", "en": "About {km} km from you. Map: {map}"}
ROW_MESSAGES = {
    "ja": "「{item}」は種類や量によって出し方が違います。どれに当たりますか。",
    "en": "How to put out “{item}” depends on its kind or amount. Which of these is it?",
}

WITH_STAFF_MESSAGES = {
    "ja": "この会話は{department}の職員にお渡ししています。メッセージを担当者に伝えました。返信はこの会話に届きます。",
    "en": "This conversation is with staff of {department}. Your message has been passed to them; their reply will "
    "appear in this conversation.",
}
LOCATION_SENT = {"ja": "（位置情報が送られました）", "en": "(a location was sent)"}  # staff read this, not where
CLOSING_MESSAGES = {
    "ja": "職員の対応を終了しました。お困りごとは解決しましたか。次のご質問からはAIがお答えします。",
    "en": "Staff have closed this conversation. Was your question resolved? Your next question will be answered by "
    "the AI again.",
}
OUT_OF_HOURS = {
    "ja": "ただいま受付時間外です。{department}の職員は{when}から対応します。",
    "en": "Staff of {department} are away now; they will be back {when}.",
}
CLOSED_NOW = {"ja": "ただいま受付時間外です。", "en": "Staff are away now."}
PAUSED_MESSAGES = {
    "ja": "現在、AIによる自動回答を停止しています。お手数ですが、職員にお問い合わせください。",
    "en": "Automated AI answers are paused at the moment. Please contact a member of staff.",
}
CONTACT_LINE = {"ja": "お問い合わせ: {department} {contact}", "en": "Contact: {department}, {contact}"}
REFERENCE_LINE = {
    "ja": "お電話の際は受付番号 {reference} をお伝えください。",
    "en": "When you call, please quote your reference {reference}.",
}
AS_OF = {"ja": "（{date}時点の情報）", "en": "(Information as of {date}.)"}


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

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}")

    @property
    def handoff_reason(self) -> str | None:
        return HANDOFF_REASONS.get(self.outcome)
