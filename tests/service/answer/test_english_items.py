"""The thing an English question about garbage names, and the Japanese names it may go by."""

import pytest

from service.answer.english_items import japanese_names, thing


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("How should I dispose of spray cans?", "spray can"),
        ("Can I throw away old cans on Monday?", "can monday"),
        ("What kind of garbage is a microwave?", "microwave"),
        ("How do I throw away a broken hair dryer?", "hair dryer"),
    ],
)
def test_the_thing_is_what_is_left_once_the_asking_words_are_taken_out(question, named):
    assert thing(question) == named


def test_a_thing_in_the_glossary_goes_by_its_japanese_names_first():
    assert japanese_names("How do I dispose of batteries?")[:2] == ["乾電池", "電池"]


def test_a_loanword_goes_by_its_katakana():
    assert "ソファ" in japanese_names("How do I throw away a sofa?")


def test_a_question_that_names_no_thing_has_no_names():
    assert japanese_names("How do I throw away garbage?") == []
