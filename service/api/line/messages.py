"""What a resident reads on LINE: an answer, a choice, a handoff or a greeting as Messaging API message objects,
always within LINE's limits (https://developers.line.biz/en/reference/messaging-api/#message-objects): a text
message of at most 5,000 characters, at most 5 messages per reply or push, at most 13 quick-reply buttons whose
labels are at most 20 characters, postback data and display texts of at most 300.

An answer is one text: the answer (a handoff's reason, door and reference; an emergency's 119 first), its
numbered sources with their links and "as of" dates, and the notice that an AI wrote it. The city's running
notices come first, in a message of their own, except before an emergency handoff. Choices are listed in the
text by number (quick replies disappear once used) and offered as quick-reply buttons; a question about where
to evacuate also offers LINE's "send my location" button."""

from __future__ import annotations

from typing import Any

from ingest.languages import detect
from service.answer.catalogue import LANGUAGES, texts
from service.answer.outcomes import AI_NOTICE, Citation
from service.answer.pick import Pick
from service.api.schemas.residents import Answer

TEXT_MAX = 5000
MESSAGES_MAX = 5
QUICK_REPLIES_MAX = 13
LABEL_MAX = 20
DATA_MAX = 300
WRONG = "wrong="  # the postback of "this answer is wrong": wrong=<answer id>
EASY = "easy="  # the quick reply under a Japanese answer: the same question again, in やさしい日本語
CHOOSE = "choose="  # a quick reply's postback data: choose=<position of the choice>, or choose=none
RESOLVED = "resolved="  # after staff closed a case: resolved=yes or resolved=no

Message = dict[str, Any]

SOURCES = texts("line_sources")
AS_OF = texts("line_as_of")
NONE_LABEL = texts("line_none_of_these")
LOCATION_LABEL = texts("line_send_location")
NOTICES = texts("line_notices")
CUT = texts("line_cut")
GREETING = texts("line_greeting")
UNREADABLE = texts("line_unreadable")
SLOW_DOWN = texts("line_slow_down")
WRONG_LABEL = texts("line_report_wrong")
WRONG_THANKS = texts("line_wrong_thanks")
ALREADY_REPORTED = texts("line_already_reported")
STALE_CHOICE = texts("line_stale_choice")
TOO_LONG = texts("line_too_long")
EASY_LABEL = texts("line_easy_japanese")


def text_message(text: str, quick_reply: list[Message] | None = None) -> Message:
    message: Message = {"type": "text", "text": _fit(text, TEXT_MAX, "…")}
    if quick_reply:
        message["quickReply"] = {"items": quick_reply[:QUICK_REPLIES_MAX]}
    return message


def answer_messages(answer: Answer) -> list[Message]:
    """An answer as the messages of one reply (at most five, each within LINE's limits)."""
    lang = answer.lang if answer.lang in AI_NOTICE else "ja"
    parts = [with_readings(answer)]
    if answer.choices:
        parts.append(
            "\n".join(f"{n}. {_choice_title(c.id, c.title, c.section)}" for n, c in enumerate(answer.choices, 1))
        )
    if answer.citations:
        parts.append(sources(answer.citations, lang))
    parts.append(AI_NOTICE[lang])
    body = "\n\n".join(part for part in parts if part)
    messages: list[Message] = []
    emergency = answer.handoff.reason == "sensitive"
    shown = [n.text + (f"\n{n.link}" if n.link else "") for n in answer.notices if n.text not in answer.answer]
    if shown and not emergency:
        messages.append(text_message(NOTICES[lang] + "\n" + "\n\n".join(shown)))
    room = MESSAGES_MAX - len(messages)
    pieces = split_text(body, TEXT_MAX, room, CUT[lang])
    messages += [text_message(piece) for piece in pieces]
    if answer.choices:
        messages[-1]["quickReply"] = {"items": choice_buttons(answer, lang)}
    elif answer.outcome == "answered":  # an answer from the sources may be reported wrong
        items = [postback(WRONG_LABEL[lang], f"{WRONG}{answer.answer_id}", WRONG_LABEL[lang])]
        if lang == "ja" and answer.furigana is None:  # once more, with the readings of the harder kanji
            items.append(postback(EASY_LABEL[lang], EASY, EASY_LABEL[lang]))
        messages[-1]["quickReply"] = {"items": items}
    return messages


def with_readings(answer: Answer) -> str:
    """The answer's text; in やさしい日本語, each harder word followed by its reading: 住民票（じゅうみんひょう）."""
    if not answer.furigana:
        return answer.answer
    return "".join(piece.text + (f"（{piece.reading}）" if piece.reading else "") for piece in answer.furigana)


def sources(citations: list[Citation], lang: str) -> str:
    """The numbered sources: title and section, link, and "as of" date."""
    lines = [SOURCES[lang]]
    for n, citation in enumerate(citations, 1):
        title = " ".join(part for part in (citation.title, citation.section) if part)
        dated = f"（{AS_OF[lang].format(date=citation.updated)}）" if citation.updated else ""
        lines.append(f"[{n}] {title}{dated}")
        if citation.url:
            lines.append(citation.url)
    return "\n".join(lines)


