"""Learned phrasings: residents' own words for an entry, taught by their picks, staff and operators, and kept in
a generation beside the entry they point to (issue 26; ADR 0009).

A phrasing is searched as a question is (``embed_query``: question to question), never as a passage: it can say
that a question resembles one that found this entry before, not what the entry says. So the answer path lets a
learned phrasing bring its entry into the choices and never answer from it alone (service/answer/assess.py),
and the corpus's baseline never sees it.

Who teaches what lives in the service's database (service/store/learned.py); every build writes the phrasings
that count to ``_learned/phrasings.jsonl`` under the corpus (a hidden path: not a corpus source) and the ingest
reads them from there, as it reads approved entries: a build on any machine holds the same ones. A phrasing
remembers the entry's digest when it was taught; once the entry changes, the phrasing is dropped (the words
that found the old answer may not fit the new one)."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ingest.chunk import Chunk

LEARNED_FILE = Path("_learned") / "phrasings.jsonl"  # under the corpus directory
STORED = "learned.npz"  # in a generation


@dataclass(frozen=True)
class Phrasing:
    """One learned phrasing of an entry."""

    id: str
    entry_id: str  # the document (an FAQ's id, a regulation's id, a row's id) it brings into the choices
    text: str  # the resident's question, masked, as it was asked
    entry_digest: str = ""  # the entry's digest when it was taught; "" in evaluation: any version


def entry_digest(chunks: Iterable[Chunk], entry_id: str) -> str:
    """A digest of everything a resident could see of one entry (all its chunks): it changes when the entry does."""
    digests = sorted(chunk.digest for chunk in chunks if chunk.doc_id == entry_id)
    return hashlib.sha256("\0".join(digests).encode()).hexdigest()[:16] if digests else ""


def read_phrasings(corpus_dir: Path) -> list[Phrasing]:
    """The phrasings the last build's database wrote under ``corpus_dir`` (none when there is no file)."""
    path = corpus_dir / LEARNED_FILE if corpus_dir.is_dir() else None
    if path is None or not path.is_file():
        return []
    with path.open(encoding="utf-8") as lines:
        return [Phrasing(**json.loads(line)) for line in lines if line.strip()]


def write_phrasings(corpus_dir: Path, phrasings: list[Phrasing]) -> None:
    """``phrasings`` as the corpus's learned file, written whole or not at all (no file when there are none)."""
    path = corpus_dir / LEARNED_FILE
    if not phrasings:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.partial")  # workers write at once
    partial.write_text("".join(json.dumps(asdict(p), ensure_ascii=False) + "\n" for p in phrasings), encoding="utf-8")
    partial.replace(path)


def current(phrasings: list[Phrasing], chunks: list[Chunk]) -> tuple[list[Phrasing], list[str]]:
    """(the phrasings whose entry is served as it was when they were taught, the ids of the others)."""
    wanted = {phrasing.entry_id for phrasing in phrasings}
    by_entry: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        if chunk.doc_id in wanted:
            by_entry.setdefault(chunk.doc_id, []).append(chunk)
    digests = {doc_id: entry_digest(entry, doc_id) for doc_id, entry in by_entry.items()}
    kept, dropped = [], []
    for phrasing in phrasings:
        served = digests.get(phrasing.entry_id)
        if served and phrasing.entry_digest in ("", served):
            kept.append(phrasing)
        else:
            dropped.append(phrasing.id)
    return kept, dropped


class LearnedIndex:
    """A generation's learned phrasings: their entries and unit vectors, searched by one matrix product."""

    def __init__(
        self, ids: list[str], entry_ids: list[str], vectors: np.ndarray, keys: list[str] | None = None
    ) -> None:
        self.ids, self.entry_ids = ids, entry_ids
        self.keys = keys if keys is not None else []  # each phrasing as question_key reads it (a build's own)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True) if len(ids) else np.ones((0, 1))
        self.vectors = vectors / np.maximum(norms, 1e-12) if len(ids) else vectors

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def empty(cls) -> LearnedIndex:
        return cls([], [], np.zeros((0, 1), dtype=np.float32))

    def save(self, path: Path) -> None:
        np.savez(
            path,
            ids=np.array(self.ids),
            entry_ids=np.array(self.entry_ids),
            vectors=self.vectors,
            keys=np.array(self.keys),
        )

    @classmethod
    def load(cls, path: Path) -> LearnedIndex:
        """A generation's learned phrasings; none for a generation built before they existed."""
        if not path.is_file():
            return cls.empty()
        with np.load(path) as stored:
            keys = stored["keys"].tolist() if "keys" in stored.files else None
            return cls(stored["ids"].tolist(), stored["entry_ids"].tolist(), stored["vectors"], keys)

    def entries_asked_as(self, key: str) -> set[str]:
        """The entries with a phrasing that is, as ``question_key`` reads it, ``key``."""
        return {entry for entry, phrasing in zip(self.entry_ids, self.keys, strict=False) if phrasing == key}

    def nearest(self, vector: list[float], at_least: float, leave_out: Collection[str] = ()) -> list[tuple[str, float]]:
        """The entries with a phrasing at least ``at_least`` similar to ``vector`` (cosine), each once with its
        best similarity, best first; ``leave_out`` names entries not searched."""
        if not self.ids:
            return []
        query = np.asarray(vector, dtype=np.float32)
        similarities = self.vectors @ (query / max(float(np.linalg.norm(query)), 1e-12))
        best: dict[str, float] = {}
        for position in np.argsort(-similarities, kind="stable"):
            similarity = float(similarities[position])
            if similarity < at_least:
                break
            entry = self.entry_ids[position]
            if entry not in leave_out:
                best.setdefault(entry, similarity)
        return list(best.items())
