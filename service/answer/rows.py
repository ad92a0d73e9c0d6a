"""The rows of the corpus's open-data lists, indexed by what residents call them: item names (folded: hiragana
or katakana, with or without the long-vowel mark, as read aloud, and the aliases a row gives), the places of the
collection-day districts, and the districts and towns of the evacuation sites. Data and vocabulary only: the
lookup step (service/answer/lookup.py) uses them."""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from ingest.chunk import Chunk
from ingest.text import KATAKANA_TO_HIRAGANA, Word, words
from service.answer.english_items import japanese_names

_NOISE = re.compile(r"[\sー〜~・、,.。!?！？「」『』\"']")
QUALIFIER = re.compile(r"[（(][^）)]*[）)]")
_INCLUDES = re.compile(r"([^\s()、・,]+?)(?:等)?を?含む")
_PLACE_SPLIT = re.compile(r"[・、,（）()\s]+")
ITEM_LISTS = ("garbage_separation",)
PLACE_LISTS = ("garbage_collection",)
SHELTER_LISTS = ("evacuation_space", "tsunami_building")
# The hazards residents name, and the column of the evacuation list that says whether a site suits each.
HAZARD_WORDS = {
    "tsunami": ("津波", "tsunami"),
    "flood": ("洪水", "大雨", "浸水", "氾濫", "flood"),
    "sediment": ("土砂", "がけ崩れ", "崖崩れ", "土石流", "地滑り", "landslide"),
    "storm_surge": ("高潮", "storm surge"),
    "earthquake": ("地震", "earthquake"),
    "fire": ("火事", "火災", "fire"),
}
_DISTRICT_SUFFIX = re.compile(r"(地区|校区)?(コミュニティ協議会|連合自治会|自治会|協議会)?$")
_TOWN = re.compile(r"[市郡]([^\d\s市郡]{2,8}?[町村])")
EARTH_RADIUS_M = 6_371_008.8
MIN_KEY_CHARS = 2  # a place name of one character would be found everywhere
MAX_AFFIX_CHARS = 2  # 乾|電池, 段ボール|箱: a longer remainder is another thing (ボタン|電池)


def _spoken(text: str) -> str:
    return fold("".join(word.reading for word in words(text)))


def _aliases(base: str, qualifier: str) -> set[str]:
    """The other names a row gives its item: each of 「ふた・キャップ」, and what its qualifier says it includes
    (「おむつ（紙おむつを含む）」 names 紙おむつ); as written and as read."""
    names = [part for part in base.split("・") if len(part) >= MIN_KEY_CHARS] if "・" in base else []
    names += _INCLUDES.findall(unicodedata.normalize("NFKC", qualifier))
    return {key for name in names for key in (fold(name), _spoken(name)) if len(key) >= MIN_KEY_CHARS}


def fold(text: str) -> str:
    """How items are compared: NFKC, katakana as hiragana, no long-vowel marks, spaces or punctuation."""
    text = unicodedata.normalize("NFKC", text).lower().translate(KATAKANA_TO_HIRAGANA)
    return _NOISE.sub("", text)


# Words with which residents ask how to put something out (folded like the keys).
SEPARATION_CUES = tuple(
    fold(word)
    for word in (
        "何ごみ",
        "なにごみ",
        "何ゴミ",
        "ごみの分別",
        "分別",
        "捨て方",
        "捨てたい",
        "捨てる",
        "すてたい",
        "出し方",
        "出したい",
        "処分",
        "何の日",
        "throw away",
        "throwaway",
        "dispose",
        "garbage",
        "trash",
        "rubbish",
        "recycle",
    )
)


