"""Pure retrieval metrics over graded relevance judgements (the definitions of docs/figures.md, "Benchmark data")."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def recall_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """|relevant ∩ top-k| / |relevant|, counting grades ≥ 1."""
    wanted = {doc for doc, grade in relevant.items() if grade >= 1}
    if not wanted:
        return 0.0
    return len(wanted.intersection(ranked[:k])) / len(wanted)


def mrr_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """1 / rank of the first relevant document within the top k, else 0."""
    for rank, doc in enumerate(ranked[:k], start=1):
        if relevant.get(doc, 0) >= 1:
            return 1.0 / rank
    return 0.0


def ndcg_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """nDCG@k with gain 2^grade − 1 and log2 discounts."""
    dcg = sum((2 ** relevant.get(doc, 0) - 1) / math.log2(rank + 1) for rank, doc in enumerate(ranked[:k], start=1))
    ideal_grades = sorted((g for g in relevant.values() if g >= 1), reverse=True)[:k]
    ideal = sum((2**g - 1) / math.log2(rank + 1) for rank, g in enumerate(ideal_grades, start=1))
    return dcg / ideal if ideal else 0.0


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = 60) -> list[str]:
    """Fuse several rankings of ids: score = Σ 1 / (k + rank)."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + 1.0 / (k + rank)
    return sorted(scores, key=lambda doc: -scores[doc])
