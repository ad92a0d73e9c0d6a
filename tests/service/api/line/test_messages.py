"""What a resident reads on LINE always fits LINE's limits (tests/line_double.py checks them as LINE does): any
answer, any number of sources and choices, any length, and every entry of the bundled corpus as an answer."""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.languages import LANGUAGES
from service.answer.compose import passage
from service.answer.context import Candidate
from service.answer.outcomes import AI_NOTICE, Choice, Citation
from service.answer.pick import PLACE
from service.api.line.messages import answer_messages, greeting, split_text, units, unreadable
from service.api.line.platform import ours
from service.api.schemas.residents import Answer, Handoff, ShownNotice
from tests.line_double import MESSAGES_MAX, problems

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12_000)
citations = st.builds(
    Citation,
    id=st.text(min_size=1, max_size=300),
    title=st.text(max_size=400),
    section=st.text(max_size=40),
    url=st.text(max_size=300),
    snippet=st.text(max_size=50),
    updated=st.text(max_size=12),
)
choices = st.builds(
    Choice,
    id=st.one_of(st.text(min_size=1, max_size=300), st.text(min_size=1, max_size=40).map(lambda t: PLACE + t)),
    title=st.text(max_size=400),
    section=st.text(max_size=40),
)
notices = st.builds(
    ShownNotice, severity=st.sampled_from(["info", "warning", "emergency"]), text=st.text(max_size=1000)
)


def made(
    text: str, cited: list[Citation], offered: list[Choice], shown: list[ShownNotice], lang: str = "ja", reason=None
):
    return Answer(
        answer=text,
        citations=cited,
        confidence=0.5,
        handoff=Handoff(needed=reason is not None, reason=reason),
        outcome="clarify" if offered else "answered",
        lang=lang,
        conversation_id="c",
        generation="g",
        notice=AI_NOTICE[lang],
        notices=shown,
        answer_id=uuid.uuid4().hex,
        choices=offered,
        timings_ms={},
    )


@settings(max_examples=150, deadline=None)
@given(
    text=texts,
    cited=st.lists(citations, max_size=12),
    offered=st.lists(choices, max_size=25),
    shown=st.lists(notices, max_size=5),
    lang=st.sampled_from(LANGUAGES),
    reason=st.sampled_from([None, "low_confidence", "sensitive"]),
)
def test_any_answer_renders_within_lines_limits(text, cited, offered, shown, lang, reason):
    messages = answer_messages(made(text, cited, offered, shown, lang, reason))
    assert problems(messages) == []
    if offered:  # every choice that fits is a button, and "none of these" always is
        items = messages[-1]["quickReply"]["items"]
        assert items[-1]["action"]["data"] == "choose=none"
        assert (
            len([i for i in items if i["action"]["type"] == "postback"])
            == min(len(offered), 12 - any(c.id.startswith(PLACE) for c in offered)) + 1
        )


@given(text=texts, pieces=st.integers(1, MESSAGES_MAX))
def test_a_long_text_is_split_between_lines_and_what_does_not_fit_is_cut_and_says_so(text, pieces):
    parts = split_text(text, 5000, pieces, "…(cut)")
    assert len(parts) <= pieces and all(units(part) <= 5000 for part in parts)
    if units(text) <= 5000:
        assert parts == ([text] if text else [])
    elif not parts[-1].endswith("…(cut)"):
        assert "".join(parts).replace("\n", "") == text.replace("\n", "").rstrip()


def test_an_emoji_counts_as_two_characters_as_line_counts_them():
    parts = split_text("😀" * 3000, 5000, 2, "…")
    assert [units(part) for part in parts] == [5000, 1000]


def test_every_entry_of_the_bundled_corpus_renders_as_an_answer_within_lines_limits(services):
    many = [ShownNotice(severity="emergency", text="避難指示" * 250)] * services.settings.notices_max
    for position, chunk in enumerate(services.index.chunks):
        lang = chunk.lang if chunk.lang in ("ja", "en") else "ja"
        text, citation = passage(Candidate(position, chunk), chunk.title, lang, services.settings.snippet_chars)
        neighbours = [Candidate(p, services.index.chunks[p]) for p in range(max(0, position - 4), position + 1)]
        cited = [passage(c, chunk.title, lang, services.settings.snippet_chars)[1] for c in neighbours]
        messages = answer_messages(made(text, cited, [], many, lang))
        assert problems(messages) == [], chunk.id
        assert citation.title in "".join(m["text"] for m in messages)


def test_the_greeting_and_the_unreadable_notice_fit():
    assert problems(greeting({"ja": "市役所総合案内 0465-00-1000", "en": "City Hall 0465-00-1000"})) == []
    assert problems(unreadable()) == []
    for lang in LANGUAGES:  # in every language a LINE profile may name
        assert problems(greeting({"ja": "市役所総合案内 0465-00-1000", "en": "City Hall 0465-00-1000"}, lang)) == []
        assert problems(unreadable(lang)) == []


def test_the_language_a_line_profile_names_is_read_as_one_of_ours():
    assert [ours(tag) for tag in ("ja", "en", "zh-TW", "zh-Hant", "zh-CN", "pt-BR", "fil", "in", "th")] == [
        "ja",
        "en",
        "zh-Hant",
        "zh-Hant",
        "zh-Hans",
        "pt",
        "tl",
        "id",
        "th",
    ]
    assert ours("fr") is None and ours("") is None