@dataclass
class RowIndex:
    """Keys (folded item names, district place names) to the positions of the rows they name."""

    items: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    qualifiers: dict[str, str] = field(default_factory=lambda: defaultdict(str))  # key -> its rows' qualifiers
    english: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # the list's English names
    places: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    shelters: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # district or town -> sites
    districts: list[str] = field(default_factory=list)  # the evacuation lists' districts, as they write them
    coordinates: dict[int, tuple[float, float]] = field(default_factory=dict)  # site -> (latitude, longitude)

    @classmethod
    def of(cls, chunks: list[Chunk]) -> RowIndex:
        index = cls()
        aliases: list[tuple[str, int]] = []
        for position, chunk in enumerate(chunks):
            if chunk.kind != "record":
                continue
            if chunk.category in ITEM_LISTS:
                base = QUALIFIER.sub("", chunk.title)
                qualifier = "".join(QUALIFIER.findall(chunk.title))
                for key in {fold(chunk.title), fold(base), _spoken(base)} - {""}:
                    index.items[key].append(position)
                    index.qualifiers[key] += fold(qualifier)
                aliases += [(alias, position) for alias in _aliases(base, qualifier)]
                english = QUALIFIER.sub("", chunk.fields.get("english", "")).strip().lower()
                if len(english) >= MIN_KEY_CHARS:
                    index.english[english].append(position)
            elif chunk.category in PLACE_LISTS:
                for place in _PLACE_SPLIT.split(unicodedata.normalize("NFKC", chunk.title)):
                    if len(place) >= MIN_KEY_CHARS:
                        index.places[fold(place)].append(position)
            elif chunk.category in SHELTER_LISTS:
                district = _DISTRICT_SUFFIX.sub("", chunk.fields.get("district", ""))
                if len(district) >= MIN_KEY_CHARS and district not in index.districts:
                    index.districts.append(district)
                if (where := _coordinates(chunk)) is not None:
                    index.coordinates[position] = where
                town = _TOWN.search(chunk.fields.get("address", ""))
                for place in {district, town.group(1) if town else ""}:
                    if len(place) >= MIN_KEY_CHARS:
                        index.shelters[fold(place)].append(position)
        names = set(index.items)
        for alias, position in aliases:
            if alias not in names:  # a row of its own wins: キャップ（金属製） over ふた・キャップ（金属製）
                index.items[alias].append(position)
        return index

    def shelters_for(self, question: str, chunks: list[Chunk]) -> tuple[str | None, list[int]]:
        """For a question about where to evacuate: the hazard it names (or None), and the sites of the place it
        names that suit that hazard (○ before △; a tsunami evacuation building suits a tsunami)."""
        folded = fold(question)
        hazard = hazard_of(question)
        places = [key for key in self.shelters if key in folded]
        if hazard is None or not places:
            return hazard, []
        sites = [p for key in places for p in self.shelters[key]]
        suitable = sorted({p for p in sites if suits(chunks[p], hazard)}, key=lambda p: (-suits(chunks[p], hazard), p))
        return hazard, suitable

    def nearest(
        self, question: str, location: tuple[float, float], chunks: list[Chunk]
    ) -> tuple[list[int], dict[int, float]]:
        """For a resident who sent where they are: the sites that carry coordinates, nearest first (straight-line
        distance, in metres), that suit the hazard the question names (○ or △; any designated site when it
        names none)."""
        hazard = hazard_of(question)
        sites = [
            p
            for p in self.coordinates
            if (suits(chunks[p], hazard) if hazard else chunks[p].category != "tsunami_building")
        ]
        distances = {p: distance_m(location, self.coordinates[p]) for p in sites}
        return sorted(sites, key=lambda p: (distances[p], p)), distances

    def named(self, question: str) -> list[list[int]]:
        """The rows the question names, grouped by the key that names them. An item is named by whole words, as
        written or as read (布団 is ふとん), and only as the thing asked about: not inside a longer compound
        (耐火レンガ is no レンガ, ピアノ線 no ピアノ) nor as what another thing belongs to (ペットボトルのふた asks
        about the cap). Of the keys found, the longest ones (スプレー缶, not 缶), the one named last first."""
        if not self.items and not self.places and not self.english:
            return []
        if question.isascii():
            return self._named_in_english(question)
        said = words(question)
        found = {key: end for key, end in _whole_words(said, self.items, self.qualifiers)}
        written = fold(question)
        for key in self.places:
            if key in written:
                found.setdefault(key, written.rfind(key) + len(key))
        if not found:
            found = dict(self._affixed(said))
        longest = [key for key in found if not any(key != other and key in other for other in found)]
        groups: list[list[int]] = []
        seen: set[int] = set()
        for key in sorted(longest, key=lambda key: (-found[key], -len(key))):
            rows = [p for p in self.items.get(key, []) + self.places.get(key, []) if p not in seen]
            seen.update(rows)
            if rows:
                groups.append(rows)
        return groups

    def _named_in_english(self, question: str) -> list[list[int]]:
        """The list's English names, as whole words (a plural too); else the Japanese names the thing may go by
        (a glossary, a transliteration), the first the list has, whole or all but a short head or modifier."""
        lowered = question.lower()
        named = [k for k in self.english if re.search(rf"\b{re.escape(k)}(e?s)?\b", lowered)]
        named = [k for k in named if not any(k != other and k in other for other in named)]
        if named:
            return [self.english[k] for k in sorted(named, key=lambda k: -lowered.rfind(k))]
        if not self.items or not asks_about_separation(question):
            return []
        for name in japanese_names(question):
            said = fold(name)
            keys = [said] if said in self.items else list(self._affixes(said))
            if keys:
                return [[position for key in keys for position in self.items[key]]]
        return []  # never the last word alone: a jet ski is no ski, as 耐火レンガ is no レンガ

    def _affixed(self, question: Sequence[Word]) -> Iterator[tuple[str, int]]:
        """When no item is named whole: keys that the question's words, as written, name all but a short head or
        modifier of (でんち names 乾電池, 段ボール names 段ボール箱); never a longer compound of the question's
        words (薪ストーブ does not name ガスストーブ)."""
        for end, run in _noun_runs(question):
            said = fold("".join(w.surface for w in run))  # as written: a reading as short as すな is in ふぁすな
            if len(said) >= MIN_KEY_CHARS and said not in _ABOUT:
                yield from ((key, end) for key in self._affixes(said))

    def _affixes(self, said: str) -> Iterator[str]:
        for key in self.items:
            if 0 < len(key) - len(said) <= MAX_AFFIX_CHARS and (key.startswith(said) or key.endswith(said)):
                yield key


