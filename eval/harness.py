"""Shared by the eval tasks: an index of a corpus (cached between runs; ingest re-embeds only what changed)
and the service's own Services over it, with a scratch database."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

from eval.settings import EvalSettings
from ingest.index import ingest, read_live_manifest
from ingest.learned import Phrasing
from ingest.live import open_live
from service.answer.context import Services
from service.live.services import open_services

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_QUESTIONS = ROOT / "eval" / "questions" / "sample.jsonl"
NEAR_MISS_QUESTIONS = ROOT / "eval" / "questions" / "near_miss.jsonl"  # topics the sample corpus does not cover
LANGUAGE_QUESTIONS = ROOT / "eval" / "questions" / "languages.jsonl"  # 24 in each of eleven languages


def index_services(
    corpus: Path, settings: EvalSettings, keep_database: bool = False, learned: list[Phrasing] | None = None
) -> Services:
    """The answer path's services over the cached index of ``corpus``; on a scratch SQLite database unless
    ``keep_database`` (then on the settings' own). With ``learned``, over a scratch copy of that index built
    again with those phrasings (eval/learning.py)."""
    index_dir = cached_index(corpus, settings)
    scratch = Path(tempfile.mkdtemp(prefix="madoguchi-eval-"))
    if learned is not None:
        shutil.copytree(index_dir, scratch / "index", ignore=shutil.ignore_patterns(".lock", "*.partial"))
        index_dir = scratch / "index"
        ingest(corpus, index_dir, settings.spec, learned=learned)
    update = {} if keep_database else {"database_url": f"sqlite:///{scratch / 'eval.db'}"}
    scoped = settings.model_copy(update=update)
    services = open_services(scoped, open_live(index_dir))
    assert services is not None
    return services


def cache_dir(corpus: Path, settings: EvalSettings) -> Path:
    """Where the eval keeps its index of ``corpus`` for these settings."""
    return settings.eval_cache / f"{corpus.stem}-{settings.embedding_model.replace('/', '_')}-{settings.answer_chars}"


def cached_index(corpus: Path, settings: EvalSettings) -> Path:
    index_dir = cache_dir(corpus, settings)
    ingest(corpus, index_dir, settings.spec, learned=[])
    return index_dir


def corpus_digest(corpus: Path, settings: EvalSettings) -> str:
    """A short digest of what the cached index holds (chunk ids, their digests and the departments)."""
    manifest = read_live_manifest(cached_index(corpus, settings))
    assert manifest is not None
    content = json.dumps([manifest["chunks"], manifest["departments"]], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(content.encode()).hexdigest()[:16]
