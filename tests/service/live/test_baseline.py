"""The corpus's own baseline: measured once per generation (by its build) by searching its chunks with their own
documents left out, kept inside the generation, and read back as shares."""

from __future__ import annotations

import json
import logging
import shutil

from ingest.index import ingest
from ingest.live import open_generation, open_live
from service.answer.calibration import Baseline
from service.live.baseline import baseline_of, measure, read
from service.live.services import open_services
from tests.helpers import copy_corpus


def test_a_share_is_the_part_of_the_baseline_below_a_score():
    baseline = Baseline(dense=(0.8, 0.85, 0.9, 0.95), fused=())
    assert baseline.share_below(baseline.dense, 0.7) == 0.0
    assert baseline.share_below(baseline.dense, 0.88) == 0.5
    assert baseline.share_below(baseline.dense, 0.99) == 1.0
    assert baseline.share_below(baseline.fused, 0.5) == 0.5  # no baseline: neither high nor low


def test_the_baseline_is_kept_inside_its_generation_and_read_back(services):
    kept = json.loads((services.index.path / "baseline.json").read_text(encoding="utf-8"))
    assert kept["generation"] == services.index.generation
    assert tuple(kept["dense"]) == services.baseline.dense and baseline_of(services) == services.baseline
    assert len(services.baseline.dense) == services.settings.baseline_searches
    assert list(services.baseline.dense) == sorted(services.baseline.dense)


def test_a_search_without_its_own_document_scores_below_a_real_match(services):
    baseline = measure(services.settings, services.index, services.embedder, 20)
    # Each baseline search is a question the corpus cannot answer: its best match is a sibling, not itself.
    assert 0 < baseline.dense[len(baseline.dense) // 2] < 0.97
    own = services.baseline.share_below(services.baseline.dense, 0.99)
    assert own > 0.9  # a near-verbatim match beats almost every unanswerable search


def test_a_new_generation_with_few_changes_shares_the_live_baseline(services, sample_index, tmp_path, caplog):
    index_dir = tmp_path / "index"
    shutil.copytree(sample_index[0], index_dir)
    corpus = copy_corpus(tmp_path / "corpus")
    settings = services.settings.model_copy(update={"index_dir": index_dir})
    live = open_services(settings, open_live(index_dir), services.store, services.embedder)
    bags = corpus / "faq" / "en" / "garbage.jsonl"
    bags.write_text(bags.read_text(encoding="utf-8").replace("twice a week", "twice every week", 1), "utf-8")
    opened = []

    def verify(generation_dir):  # as a reload does before promotion, while the old generation is live
        opened.append(open_services(settings, open_generation(generation_dir), services.store, services.embedder))

    with caplog.at_level(logging.INFO, logger="service.live.baseline"):
        report = ingest(corpus, index_dir, settings.spec, progress=False, verify=verify)
    assert report.changed and report.promoted
    assert opened[0].baseline == live.baseline
    assert not [r for r in caplog.records if "measured the baseline" in r.getMessage()]


def test_a_damaged_baseline_or_one_for_other_settings_is_measured_again_and_replaced(services, sample_index, tmp_path):
    index_dir = tmp_path / "index"
    shutil.copytree(sample_index[0], index_dir)
    settings = services.settings.model_copy(update={"index_dir": index_dir, "baseline_searches": 12})
    index = open_live(index_dir)
    kept = index.path / "baseline.json"
    assert read(index.path, settings) is None  # the copy's baseline was measured for 200 searches, not 12
    measured = open_services(settings, index, services.store, services.embedder).baseline
    assert len(measured.dense) == 12 and read(index.path, settings) == measured
    damaged = {**json.loads(kept.read_text(encoding="utf-8")), "dense": [0.9, 0.2, float("nan")]}
    kept.write_text(json.dumps(damaged), encoding="utf-8")
    assert read(index.path, settings) is None
    assert open_services(settings, index, services.store, services.embedder).baseline == measured