def choice_buttons(answer: Answer, lang: str) -> list[Message]:
    """The choices as quick-reply buttons (postback ``choose=<n>``), "none of these" last; a question about
    where to evacuate first offers "send my location"."""
    buttons: list[Message] = []
    if any(Pick.parse(choice.id).kind == "place" for choice in answer.choices):
        buttons.append({"type": "action", "action": {"type": "location", "label": LOCATION_LABEL[lang]}})
    room = QUICK_REPLIES_MAX - len(buttons) - 1
    for n, choice in enumerate(answer.choices[:room], 1):
        title = _choice_title(choice.id, choice.title, choice.section)
        buttons.append(postback(f"{n}. {title}", f"{CHOOSE}{n - 1}", title))
    buttons.append(postback(NONE_LABEL[lang], f"{CHOOSE}{Pick('none').id}", NONE_LABEL[lang]))
    return buttons


def postback(label: str, data: str, shown: str) -> Message:
    return {
        "type": "action",
        "action": {
            "type": "postback",
            "label": _fit(label, LABEL_MAX, "…"),
            "data": _head(data, DATA_MAX),
            "displayText": _fit(shown, DATA_MAX, "…"),
        },
    }


STAFF_SAYS = texts("line_staff_says")
RESOLVED_LABELS = {lang: (texts("line_resolved")[lang], texts("line_not_resolved")[lang]) for lang in LANGUAGES}


def thread_messages(message: Any, lang: str) -> list[Message]:
    """A staff member's reply (with the entry they attached) or their close (with "was this resolved?" buttons)."""
    lang = lang if lang in AI_NOTICE else "ja"
    if message.author == "closing":
        yes, no = RESOLVED_LABELS[lang]
        buttons = [postback(yes, f"{RESOLVED}yes", yes), postback(no, f"{RESOLVED}no", no)]
        return [text_message(message.text, buttons)]
    parts = [STAFF_SAYS[lang].format(department=message.department or "市役所"), message.text]
    if message.cited:
        parts.append(sources([Citation.model_validate(message.cited)], lang))
    return [text_message("\n".join(parts))]


def greeting(desks: dict[str, str], lang: str | None = None) -> list[Message]:
    """What a new follower reads first, in the language their LINE is set to and in Japanese (Japanese and
    English when that is one of them, or unknown): an automated AI answer from published information, no
    personal data, how to reach a person (the national guideline on public bodies' LINE use expects this)."""
    langs = ("ja", "en") if lang in (None, "ja", "en") else (lang, "ja")
    return [text_message(GREETING[x].format(desk=desks.get(x) or desks["en"])) for x in langs]


def unreadable(lang: str | None = None) -> list[Message]:
    """A sticker or an image: in the user's LINE language, else in Japanese and English (nothing else says)."""
    return [text_message(UNREADABLE[lang] if lang else "\n".join(UNREADABLE[x] for x in ("ja", "en")))]


def in_language(texts: dict[str, str], said: str = "", lang: str | None = None, **values: Any) -> list[Message]:
    """A short notice in the language of what the resident wrote, else of their LINE (``lang``), else Japanese."""
    shown = detect(said) if said.strip() else lang or "ja"
    return [text_message(texts[shown].format(**values))]


def split_text(text: str, most: int, pieces: int, cut: str) -> list[str]:
    """``text`` in at most ``pieces`` pieces of at most ``most`` characters (as LINE counts them: UTF-16 code
    units), split between paragraphs or lines where it can; what does not fit is cut, and says so."""
    out: list[str] = []
    rest = text
    while rest:
        if units(rest) <= most:
            out.append(rest)
            break
        if len(out) == pieces - 1:
            out.append(_head(rest, most - units(cut)).rstrip() + cut)
            break
        head = _head(rest, most)
        at = max(head.rfind("\n\n"), head.rfind("\n"))
        at = at if at > len(head) // 2 else len(head)
        out.append(head[:at].rstrip() or head)
        rest = rest[at:].lstrip("\n")
    return out


def units(text: str) -> int:
    """A text's length as LINE counts it: UTF-16 code units (an emoji outside the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


def _head(text: str, most: int) -> str:
    head = text[:most]
    while (excess := units(head) - most) > 0:  # k characters cut are k to 2k units: never below ``most``
        head = head[: len(head) - max(1, excess // 2)]
    return head


def _choice_title(choice_id: str, title: str, section: str) -> str:
    shown = title or Pick.parse(choice_id).value
    return f"{shown} {section}".strip() if section and section not in shown else shown


def _fit(text: str, most: int, ellipsis: str) -> str:
    return text if units(text) <= most else _head(text, most - units(ellipsis)) + ellipsis
