"""The services a request needs, over the live generation, and each worker's watch on it.

A request costs one stat of the LIVE file; when an operator's reload or rollback has replaced it, the worker
opens the new generation once and swaps it in. Requests already running finish on the generation they
started with; a generation that cannot be opened leaves the one before serving. With replicas on several
machines (``MADOGUCHI_SHARED_GENERATIONS``) a thread keeps LIVE on the database's (service/live/replicas.py)."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import replace

from langchain_core.embeddings import Embeddings

from ingest.embed import cores, make_embedder, use_threads
from ingest.live import LiveIndex, open_live
from service.answer.calibration import Baseline, Calibration
from service.answer.context import Services
from service.answer.generate import GenerativeComposer
from service.answer.query_cache import QueryCache, Recent
from service.answer.rows import RowIndex
from service.answer.screening import Screening
from service.live import replicas
from service.live.baseline import baseline_of
from service.live.replicas import Follower
from service.settings import Settings
from service.store.cases import CaseQueue
from service.store.database import Store
from service.store.notices import NoticeBoard
from service.store.switches import SwitchBoard

logger = logging.getLogger(__name__)


def open_services(
    settings: Settings,
    index: LiveIndex,
    store: Store | None = None,
    embedder: Embeddings | None = None,
    notices: NoticeBoard | None = None,
    switches: SwitchBoard | None = None,
) -> Services:
    """The services over ``index``, its baseline measured (or read) before they answer anything."""
    store = store or Store(settings.database_url, settings.conversation_retention_days)
    services = Services(
        settings=settings,
        index=index,
        embedder=embedder or QueryCache(model_of(settings, index), settings.query_cache_size),
        store=store,
        screening=Screening.load(),
        calibration=Calibration.load(),
        cases=CaseQueue(store.engine),
        baseline=Baseline((), ()),
        composer=GenerativeComposer.from_settings(settings),
        rows=RowIndex.of(index.chunks),
        notices=notices,
        switches=switches,
        searches=Recent(settings.query_cache_size),
    )
    _ = index.published  # the FAQs' questions read now, not on a resident's first question (seconds at 20,000 chunks)
    return replace(services, baseline=baseline_of(services))


def embedder_threads(settings: Settings) -> int:
    """A worker's share of the cores this service may use (an operator's ``MADOGUCHI_EMBED_THREADS`` wins)."""
    return settings.embed_threads or max(1, cores() // settings.workers)


def model_of(settings: Settings, index: LiveIndex) -> Embeddings:
    """The generation's embedding model, on this worker's share of the cores, questions that arrive together
    embedded together."""
    use_threads(embedder_threads(settings))
    model = make_embedder(index.embedding_model)
    model.most = settings.embed_batch
    return model


class LiveServices:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings, self.store = settings, store
        self.notices = NoticeBoard(store, settings.notices_refresh_s, settings.notices_max)
        self.switches = SwitchBoard(store, settings.switches_refresh_s)
        self._live_file = settings.index_dir / "LIVE"
        self._lock = threading.Lock()
        self._services: Services | None = None
        self.problem: str | None = None  # why the live generation is not the one served, when it is not
        self._unsynced: str | None = None  # why this replica may serve an older generation than the live one
        self.follower: Follower | None = None
        if settings.shared_generations:  # a replica serves what the database names live, synced before it starts
            self._sync()
            self.follower = Follower(store.engine, settings.index_dir, settings.follow_interval_s, self.current)
            self.follower.start()
        self._stamp = self._read_stamp()
        self._reopen()

    def _sync(self) -> None:
        try:
            replicas.sync(self.store.engine, self.settings.index_dir)
        except Exception as error:  # the database or the archive is away: serve what this replica has, as stale
            self._unsynced = f"cannot sync the live generation: {str(error).splitlines()[0][:200]}"
            logger.warning(self._unsynced)

    @property
    def stale(self) -> str | None:
        """Why this replica may be serving an older generation than the live one (its start-up sync failed and
        the follower has not caught up since); None when it serves what the database names live."""
        if self._unsynced and self.follower is not None and self.follower.in_step:
            self._unsynced = None
        return self._unsynced

    def close(self) -> None:
        if self.follower is not None:
            self.follower.stop()

    def current(self) -> Services | None:
        """The services of the live generation, or None while there is none. When LIVE has moved, the first
        request to see it opens the new generation; requests arriving meanwhile are answered from the one
        before rather than wait (only a worker with nothing to serve yet waits)."""
        stamp = self._read_stamp()
        if stamp != self._stamp and self._lock.acquire(blocking=self._services is None):
            try:
                if stamp != self._stamp:
                    self._reopen()
                    self._stamp = stamp
            finally:
                self._lock.release()
        return self._services

    def _reopen(self) -> None:
        old = self._services
        try:
            index = open_live(self.settings.index_dir, self.settings.chroma_url)
            if old is not None and index.generation == old.index.generation:
                self.problem = None
                return
            same_model = old is not None and old.index.embedding_model == index.embedding_model
            embedder = old.embedder if old and same_model else None
            self._services = open_services(self.settings, index, self.store, embedder, self.notices, self.switches)
        except Exception as error:
            self.problem = f"the live generation cannot be opened: {error}"[:500]
            if old is None:
                logger.warning("serving without an index: %s", self.problem)
            else:
                logger.warning("still serving generation %s; %s", old.index.generation, self.problem)
            return
        self.problem = None
        logger.info("serving generation %s (%d chunks)", index.generation, len(index.chunks))

    def _read_stamp(self) -> tuple[int, int] | None:
        try:
            status = os.stat(self._live_file)
        except FileNotFoundError:
            return None
        return (status.st_ino, status.st_mtime_ns)  # LIVE is replaced, never edited: a new inode each time
