"""Assess: how likely is the best passage to answer the question? A calibrated confidence, not a raw cosine.

Features of the top candidate (all in 0..1 or close to it) go through a logistic regression fitted on
development questions by ``python -m eval calibrate`` and stored in ``service/data/calibration.json``.
Two gates follow, both settings: a question whose best dense similarity is below
``out_of_scope_similarity`` is out of scope; one whose confidence is below ``handoff_threshold`` goes to a
person.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources

from ingest.lexical import lexical_text
from ingest.text import tokenize
from service.context import Candidate, Context
from service.hand_off import hand_off
from service.outcomes import HANDOFF_LOW_CONFIDENCE, HANDOFF_OUT_OF_SCOPE, Outcome

FEATURES = ("dense_top", "dense_margin", "fused_top", "fused_margin", "coverage")


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


def features_of(ctx: Context) -> dict[str, float]:
    """What the confidence is computed from; zeros when nothing was found."""
    if not ctx.candidates:
        return dict.fromkeys(FEATURES, 0.0)
    return features_for(ctx.query, ctx.candidates[0], ctx.candidates[1:])


def features_for(query: str, top: Candidate, rest: list[Candidate]) -> dict[str, float]:
    """The features of one candidate against the others (staff's suggestions score each of theirs so)."""
    return {
        "dense_top": top.dense,
        "dense_margin": top.dense - max((c.dense for c in rest), default=0.0),
        "fused_top": top.score,  # 1 when it leads every search
        "fused_margin": top.score - max((c.score for c in rest), default=0.0),
        "coverage": coverage(query, top),
    }


def coverage(query: str, candidate: Candidate) -> float:
    """Share of the question's content words that the passage contains."""
    wanted = set(tokenize(query))
    if not wanted:
        return 0.0
    chunk = candidate.chunk
    return len(wanted & set(tokenize(lexical_text(chunk.title, chunk.heading, chunk.text)))) / len(wanted)


def assess(ctx: Context) -> Outcome | None:
    settings = ctx.services.settings
    ctx.features = features_of(ctx)
    ctx.confidence = ctx.services.calibration.probability(ctx.features)
    best_similarity = max((c.dense for c in ctx.candidates), default=0.0)
    if best_similarity < settings.out_of_scope_similarity:
        return hand_off(ctx, HANDOFF_OUT_OF_SCOPE)
    if ctx.confidence < settings.handoff_threshold:
        return hand_off(ctx, HANDOFF_LOW_CONFIDENCE)
    return None
