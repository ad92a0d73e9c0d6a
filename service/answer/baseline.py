"""The corpus's own baseline: how well the best passage scores when the corpus does not hold the answer.

A similarity of .88 means little on its own: on a corpus of many near-identical entries even an unanswerable
question finds something that close, while on a small corpus it may be a clear match. So every generation is
measured against itself. A sample of its chunks is searched by each chunk's own heading with that chunk's
document left out: each search is a question this corpus cannot answer, asked in the corpus's own words.
The confidence then reads a question's best scores as shares of that baseline ("better than 93 % of
unanswerable questions here"), which mean the same on any city's corpus.

Measured once per generation and settings, when a generation is first opened (a reload measures it before
promotion), and kept beside the index in ``baselines/<generation>.json``. A generation that differs from the
live one in at most ``baseline_carry_over`` of its chunks (5 % by default) shares the live one's baseline."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.index import live_generation, read_manifest, write_atomically
from service.answer.calibration import Baseline
from service.answer.retrieve import search

if TYPE_CHECKING:
    from service.answer.context import Services

logger = logging.getLogger(__name__)


def baseline_of(services: Services) -> Baseline:
    """The generation's baseline for these settings: read if it was measured before; carried over from the live
    generation when only a few chunks changed (a one-FAQ reload under load would otherwise spend most of its
    time measuring); else measured. Kept either way."""
    settings, index = services.settings, services.index
    key = _fingerprint(services)
    folder = index.path.parent.parent / "baselines"
    path = folder / f"{index.generation}.json"
    baseline = _read(path, key)
    if baseline is not None:
        return baseline
    live = live_generation(index.path.parent.parent)
    live_manifest = read_manifest(index.path.parent / live) if live and live != index.generation else None
    if live_manifest is not None and _changed_share(live_manifest, index.manifest) <= settings.baseline_carry_over:
        baseline = _read(folder / f"{live}.json", key)
    if baseline is None:
        baseline = measure(services, settings.baseline_searches)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, json.dumps({"key": key, "dense": baseline.dense, "fused": baseline.fused}))
    except OSError as error:  # a read-only index still serves; it measures again at the next start
        logger.warning("could not keep the baseline of generation %s: %s", index.generation, error)
    return baseline


def _read(path: Path, key: str) -> Baseline | None:
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("key") == key:
            return Baseline(tuple(stored["dense"]), tuple(stored["fused"]))
    except (OSError, ValueError, KeyError):
        pass
    return None


def _changed_share(before: dict[str, Any], after: dict[str, Any]) -> float:
    """The share of chunks added, changed or removed between two generations' manifests."""
    old, new = before.get("chunks", {}), after.get("chunks", {})
    changed = sum(1 for chunk_id, digest in new.items() if old.get(chunk_id) != digest)
    changed += sum(1 for chunk_id in old if chunk_id not in new)
    return changed / max(1, len(new))


def measure(services: Services, searches: int) -> Baseline:
    """Search up to ``searches`` chunks (spread evenly over the corpus) by their own heading, each with its own
    document left out, and keep the best scores."""
    chunks = services.index.chunks
    step = max(1, len(chunks) // max(1, searches))
    dense, fused = [], []
    for chunk in chunks[::step][:searches]:
        heading = chunk.title if chunk.kind == "faq" else f"{chunk.title} {chunk.heading}".strip()
        found = search(services, heading, chunk.lang, exclude={chunk.doc_id})
        if found:
            dense.append(found[0].dense)
            fused.append(found[0].score)
    logger.info("measured the baseline of generation %s over %d searches", services.index.generation, len(dense))
    return Baseline(tuple(sorted(dense)), tuple(sorted(fused)))


def _fingerprint(services: Services) -> str:
    """What the baseline depends on besides the generation: the settings that shape retrieval."""
    settings = services.settings
    shaping = [settings.retrieval_pool, settings.other_language_weight, settings.baseline_searches, "v1"]
    return hashlib.sha256(json.dumps(shaping).encode()).hexdigest()[:16]
