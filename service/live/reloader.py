"""Reload: re-ingest the corpus in a background process, check the new generation, and only then promote it.

One reload at a time across every worker: a lock file beside the index, taken by the worker that accepts the
request and held by the build process it starts (``python -m service.reload``, at a lower CPU priority so
that residents' questions keep their speed). The job lives in the database, so any worker can report on it;
a build that dies (killed, out of memory) releases the lock, and its job is then reported as interrupted.

The check before promotion: the ingest's own (schema, not empty, every vector written) and the canary
questions of ``canaries.yaml`` in the corpus directory, each of which must still find its expected source
among the first ``canary_top_k`` passages."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Set as AbstractSet
from contextlib import AbstractContextManager, ExitStack, nullcontext
from pathlib import Path
from typing import IO

from sqlalchemy.exc import SQLAlchemyError

from ingest.canaries import Canary, load_canaries
from ingest.embed import use_threads
from ingest.errors import IngestError
from ingest.index import ingest
from ingest.languages import detect
from ingest.learned import write_phrasings
from ingest.live import LiveIndex, open_generation
from ingest.settings import load_settings_or_exit
from ingest.text import normalize
from service.answer.retrieve import search
from service.errors import ConflictError
from service.live import replicas
from service.live.services import open_services
from service.settings import Settings
from service.store.database import Store
from service.store.proposals import ProposalBox

logger = logging.getLogger(__name__)


class Reloader:
    """The serving side: accepts a reload, starts its build process, and notices builds that died."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings, self.store = settings, store

    def start(self, source: Path, job_id: str | None = None) -> str:
        """Start a reload of ``source`` and return its job id; 409 while another reload runs anywhere."""
        job_id = job_id or uuid.uuid4().hex
        try:
            handle = self._lock_when_free()
        except OSError as error:  # the index directory cannot be written: the job fails at once
            self.store.jobs.create(job_id, self._relative(source))
            self.store.jobs.update(job_id, status="failed", failure=_failure("storage_error", _describe(error)))
            return job_id
        if handle is None:
            raise ConflictError("reload_in_progress", "A reload is already running; wait for it to finish.")
        held = ExitStack()  # with replicas: this reload counts as running everywhere until its build has ended
        try:  # the build process keeps its own copy of the locked file open until it exits
            with handle, self._one_job_across_replicas():
                if self.settings.shared_generations:
                    if self.store.jobs.unfinished():
                        raise ConflictError("reload_in_progress", "A reload is already running on another replica.")
                    held.enter_context(replicas.build_held(self.store.engine))
                self.store.jobs.create(job_id, self._relative(source))
                build = subprocess.Popen(
                    [sys.executable, "-m", "service.reload", job_id, str(source)],
                    env={**os.environ, **self.settings.to_env()},
                    pass_fds=(handle.fileno(),),
                )
        except BaseException:
            held.close()
            raise
        reaping = threading.Thread(target=self._reap, args=(job_id, build, held), name=f"reload-{job_id[:8]}")
        reaping.daemon = True
        reaping.start()
        return job_id

    def _one_job_across_replicas(self) -> AbstractContextManager[object]:
        return replicas.job_slot(self.store.engine) if self.settings.shared_generations else nullcontext()

    def _lock_when_free(self) -> IO[str] | None:
        """The reload lock; None while a reload runs. A build that has recorded its outcome may hold the lock
        a moment longer while its process exits: wait for it rather than refuse."""
        deadline = time.monotonic() + 5.0
        while (handle := _try_lock(self.settings.index_dir)) is None:
            if self.store.jobs.unfinished() or time.monotonic() > deadline:
                return None
            time.sleep(0.05)
        return handle

    def recover(self) -> None:
        """Jobs left queued or running by a build that died are failed, once nobody holds the reload lock (with
        replicas: once no build holds the database's build lock)."""
        if self.settings.shared_generations:
            if replicas.nobody_builds(self.store.engine):
                self._interrupted()
            return
        try:
            handle = _try_lock(self.settings.index_dir)
        except OSError:
            return
        if handle is None:
            return
        with handle:
            self._interrupted()

    def _interrupted(self) -> None:
        for job_id in self.store.jobs.unfinished():
            marker = _storage_marker(self.settings.index_dir, job_id)
            if marker.exists():  # the build could not write to the database, not even that it failed
                message = (
                    "The database could not be written during the reload (locked or unreachable); nothing changed."
                )
                self.store.jobs.update(job_id, status="failed", failure=_failure("storage_error", message))
                marker.unlink(missing_ok=True)
                continue
            message = "The reload was interrupted (its process stopped); the live generation did not change."
            self.store.jobs.update(job_id, status="failed", failure=_failure("interrupted", message))

    def _reap(self, job_id: str, build: subprocess.Popen[bytes], held: ExitStack) -> None:
        with held:
            if build.wait() != 0:
                logger.warning("reload build process exited with %s", build.returncode)
        job = self.store.jobs.get(job_id)
        if job is not None and job["status"] in ("queued", "running"):
            self.recover()

    def _relative(self, source: Path) -> str:
        return str(source.relative_to(self.settings.corpus_dir.resolve()))


