"""The query embeddings of recent questions, kept: residents ask the same few hundred questions again and again
(garbage, certificates, moving), and a question's vector depends only on its text and the model."""

from __future__ import annotations

import threading
from collections import OrderedDict

from langchain_core.embeddings import Embeddings


class QueryCache(Embeddings):
    """``embedder`` with its last ``size`` query vectors kept (least recently used out first); documents are
    embedded as they come. ``hits`` and ``misses`` count the lookups."""

    def __init__(self, embedder: Embeddings, size: int) -> None:
        self.embedder, self.size = embedder, size
        self._kept: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            vector = self._kept.get(text)
            if vector is not None:
                self._kept.move_to_end(text)
                self.hits += 1
                return list(vector)
            self.misses += 1
        vector = self.embedder.embed_query(text)
        with self._lock:
            self._kept[text] = list(vector)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return vector
