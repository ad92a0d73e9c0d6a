"""Furigana for やさしい日本語: the readings of the kanji a child learns after a given school grade, so that a
resident who reads kana can read the city's own answer. Nothing is rewritten: the text stays the city's word for
word, with readings from Sudachi's dictionary beside the words that need them (the chat page draws <ruby>; the
national guideline for やさしい日本語 asks for furigana on kanji).

Which kanji are learnt by which grade: ingest/data/kanji_grades.tsv (学年別漢字配当表)."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from pydantic import BaseModel, Field

from ingest.text import KATAKANA_TO_HIRAGANA, readings

_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005]")  # 々 repeats a kanji: it is read too
_KANA = re.compile(r"[\u3041-\u309f\u30a1-\u30fa\u30fc]")


class Ruby(BaseModel):
    text: str = Field(description="A piece of the answer's text, as written.")
    reading: str | None = Field(description="Its reading in hiragana, or null where no reading is shown.")


@cache
def learnt_by(grade: int) -> frozenset[str]:
    """The kanji taught up to and including ``grade`` (0: none)."""
    table = resources.files("ingest").joinpath("data/kanji_grades.tsv").read_text("utf-8")
    rows = (line.split("\t") for line in table.splitlines() if line and not line.startswith("#"))
    return frozenset(kanji for taught, kanjis in rows if int(taught) <= grade for kanji in kanjis)


def furigana(text: str, grade: int) -> list[Ruby]:
    """The text in pieces: each word holding a kanji beyond ``grade`` with its reading (only over its kanji: the
    kana written around them are shown as they are), everything else as written, in order; joined, the pieces'
    texts are the text."""
    known = learnt_by(grade)
    pieces: list[Ruby] = []
    for surface, reading in readings(text):
        if not any(_KANJI.match(c) and c not in known for c in surface) or not _KANA.fullmatch(reading[:1] or "x"):
            _add(pieces, surface, None)
            continue
        head, body, tail, said = _around_kana(surface, reading)
        _add(pieces, head, None)
        _add(pieces, body, said)
        _add(pieces, tail, None)
    return pieces


def _around_kana(surface: str, reading: str) -> tuple[str, str, str, str]:
    """(kana before, the rest, kana after, the rest's reading): 取れ / とれ -> ("", "取", "れ", "と")."""
    start = 0
    while start < len(surface) - 1 and start < len(reading) and _same_kana(surface[start], reading[start]):
        start += 1
    end = 0
    while (
        end < len(surface) - start - 1
        and end < len(reading) - start - 1
        and _same_kana(surface[-1 - end], reading[-1 - end])
    ):
        end += 1
    stop = len(surface) - end
    return surface[:start], surface[start:stop], surface[stop:], reading[start : len(reading) - end]


def _same_kana(written: str, read: str) -> bool:
    return bool(_KANA.match(written)) and written.translate(KATAKANA_TO_HIRAGANA) == read


def _add(pieces: list[Ruby], text: str, reading: str | None) -> None:
    """Append a piece; plain text joins the plain piece before it."""
    if not text:
        return
    if reading is None and pieces and pieces[-1].reading is None:
        pieces[-1] = Ruby(text=pieces[-1].text + text, reading=None)
    else:
        pieces.append(Ruby(text=text, reading=reading))