def run_job(job_id: str, source: Path, settings: Settings, store: Store) -> bool:
    """The build process's work: ingest with progress, check, promote; the outcome goes to the job while the
    reload lock is still held (so the job is never seen unfinished without a holder). With replicas the build
    starts from the generation the database names live, and a generation that passed its checks is published
    and made live there before this replica promotes it too."""
    shared = settings.shared_generations
    served: set[str] = set()
    unsettled: set[str] = set()  # entries taught before they were served (an approved proposal's question)
    settled: dict[str, str] = {}

    def verify(generation_dir: Path) -> None:
        index = verify_generation(generation_dir, canaries, settings, store, unconfirmed)
        served.update(chunk.doc_id for chunk in index.chunks)
        settled.update({entry: index.entry_digest(entry) for entry in unsettled if index.entry_digest(entry)})
        if shared:
            replicas.publish(store.engine, settings.index_dir, generation_dir.name, settings.keep_generations)
            replicas.promote(store.engine, generation_dir.name)

    box = ProposalBox(store.engine)
    try:
        store.jobs.update(job_id, status="running")
        checks = box.checks(job_id)
        own = [Canary(check.question, check.expected) for check in checks]
        canaries = own + load_canaries(settings.corpus_dir.resolve())
        unconfirmed = {check.expected for check in checks if not check.may_change_canaries}
        if shared:
            replicas.sync(store.engine, settings.index_dir)
        box.materialize(settings.corpus_dir.resolve())  # the approved entries, from the database: on any machine
        phrasings = store.learned.counted(settings.learn_after_picks)  # and what residents and staff taught
        unsettled.update(store.learned.unsettled())
        write_phrasings(settings.corpus_dir.resolve(), phrasings)
        report = ingest(
            source,
            settings.index_dir,
            settings.spec,
            settings.keep_generations,
            progress=False,
            on_progress=lambda share: store.jobs.update(job_id, progress=share),
            verify=verify,
            learned=phrasings,
        )
    except SQLAlchemyError as error:
        message = f"The database could not take the generation ({type(error).__name__}); nothing changed."
        store.jobs.update(job_id, status="failed", failure=_failure("storage_error", message))
        logger.warning("reload %s failed: %s", job_id, type(error).__name__)
        return False
    except IngestError as error:
        report_json = error.report.to_json() if error.report else None
        store.jobs.update(job_id, status="failed", report=report_json, failure=_failure(error.code, error.message))
        box.failed(job_id, f"{error.code}: {error.message}", settings.corpus_dir.resolve())
        logger.warning("reload %s failed: %s", job_id, error.code)
        return False
    except OSError as error:
        store.jobs.update(job_id, status="failed", failure=_failure("storage_error", _describe(error)))
        box.failed(job_id, f"storage_error: {_describe(error)}", settings.corpus_dir.resolve())
        logger.warning("reload %s failed: %s", job_id, error)
        return False
    if report.promoted:  # a reload that changed nothing leaves every proposal as it was
        box.went_live(served, str(report.generation))
        store.learned.settle(settled)
    store.jobs.update(job_id, status="succeeded", progress=1.0, report=report.to_json())
    logger.info("reload %s succeeded: generation %s", job_id, report.generation)
    return True


