"""The figures people would rather look at than read, saved as PNG beside each result's metrics.json."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure  # the object API: files only, no window and no global state


def recall_curve(curves: Mapping[str, Sequence[float]]) -> Figure:
    """Recall@k for k = 1..K, one line per group (e.g. all, ja, en)."""
    figure = Figure(figsize=(6, 4), layout="tight")
    axes = figure.subplots()
    for name, recalls in curves.items():
        axes.plot(range(1, len(recalls) + 1), recalls, marker="o", label=name)
    axes.set(xlabel="k", ylabel="Recall@k", ylim=(0, 1), title="Recall@k")
    axes.grid(alpha=0.3)
    axes.legend()
    return figure


def confidence_histogram(records: Sequence[Mapping[str, Any]]) -> Figure:
    """Confidence of answerable against unanswerable questions."""
    figure = Figure(figsize=(6, 4), layout="tight")
    axes = figure.subplots()
    bins = [i / 20 for i in range(21)]
    for kind, label in (("in_scope", "answerable"), ("out_of_scope", "unanswerable")):
        values = [r["confidence"] for r in records if r["kind"] == kind]
        if values:
            axes.hist(values, bins=bins, alpha=0.6, label=f"{label} ({len(values)})")
    axes.set(xlabel="confidence", ylabel="questions", title="Confidence by kind of question")
    axes.legend()
    return figure


def handoff_curve(sweep: Sequence[Mapping[str, Any]], threshold: float) -> Figure:
    """Precision and recall of handing off unanswerable questions, and false handoffs, against the threshold."""
    figure = Figure(figsize=(6, 4), layout="tight")
    axes = figure.subplots()
    x = [row["threshold"] for row in sweep]
    for key, label in (
        ("handoff_recall", "recall (unanswerable handed off)"),
        ("handoff_precision", "precision (handed off that were unanswerable)"),
        ("false_handoff_rate", "answerable handed off"),
    ):
        axes.plot(x, [row[key] if row[key] is not None else float("nan") for row in sweep], label=label)
    axes.axvline(threshold, color="grey", linestyle="--", label=f"setting {threshold}")
    axes.set(xlabel="confidence threshold", ylim=(0, 1.02), title="Handoff against the threshold")
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    return figure
