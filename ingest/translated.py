"""The city's translations of its FAQ questions, as vectors: kept in a generation beside its Chroma collection
(``translations.npz``) and searched in memory, for a question in one language only, against that language's
translations (ADR 0012). A Japanese or English question never reads them, so it costs what it did before the
city translated anything."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

STORED = "translations.npz"  # in a generation


@dataclass(frozen=True)
class TranslatedQuestions:
    """Each translated question's entry (its chunk's position) and language, with its unit vector."""

    positions: np.ndarray  # int, one per question
    langs: np.ndarray  # str, one per question
    vectors: np.ndarray  # float32, unit rows

    @classmethod
    def of(cls, positions: list[int], langs: list[str], vectors: np.ndarray) -> TranslatedQuestions:
        norms = np.linalg.norm(vectors, axis=1, keepdims=True) if len(positions) else np.ones((0, 1))
        unit = (vectors / np.maximum(norms, 1e-12)).astype(np.float32) if len(positions) else vectors
        return cls(np.array(positions, dtype=np.int64), np.array(langs, dtype=str), unit)

    @classmethod
    def empty(cls) -> TranslatedQuestions:
        return cls.of([], [], np.zeros((0, 1), dtype=np.float32))

    def __len__(self) -> int:
        return len(self.positions)

    def save(self, path: Path) -> None:
        np.savez(path, positions=self.positions, langs=self.langs, vectors=self.vectors)

    @classmethod
    def load(cls, path: Path) -> TranslatedQuestions:
        """A generation's translated questions; none where it has no file (built before, or with none)."""
        if not path.is_file():
            return cls.empty()
        with np.load(path) as stored:
            return cls(stored["positions"], stored["langs"], stored["vectors"])

    def nearest(self, query_vector: list[float], lang: str) -> list[tuple[int, float]]:
        """(position, cosine) of each entry with a question translated into ``lang``, by its closest one, best
        first; none for a language the city translated nothing into."""
        rows = np.flatnonzero(self.langs == lang) if len(self) else np.zeros(0, dtype=np.int64)
        if not len(rows):
            return []
        query = np.asarray(query_vector, dtype=np.float32)
        cosines = self.vectors[rows] @ (query / max(float(np.linalg.norm(query)), 1e-12))
        best: dict[int, float] = {}
        for position, cosine in zip(self.positions[rows].tolist(), cosines.tolist(), strict=True):
            best[position] = max(best.get(position, -1.0), cosine)
        return sorted(best.items(), key=lambda item: -item[1])
