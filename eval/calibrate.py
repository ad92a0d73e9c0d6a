"""Fit the confidence model: logistic regression from the assess step's features to "the first passage
answers the question", on development questions, and write it to service/data/calibration.json.

Positives and negatives come from:
- the project's own questions against the sample corpus (in scope: label = first passage relevant;
  out of scope: 0);
- CLINC150 out-of-scope utterances against the sample corpus (0);
- localgovFAQ dev questions against its 1,786 FAQs (label = first passage relevant), and the same questions
  with every FAQ judged relevant removed from the results (ablation: unanswerable, 0).
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
from service.assess import FEATURES, features_of
from service.context import Services
from service.pipeline import run
from service.retrieve import retrieve

CALIBRATION = Path(__file__).resolve().parent.parent / "service" / "data" / "calibration.json"


@dataclass
class Row:
    source: str
    features: dict[str, float]
    label: int  # 1: the first passage is relevant
    answerable: bool


def collect(services: Services, questions: list[dict[str, Any]], source: str, ablate: bool = False) -> list[Row]:
    """Run each question up to retrieval and take the assess features."""
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


def fit(rows: list[Row]) -> tuple[LogisticRegression, np.ndarray]:
    x = np.array([[row.features[name] for name in FEATURES] for row in rows])
    y = np.array([row.label for row in rows])
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000).fit(x, y)
    return model, model.predict_proba(x)[:, 1]


def save(model: LogisticRegression, metrics: dict[str, Any]) -> None:
    data = {
        "coefficients": dict(zip(FEATURES, (round(float(c), 4) for c in model.coef_[0]), strict=True)),
        "intercept": round(float(model.intercept_[0]), 4),
        "fitted_by": "python -m eval calibrate",
        "fitted_on": metrics["sources"],
        "auroc": metrics["auroc"],
    }
    CALIBRATION.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def sweep(rows: list[Row], probabilities: np.ndarray) -> list[dict[str, float]]:
    """Handoff rates at each confidence threshold: of unanswerable questions, and of answerable ones."""
    unanswerable = np.array([not r.answerable for r in rows])
    answerable = ~unanswerable
    correct = np.array([r.label == 1 for r in rows])
    table = []
    for threshold in np.arange(0.05, 1.0, 0.05):
        handed = probabilities < threshold
        table.append(
            {
                "threshold": round(float(threshold), 2),
                "handoff_recall": round(float(handed[unanswerable].mean()), 3),
                "false_handoff_rate": round(float(handed[answerable].mean()), 3),
                "answered_correct": round(float((~handed & correct)[answerable].mean()), 3),
            }
        )
    return table


def gate_grid(rows: list[Row], probabilities: np.ndarray) -> list[dict[str, float]]:
    """Handoff rates on the sample corpus for pairs of (similarity gate on the first candidate, confidence
    threshold): what a resident with each kind of question would see."""
    groups = {
        "clinc150": [i for i, r in enumerate(rows) if r.source == "clinc150"],
        "own_out_of_scope": [i for i, r in enumerate(rows) if r.source == "own" and not r.answerable],
        "own_in_scope": [i for i, r in enumerate(rows) if r.source == "own" and r.answerable],
    }
    table = []
    for gate in (0.83, 0.84, 0.85, 0.86):
        for threshold in (0.3, 0.35, 0.4, 0.5):
            handed = [rows[i].features["dense_top"] < gate or probabilities[i] < threshold for i in range(len(rows))]
            rates = {
                name: round(float(np.mean([handed[i] for i in index])), 3) for name, index in groups.items() if index
            }
            table.append({"similarity_gate": gate, "threshold": threshold, **rates})
    return table


def report(rows: list[Row], probabilities: np.ndarray) -> dict[str, Any]:
    labels = np.array([r.label for r in rows])
    sources: dict[str, int] = {}
    for row in rows:
        sources[row.source] = sources.get(row.source, 0) + 1
    return {
        "n": len(rows),
        "sources": sources,
        "positives": int(labels.sum()),
        "auroc": round(float(roc_auc_score(labels, probabilities)), 3),
        "sweep": sweep(rows, probabilities),
        "gates": gate_grid(rows, probabilities),
    }
