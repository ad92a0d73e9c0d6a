"""The live index, opened once: chunks, the lexical index and the dense store (a collection per view) of one
generation."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
from collections.abc import Collection as Names
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.api.models.Collection import Collection

from ingest import adapter, vectors
from ingest.chunk import Chunk
from ingest.index import LAYOUT, generations_dir, live_generation, read_manifest, text_key, view_texts
from ingest.learned import STORED, LearnedIndex, entry_digest
from ingest.lexical import LexicalIndex, lexical_text, read_words
from ingest.published import WORDS as PUBLISHED_WORDS
from ingest.published import PublishedQuestions
from ingest.text import passage_terms, question_key
from ingest.translated import STORED as TRANSLATED
from ingest.translated import TranslatedQuestions


class IndexUnavailable(Exception):
    """There is no live generation to serve (never ingested, or its files are gone)."""


@dataclass
class Hit:
    position: int  # index into LiveIndex.chunks
    score: float  # what the search ranks by
    similarity: float | None = None  # the question's own cosine with it, where the search ranked by another

    @property
    def cosine(self) -> float:
        """The cosine similarity of the question as the model embeds it (the evidence assess reads)."""
        return self.score if self.similarity is None else self.similarity


class LiveIndex:
    def __init__(
        self,
        manifest: dict[str, Any],
        chunks: list[Chunk],
        lexical: LexicalIndex,
        collections: dict[str, Collection],
        path: Path,
        excluded: frozenset[str] = frozenset(),
        terms: dict[int, tuple[frozenset[str], frozenset[int]]] | None = None,
        learned: LearnedIndex | None = None,
        positions: dict[str, list[int]] | None = None,
        counts: dict[str, int] | None = None,
        chunk_positions: dict[str, int] | None = None,
        adapter: np.ndarray | None = None,
        passages: np.ndarray | None = None,
        translated: TranslatedQuestions | None = None,
    ):
        self.manifest, self.chunks, self.lexical, self.collections = manifest, chunks, lexical, collections
        self.path = path  # the generation's directory
        self.excluded = excluded  # documents its searches leave out (evaluation by ablation only)
        self._terms = {} if terms is None else terms  # passage_terms of the chunks asked about so far
        self.learned = learned or LearnedIndex.empty()  # residents' own words for entries (ingest/learned.py)
        self._positions = positions if positions is not None else _positions_of(chunks)  # each document's chunks
        self._counts = counts  # the vectors stored per view, counted once: a generation's vectors never change
        self.adapter = adapter  # the corpus's map on question vectors (ingest/adapter.py), when the build kept one
        self._passages = passages  # each chunk's question-and-answer vector, by position (with an adapter)
        self._published: PublishedQuestions | None = None  # the FAQs' own questions, made when first asked
        self._chunk_positions = (  # each chunk's position by its id (a stored vector's id names its chunk)
            chunk_positions if chunk_positions is not None else {c.id: p for p, c in enumerate(chunks)}
        )
        self.translated = translated or TranslatedQuestions.empty()  # the city's translated questions (ADR 0012)

    @functools.cached_property
    def languages(self) -> frozenset[str]:
        """The languages the city wrote in: its chunks' own and its translations' (read once, when first asked)."""
        return frozenset(c.lang for c in self.chunks) | {lang for c in self.chunks for lang in c.translations}

    def excluding(self, doc_ids: Names[str]) -> LiveIndex:
        """The same generation with ``doc_ids`` left out of every search; itself when there are none."""
        if not doc_ids:
            return self
        narrower = copy.copy(self)  # the same generation, everything read once shared (languages, questions)
        narrower.excluded = self.excluded | set(doc_ids)
        return narrower

    def unadapted(self) -> LiveIndex:
        """The same generation searched with question vectors as the model makes them (evaluation)."""
        plain = copy.copy(self)
        plain.adapter = None
        return plain

    def positions(self, doc_id: str) -> list[int]:
        """The positions of a document's chunks, in order (none when it is not in this generation)."""
        return list(self._positions.get(doc_id, []))

    def first_chunk(self, doc_id: str) -> Chunk | None:
        """A document's first chunk (an FAQ's only one); None when it is not served."""
        positions = self._positions.get(doc_id)
        return self.chunks[positions[0]] if positions else None

    @property
    def published(self) -> PublishedQuestions:
        """The FAQs' published questions (ingest/published.py), read when first asked for."""
        if self._published is None:
            words = read_words(self.path / PUBLISHED_WORDS)  # as the build analysed them
            self._published = PublishedQuestions(enumerate(self.chunks), self.lexical.idf, words)
        return self._published

    def asked_as_published(self, question: str, lang: str | None = None) -> int | None:
        """The position of the one searched FAQ whose published question is ``question`` (as ``question_key``
        reads both), or else of the one searched entry (its first chunk) with a learned phrasing that is: a
        person confirmed that residents ask it so (ingest/learned.py). None when none is, or several are."""
        found = [p for p in self.published.asked_as(question, lang) if self._kept(p)]
        if not found:
            entries = self.learned.entries_asked_as(question_key(question))
            firsts = (self._positions.get(entry, [None])[0] for entry in entries)
            found = [p for p in firsts if p is not None and self._kept(p)]
        return found[0] if len(found) == 1 else None

    def published_alike(self, question: str, n: int = 2, lang: str | None = None) -> list[tuple[int, float]]:
        """(position, likeness) of the ``n`` searched FAQs whose published questions are most like ``question``
        (ingest/published.py), most alike first."""
        return [(p, likeness) for p, likeness in self.published.likeness(question, lang) if self._kept(p)][:n]

    def asked_vectors(self, texts: list[str]) -> dict[str, list[float]]:
        """The vectors the build kept of ``texts`` embedded as questions (each FAQ's question and each canary's,
        ingest/index.py), by text; a text it did not embed so is absent."""
        wanted = {text_key(self.embedding_model, f"\0query\0{text}"): text for text in texts}
        try:
            with np.load(self.path / "vectors.npz") as stored:
                keys, vectors = stored["keys"], stored["vectors"]
        except OSError:  # a generation without its vectors file: nothing kept
            return {}
        rows = np.flatnonzero(np.isin(keys, list(wanted)))
        return {wanted[str(keys[row])]: vectors[row].tolist() for row in rows}

    def entry_digest(self, doc_id: str) -> str:
        """The served version of one entry (ingest/learned.py); "" when it is not served."""
        return entry_digest((self.chunks[p] for p in self._positions.get(doc_id, [])), doc_id)

    def learned_near(self, query_vector: list[float], at_least: float) -> list[tuple[int, float]]:
        """(first chunk of the entry, similarity) for each searched entry a learned phrasing at least
        ``at_least`` similar to the query points to, best first."""
        found = []
        for entry, similarity in self.learned.nearest(query_vector, at_least, self.excluded):
            positions = self._positions.get(entry)
            if positions and self._kept(positions[0]):
                found.append((positions[0], similarity))
        return found

    def terms(self, position: int) -> tuple[frozenset[str], frozenset[int]]:
        """The word forms and synonym groups of one chunk (tokenised once, when first asked for)."""
        found = self._terms.get(position)
        if found is None:
            chunk = self.chunks[position]
            found = self._terms[position] = passage_terms(lexical_text(chunk.title, chunk.heading, chunk.text))
        return found

    def _kept(self, position: int) -> bool:
        """Searched: not left out for an evaluation, and not past its close date."""
        chunk = self.chunks[position]
        if chunk.closes and chunk.closes < dt.date.today().isoformat():
            return False
        return not self.excluded or chunk.doc_id not in self.excluded

    @property
    def generation(self) -> str:
        return str(self.manifest["generation"])

    @property
    def embedding_model(self) -> str:
        return str(self.manifest["spec"]["embedding_model"])

    @property
    def documents(self) -> int:
        return int(self.manifest["documents"])

    @property
    def counts(self) -> dict[str, int]:
        """The vectors stored per view."""
        if self._counts is None:
            self._counts = {view: collection.count() for view, collection in self.collections.items()}
        return self._counts

    @property
    def vectors(self) -> int:
        return sum(self.counts.values())

    def stored_vectors(self) -> np.ndarray:
        """Every stored vector, of every view (a report's clustering centres on their mean)."""
        stored = [c.get(include=["embeddings"])["embeddings"] for c in self.collections.values() if c.count()]
        return np.concatenate([np.asarray(rows, dtype=np.float32) for rows in stored])

    def _nearest(self, query_vector: list[float], n: int, view: str | None) -> list[tuple[int, str, float]]:
        """(chunk position, view, cosine similarity) of the ``n`` nearest stored views, of ``view`` or of any,
        best first: a Chroma query per view searched. Only the distances are fetched; a stored id names its
        chunk (reading the metadata back cost as much as the search)."""
        nearest = []
        for searched in (view,) if view else tuple(self.collections):
            if not (stored := min(n, self.counts.get(searched, 0))):
                continue
            found = self.collections[searched].query(
                query_embeddings=[query_vector],  # type: ignore[arg-type]
                n_results=stored,
                include=["distances"],
            )
            for stored_id, distance in zip(found["ids"][0], found["distances"][0], strict=True):  # type: ignore[index]
                chunk_id = stored_id.rpartition("::")[0]
                nearest.append((self._chunk_positions[chunk_id], searched, 1.0 - float(distance)))
        return sorted(nearest, key=lambda found: -found[2])[:n]

    def dense(self, query_vector: list[float], k: int, view: str | None = None) -> list[Hit]:
        """The k nearest chunks by cosine similarity, each chunk once (its best view when view is None)."""
        hits: dict[int, float] = {}
        for position, _, similarity in self._nearest(query_vector, k * (1 if view else 2), view):
            hits.setdefault(position, similarity)
        return [Hit(p, s) for p, s in list(hits.items())[:k]]

    def dense_by_view(self, query_vector: list[float], k: int, lang: str | None = None) -> dict[str, list[Hit]]:
        """The hits of each view, best first (at most k per view). Without an adapter, one query over every view.
        With one, the question-and-answer view is ranked by the adapted vector (what the adapter was fitted for),
        each hit keeping the question's own cosine as its ``similarity``: the adapter is fitted to pull a
        published question away from every other entry, so adapted similarities would read the corpus's baseline
        (unanswerable searches by those very questions) as lower than it is. The question view is searched with
        the question's own vector (question to question, as the model reads both), and for a question in ``lang``
        the city's questions translated into it are searched with it as well (ingest/translated.py)."""
        pool = k + len(self.excluded)
        if self.adapter is None or self._passages is None:
            return self._with_translations(
                self._by_view(self._nearest(query_vector, 2 * pool, None), k), query_vector, k, lang
            )
        question = np.asarray(query_vector, dtype=np.float32)
        adapted = adapter.adapt(question, self.adapter).tolist()
        by_view = self._with_translations(
            self._by_view(self._nearest(query_vector, pool, "q"), k), query_vector, k, lang
        )
        qa = self._by_view(self._nearest(adapted, pool, "qa"), k).get("qa", [])
        by_view["qa"] = [Hit(h.position, h.score, float(self._passages[h.position] @ question)) for h in qa]
        return by_view

    def _by_view(self, nearest: list[tuple[int, str, float]], k: int) -> dict[str, list[Hit]]:
        by_view: dict[str, list[Hit]] = {}
        for position, view, similarity in nearest:
            hits = by_view.setdefault(view, [])
            if len(hits) < k and self._kept(position):
                hits.append(Hit(position, similarity))
        return by_view

    def _with_translations(
        self, by_view: dict[str, list[Hit]], query_vector: list[float], k: int, lang: str | None
    ) -> dict[str, list[Hit]]:
        """The question view's hits with the city's questions translated into ``lang`` among them: an entry by
        its closest question, its own or a translation (nothing changes for a language translated into none)."""
        translated = self.translated.nearest(query_vector, lang) if lang else []
        if not translated:
            return by_view
        best = {hit.position: hit.score for hit in by_view.get("q", [])}
        for position, cosine in translated:
            if self._kept(position):
                best[position] = max(best.get(position, -1.0), cosine)
        by_view["q"] = [Hit(p, s) for p, s in sorted(best.items(), key=lambda item: -item[1])[:k]]
        return by_view

    def lexical_search(self, query: str, k: int) -> list[Hit]:
        scores = self.lexical.scores(query)
        top = np.argsort(-scores, kind="stable")[: k + len(self.excluded)]
        return [Hit(int(p), float(scores[p])) for p in top if scores[p] > 0 and self._kept(int(p))][:k]


