"""What the confidence reads evidence against: the logistic calibration fitted by ``python -m eval calibrate``
(``service/data/calibration.json``; ADR 0005), and a generation's baseline of unanswerable searches (measured by
service/live/baseline.py). Data only: the assess step (service/answer/assess.py) uses them."""

from __future__ import annotations

import bisect
import json
import math
from dataclasses import dataclass
from importlib import resources

FEATURES = ("dense_share", "fused_share", "topic_coverage", "topic_missing")


@dataclass(frozen=True)
class Calibration:
    coefficients: dict[str, float]
    intercept: float

    @classmethod
    def load(cls) -> Calibration:
        data = json.loads(resources.files("service").joinpath("data/calibration.json").read_text("utf-8"))
        return cls({name: float(data["coefficients"][name]) for name in FEATURES}, float(data["intercept"]))

    def probability(self, features: dict[str, float]) -> float:
        z = self.intercept + sum(self.coefficients[name] * features[name] for name in FEATURES)
        return 1.0 / (1.0 + math.exp(-z))


@dataclass(frozen=True)
class Baseline:
    dense: tuple[float, ...]  # best dense similarity of each baseline search, ascending
    fused: tuple[float, ...]  # best fused score of each, ascending

    def share_below(self, scores: tuple[float, ...], value: float) -> float:
        """The share of baseline searches whose best score is below ``value`` (0..1)."""
        return bisect.bisect_left(scores, value) / len(scores) if scores else 0.5
