"""What can be checked of an entry's やさしい日本語 text by rule, after the national guideline (在留支援のための
やさしい日本語ガイドライン, 出入国在留管理庁・文化庁, 2020): short sentences, no double negatives, no honorific forms,
few katakana loanwords, and a date in the Japanese era with its Western year. Each finding is a stable code and
what it found; a person decides (the checker reads forms, not meaning)."""

from __future__ import annotations

import re

SENTENCE_MAX = 30  # characters, spaces and the full stop aside: short sentences, one piece of information each

_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
_DOUBLE_NEGATIVE = re.compile(
    r"な(?:け|く)れば(?:なりません|ならない|いけません|いけない)|ないわけでは(?:ない|ありません)|なくはない"
    r"|ないことは(?:ない|ありません)|なくもない"
)
_HONORIFIC = re.compile(
    r"いただ(?:く|き|け)|ございま|いたしま|申し上げ|お越し|ご覧|召し上が|伺(?:い|う|え)|おりま|参りま|くださいませ"
)
_KATAKANA_WORD = re.compile(r"[ァ-ヺー]{3,}")
_ERA_YEAR = re.compile(r"(?:令和|平成|昭和)\s*(?:\d+|元)年")
_WESTERN_YEAR = re.compile(r"(?:19|20)\d\d\s*年")


def problems(text: str) -> list[str]:
    """``code: what`` for each rule the text breaks, in the text's order per rule."""
    found = []
    for sentence in _SENTENCE.findall(text):
        length = len(re.sub(r"[\s。！？!?]", "", sentence))  # the full stop aside
        if length > SENTENCE_MAX:
            found.append(f"long_sentence: 「{sentence.strip()[:20]}…」 ({length} characters)")
    found += [f"double_negative: {m.group()}" for m in _DOUBLE_NEGATIVE.finditer(text)]
    found += [f"honorific: {m.group()}" for m in _HONORIFIC.finditer(text)]
    found += [f"katakana_loanword: {word}" for word in dict.fromkeys(_KATAKANA_WORD.findall(text))]
    era = _ERA_YEAR.search(text)
    if era and not _WESTERN_YEAR.search(text):
        found.append(f"era_without_western_year: {era.group()}")
    return found
