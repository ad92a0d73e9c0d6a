"""Text normalisation and tokenisation for the lexical index, in Japanese and English."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

import sudachipy
from sudachipy import dictionary

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ASCII_WORD = re.compile(r"^[a-z0-9][a-z0-9'\-]*$")
# Parts of speech that carry no topic: particles, auxiliary verbs, symbols, blanks.
_DROPPED_POS = {"助詞", "助動詞", "補助記号", "空白", "記号"}
# ゴミ and ごみ, ペット and ぺっと are one word to a resident: fold katakana into hiragana for matching.
KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}
_ENGLISH_STOPWORDS = frozenset(
    """a an and are as at be been but by can could do does for from had has have how i if in into is it its
    me my of on or our please should so than that the their them then there these they this to was we were
    what when where which who whom why will with would you your""".split()
)


def normalize(text: str) -> str:
    """NFKC (full-width digits and letters to half-width, half-width kana to full-width), no control chars."""
    return _CONTROL.sub(" ", unicodedata.normalize("NFKC", text)).strip()


# Characters that show nothing and are not format characters (Cf): the Hangul fillers.
_FILLERS = frozenset("\u3164\u115f\u1160\uffa0")


def without_invisible(text: str) -> str:
    """The text less what shows nothing: format characters (zero-width spaces and joiners, the BOM, soft
    hyphens) and the Hangul fillers."""
    hidden = {ch for ch in set(text) if ch in _FILLERS or unicodedata.category(ch) == "Cf"}  # each character once
    return "".join(ch for ch in text if ch not in hidden) if hidden else text


def visible(value: str) -> str:
    """``value`` itself, or ValueError when it is only blanks and invisible characters (U+3000, U+200B, U+3164):
    for validators of text that must say something."""
    if not without_invisible(value).strip():
        raise ValueError("must hold visible text, not only blanks")
    return value


@lru_cache(maxsize=1)
def _dictionary() -> dictionary.Dictionary:
    return dictionary.Dictionary(dict="core")


_per_thread = threading.local()


def _tokenizer() -> sudachipy.Tokenizer:
    """A Sudachi tokenizer may not be used by two threads at once: one per thread, from one dictionary."""
    tokenizer: sudachipy.Tokenizer | None = getattr(_per_thread, "tokenizer", None)
    if tokenizer is None:
        tokenizer = _per_thread.tokenizer = _dictionary().create(mode=sudachipy.SplitMode.B)
    return tokenizer


ANALYSER_PIECE_CHARS = 4000  # Sudachi refuses input over 49,149 bytes; 4,000 characters are at most 16,000
_BREAK = re.compile(r"[\s。．.!?！？、,]")


def _morphemes(text: str, as_written: bool = False) -> Iterator[sudachipy.Morpheme]:
    """The morphemes of a text of any length (normalised and in lower case, unless ``as_written``): a long one is
    analysed in pieces cut at a space or punctuation (or anywhere, when there is none) so that it stays within
    the analyser's input limit."""
    rest = text if as_written else normalize(text).lower()
    while rest:
        piece = rest
        if len(rest) > ANALYSER_PIECE_CHARS:
            window = rest[:ANALYSER_PIECE_CHARS]
            cut = max((m.end() for m in _BREAK.finditer(window, ANALYSER_PIECE_CHARS // 2)), default=0)
            piece = rest[: cut or ANALYSER_PIECE_CHARS]
        rest = rest[len(piece) :]
        yield from _tokenizer().tokenize(piece)


def tokenize(text: str) -> list[str]:
    """Content-word tokens: Sudachi normalised forms (katakana folded to hiragana) for Japanese, lower-cased
    words for English."""
    tokens: list[str] = []
    for morpheme in _morphemes(text):
        if morpheme.part_of_speech()[0] in _DROPPED_POS:
            continue
        surface = morpheme.surface()
        if _ASCII_WORD.match(surface):
            if surface not in _ENGLISH_STOPWORDS:
                tokens.append(stem(surface))
        else:
            tokens.append(morpheme.normalized_form().translate(KATAKANA_TO_HIRAGANA))
    return tokens


@dataclass(frozen=True)
class Word:
    surface: str
    reading: str  # in hiragana (布団 -> ふとん); as written when the dictionary does not know the word
    pos: tuple[str, str]  # part of speech and its first subdivision (名詞, 数詞)


@lru_cache(maxsize=1024)
def words(text: str) -> tuple[Word, ...]:
    """The morphemes of a text (normalised, lower case) with their readings and parts of speech. Remembered: a
    question asked again (the most asked ones are, all day) is not analysed again."""
    return tuple(
        Word(
            m.surface(),
            (m.reading_form() or m.surface()).translate(KATAKANA_TO_HIRAGANA),
            tuple(m.part_of_speech()[:2]),
        )
        for m in _morphemes(text)
    )


def readings(text: str) -> list[tuple[str, str]]:
    """Each morpheme of a text exactly as written, with its reading in hiragana (住民票 -> じゅうみんひょう); a
    word the dictionary does not know reads as written."""
    return [
        (m.surface(), (m.reading_form() or m.surface()).translate(KATAKANA_TO_HIRAGANA))
        for m in _morphemes(text, as_written=True)
    ]


def question_key(text: str) -> str:
    """A question as written, less what does not change it: widths, case, spaces and punctuation
    (「住民票の写しはどこで取れますか？」 and 「住民票の写しはどこで取れますか」 are one question)."""
    return re.sub(r"[\W_]+", "", normalize(text).casefold())


def person_names(text: str) -> list[str]:
    """The people a Japanese text names, as the dictionary knows names (名詞-固有名詞-人名: 山田, 花子)."""
    return [m.surface() for m in _morphemes(text) if tuple(m.part_of_speech()[1:3]) == ("固有名詞", "人名")]


def stem(word: str) -> str:
    """A light plural stemmer: keeps "bus" intact, folds "certificates" and "taxes" to their singular."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("xes", "ches", "shes", "sses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


# Nouns that name no topic of their own (こと, もの, 場合, どこ) and English words that ask rather than name.
_GENERIC_NOUNS = frozenset(
    "こと もの 時 とき 方 為 ため 場合 所 ところ の ん 何 どこ いつ 等 など 以外 中 前 後 今 事".split()
)
_GENERIC_ENGLISH = frozenset(
    "get need want way much many thing anything something also just like know tell about there here please help".split()
)


@lru_cache(maxsize=1024)
def topic_terms(text: str) -> Mapping[str, frozenset[int]]:
    """What a question is about: its content nouns (Japanese) or content words (English), each with the Sudachi
    synonym groups it belongs to (判子 and 印鑑 share one), so that a passage using another word for the same
    thing still counts as speaking about it. Read-only and remembered: assess weighs each likely entry against
    the same question."""
    terms: dict[str, frozenset[int]] = {}
    for morpheme in _morphemes(text):
        surface, pos = morpheme.surface(), morpheme.part_of_speech()
        if _ASCII_WORD.match(surface):
            if len(surface) > 1 and surface not in _ENGLISH_STOPWORDS and surface not in _GENERIC_ENGLISH:
                terms[stem(surface)] = frozenset()
        elif pos[0] == "名詞" and pos[1] not in ("数詞", "代名詞") and pos[2] != "助数詞可能":
            form = morpheme.normalized_form().translate(KATAKANA_TO_HIRAGANA)
            if form not in _GENERIC_NOUNS and surface not in _GENERIC_NOUNS:
                terms[form] = terms.get(form, frozenset()) | frozenset(morpheme.synonym_group_ids())
    return MappingProxyType(terms)


def passage_terms(text: str) -> tuple[frozenset[str], frozenset[int]]:
    """Every word form of a passage (as ``tokenize`` writes them) and every synonym group they belong to."""
    forms: set[str] = set()
    groups: set[int] = set()
    for morpheme in _morphemes(text):
        surface = morpheme.surface()
        if _ASCII_WORD.match(surface):
            forms.add(stem(surface))
        else:  # 申し込み written as a verb (申し込む) still names the noun 申し込み
            forms.add(morpheme.normalized_form().translate(KATAKANA_TO_HIRAGANA))
            forms.add(surface.translate(KATAKANA_TO_HIRAGANA))
        groups.update(morpheme.synonym_group_ids())
    return frozenset(forms), frozenset(groups)
