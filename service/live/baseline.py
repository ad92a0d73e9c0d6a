"""The corpus's own baseline: how well the best passage scores when the corpus does not hold the answer.

A similarity of .88 means little on its own: on a corpus of many near-identical entries even an unanswerable
question finds something that close, while on a small corpus it may be a clear match. So every generation is
measured against itself. A sample of its chunks is searched by each chunk's own heading with that chunk's
document left out: each search is a question this corpus cannot answer, asked in the corpus's own words.
The confidence then reads a question's best scores as shares of that baseline ("better than 93 % of
unanswerable questions here"), which mean the same on any city's corpus.

Measured by the build, before the generation is promoted (``python -m ingest``, a reload, ``python -m
service.reload --build``), and kept inside it as ``baseline.json`` with the settings it was measured for; a
server only reads it (checked: the generation, the settings, the scores' shape), so a server on a fresh index
is ready in seconds however busy the machine is. A generation that differs from the live one in at most
``baseline_carry_over`` of its chunks (5 % by default) shares the live one's baseline. A server whose settings
differ from the build's, or a generation built without one, measures it at start, once, and keeps it."""

from __future__ import annotations

import hashlib
import json
import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from ingest.embed import embed_queries, make_embedder
from ingest.index import live_generation, read_manifest, write_atomically
from ingest.live import LiveIndex, open_generation
from service.answer.calibration import Baseline
from service.answer.retrieve import search_index
from service.settings import Settings

if TYPE_CHECKING:
    from service.answer.context import Services

logger = logging.getLogger(__name__)

FILE = "baseline.json"


def baseline_of(services: Services) -> Baseline:
    """The generation's baseline for these settings: read if the build (or an earlier start) measured it;
    carried over from the live generation when only a few chunks changed (a one-FAQ reload under load would
    otherwise spend most of its time measuring); else measured now, and kept."""
    settings, index = services.settings, services.index
    baseline = read(index.path, settings)
    if baseline is not None:
        return baseline
    live = live_generation(index.path.parent.parent)
    if live and live != index.generation:
        live_manifest = read_manifest(index.path.parent / live)
        if live_manifest and _changed_share(live_manifest, index.manifest) <= settings.baseline_carry_over:
            baseline = read(index.path.parent / live, settings)
    if baseline is None:
        logger.info("generation %s has no baseline for these settings: measuring it", index.generation)
        baseline = measure(settings, index, services.embedder)
    keep(index.path, settings, baseline)
    return baseline


def build(generation_dir: Path, settings: Settings) -> None:
    """Measure a finished generation's baseline and keep it inside it: a build's last step before promotion."""
    index = open_generation(generation_dir, settings.chroma_url)
    keep(generation_dir, settings, measure(settings, index, make_embedder(index.embedding_model)))


def measure(settings: Settings, index: LiveIndex, embedder: Embeddings, searches: int | None = None) -> Baseline:
    """Search up to ``searches`` chunks (spread evenly over the corpus) by their own heading, each with its own
        document left out, and keep the best scores. The headings the build has not embedded as questions already are
    embedded together, in one call."""
    searches = settings.baseline_searches if searches is None else searches
    chunks = index.chunks
    step = max(1, len(chunks) // max(1, searches))
    sample = chunks[::step][:searches]
    headings = [chunk.title if chunk.kind == "faq" else f"{chunk.title} {chunk.heading}".strip() for chunk in sample]
    kept = index.asked_vectors(headings)  # an FAQ's question: embedded by the build already (its adapter's pairs)
    missing = [heading for heading in dict.fromkeys(headings) if heading not in kept]
    kept |= dict(zip(missing, embed_queries(embedder, missing), strict=True))
    dense, fused = [], []
    for chunk, heading in zip(sample, headings, strict=True):
        vector = kept[heading]
        found = search_index(settings, index, embedder, heading, chunk.lang, exclude={chunk.doc_id}, vector=vector)
        if found:
            dense.append(found[0].dense)
            fused.append(found[0].score)
    logger.info("measured the baseline of generation %s over %d searches", index.generation, len(dense))
    return Baseline(tuple(sorted(dense)), tuple(sorted(fused)))


def read(generation_dir: Path, settings: Settings) -> Baseline | None:
    """The baseline kept in ``generation_dir`` for these settings, when it passes its checks (it names that
    generation, and holds sorted, finite scores); None otherwise."""
    path = generation_dir / FILE
    try:
        kept: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        baseline = Baseline(tuple(map(float, kept["dense"])), tuple(map(float, kept["fused"])))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        logger.warning("the baseline of generation %s does not read (%s)", generation_dir.name, error)
        return None
    if kept.get("generation") != generation_dir.name or kept.get("key") != fingerprint(settings):
        return None  # measured for another generation or other settings
    if not _well_formed(baseline):
        logger.warning("the baseline of generation %s is damaged", generation_dir.name)
        return None
    return baseline


def keep(generation_dir: Path, settings: Settings, baseline: Baseline) -> None:
    record = {"generation": generation_dir.name, "key": fingerprint(settings)}
    try:
        write_atomically(
            generation_dir / FILE, json.dumps({**record, "dense": baseline.dense, "fused": baseline.fused})
        )
    except OSError as error:  # a read-only index still serves; it measures again at the next start
        logger.warning("could not keep the baseline of generation %s: %s", generation_dir.name, error)


def _well_formed(baseline: Baseline) -> bool:
    scores = baseline.dense + baseline.fused
    return (
        bool(baseline.dense)
        and all(math.isfinite(score) for score in scores)
        and list(baseline.dense) == sorted(baseline.dense)
        and list(baseline.fused) == sorted(baseline.fused)
    )


def _changed_share(before: dict[str, Any], after: dict[str, Any]) -> float:
    """The share of chunks added, changed or removed between two generations' manifests."""
    old, new = before.get("chunks", {}), after.get("chunks", {})
    changed = sum(1 for chunk_id, digest in new.items() if old.get(chunk_id) != digest)
    changed += sum(1 for chunk_id in old if chunk_id not in new)
    return changed / max(1, len(new))


def fingerprint(settings: Settings) -> str:
    """What the baseline depends on besides the generation: the settings that shape retrieval."""
    shaping = [settings.retrieval_pool, settings.other_language_weight, settings.baseline_searches, "v1"]
    return hashlib.sha256(json.dumps(shaping).encode()).hexdigest()[:16]
