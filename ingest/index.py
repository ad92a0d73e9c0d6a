"""Index generations: build one beside the live one, check it, promote it atomically, open the live one.

Layout of an index directory::

    LIVE                         the live generation's id (replaced atomically with os.replace)
    .lock                        held while a generation is built
    generations/<id>/
        manifest.json            written last: a directory without it is unfinished and is removed
        chunks.jsonl             every chunk, in the order of the lexical index
        vectors.npz              every embedded text's key and vector, reused by the next build
        learned.npz              the learned phrasings' entries and vectors (ingest/learned.py)
        adapter.npy              the corpus's adapter on question vectors, when its check kept it (ingest/adapter.py)
        lexical/                 BM25 over Sudachi / English tokens, and each text's words (words.json)
        published_words.json     each FAQ's published questions' words (ingest/published.py)
        chroma/                  the dense store, a collection per view (absent when a Chroma server is used)
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings
from tqdm import tqdm

from ingest import adapter, vectors
from ingest.canaries import Canary, load_canaries
from ingest.chunk import Chunk, chunk_corpus
from ingest.embed import embed_queries, make_embedder
from ingest.errors import BuildInProgressError, GenerationNotFoundError, IngestError
from ingest.learned import STORED, LearnedIndex, Phrasing, current, read_phrasings
from ingest.lexical import LexicalIndex, analysed, lexical_text, read_words
from ingest.load import Rejection, load_corpus
from ingest.published import WORDS as PUBLISHED_WORDS
from ingest.published import published
from ingest.report import IngestReport
from ingest.text import question_key
from ingest.translated import STORED as TRANSLATED
from ingest.translated import TranslatedQuestions

logger = logging.getLogger(__name__)

EMBED_BATCH = 32
LAYOUT = 2  # how a generation is stored: 2, a Chroma collection per view (an older generation is rebuilt)


@dataclass(frozen=True)
class IndexSpec:
    """What decides a generation's vectors: a change here re-embeds everything."""

    embedding_model: str
    answer_chars: int
    chroma_url: str | None = None
    adapter: bool = True  # fit a per-corpus adapter on question vectors (ingest/adapter.py)


def view_texts(chunk: Chunk, answer_chars: int) -> dict[str, str]:
    """The texts embedded for a chunk, one per view. A row of an open-data table has one, short: its list's
    name and its item (a city's lists run to thousands of rows; the lookup finds a row by its item, and the
    lexical index has the whole row, addresses included)."""
    if chunk.kind == "record":
        return {"qa": f"{chunk.heading} {chunk.title}"}
    head = chunk.title if chunk.kind == "faq" else " ".join(filter(None, (chunk.title, chunk.section, chunk.heading)))
    body = chunk.text[:answer_chars]
    return {"q": head, "qa": f"{head}\n{body}" if body else head}


