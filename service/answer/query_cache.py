"""What each worker keeps of recent questions: residents ask the same few hundred questions again and again
(garbage, certificates, moving). A question's vector depends only on its text and the model, so it survives a
reload of the same model; its search results depend on the generation too, so they live with the generation's
services (``Services.searches``) and go with it. A follow-up's search depends on the conversation: never kept."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from langchain_core.embeddings import Embeddings

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Recent(Generic[K, V]):
    """The values of the last ``size`` keys asked for (least recently used out first; 0 keeps nothing).
    ``hits`` and ``misses`` count the lookups."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: K, make: Callable[[], V]) -> V:
        """The value kept for ``key``, or ``make()``'s, kept. Two threads missing at once both make it."""
        if not self.size:
            return make()
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                self.hits += 1
                return self._kept[key]
            self.misses += 1
        value = make()
        with self._lock:
            self._kept[key] = value
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return value


class QueryCache(Embeddings):
    """``embedder`` with its last ``size`` query vectors kept; documents are embedded as they come."""

    def __init__(self, embedder: Embeddings, size: int) -> None:
        self.embedder, self.size = embedder, size
        self.recent: Recent[str, tuple[float, ...]] = Recent(size)

    @property
    def hits(self) -> int:
        return self.recent.hits

    @property
    def misses(self) -> int:
        return self.recent.misses

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return list(self.recent.get(text, lambda: tuple(self.embedder.embed_query(text))))