def verify_generation(
    generation_dir: Path,
    canaries: list[Canary],
    settings: Settings,
    store: Store,
    unconfirmed: AbstractSet[str] = frozenset(),
) -> LiveIndex:
    """Open the new generation as the service will (which measures its baseline, so workers find it ready),
    and check every canary on it: each must find its expected source among the first ``canary_top_k``, and
    none may be answered first from a newly approved entry (``unconfirmed``: their ids) unless the operator
    confirmed it (an approved entry must not silently replace an official answer). Returns the opened
    generation."""
    index = open_generation(generation_dir, settings.chroma_url)
    services = open_services(settings, index, store)
    missed, shadowed = [], []
    for canary in canaries:
        question = normalize(canary.question)
        candidates = search(services, question, detect(question))
        found = {name for c in candidates[: settings.canary_top_k] for name in (c.chunk.id, c.chunk.doc_id)}
        if canary.expected not in found:
            missed.append(canary)
        first = candidates[0].chunk.doc_id if candidates else None
        if first in unconfirmed and canary.expected not in (first, candidates[0].chunk.id):
            shadowed.append((canary, first))
    if missed:
        listed = "; ".join(f"{c.question!r} no longer finds {c.expected}" for c in missed[:5])
        raise IngestError("canary_failed", f"{len(missed)} of {len(canaries)} canary questions failed: {listed}")
    if shadowed:
        listed = "; ".join(
            f"{c.question!r} would be answered first from {first}, not {c.expected}" for c, first in shadowed
        )
        message = f"{listed}. Approve again with canary_changes_confirmed if the new entry should answer it."
        raise IngestError("canary_shadowed", message)
    return index


def _try_lock(index_dir: Path) -> IO[str] | None:
    index_dir.mkdir(parents=True, exist_ok=True)
    handle = (index_dir / "reload.lock").open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _failure(reason: str, message: str) -> dict[str, str]:
    """Why a reload failed: ``reason`` names the check or fault that stopped it (ADR 0004)."""
    return {"reason": reason, "message": message}


def _describe(error: OSError) -> str:
    return f"The index directory cannot be written ({error.strerror}: {error.filename})."


def build_now(settings: Settings, store: Store) -> int:
    """``python -m service.reload --build``: a reload from the command line (a Kubernetes Job, a first deploy,
    cron), the same job as ``POST /v1/admin/reload`` and under the same locks; waits for it, prints its outcome
    and exits 1 when it failed or another reload was running."""
    try:
        job_id = Reloader(settings, store).start(settings.corpus_dir.resolve())
    except ConflictError as error:
        print(error.message, file=sys.stderr)
        return 1
    while (job := store.jobs.get(job_id)) is None or job["status"] in ("queued", "running"):
        time.sleep(0.5)
    print(json.dumps({key: job[key] for key in ("status", "failure", "report") if job.get(key)}, ensure_ascii=False))
    return 0 if job["status"] == "succeeded" else 1


def yield_to_serving(priority: str) -> None:
    """Run this build below the serving workers: ``idle`` only on cores they leave idle (Linux SCHED_IDLE: a
    reload under load takes longer, residents do not feel it), ``low`` at the lowest nice level (it always
    progresses, and costs answers more), ``normal`` as they do."""
    if priority == "idle":
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    elif priority == "low":
        os.nice(19)


USAGE = """usage: python -m service.reload --build

Build, check and promote a generation of the corpus (MADOGUCHI_CORPUS_DIR) into the index (MADOGUCHI_INDEX_DIR),
as POST /v1/admin/reload does; the settings are the service's (docs/settings.md)."""


def main(argv: list[str]) -> int:
    """``python -m service.reload JOB_ID SOURCE``: started by the service, never by hand. It inherits the
    locked reload lock file; the lock lasts as long as this process. ``--build`` runs one by hand."""
    if argv != ["--build"] and (len(argv) != 2 or argv[0].startswith("-")):
        asked = argv in (["-h"], ["--help"])
        print(USAGE, file=sys.stdout if asked else sys.stderr)
        return 0 if asked else 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s")
    settings = load_settings_or_exit(Settings)
    if argv == ["--build"]:
        return build_now(settings, Store(settings.database_url, settings.conversation_retention_days))
    yield_to_serving(settings.build_priority)
    use_threads(settings.build_threads)  # beside the serving workers: one core by default
    job_id, store = argv[0], None
    try:
        store = Store(settings.database_url, settings.conversation_retention_days)
        with replicas.build_held(store.engine) if settings.shared_generations else nullcontext():
            return 0 if run_job(job_id, Path(argv[1]), settings, store) else 1
    except SQLAlchemyError as error:  # not even the failure could be written: the server reports it for us
        logger.warning("reload %s failed: the database cannot be written (%s)", job_id, type(error).__name__)
        settings.index_dir.mkdir(parents=True, exist_ok=True)
        _storage_marker(settings.index_dir, job_id).touch()
        return 1
    except Exception as error:
        logger.exception("reload %s failed", job_id)
        if store is not None:
            store.jobs.update(job_id, status="failed", failure=_failure("internal_error", type(error).__name__))
        return 1


def _storage_marker(index_dir: Path, job_id: str) -> Path:
    """Left beside the index by a build that could not write to the database; the server's recovery reads it."""
    return index_dir / f".storage-failed-{job_id[:64]}"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
