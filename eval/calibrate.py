"""Fit the confidence model: logistic regression from the assess step's evidence to "the first passage answers
the question", and write it to service/data/calibration.json.

It is fitted on one corpus and judged on others, never on what it was fitted on (ADR 0005):
- fitted on the sample corpus: the project's own questions (in scope: label = first passage relevant; out of
  scope: 0) and CLINC150 out-of-scope utterances (0);
- judged on localgovFAQ (1,786 FAQs of a real city: its dev questions, label = first passage relevant, and the
  same questions with every relevant FAQ removed, unanswerable) and on the near-miss set (topics residents
  bring to a city hall that the sample corpus does not cover);
- and the other way round, as a check that the evidence carries over: a model fitted on localgovFAQ, judged on
  the sample corpus's sets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from eval.answers import question_context, relevant_docs
from service.answer.assess import features_of
from service.answer.calibration import FEATURES
from service.answer.context import Services
from service.answer.pipeline import run
from service.answer.retrieve import retrieve

CALIBRATION = Path(__file__).resolve().parent.parent / "service" / "data" / "calibration.json"


@dataclass
class Row:
    source: str
    features: dict[str, float]
    label: int  # 1: the first passage is relevant
    answerable: bool


def collect(services: Services, questions: list[dict[str, Any]], source: str, ablate: bool = False) -> list[Row]:
    """Run each question up to retrieval and take the assess evidence."""
    rows = []
    for question in questions:
        relevant = relevant_docs(question)
        if question.get("kind") == "sensitive":
            continue
        ctx = question_context(services, question, ablate)
        run(ctx, until=retrieve)
        top = ctx.candidates[0].chunk if ctx.candidates else None
        correct = bool(top and not ablate and (top.id in relevant or top.doc_id in relevant))
        rows.append(Row(source, features_of(ctx), int(correct), bool(relevant) and not ablate))
    return rows


def matrix(rows: list[Row]) -> np.ndarray:
    return np.array([[row.features[name] for name in FEATURES] for row in rows])


def fit(rows: list[Row]) -> LogisticRegression:
    labels = np.array([row.label for row in rows])
    return LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(matrix(rows), labels)


def save(model: LogisticRegression, metrics: dict[str, Any]) -> None:
    data = {
        "coefficients": dict(zip(FEATURES, (round(float(c), 4) for c in model.coef_[0]), strict=True)),
        "intercept": round(float(model.intercept_[0]), 4),
        "fitted_by": "python -m eval calibrate --write",
        "fitted_on": metrics["fitted_on"],
        "judged_on": {name: figures["auroc_first_passage"] for name, figures in metrics["held_out"].items()},
    }
    CALIBRATION.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _auroc(labels: list[int], scores: np.ndarray) -> float | None:
    return round(float(roc_auc_score(labels, scores)), 3) if 0 < sum(labels) < len(labels) else None


def judge(model: LogisticRegression, rows: list[Row]) -> dict[str, Any]:
    """How well the confidence separates, on rows it was not fitted on: a right first passage from the rest,
    and answerable questions from unanswerable ones."""
    confidence = model.predict_proba(matrix(rows))[:, 1]
    return {
        "n": len(rows),
        "auroc_first_passage": _auroc([row.label for row in rows], confidence),
        "auroc_answerable": _auroc([int(row.answerable) for row in rows], confidence),
    }


def sweep(model: LogisticRegression, rows: list[Row]) -> list[dict[str, float | None]]:
    """At each confidence threshold: the share of unanswerable questions handed off, of answerable ones handed
    off, and of answers given that cite a right first passage."""
    confidence = model.predict_proba(matrix(rows))[:, 1]
    unanswerable = np.array([not r.answerable for r in rows])
    correct = np.array([r.label == 1 for r in rows])
    table: list[dict[str, float | None]] = []
    for threshold in np.arange(0.05, 1.0, 0.05):
        handed = confidence < threshold
        answered = ~handed
        table.append(
            {
                "threshold": round(float(threshold), 2),
                "handoff_recall": round(float(handed[unanswerable].mean()), 3) if unanswerable.any() else None,
                "false_handoff_rate": round(float(handed[~unanswerable].mean()), 3) if (~unanswerable).any() else None,
                "answered_precision": round(float(correct[answered].mean()), 3) if answered.any() else None,
            }
        )
    return table


def report(train: list[Row], held_out: dict[str, list[Row]], reverse: dict[str, list[Row]]) -> dict[str, Any]:
    """The shipped model (fitted on ``train``) judged on ``held_out``; a model fitted on ``reverse['fit']``
    judged on ``reverse``'s other sets."""
    model = fit(train)
    counts: dict[str, int] = {}
    for row in train:
        counts[row.source] = counts.get(row.source, 0) + 1
    check = fit(reverse["fit"])
    return {
        "features": list(FEATURES),
        "coefficients": dict(zip(FEATURES, (round(float(c), 4) for c in model.coef_[0]), strict=True)),
        "fitted_on": counts,
        "held_out": {name: judge(model, rows) for name, rows in held_out.items()},
        "reverse": {name: judge(check, rows) for name, rows in reverse.items() if name != "fit"},
        "sweep_fitted_on": sweep(model, train),
        "sweep_held_out": {name: sweep(model, rows) for name, rows in held_out.items()},
    }