def ingest(
    corpus_dir: Path,
    index_dir: Path,
    spec: IndexSpec,
    keep: int = 3,
    progress: bool | None = None,
    on_progress: Callable[[float], None] | None = None,
    verify: Callable[[Path], None] | None = None,
    learned: list[Phrasing] | None = None,
) -> IngestReport:
    """Load, validate, chunk, embed and index ``corpus_dir``; promote a new generation if anything changed.

    ``progress`` shows a bar (None: only on a terminal); ``on_progress`` hears the share of texts embedded;
    ``verify`` gets the finished generation's directory before promotion and refuses it by raising IngestError;
    ``learned``: the learned phrasings to keep with it (None: those the corpus's ``_learned/`` holds)."""
    started = time.perf_counter()
    corpus = load_corpus(corpus_dir, progress)
    chunks = chunk_corpus(corpus)
    phrasings, dropped = current(read_phrasings(corpus_dir) if learned is None else learned, chunks)
    report = IngestReport(
        files=corpus.files,
        documents=corpus.documents,
        chunks=len(chunks),
        rejections=list(corpus.rejections),
        skipped=list(corpus.skipped),
        learned=len(phrasings),
        learned_dropped=dropped,
    )
    report.rejections += _duplicate_chunks(chunks)
    canaries = load_canaries(corpus_dir) if corpus_dir.is_dir() else []
    if report.rejections:
        report.seconds = time.perf_counter() - started
        raise IngestError("corpus_invalid", str(report), report)

    index_dir.mkdir(parents=True, exist_ok=True)
    with _build_lock(index_dir):
        _remove_unfinished(index_dir, spec)
        live = read_live_manifest(index_dir)
        _diff(report, chunks, live)
        same_departments = live is not None and all(live.get(k) == v for k, v in corpus.directory.items())
        if (
            live
            and live.get("layout") == LAYOUT
            and live["spec"] == asdict(spec)
            and same_departments
            and live.get("learned", []) == sorted(p.id for p in phrasings)
            and not (report.added or report.changed or report.removed)
        ):
            report.generation = live["generation"]
        else:
            generation = _new_generation_id()
            _build(
                index_dir,
                generation,
                chunks,
                phrasings,
                canaries,
                corpus.directory,
                spec,
                live,
                report,
                progress,
                on_progress,
            )
            if verify:
                _verify(index_dir, generation, spec, verify)
            _promote(index_dir, generation)
            report.generation, report.promoted = generation, True
            _prune(index_dir, spec, keep)
    report.seconds = time.perf_counter() - started
    logger.info("ingest finished: %s", json.dumps({k: v for k, v in report.to_json().items() if k != "changes"}))
    return report


def _verify(index_dir: Path, generation: str, spec: IndexSpec, verify: Callable[[Path], None]) -> None:
    target = generations_dir(index_dir) / generation
    try:
        verify(target)
    except BaseException:
        _discard(target, spec, generation)
        raise


def _duplicate_chunks(chunks: list[Chunk]) -> list[Rejection]:
    seen: set[str] = set()
    rejections = []
    for chunk in chunks:
        if chunk.id in seen:
            rejections.append(Rejection(chunk.source, None, f"two articles share the section {chunk.section!r}"))
        seen.add(chunk.id)
    return rejections


def _diff(report: IngestReport, chunks: list[Chunk], live: dict[str, Any] | None) -> None:
    before: dict[str, str] = live["chunks"] if live else {}
    now = {chunk.id: chunk.digest for chunk in chunks}
    report.added = [i for i in now if i not in before]
    report.changed = [i for i in now if i in before and before[i] != now[i]]
    report.removed = [i for i in before if i not in now]
    report.unchanged = len(now) - len(report.added) - len(report.changed)


