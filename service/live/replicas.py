"""Replicas on several machines (``MADOGUCHI_SHARED_GENERATIONS``): what is live is decided in the shared
PostgreSQL database, not by a replica's own disk.

A reload builds a generation on the replica that accepted it, as on one machine; once its checks pass, the whole
generation directory (chunks, lexical index, vector cache, manifest and its measured baseline; its vectors are
on the Chroma server, or inside it when there is none) is published to the database as one archive with its
SHA-256 digest, and the database's live pointer is moved to it. Every replica polls that pointer; when it
moves (a reload or a rollback through any replica), the replica fetches the archive, checks the digest, unpacks
it beside its generations and points its own LIVE file at it, and its workers swap as they do for a local
reload. A replica that starts syncs before it serves, so it never reports ready on an old generation.

One build at a time across replicas: a job is only created under a transaction-wide advisory lock that finds
no other unfinished; the build process holds a session advisory lock for as long as it runs, so a build that
died (its connection gone) is told apart from one still running on another machine (ADR 0007)."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import tarfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.engine import Connection, Engine

from ingest.index import generations_dir, live_generation, read_manifest, write_atomically
from service.store.schema import live, published, utc_now

logger = logging.getLogger(__name__)

BUILD_LOCK = 0x6D61646F  # "mado": the advisory lock of a build, per database (so per tenant)
BACK_OFF_MAX_S = 60.0  # the longest wait of a follower while the database is away


def publish(engine: Engine, index_dir: Path, generation: str, keep: int) -> str:
    """Archive ``generation`` (its baseline inside) into the database; the archive's digest. The newest ``keep``
    published generations stay, the live one always."""
    archive = _archive(index_dir, generation)
    digest = hashlib.sha256(archive).hexdigest()
    manifest = (generations_dir(index_dir) / generation / "manifest.json").read_text(encoding="utf-8")
    with engine.begin() as connection:
        connection.execute(delete(published).where(published.c.generation == generation))
        row = {"generation": generation, "created_at": utc_now(), "digest": digest, "manifest": manifest}
        connection.execute(insert(published).values(**row, archive=archive))
        kept = select(published.c.generation).order_by(published.c.generation.desc()).limit(keep)
        current = select(live.c.generation)
        connection.execute(
            delete(published).where(published.c.generation.not_in(kept), published.c.generation.not_in(current))
        )
    logger.info("generation %s published (%d bytes)", generation, len(archive))
    return digest


def promote(engine: Engine, generation: str) -> None:
    """Make a published generation the one every replica serves."""
    row = {"generation": generation, "changed_at": utc_now()}
    with engine.begin() as connection:
        if (
            connection.execute(select(published.c.generation).where(published.c.generation == generation)).first()
            is None
        ):
            raise LookupError(f"generation {generation} was never published")
        if connection.execute(update(live).values(**row)).rowcount == 0:
            connection.execute(insert(live).values(**row))
    logger.info("generation %s is live on every replica", generation)


def manifests(engine: Engine) -> list[dict[str, Any]]:
    """The manifests of the published generations, newest first."""
    with engine.connect() as connection:
        rows = connection.execute(select(published.c.manifest).order_by(published.c.generation.desc()))
        return [json.loads(row.manifest) for row in rows]


def live_in(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return connection.execute(select(live.c.generation)).scalar_one_or_none()


def sync(engine: Engine, index_dir: Path, generation: str | None = None) -> str | None:
    """Make this replica's LIVE the database's (or fetch ``generation`` without making it live); the
    generation now held locally, or None when the database has none."""
    wanted = generation or live_in(engine)
    if wanted is None:
        return None
    target = generations_dir(index_dir) / wanted
    if read_manifest(target) is None:
        _fetch(engine, index_dir, wanted)
    if generation is None and live_generation(index_dir) != wanted:
        write_atomically(index_dir / "LIVE", wanted + "\n")
        logger.info("following generation %s", wanted)
    return wanted


def _fetch(engine: Engine, index_dir: Path, generation: str) -> None:
    with engine.connect() as connection:
        row = connection.execute(
            select(published.c.archive, published.c.digest).where(published.c.generation == generation)
        ).first()
    if row is None:
        raise LookupError(f"generation {generation} is not published")
    archive, digest = bytes(row.archive), str(row.digest)
    if hashlib.sha256(archive).hexdigest() != digest:
        raise ValueError(f"generation {generation}: the archive does not match its digest")
    incoming = index_dir / ".incoming" / f"{generation}.{os.getpid()}.{threading.get_ident()}"
    shutil.rmtree(incoming, ignore_errors=True)
    incoming.mkdir(parents=True)
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            tar.extractall(incoming, filter="data")
        generations_dir(index_dir).mkdir(parents=True, exist_ok=True)
        try:
            os.rename(incoming / "generation", generations_dir(index_dir) / generation)
        except OSError:  # another worker of this replica unpacked it first
            if read_manifest(generations_dir(index_dir) / generation) is None:
                raise
    finally:
        shutil.rmtree(incoming, ignore_errors=True)
    logger.info("generation %s fetched and verified (%d bytes)", generation, len(archive))


def prune_local(engine: Engine, index_dir: Path) -> None:
    """Remove this replica's copies of generations older than every published one (never the live one, nor a
    build in progress: it is newer). Their vectors are the builder's to drop."""
    with engine.connect() as connection:
        oldest = connection.execute(select(func.min(published.c.generation))).scalar_one_or_none()
    current = live_generation(index_dir)
    for path in generations_dir(index_dir).glob("*"):
        if oldest is not None and path.name < oldest and path.name != current:
            shutil.rmtree(path, ignore_errors=True)