def open_live(index_dir: Path, chroma_url: str | None = None) -> LiveIndex:
    generation = live_generation(index_dir)
    if not generation:
        raise IndexUnavailable(f"no live generation in {index_dir}: run `python -m ingest` first")
    return open_generation(generations_dir(index_dir) / generation, chroma_url)


def open_generation(path: Path, chroma_url: str | None = None) -> LiveIndex:
    """One finished generation, live or not, opened whole and checked: its chunks, lexical index and vectors
    must all be there and agree with the manifest. Anything missing or broken is IndexUnavailable naming it, so
    a generation that cannot serve is never promoted, rolled back to, or swapped in."""
    manifest = read_manifest(path)
    if manifest is None:
        raise IndexUnavailable(f"the generation {path.name} has no manifest")
    generation = str(manifest["generation"])
    if manifest.get("layout") != LAYOUT:
        raise IndexUnavailable(
            f"the generation {path.name} was stored by an earlier version: run `python -m ingest` to store it again "
            "(its vectors are reused, nothing is embedded again)"
        )
    try:
        with (path / "chunks.jsonl").open(encoding="utf-8") as lines:
            chunks = [Chunk.from_record(json.loads(line)) for line in lines]
        lexical = LexicalIndex.load(path / "lexical")
        collections = vectors.open_collections(vectors.open_client(path, chroma_url), generation)
        counts = {view: collection.count() for view, collection in collections.items()}
        stored = sum(counts.values())
    except Exception as error:  # a missing file, a truncated one, a store that will not open
        raise IndexUnavailable(f"the generation {path.name} is incomplete: {_describe(error, path)}") from error
    if len(chunks) != manifest.get("chunk_count", len(chunks)) or not stored or lexical.size != len(chunks):
        raise IndexUnavailable(
            f"the generation {path.name} is inconsistent: {len(chunks)} chunks, {lexical.size} in the lexical "
            f"index, {stored} vectors, {manifest.get('chunk_count')} in its manifest"
        )
    try:
        learned = LearnedIndex.load(path / STORED)
    except Exception as error:  # a truncated or unreadable file
        raise IndexUnavailable(f"the generation {path.name} is incomplete: {_describe(error, path)}") from error
    if len(learned) != len(manifest.get("learned", [])):
        raise IndexUnavailable(
            f"the generation {path.name} is inconsistent: {len(learned)} learned phrasings, "
            f"{len(manifest.get('learned', []))} in its manifest"
        )
    fitted, passages = _adapter_of(path, manifest, chunks)
    try:
        translated = TranslatedQuestions.load(path / TRANSLATED)
    except Exception as error:  # a truncated or unreadable file
        raise IndexUnavailable(f"the generation {path.name} is incomplete: {_describe(error, path)}") from error
    return LiveIndex(
        manifest,
        chunks,
        lexical,
        collections,
        path,
        learned=learned,
        counts=counts,
        adapter=fitted,
        passages=passages,
        translated=translated,
    )