def _build(
    index_dir: Path,
    generation: str,
    chunks: list[Chunk],
    phrasings: list[Phrasing],
    canaries: list[Canary],
    directory: dict[str, Any],
    spec: IndexSpec,
    live: dict[str, Any] | None,
    report: IngestReport,
    progress: bool | None,
    on_progress: Callable[[float], None] | None,
) -> None:
    target = generations_dir(index_dir) / generation
    target.mkdir(parents=True)
    try:
        cached = _cached_vectors(index_dir, live, spec)
        keys, texts, metadatas = [], [], []
        for chunk in chunks:
            for view, text in view_texts(chunk, spec.answer_chars).items():
                keys.append(text_key(spec.embedding_model, text))
                texts.append(text)
                metadatas.append({"chunk_id": chunk.id, "view": view, "lang": chunk.lang})
        # the city's translated questions, embedded as the question view is, kept beside the collection
        translated = [(p, lang, t["question"]) for p, c in enumerate(chunks) for lang, t in c.translations.items()]
        keys += [text_key(spec.embedding_model, text) for _, _, text in translated]
        texts += [text for _, _, text in translated]
        matrix = _embed_missing(keys, texts, cached, spec.embedding_model, report, progress, on_progress)
        matrix, translated_matrix = matrix[: len(metadatas)], matrix[len(metadatas) :]
        TranslatedQuestions.of(
            [p for p, _, _ in translated], [lang for _, lang, _ in translated], translated_matrix
        ).save(target / TRANSLATED)
        learned_keys, learned_matrix = _embed_phrasings(phrasings, cached, spec.embedding_model, matrix.shape[1])
        # each FAQ's published question and each canary question, embedded as questions: the adapter's pairs and
        # its check (none without an adapter)
        asked = [c.title for c in chunks if c.kind == "faq"] + [c.question for c in canaries] if spec.adapter else []
        asked_keys, asked_matrix = _embed_questions(asked, cached, spec.embedding_model, report, matrix.shape[1])
        passages = matrix[[row for row, m in enumerate(metadatas) if m["view"] == "qa"]]  # one per chunk, in order
        earlier = generations_dir(index_dir) / live["generation"] if live else None
        fitted, check, pairs = _fit_adapter(
            spec, chunks, passages, asked_matrix, phrasings, learned_matrix, canaries, live, earlier
        )
        report.adapter = check.to_json()
        if fitted is not None:
            np.save(target / adapter.FILE, fitted)

        with (target / "chunks.jsonl").open("w", encoding="utf-8") as out:
            for chunk in chunks:
                out.write(json.dumps(chunk.to_record(), ensure_ascii=False) + "\n")
        np.savez(
            target / "vectors.npz",
            keys=np.array(keys + learned_keys + asked_keys),
            vectors=np.concatenate([matrix, translated_matrix, learned_matrix, asked_matrix]),
        )
        LearnedIndex(
            [p.id for p in phrasings],
            [p.entry_id for p in phrasings],
            learned_matrix,
            [question_key(p.text) for p in phrasings],
        ).save(target / STORED)
        lexical = LexicalIndex.build(
            [lexical_text(c.title, c.heading, c.text) for c in chunks], earlier / "lexical" if earlier else None
        )
        lexical.save(target / "lexical")
        earlier_words = read_words(earlier / PUBLISHED_WORDS if earlier else None)
        questions = analysed(published(chunks), earlier_words)  # read by the service, not analysed on each opening
        (target / PUBLISHED_WORDS).write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
        stored = _store_vectors(target, generation, spec, live, earlier, report, metadatas, matrix)

        if stored != len(metadatas) or lexical.size != len(chunks) or not chunks:
            raise IngestError("index_check_failed", f"generation {generation} is incomplete; not promoted")
        manifest = {
            "generation": generation,
            "layout": LAYOUT,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "spec": asdict(spec),
            "documents": report.documents,
            "chunk_count": len(chunks),
            "chunks": {chunk.id: chunk.digest for chunk in chunks},
            **directory,  # departments and holidays
            "learned": sorted(p.id for p in phrasings),
            "adapter": check.to_json(),
            "adapter_pairs": pairs,
        }
        write_atomically(target / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    except BaseException:
        _discard(target, spec, generation)
        raise


def _store_vectors(
    target: Path,
    generation: str,
    spec: IndexSpec,
    live: dict[str, Any] | None,
    earlier: Path | None,
    report: IngestReport,
    metadatas: list[dict[str, str]],
    matrix: np.ndarray,
) -> int:
    """Write the generation's vectors to its collections, by view; the number stored. A local store starts as a
    copy of the live generation's (same layout, model and answer length), so that only the views of chunks added
    or changed are written and those of chunks removed deleted: one changed 例規 among 20,000 chunks writes a
    hundred vectors, not 40,000. Where that cannot be done (a server, another model, a copy that does not add
    up) every vector is written to new collections."""
    by_view = {view: [row for row, m in enumerate(metadatas) if m["view"] == view] for view in vectors.VIEWS}
    copied = (
        earlier is not None
        and live is not None
        and not spec.chroma_url
        and live.get("layout") == LAYOUT
        and {k: live["spec"].get(k) for k in ("embedding_model", "answer_chars")}
        == {"embedding_model": spec.embedding_model, "answer_chars": spec.answer_chars}
        and (earlier / "chroma").is_dir()
    )
    if copied and earlier is not None:
        try:
            return _update_copy(target, generation, earlier, report, metadatas, matrix, by_view)
        except Exception:  # a copy that will not open or does not add up: written whole below
            logger.warning("could not update a copy of the live vectors; writing every vector", exc_info=True)
            shutil.rmtree(target / "chroma", ignore_errors=True)
    with vectors.writing(target, spec.chroma_url) as client:
        collections = vectors.create_collections(client, generation)
        for view, collection in collections.items():
            rows = by_view[view]
            ids = [f"{metadatas[row]['chunk_id']}::{view}" for row in rows]
            vectors.write_vectors(client, collection, ids, matrix[rows].tolist(), [metadatas[row] for row in rows])
        return sum(collection.count() for collection in collections.values())


def _update_copy(
    target: Path,
    generation: str,
    earlier: Path,
    report: IngestReport,
    metadatas: list[dict[str, str]],
    matrix: np.ndarray,
    by_view: dict[str, list[int]],
) -> int:
    shutil.copytree(earlier / "chroma", target / "chroma")
    rewritten = set(report.added) | set(report.changed)
    stored = 0
    with vectors.writing(target, None) as client:  # closed also when it fails: the copy is then removed
        for view, collection in vectors.open_collections(client, earlier.name).items():
            collection.modify(name=vectors.collection_name(generation, view))
            rows = by_view[view]
            wanted = {f"{metadatas[row]['chunk_id']}::{view}": row for row in rows}
            present = set(collection.get(include=[])["ids"])
            stale = [i for i in present if i not in wanted or i.rpartition("::")[0] in rewritten]
            for start in range(0, len(stale), client.get_max_batch_size()):
                collection.delete(ids=stale[start : start + client.get_max_batch_size()])
            missing = [row for i, row in wanted.items() if i not in present or metadatas[row]["chunk_id"] in rewritten]
            ids = [f"{metadatas[row]['chunk_id']}::{view}" for row in missing]
            vectors.write_vectors(
                client, collection, ids, matrix[missing].tolist(), [metadatas[row] for row in missing]
            )
            if collection.count() != len(rows):
                raise IngestError("index_check_failed", f"the copied {view} vectors number {collection.count()}")
            stored += len(rows)
    return stored


def _embed_missing(
    keys: list[str],
    texts: list[str],
    cached: dict[str, np.ndarray],
    model: str,
    report: IngestReport,
    progress: bool | None,
    on_progress: Callable[[float], None] | None,
) -> np.ndarray:
    """Vectors for every text: reused by key where the live generation has one, embedded otherwise."""
    missing = sorted({key: text for key, text in zip(keys, texts, strict=True) if key not in cached}.items())
    report.embedded = len(missing)
    fresh: dict[str, np.ndarray] = {}
    if missing:
        embedder: Embeddings = make_embedder(model)
        # Shortest first: batches of similar length waste less padding.
        missing.sort(key=lambda item: len(item[1]))
        with tqdm(
            total=len(missing),
            desc="Embedding",
            unit="text",
            disable=None if progress is None else not progress,
        ) as bar:
            for start in range(0, len(missing), EMBED_BATCH):
                batch = missing[start : start + EMBED_BATCH]
                for (key, _), vector in zip(batch, embedder.embed_documents([t for _, t in batch]), strict=True):
                    fresh[key] = np.asarray(vector, dtype=np.float32)
                bar.update(len(batch))
                if on_progress:
                    on_progress((start + len(batch)) / len(missing))
    vectors_in_order = [cached[key] if key in cached else fresh[key] for key in keys]
    return np.stack(vectors_in_order).astype(np.float32)


def _embed_phrasings(
    phrasings: list[Phrasing], cached: dict[str, np.ndarray], model: str, dimensions: int
) -> tuple[list[str], np.ndarray]:
    """(keys, vectors) of the learned phrasings, embedded as questions are (reused by key where the live
    generation has one)."""
    keys = [text_key(model, f"\0query\0{p.text}") for p in phrasings]
    missing = [(k, p.text) for k, p in zip(keys, phrasings, strict=True) if k not in cached]
    if missing:
        embedder = make_embedder(model)
        cached = {**cached, **{k: np.asarray(embedder.embed_query(text), dtype=np.float32) for k, text in missing}}
    matrix = np.stack([cached[k] for k in keys]) if keys else np.zeros((0, dimensions))
    return keys, matrix.astype(np.float32)


def _embed_questions(
    texts: list[str], cached: dict[str, np.ndarray], model: str, report: IngestReport, dimensions: int
) -> tuple[list[str], np.ndarray]:
    """(keys, vectors) of ``texts`` embedded as questions (reused by key where the live generation has one)."""
    keys = [text_key(model, f"\0query\0{text}") for text in texts]
    missing = {k: text for k, text in zip(keys, texts, strict=True) if k not in cached}
    report.embedded += len(missing)
    if missing:
        embedded = embed_queries(make_embedder(model), list(missing.values()))
        cached = {**cached, **{k: np.asarray(v, dtype=np.float32) for k, v in zip(missing, embedded, strict=True)}}
    matrix = np.stack([cached[k] for k in keys]) if keys else np.zeros((0, dimensions))
    return keys, matrix.astype(np.float32)


def _fit_adapter(
    spec: IndexSpec,
    chunks: list[Chunk],
    passages: np.ndarray,
    asked: np.ndarray,
    phrasings: list[Phrasing],
    learned: np.ndarray,
    canaries: list[Canary],
    live: dict[str, Any] | None = None,
    earlier: Path | None = None,
) -> tuple[np.ndarray | None, adapter.AdapterCheck, str]:
    """The adapter for this generation's question vectors, its check, and a digest of the pairs it was fitted on.
    Its pairs: each FAQ's published question with its passage (question and answer; ``passages`` holds each
    chunk's, in order), and for training only, each learned phrasing (a person confirmed it) with its entry's
    first passage. The live generation's fit is taken again where its pairs were these (an amended 例規 changes no
    FAQ's pair). ``asked`` holds the FAQs' questions, then the canaries' (their vectors as questions): a canary
    whose source ranks lower with the adapter than without keeps it out, whatever the held-out check said."""
    if not spec.adapter:
        off = adapter.AdapterCheck(0, 0, 0, 0, 0, 0, 0, 0, False, 0.0, "switched off (MADOGUCHI_ADAPTER=false)")
        return None, off, ""
    faqs = [position for position, chunk in enumerate(chunks) if chunk.kind == "faq"]
    first: dict[str, int] = {}
    for position, chunk in enumerate(chunks):
        first.setdefault(chunk.doc_id, position)
    confirmed = [(row, first[p.entry_id]) for row, p in enumerate(phrasings) if p.entry_id in first]
    extra = (learned[[row for row, _ in confirmed]], passages[[p for _, p in confirmed]]) if confirmed else None
    entry_ids = [chunks[p].doc_id for p in faqs]
    pairs = _pairs_digest(entry_ids, asked[: len(faqs)], passages[faqs], extra)
    fitted, check = _earlier_fit(live, earlier, pairs) or adapter.fit_checked(
        entry_ids, asked[: len(faqs)], passages[faqs], extra
    )
    sources = [{p for p, c in enumerate(chunks) if canary.expected in (c.id, c.doc_id)} for canary in canaries]
    found = [(row, rows) for row, rows in enumerate(sources, start=len(faqs)) if rows]
    if fitted is None or not found:
        return fitted, check, pairs
    lower = adapter.lower_with(fitted, asked[[row for row, _ in found]], passages, [rows for _, rows in found])
    if lower:
        reason = f"{lower} of {len(found)} canary questions find their source lower with it"
        return None, replace(check, kept=False, reason=reason, canaries=len(found), canaries_lower=lower), pairs
    return fitted, replace(check, canaries=len(found)), pairs


def _pairs_digest(
    entry_ids: list[str], questions: np.ndarray, passages: np.ndarray, extra: tuple[np.ndarray, np.ndarray] | None
) -> str:
    """What decides an adapter's fit: its pairs, and the fit as this code makes it."""
    digest = hashlib.sha256(Path(adapter.__file__).read_bytes())
    digest.update("\0".join(entry_ids).encode())
    for array in (questions, passages, *(extra or ())):
        digest.update(np.ascontiguousarray(array, dtype=np.float32).tobytes())
    return digest.hexdigest()[:24]


def _earlier_fit(
    live: dict[str, Any] | None, earlier: Path | None, pairs: str
) -> tuple[np.ndarray | None, adapter.AdapterCheck] | None:
    """The live generation's fit and check, where they were made on these very pairs; None where they were not
    (or where a canary kept its adapter out: fitted again, and checked again)."""
    if live is None or earlier is None or live.get("adapter_pairs") != pairs:
        return None
    check = adapter.AdapterCheck(**live["adapter"])
    if check.kept:
        return np.load(earlier / adapter.FILE), replace(check, canaries=0, canaries_lower=0)
    return None if check.canaries_lower else (None, check)


def _cached_vectors(index_dir: Path, live: dict[str, Any] | None, spec: IndexSpec) -> dict[str, np.ndarray]:
    if not live or live["spec"]["embedding_model"] != spec.embedding_model:
        return {}
    with np.load(generations_dir(index_dir) / live["generation"] / "vectors.npz") as stored:
        return dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))


