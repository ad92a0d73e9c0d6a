"""やさしい日本語: the readings of kanji a child has not learnt by a school grade, beside the city's own text,
which stays word for word."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.text import normalize
from service.answer.furigana import furigana, learnt_by
from tests.helpers import CORPUS, ROOT


def read(pieces):
    return [(piece.text, piece.reading) for piece in pieces]


def test_the_grade_table_holds_the_kanji_of_each_school_grade():
    assert len(learnt_by(1)) == 80 and len(learnt_by(2)) == 240 and len(learnt_by(6)) == 1026
    assert "日" in learnt_by(1) and "市" in learnt_by(2) and "票" not in learnt_by(3) and learnt_by(0) == frozenset()


def test_a_word_with_a_kanji_beyond_the_grade_gets_its_reading_and_the_rest_stays_as_written():
    pieces = read(furigana("住民票の写しは市役所で取れます。", 2))
    assert ("住民票", "じゅうみんひょう") in pieces and ("取", "と") in pieces  # the kana after it are not read
    assert "".join(text for text, _ in pieces) == "住民票の写しは市役所で取れます。"
    assert all(reading is None for text, reading in pieces if text in ("の", "は", "で"))


def test_the_grade_decides_which_kanji_are_read():
    assert ("日曜日", None) not in read(furigana("日曜日", 1)) and read(furigana("日曜日", 2)) == [("日曜日", None)]
    assert read(furigana("住民票", 6)) == [("住民票", None)]
    assert read(furigana("山", 0)) == [("山", "やま")]


def test_every_japanese_answer_of_the_sample_corpus_joins_back_into_itself():
    answers = [
        json.loads(line)["answer"]
        for path in sorted((ROOT / "corpus").glob("**/*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and json.loads(line).get("lang", "ja") == "ja"
    ]
    assert len(answers) >= 100
    for answer in answers:
        pieces = furigana(answer, 2)
        assert "".join(piece.text for piece in pieces) == answer
        assert all(piece.reading for piece in pieces if piece.reading is not None)


@pytest.mark.parametrize("text", ["", "AI", "123", "ごみ"])
def test_text_without_kanji_is_one_plain_piece(text):
    assert read(furigana(text, 2)) == ([(text, None)] if text else [])


def test_the_readings_are_right_for_the_hand_checked_words_of_the_sample_answers():
    """Issue 44: at least .97 of 100 kanji words of the sample corpus's answers read as a person reads them."""
    answers = {
        record["id"]: record["answer"]
        for path in sorted((CORPUS / "faq" / "ja").glob("*.jsonl"))
        for record in map(json.loads, path.read_text("utf-8").splitlines())
    }
    checked = [
        line.split("\t")
        for line in (Path(__file__).parents[2] / "data" / "furigana_readings.tsv").read_text("utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert len(checked) == 100
    right = 0
    for entry, word, reading in checked:
        read = {piece.text: piece.reading for piece in furigana(normalize(answers[entry]), 0)}
        right += read.get(word) == reading
    assert right >= 97, right