def _archive(index_dir: Path, generation: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as tar:
        tar.add(generations_dir(index_dir) / generation, arcname="generation")  # its baseline inside
    return buffer.getvalue()


class Follower:
    """A thread that keeps this replica's LIVE on the database's, every ``interval_s``, and then calls
    ``on_change`` (which opens the new generation before any request needs it). While the database (or the
    Chroma server) is away it backs off, doubling the wait up to ``BACK_OFF_MAX_S``, and says so once when it
    goes and once when it comes back, not at every try. ``in_step`` says whether its last sync succeeded."""

    def __init__(self, engine: Engine, index_dir: Path, interval_s: float, on_change: Callable[[], object]) -> None:
        self.engine, self.index_dir, self.interval_s, self.on_change = engine, index_dir, interval_s, on_change
        self.in_step: bool | None = None  # None until the first try
        self.failures = 0  # tries in a row that failed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="follow-live", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def wait_s(self) -> float:
        """How long until the next try: the interval, doubled for each failed try in a row, at most a minute."""
        return float(min(self.interval_s * 2 ** min(self.failures, 16), max(self.interval_s, BACK_OFF_MAX_S)))

    def follow_once(self) -> None:
        try:
            before = live_generation(self.index_dir)
            if sync(self.engine, self.index_dir) != before:
                self.on_change()
                prune_local(self.engine, self.index_dir)
        except Exception as error:  # the database or Chroma may be away a while; keep serving, retry later
            if not self.failures:
                logger.warning(
                    "cannot follow the live generation (retrying, less and less often): %s",
                    str(error).splitlines()[0][:200],
                )
            self.failures += 1
            self.in_step = False
            return
        if self.failures:
            logger.info("following the live generation again after %d failed tries", self.failures)
        self.failures, self.in_step = 0, True

    def _run(self) -> None:
        while not self._stop.wait(self.wait_s()):
            self.follow_once()


@contextmanager
def job_slot(engine: Engine) -> Iterator[Connection]:
    """A transaction in which no other replica creates a job: check for unfinished ones, then create."""
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": BUILD_LOCK + 1})
        yield connection


@contextmanager
def build_held(engine: Engine) -> Iterator[None]:
    """Held (shared) for as long as a build or its starter runs; released when its connection goes."""
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock_shared(:key)"), {"key": BUILD_LOCK})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock_shared(:key)"), {"key": BUILD_LOCK})
            connection.commit()


def nobody_builds(engine: Engine) -> bool:
    """Whether no build runs on any replica (a momentary exclusive lock taken and let go)."""
    with engine.connect() as connection:
        free = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": BUILD_LOCK}).scalar())
        if free:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": BUILD_LOCK})
        connection.commit()
    return free