def text_key(model: str, text: str) -> str:
    """The key of one embedded text in a generation's vectors.npz."""
    return hashlib.sha256(f"{model}\0{text}".encode()).hexdigest()[:24]


def generations_dir(index_dir: Path) -> Path:
    return index_dir / "generations"


def live_generation(index_dir: Path) -> str | None:
    try:
        return (index_dir / "LIVE").read_text().strip() or None
    except FileNotFoundError:
        return None


def read_live_manifest(index_dir: Path) -> dict[str, Any] | None:
    generation = live_generation(index_dir)
    if not generation:
        return None
    return read_manifest(generations_dir(index_dir) / generation)


def read_manifest(generation_dir: Path) -> dict[str, Any] | None:
    try:
        manifest: dict[str, Any] = json.loads((generation_dir / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return manifest


def _new_generation_id() -> str:
    """Sortable by time of creation, to the microsecond: 20261123T012547-123456."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S-%f")


def _promote(index_dir: Path, generation: str) -> None:
    write_atomically(index_dir / "LIVE", generation + "\n")
    logger.info("generation %s is live", generation)


def list_generations(index_dir: Path) -> list[dict[str, Any]]:
    """Every finished generation's manifest, newest first."""
    manifests = (read_manifest(path) for path in sorted(generations_dir(index_dir).glob("*"), reverse=True))
    return [manifest for manifest in manifests if manifest]


def rollback(index_dir: Path, generation: str, verify: Callable[[Path], Any] | None = None) -> None:
    """Make an earlier finished generation live again (under the build lock, so never during a build), once
    ``verify`` (the service opens it whole) has passed on it."""
    with _build_lock(index_dir):
        path = generations_dir(index_dir) / generation
        if read_manifest(path) is None:
            raise GenerationNotFoundError(generation)
        if verify is not None:
            verify(path)
        _promote(index_dir, generation)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` so that readers see the old file or the whole new one (one partial file per process)."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    with partial.open("w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)


def _remove_unfinished(index_dir: Path, spec: IndexSpec) -> None:
    """A build that died (killed, disk full) leaves a directory without a manifest: remove it."""
    for path in sorted(generations_dir(index_dir).glob("*")):
        if path.is_dir() and not (path / "manifest.json").exists():
            logger.warning("removing unfinished generation %s", path.name)
            _discard(path, spec, path.name)


def _prune(index_dir: Path, spec: IndexSpec, keep: int) -> None:
    live = live_generation(index_dir)
    finished = sorted(p for p in generations_dir(index_dir).glob("*") if (p / "manifest.json").exists())
    for path in finished[: max(0, len(finished) - keep)]:
        if path.name != live:
            _discard(path, spec, path.name)


def _discard(path: Path, spec: IndexSpec, generation: str) -> None:
    try:
        vectors.drop_collections(path, spec.chroma_url, generation)
    except Exception:  # the server may be the thing that failed; the directory still goes
        logger.warning("could not drop the vectors of generation %s", generation, exc_info=True)
    shutil.rmtree(path, ignore_errors=True)


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    with (index_dir / ".lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise BuildInProgressError() from error
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
