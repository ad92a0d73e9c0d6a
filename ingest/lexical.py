"""The lexical index: BM25 (bm25s) over Sudachi / English word tokens of each chunk's full text."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import bm25s
import numpy as np

from ingest.text import tokenize

logger = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG


def lexical_text(title: str, heading: str, text: str) -> str:
    """What the lexical index reads of a chunk (never its translations: the lexical side reads Japanese and
    English only, and a translation must not bring its entry to questions in other languages)."""
    return "\n".join(part for part in (title, heading, text) if part)


class LexicalIndex:
    """BM25 over one generation's chunks, in the generation's chunk order."""

    def __init__(self, retriever: bm25s.BM25) -> None:
        self._retriever = retriever

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        retriever = bm25s.BM25(k1=1.5, b=0.75)
        retriever.index([tokenize(text) or [""] for text in texts], show_progress=False)
        return cls(retriever)

    def save(self, path: Path) -> None:
        self._retriever.save(str(path))

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
