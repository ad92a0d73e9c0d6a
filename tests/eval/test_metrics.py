"""The retrieval metrics, on rankings whose values can be worked out by hand."""

from __future__ import annotations

import math

import pytest

from eval.metrics import mrr_at, ndcg_at, recall_at, reciprocal_rank_fusion

RELEVANT = {"a": 2, "b": 1, "z": 0}


def test_recall_counts_relevant_documents_in_the_first_k():
    assert recall_at(["x", "a", "y", "b"], RELEVANT, 2) == 0.5
    assert recall_at(["x", "a", "y", "b"], RELEVANT, 4) == 1.0
    assert recall_at(["z"], RELEVANT, 1) == 0.0  # grade 0 is not relevant
    assert recall_at(["a"], {}, 1) == 0.0


def test_mrr_is_one_over_the_rank_of_the_first_relevant_document():
    assert mrr_at(["x", "y", "b"], RELEVANT, 10) == pytest.approx(1 / 3)
    assert mrr_at(["x", "y", "b"], RELEVANT, 2) == 0.0


def test_ndcg_is_one_for_the_ideal_order_and_less_otherwise():
    assert ndcg_at(["a", "b"], RELEVANT, 10) == 1.0
    swapped = (1 / 1 + 3 / math.log2(3)) / (3 / 1 + 1 / math.log2(3))
    assert ndcg_at(["b", "a"], RELEVANT, 10) == pytest.approx(swapped)
    assert ndcg_at(["x"], RELEVANT, 10) == 0.0


def test_reciprocal_rank_fusion_prefers_what_several_rankings_agree_on():
    assert reciprocal_rank_fusion([["a", "b", "c"], ["b", "a", "d"], ["b", "c"]], k=10)[0] == "b"
