"""The FAQs' published questions as the city wrote them: the question–question side of retrieval. A resident's
question that is one entry's published question, word for word, or that shares that question's words clearly
more than any other entry's, names that entry (the published best on localgovFAQ, Sakata et al. 2019, trusts
such a match first).

Likeness is the idf-weighted Dice coefficient of the two questions' content words (``tokenize``: Sudachi's
normalised forms, English words stemmed): 1 when they use the same words, 0 when they share none; a word that
few chunks use weighs more than one that many do."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from ingest.chunk import Chunk
from ingest.lexical import words_key
from ingest.text import question_key, tokenize


@lru_cache(maxsize=1024)
def question_words(question: str) -> frozenset[str]:
    """A question's content words (``tokenize``), remembered: the most asked questions are asked all day."""
    return frozenset(tokenize(question))


_SENTENCE_END = re.compile(r"(?<=[。？！?!])")


def sentences(question: str) -> list[str]:
    """The questions one published question asks (「住民票の写しはどこで取れますか。手数料はいくらですか。」 asks
    two); none when it asks one."""
    parts = [part.strip() for part in _SENTENCE_END.split(question) if question_key(part)]
    return parts if len(parts) > 1 else []


WORDS = "published_words.json"  # in a generation: each published question's words (read by the service)


def published(chunks: Iterable[Chunk]) -> list[str]:
    """Every published question of the FAQ entries: their own and the city's translations of them."""
    return [question for chunk in chunks if chunk.kind == "faq" for question in chunk.asked_as()]


class PublishedQuestions:
    """Every FAQ's published questions (its own and the city's translations of it), by their words and as
    written, over one generation's chunks."""

    def __init__(
        self,
        chunks: Iterable[tuple[int, Chunk]],
        idf: Callable[[str], float],
        analysed: dict[str, list[str]] | None = None,
    ) -> None:
        """``analysed``: the questions' words as the build analysed them (``ingest.lexical.analysed``); a question
        not among them is analysed here."""
        self._idf = idf
        known = analysed or {}
        self._by_key: dict[str, set[tuple[int, str]]] = {}  # (position, the translation's language or "")
        self._by_word: dict[str, list[int]] = {}  # word -> the questions (by number) that use it
        self._position: list[int] = []  # each question's entry
        self._for: list[str] = []  # each question's language where it is a translation's ("": the entry's own)
        self._weight: list[float] = []  # each question's summed word weight
        for position, chunk in chunks:
            if chunk.kind != "faq":
                continue
            own = [("", chunk.title)] + [(lang, t["question"]) for lang, t in chunk.translations.items()]
            for translated, question in own:
                for written in {question, *sentences(question)}:  # a published question of two asks is two
                    self._by_key.setdefault(question_key(written), set()).add((position, translated))
                key = words_key(question)
                words = set(known[key] if key in known else tokenize(question))
                number = len(self._position)
                self._position.append(position)
                self._for.append(translated)
                self._weight.append(sum(idf(word) for word in words))
                for word in words:
                    self._by_word.setdefault(word, []).append(number)

    def asked_as(self, question: str, lang: str | None = None) -> set[int]:
        """The positions of the entries whose published question, or one sentence of it, is ``question`` (as
        ``question_key`` reads them): their own, or their translation into ``lang``."""
        found = self._by_key.get(question_key(question), set())
        return {position for position, translated in found if translated in ("", lang)}

    def likeness(self, question: str, lang: str | None = None) -> list[tuple[int, float]]:
        """(position, likeness) of every entry one of whose published questions (its own, or its translation into
        ``lang``) shares a word with ``question`` (its most alike), most alike first."""
        words = question_words(question)
        weights = {word: self._idf(word) for word in words}
        own = sum(weights.values())
        shared: dict[int, float] = {}
        for word in words:
            for number in self._by_word.get(word, ()):
                if self._for[number] in ("", lang):
                    shared[number] = shared.get(number, 0.0) + weights[word]
        alike: dict[int, float] = {}
        for number, weight in shared.items():
            total = own + self._weight[number]
            position = self._position[number]
            if total > 0:
                alike[position] = max(alike.get(position, 0.0), 2 * weight / total)
        return sorted(alike.items(), key=lambda item: (-item[1], item[0]))
