"""The corpus's own baseline: measured once per generation by searching its chunks with their own documents
left out, kept beside the index, and read back as shares."""

from __future__ import annotations

import json

from service.baseline import Baseline, baseline_of, measure


def test_a_share_is_the_part_of_the_baseline_below_a_score():
    baseline = Baseline(dense=(0.8, 0.85, 0.9, 0.95), fused=())
    assert baseline.share_below(baseline.dense, 0.7) == 0.0
    assert baseline.share_below(baseline.dense, 0.88) == 0.5
    assert baseline.share_below(baseline.dense, 0.99) == 1.0
    assert baseline.share_below(baseline.fused, 0.5) == 0.5  # no baseline: neither high nor low


def test_the_baseline_is_kept_beside_the_index_and_read_back(services):
    path = services.index.path.parent.parent / "baselines" / f"{services.index.generation}.json"
    kept = json.loads(path.read_text(encoding="utf-8"))
    assert tuple(kept["dense"]) == services.baseline.dense and baseline_of(services) == services.baseline
    assert len(services.baseline.dense) == services.settings.baseline_searches
    assert list(services.baseline.dense) == sorted(services.baseline.dense)


def test_a_search_without_its_own_document_scores_below_a_real_match(services):
    baseline = measure(services, 20)
    # Each baseline search is a question the corpus cannot answer: its best match is a sibling, not itself.
    assert 0 < baseline.dense[len(baseline.dense) // 2] < 0.97
    own = services.baseline.share_below(services.baseline.dense, 0.99)
    assert own > 0.9  # a near-verbatim match beats almost every unanswerable search
