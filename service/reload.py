"""Reload: re-ingest the corpus in the background, check the new generation, and only then promote it.

One reload at a time across every worker (a lock file beside the index); its job lives in the database, so
any worker can report on it. The check before promotion: the ingest's own (schema, not empty, every vector
written) and the canary questions of ``canaries.yaml`` in the corpus directory, each of which must still find
its expected source among the first ``canary_top_k`` passages."""

from __future__ import annotations

import fcntl
import logging
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import yaml

from ingest.index import IndexSpec, IngestError, ingest
from ingest.live import open_generation
from ingest.text import detect_lang, normalize
from service.context import Context
from service.errors import MadoguchiError
from service.live import LiveServices, open_services
from service.retrieve import retrieve

logger = logging.getLogger(__name__)

CANARIES_FILE = "canaries.yaml"


@dataclass(frozen=True)
class Canary:
    question: str
    expected: str  # a document id (ja-waste-bulky) or a chunk id (ja-reg-waste#5)


def load_canaries(corpus_dir: Path) -> list[Canary]:
    path = corpus_dir / CANARIES_FILE
    if not path.exists():
        return []
    try:
        rows = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        return [Canary(str(row["question"]), str(row["expected"])) for row in rows]
    except (yaml.YAMLError, TypeError, KeyError) as error:
        raise IngestError(
            "canaries_invalid", f"{CANARIES_FILE}: each entry needs a question and an expected id ({error})"
        ) from error


class Reloader:
    def __init__(self, live: LiveServices) -> None:
        self.live = live
        self.settings = live.settings
        self._lock_path = self.settings.index_dir / "reload.lock"

    def start(self, source: Path) -> str:
        """Queue a reload of ``source`` and return its job id; 409 while another reload runs anywhere."""
        job_id = uuid.uuid4().hex
        try:
            handle = self._try_lock()
        except OSError as error:  # the index directory cannot be written: the job fails at once
            self.live.store.create_job(job_id, self._relative(source))
            self.live.store.update_job(job_id, status="failed", error=_error("storage_error", _describe(error)))
            return job_id
        if handle is None:
            raise MadoguchiError("reload_in_progress", "A reload is already running; wait for it to finish.", 409)
        try:
            self.live.store.create_job(job_id, self._relative(source))
        except BaseException:
            handle.close()
            raise
        threading.Thread(
            target=self._run, args=(job_id, source, handle), name=f"reload-{job_id[:8]}", daemon=True
        ).start()
        return job_id

    def _relative(self, source: Path) -> str:
        return str(source.relative_to(self.settings.corpus_dir.resolve()))

    def recover(self) -> None:
        """Jobs left queued or running by a process that died are failed, once nobody holds the reload lock."""
        try:
            handle = self._try_lock()
        except OSError:
            return
        if handle is None:
            return
        with handle:
            for job_id in self.live.store.unfinished_jobs():
                message = "The reload was interrupted (the service stopped); the live generation did not change."
                self.live.store.update_job(job_id, status="failed", error=_error("interrupted", message))

    def _run(self, job_id: str, source: Path, handle: IO[str]) -> None:
        store, settings = self.live.store, self.settings
        spec = IndexSpec(settings.embedding_model, settings.answer_chars, settings.chroma_url)
        try:
            store.update_job(job_id, status="running")
            canaries = load_canaries(settings.corpus_dir.resolve())
            report = ingest(
                source,
                settings.index_dir,
                spec,
                settings.keep_generations,
                progress=False,
                on_progress=lambda share: store.update_job(job_id, progress=share),
                verify=lambda generation_dir: self._check_canaries(generation_dir, canaries),
            )
            store.update_job(job_id, status="succeeded", progress=1.0, report=report.to_json())
            logger.info("reload %s succeeded: generation %s", job_id, report.generation)
        except IngestError as error:
            report_json = error.report.to_json() if error.report else None
            store.update_job(job_id, status="failed", report=report_json, error=_error(error.code, error.message))
            logger.warning("reload %s failed: %s", job_id, error.code)
        except OSError as error:
            store.update_job(job_id, status="failed", error=_error("storage_error", _describe(error)))
            logger.warning("reload %s failed: %s", job_id, error)
        except Exception as error:
            logger.exception("reload %s failed", job_id)
            store.update_job(job_id, status="failed", error=_error("internal_error", type(error).__name__))
        finally:
            handle.close()

    def _check_canaries(self, generation_dir: Path, canaries: list[Canary]) -> None:
        if not canaries:
            return
        index = open_generation(generation_dir, self.settings.chroma_url)
        current = self.live.current()
        same_model = current is not None and current.index.embedding_model == index.embedding_model
        services = open_services(
            self.settings, index, self.live.store, current.embedder if current and same_model else None
        )
        missed = []
        for canary in canaries:
            question = normalize(canary.question)
            ctx = Context(question=question, lang=detect_lang(question), conversation_id="canary", services=services)
            ctx.query = question
            retrieve(ctx)
            found = {
                name for c in ctx.candidates[: self.settings.canary_top_k] for name in (c.chunk.id, c.chunk.doc_id)
            }
            if canary.expected not in found:
                missed.append(canary)
        if missed:
            listed = "; ".join(f"{c.question!r} no longer finds {c.expected}" for c in missed[:5])
            raise IngestError("canary_failed", f"{len(missed)} of {len(canaries)} canary questions failed: {listed}")

    def _try_lock(self) -> IO[str] | None:
        self.settings.index_dir.mkdir(parents=True, exist_ok=True)
        handle = self._lock_path.open("w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        return handle


def _error(reason: str, message: str) -> dict[str, str]:
    """A failed reload is always ``reload_failed``; ``reason`` says which check or fault stopped it."""
    return {"code": "reload_failed", "reason": reason, "message": message}


def _describe(error: OSError) -> str:
    return f"The index directory cannot be written ({error.strerror}: {error.filename})."
