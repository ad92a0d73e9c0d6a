"""What residents read that the service writes itself comes from one catalogue per language, and every
catalogue says the same things: the same keys, the same placeholders, nothing empty."""

from __future__ import annotations

import string

from service.answer.catalogue import LANGUAGES, catalogue, texts
from service.answer.outcomes import AI_NOTICE, HANDOFF_LOW_CONFIDENCE, HANDOFF_MESSAGES
from service.api.line import messages as line


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_every_text_with_the_same_placeholders():
    keys = {lang: set(catalogue(lang)) for lang in LANGUAGES}
    assert all(found == keys["ja"] for found in keys.values()), keys
    for key in keys["ja"]:
        assert all(texts(key).values()), key  # nothing empty
        assert len({frozenset(placeholders(text)) for text in texts(key).values()}) == 1, key


def test_the_web_and_line_read_the_same_catalogue():
    assert AI_NOTICE["ja"] == catalogue("ja")["ai_notice"]
    assert HANDOFF_MESSAGES[HANDOFF_LOW_CONFIDENCE]["en"] == catalogue("en")["handoff_low_confidence"]
    assert line.GREETING["en"] == catalogue("en")["line_greeting"] and "{desk}" in line.GREETING["ja"]
    assert line.UNREADABLE["ja"] == catalogue("ja")["line_unreadable"]


def test_lines_button_labels_fit_its_limit_in_every_language():
    """A quick reply's label is at most 20 characters as LINE counts them (UTF-16 code units)."""
    buttons = ("line_none_of_these", "line_send_location", "line_report_wrong", "line_easy_japanese")
    for key in (*buttons, "line_resolved", "line_not_resolved"):
        assert all(len(text.encode("utf-16-le")) // 2 <= 20 for text in texts(key).values()), key
