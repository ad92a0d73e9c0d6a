"""Which figures of the public report stay hidden so that no small figure can be worked out from the others.

Primary suppression hides every figure under ``report_min_cell``. That alone is not enough: the public
report's figures add up (the questions are the sum of the outcomes and of the languages; the answered
questions are the sum of the categories, the categories of the corpus being public), so a hidden figure next
to shown ones and their total is a subtraction away (English questions = total − Japanese). Secondary
suppression hides further figures, smallest first, until no hidden figure is determined by what is shown:
each one's least and greatest possible values, given the shown figures and the sums, differ. That is checked
as a linear programme (scipy's HiGHS), exactly what someone subtracting would solve."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Sum:
    """``total`` is the sum of ``parts`` (names of figures)."""

    total: str
    parts: tuple[str, ...]


def hidden_figures(figures: dict[str, int], sums: Iterable[Sum], floor: int) -> set[str]:
    """The names of the figures to hide: those under ``floor`` and as few more as it takes, smallest first,
    that none of them can be derived from the rest and ``sums``."""
    relations = list(sums)
    hidden = {name for name, value in figures.items() if value < floor}
    while (exposed := next(iter(derivable(figures, relations, hidden)), None)) is not None:
        neighbours = {
            name
            for relation in relations
            if exposed in (relation.total, *relation.parts)
            for name in (*relation.parts, relation.total)
            if name not in hidden
        }
        if not neighbours:  # cannot happen with sums over shown figures; never loop
            break
        hidden.add(min(neighbours, key=lambda name: (figures[name], name)))
    return hidden


def derivable(figures: dict[str, int], sums: list[Sum], hidden: set[str]) -> list[str]:
    """The hidden figures whose value follows from the shown ones and the sums (each ≥ 0, nothing else known)."""
    from scipy.optimize import linprog  # imported when a public report is computed, not at start-up

    unknown = sorted(hidden)
    if not unknown:
        return []
    column = {name: i for i, name in enumerate(unknown)}
    rows, right = [], []
    for relation in sums:
        row, constant = np.zeros(len(unknown)), 0.0
        for name, sign in [(relation.total, -1.0), *((part, 1.0) for part in relation.parts)]:
            if name in column:
                row[column[name]] += sign
            else:
                constant -= sign * figures[name]
        if row.any():
            rows.append(row)
            right.append(constant)
        # a relation among shown figures alone holds by construction: nothing to learn from it
    if not rows:
        return []
    equalities, values = np.array(rows), np.array(right)
    found = []
    for name in unknown:
        objective = np.zeros(len(unknown))
        objective[column[name]] = 1.0
        low = linprog(objective, A_eq=equalities, b_eq=values, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=equalities, b_eq=values, bounds=(0, None), method="highs")
        bounded = high.status == 0  # an unbounded maximum is never determined
        if low.status == 0 and bounded and abs(-high.fun - low.fun) < 0.5:
            found.append(name)
    return found
