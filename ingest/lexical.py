"""The lexical index: BM25 (bm25s) over Sudachi / English word tokens of each chunk's full text. Each text's words
are kept beside the index (``words.json``), so that the next build reads an unchanged chunk's words from there
instead of analysing it again (analysis is most of the build's time after the embedding: 1.4 ms a chunk)."""

from __future__ import annotations

import hashlib
import json
import logging
import math
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from ingest import text as analysis
from ingest.text import tokenize

logger = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG


def lexical_text(title: str, heading: str, text: str) -> str:
    """What the lexical index reads of a chunk (never its translations: the lexical side reads Japanese and
    English only, and a translation must not bring its entry to questions in other languages)."""
    return "\n".join(part for part in (title, heading, text) if part)


WORDS = "words.json"


@lru_cache(maxsize=1)
def _analyser() -> Any:
    """What decides a text's words: this code's analysis and the analyser's and its dictionary's versions."""
    code = Path(analysis.__file__).read_bytes()
    return hashlib.sha256(code + version("sudachipy").encode() + version("sudachidict_core").encode())


def words_key(text: str) -> str:
    """The key of a text's words: the text, and what analysed it."""
    digest = _analyser().copy()
    digest.update(text.encode())
    return str(digest.hexdigest()[:24])


def read_words(path: Path | None) -> dict[str, list[str]]:
    """Words kept in a file (``words_key`` -> words); none when there is none or it will not read."""
    try:
        words: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8")) if path else {}
    except (OSError, ValueError):
        return {}
    return words


def analysed(texts: list[str], earlier: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each text's words by ``words_key``: those ``earlier`` kept, the others analysed now."""
    keys = [words_key(text) for text in texts]
    return {key: earlier[key] if key in earlier else tokenize(text) for key, text in zip(keys, texts, strict=True)}


class LexicalIndex:
    """BM25 over one generation's chunks, in the generation's chunk order."""

    def __init__(self, retriever: bm25s.BM25, words: dict[str, list[str]] | None = None) -> None:
        self._retriever = retriever
        self._words = words or {}  # each text's words, by a key of the text (kept for the next build)

    @classmethod
    def build(cls, texts: list[str], earlier: Path | None = None) -> LexicalIndex:
        """The index of ``texts``; ``earlier``: an earlier generation's index directory, whose words are reused
        for the texts it held."""
        words = analysed(texts, read_words(earlier / WORDS if earlier else None))
        retriever = bm25s.BM25(k1=1.5, b=0.75)
        retriever.index([words[words_key(text)] or [""] for text in texts], show_progress=False)
        return cls(retriever, words)

    def save(self, path: Path) -> None:
        self._retriever.save(str(path))
        (path / WORDS).write_text(json.dumps(self._words, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> LexicalIndex:
        return cls(bm25s.BM25.load(str(path)))

    @property
    def size(self) -> int:
        return int(self._retriever.scores["num_docs"])

    def idf(self, token: str) -> float:
        """How specific a word is to few chunks: log((N + 1) / (df + 0.5)); a word no chunk holds gets the most."""
        index = self._retriever.vocab_dict.get(token)
        pointers = self._retriever.scores["indptr"]
        frequency = int(pointers[index + 1] - pointers[index]) if index is not None else 0
        return math.log((self.size + 1) / (frequency + 0.5))

    def scores(self, query: str) -> np.ndarray:
        """A BM25 score for every chunk (zeros when the query has no known content word)."""
        tokens = [t for t in tokenize(query) if t in self._retriever.vocab_dict]
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(tokens), dtype=np.float32)
