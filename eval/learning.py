"""What learning from use would do, simulated: the questions of one file are asked first, and each one the
service did not answer right directly is taught to its relevant entry, as a staff member resolving its case
would teach it (a resident's pick counts only after several conversations, which one question file cannot
show). Then another file is measured on a generation holding those phrasings (``python -m eval outcomes
--learn-from FILE``). The measured questions never teach: a question and its own phrasing would meet."""

from __future__ import annotations

import hashlib
from typing import Any

from eval.answers import run
from ingest.learned import Phrasing
from service.answer.context import Services


def in_fold(questions: list[dict[str, Any]], fold: int, folds: int) -> list[dict[str, Any]]:
    """The questions of one fold (1-based) of ``folds``, split by a digest of their ids (stable across runs)."""
    return [q for q in questions if int(hashlib.sha256(str(q["id"]).encode()).hexdigest(), 16) % folds == fold - 1]


def taught(services: Services, teachers: list[dict[str, Any]], measured: list[dict[str, Any]]) -> list[Phrasing]:
    """The phrasings ``teachers`` would teach: each question not answered right directly, as a phrasing of its
    most relevant entry; questions that are (by id or by text) among the ``measured`` ones teach nothing."""
    left_out = {str(q["id"]) for q in measured} | {q["query"] for q in measured}
    teachers = [q for q in teachers if q.get("relevant") and not {str(q["id"]), q["query"]} & left_out]
    phrasings = []
    for question, record in zip(teachers, run(services, teachers), strict=True):
        if record["outcome"] == "answered" and record["correct"]:
            continue
        entry = max(question["relevant"].items(), key=lambda item: item[1])[0]
        phrasings.append(Phrasing(id=f"taught-{question['id']}", entry_id=str(entry), text=question["query"]))
    return phrasings