def _noun_runs(question: Sequence[Word]) -> Iterator[tuple[int, list[Word]]]:
    """Runs of words between particles, auxiliaries, verbs, adjectives, pronouns and symbols (the analyser
    may split an unknown kana word: でん|ち), with the word index where each ends."""
    run: list[Word] = []
    for n, word in enumerate([*question, Word("", "", ("補助記号", ""))]):
        if word.pos[0] in _BETWEEN_RUNS:
            if run:
                yield n, run
            run = []
        else:
            run.append(word)


_BETWEEN_RUNS = frozenset("助詞 助動詞 補助記号 動詞 形容詞 代名詞 連体詞 接続詞 感動詞 空白".split())


# Nouns after an item that still ask about that item (its 捨て方), not about a part of it (its ふた).
_ABOUT = frozenset(
    fold(word) for word in "捨て方 出し方 分別 処分 処分方法 方法 仕方 区分 種類 日 ごみ ゴミ こと 件 回収 収集".split()
)


def _whole_words(
    question: Sequence[Word], keys: dict[str, list[int]], qualifiers: dict[str, str]
) -> Iterator[tuple[str, int]]:
    """(key, the word index where it ends) for every item key the question names as whole words; also with the
    の between two nouns left out (豆腐のパック names 豆腐パック)."""
    for variant in (question, _without_linking_no(question)):
        for text in ([fold(w.surface) for w in variant], [fold(w.reading) for w in variant]):
            ends = list(itertools.accumulate(len(part) for part in text))
            starts = [end - len(part) for end, part in zip(ends, text, strict=True)]
            joined = "".join(text)
            for key in keys:
                at = joined.find(key)
                while at >= 0:
                    if at in starts and at + len(key) in ends:
                        first, last = starts.index(at), ends.index(at + len(key))
                        if _stands_alone(variant, first, last, qualifiers.get(key, "")):
                            yield key, last + 1
                    at = joined.find(key, at + 1)


def _without_linking_no(question: Sequence[Word]) -> list[Word]:
    return [
        word
        for n, word in enumerate(question)
        if not (
            word.surface == "の"
            and 0 < n < len(question) - 1
            and question[n - 1].pos[0] == "名詞"
            and question[n + 1].pos[0] == "名詞"
            and fold(question[n + 1].surface) not in _ABOUT
        )
    ]


def _stands_alone(question: Sequence[Word], first: int, last: int, qualifier: str) -> bool:
    before = question[first - 1] if first > 0 else None
    after = question[last + 1] if last + 1 < len(question) else None
    compound = before is not None and (
        before.pos[0] == "接頭辞" or (before.pos[0] == "名詞" and before.pos[1] != "数詞")
    )
    if compound and before is not None and fold(before.surface) not in qualifier:
        return False  # the end of a longer compound: 耐火|レンガ (but 使い捨て|カイロ is カイロ（使い捨て）)
    if after is not None and after.pos[1] == "括弧開":
        inside = itertools.takewhile(lambda word: word.pos[1] != "括弧閉", question[last + 2 :])
        said = "".join(word.surface for word in inside)
        if fold(said) not in qualifier:
            return False  # a kind the row does not list: ガスボンベ(業務用) is not the household ガスボンベ
    if after is not None and after.pos[0] == "接尾辞":
        return False  # ピアノ|線, 業務|用
    if after is not None and after.pos[0] == "名詞" and after.pos[1] != "数詞" and fold(after.surface) not in _ABOUT:
        return False  # the start of a longer compound: ピアノ|弦
    if after is not None and after.surface == "の" and last + 2 < len(question):
        owned = question[last + 2]
        if owned.pos[0] == "名詞" and fold(owned.surface) not in _ABOUT:
            return False  # what something else belongs to: ペットボトル|の|ふた
    return True


def asks_about_separation(question: str) -> bool:
    folded = fold(question)
    return any(cue in folded for cue in SEPARATION_CUES)


def hazard_of(question: str) -> str | None:
    """The hazard a question names (津波 is tsunami), or None."""
    folded = fold(question)
    return next((h for h, words in HAZARD_WORDS.items() if any(fold(w) in folded for w in words)), None)


def suits(chunk: Chunk, hazard: str) -> int:
    """How well a site suits a hazard, as its list marks it: 2 (○), 1 (△) or 0; a tsunami evacuation
    building suits a tsunami."""
    if chunk.category == "tsunami_building":
        return 2 if hazard == "tsunami" else 0
    return {"○": 2, "〇": 2, "△": 1}.get(chunk.fields.get(hazard, ""), 0)


def distance_m(here: tuple[float, float], there: tuple[float, float]) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*here, *there))
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def _coordinates(chunk: Chunk) -> tuple[float, float] | None:
    try:
        latitude, longitude = float(chunk.fields["latitude"]), float(chunk.fields["longitude"])
    except (KeyError, ValueError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or (latitude, longitude) == (0, 0):
        return None
    return latitude, longitude


def asks_where_to_evacuate(question: str) -> bool:
    folded = fold(question)
    return any(fold(word) in folded for word in ("避難", "逃げ", "evacuat", "shelter"))
