"""The languages residents write in, and which one a text is in (ADR 0012).

Japanese, English, and the languages most foreign residents of Japan speak. A text's script tells most of them
apart at once: kana is Japanese, Hangul Korean, Thai Thai, Myanmar Burmese, Devanagari Nepali. Han characters
alone are Japanese unless the text holds a character Japanese is not written with (none of the 常用 or 人名用
kanji, or an old form of one: 这, 們, 應) or a word only Chinese uses (吗, 我): then Chinese, simplified or
traditional by which of its characters only one of them writes (hanzidentifier). Latin script is told apart by
py3langid over English, Vietnamese, Tagalog, Portuguese, Indonesian and Spanish; where it is no more sure of
another language than not, the text is read as English (romanised Japanese, 「sodai gomi pick up」, is a toss-up)."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import hanzidentifier
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

LANGUAGES = ("ja", "en", "zh-Hans", "zh-Hant", "ko", "vi", "tl", "pt", "ne", "id", "my", "es", "th")
NAMES = {  # each language's name in itself: the chat page's menu, the note that an answer is not in it
    "ja": "日本語",
    "en": "English",
    "zh-Hans": "简体中文",
    "zh-Hant": "繁體中文",
    "ko": "한국어",
    "vi": "Tiếng Việt",
    "tl": "Tagalog",
    "pt": "Português",
    "ne": "नेपाली",
    "id": "Bahasa Indonesia",
    "my": "မြန်မာဘာသာ",
    "es": "Español",
    "th": "ไทย",
}
LATIN = ("en", "vi", "tl", "pt", "id", "es")
OLD_FORMS = 10  # the grade of kanji_grades.tsv that holds the old forms of 人名用漢字
SURE = 0.5  # a Latin-script text is in another language than English when py3langid gives it more than this

_SCRIPTS = (  # the first script found names the language
    ("ja", re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")),  # kana
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("my", re.compile(r"[\u1000-\u109f]")),
    ("ne", re.compile(r"[\u0900-\u097f]")),
)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
_CHINESE_WORDS = frozenset("我你您是吗嗎呢吧么麼怎哪几们們这這什没沒扔丢丟")  # said in Chinese, never in Japanese


@cache
def _japanese_kanji() -> frozenset[str]:
    """The kanji of the 常用 and 人名用 lists (ingest/data/kanji_grades.tsv) but the old forms names may keep
    (grade 10: 國, 應), which ordinary Japanese no longer writes and traditional Chinese does."""
    table = resources.files("ingest").joinpath("data/kanji_grades.tsv").read_text("utf-8")
    rows = (line.split("\t") for line in table.splitlines() if line and line[0] != "#")
    return frozenset("".join(kanji for grade, kanji in rows if int(grade) < OLD_FORMS))


@cache
def _latin() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LATIN))
    return identifier


def detect(text: str) -> str:
    """The language ``text`` is written in, one of ``LANGUAGES``; Japanese when nothing tells."""
    for lang, script in _SCRIPTS:
        if script.search(text):
            return lang
    han = _HAN.findall(text)
    if han:
        return _chinese(han) or "ja"
    if not _LATIN_LETTER.search(text):
        return "ja"  # digits and signs only: the city's own language
    lang, probability = _latin().classify(text)
    return str(lang) if lang != "en" and probability > SURE else "en"


def _chinese(han: list[str]) -> str | None:
    """zh-Hans or zh-Hant where these Han characters are Chinese, not Japanese; None otherwise."""
    japanese = _japanese_kanji()
    if not any(c not in japanese or c in _CHINESE_WORDS for c in han):
        return None
    kinds = [hanzidentifier.identify(c) for c in han]
    traditional = kinds.count(hanzidentifier.TRADITIONAL) > kinds.count(hanzidentifier.SIMPLIFIED)
    return "zh-Hant" if traditional else "zh-Hans"