def _adapter_of(
    path: Path, manifest: dict[str, Any], chunks: list[Chunk]
) -> tuple[np.ndarray, np.ndarray] | tuple[None, None]:
    """The generation's adapter and each chunk's question-and-answer vector (the question's own similarity to a
    hit is read from it); (None, None) when the build kept no adapter."""
    if not manifest.get("adapter", {}).get("kept"):
        return None, None
    spec = manifest["spec"]
    try:
        fitted = np.load(path / adapter.FILE)
        with np.load(path / "vectors.npz") as stored:
            rows = {key: row for row, key in enumerate(stored["keys"].tolist())}
            keys = [text_key(spec["embedding_model"], view_texts(c, spec["answer_chars"])["qa"]) for c in chunks]
            passages = stored["vectors"][[rows[key] for key in keys]].astype(np.float32)
    except Exception as error:  # a missing or truncated file, a vector that is not there
        raise IndexUnavailable(f"the generation {path.name} is incomplete: {_describe(error, path)}") from error
    if fitted.shape != (passages.shape[1], passages.shape[1]):
        raise IndexUnavailable(f"the generation {path.name} is inconsistent: an adapter of shape {fitted.shape}")
    return fitted, passages


def _positions_of(chunks: list[Chunk]) -> dict[str, list[int]]:
    positions: dict[str, list[int]] = {}
    for position, chunk in enumerate(chunks):
        positions.setdefault(chunk.doc_id, []).append(position)
    return positions


def _describe(error: Exception, generation_dir: Path) -> str:
    """What is wrong, naming the file inside the generation (lexical/params.index.json) when one is missing."""
    if isinstance(error, OSError) and error.filename:
        missing = Path(str(error.filename)).resolve()
        where = (
            missing.relative_to(generation_dir.resolve())
            if missing.is_relative_to(generation_dir.resolve())
            else missing.name
        )
        return f"{error.strerror or type(error).__name__}: {where}"
    return f"{type(error).__name__}: {error}"[:300]
