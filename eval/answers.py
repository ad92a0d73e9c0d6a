"""Whole answer path, question by question, in process: what happened to each question, and the rates
people care about (first-citation accuracy, handoff of what is out of scope, sensitive questions)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import replace
from statistics import mean
from typing import Any

from sklearn.metrics import roc_auc_score

from eval.metrics import mrr_at, ndcg_at, recall_at
from ingest.languages import detect
from service.answer import pipeline
from service.answer.context import Context, Services
from service.answer.pipeline import answer
from service.answer.retrieve import retrieve
from service.store.conversations import Turn

UNSPACED_SCRIPTS = (("\u0e00", "\u0e7f"), ("\u1000", "\u109f"), ("\u3040", "\u9fff"))  # Thai, Burmese, CJK
LONG_QUESTION_WORDS = 5  # issue 44: the response language must be right for questions this long


def question_context(services: Services, question: dict[str, Any], ablate: bool = False) -> Context:
    """A fresh conversation for one evaluated question. Earlier turns listed in its ``context`` are asked
    first, through the whole answer path, so that a follow-up meets the conversation it belongs to; nothing is
    written to the audit log or the case queue. With ``ablate``, every relevant document is left out of the
    searches, so the question becomes unanswerable."""
    if ablate:
        services = replace(services, index=services.index.excluding(relevant_docs(question)))
    lang = detect(question["query"])  # as the service reads a resident who does not say (the file's is expected)
    conversation = uuid.uuid4().hex
    history: list[Turn] = []
    for earlier in question.get("context", []):
        ctx = Context(question=earlier, lang=lang, conversation_id=conversation, services=services)
        outcome = answer(ctx)
        cited = outcome.citations[0].id if outcome.citations else None
        history.append(Turn(question=ctx.question, lang=ctx.lang, chunk_id=cited or _top(ctx)))
    return Context(
        question=question["query"], lang=lang, conversation_id=conversation, services=services, history=history
    )


def relevant_docs(question: dict[str, Any]) -> set[str]:
    return {doc for doc, grade in question.get("relevant", {}).items() if grade >= 1}


def _top(ctx: Context) -> str | None:
    return ctx.candidates[0].chunk.id if ctx.candidates else None


def run(services: Services, questions: list[dict[str, Any]], ablate: bool = False) -> list[dict[str, Any]]:
    """One record per question. With ``ablate``, every relevant document is removed from the results, so
    each question becomes unanswerable."""
    records = []
    for question in questions:
        relevant = relevant_docs(question)
        ctx = question_context(services, question, ablate)
        outcome = answer(ctx)
        first = outcome.citations[0].id if outcome.citations else None
        first_doc = first.split("#")[0] if first else None
        offered = [choice.id for choice in outcome.choices]
        kind = question.get("kind") or ("in_scope" if relevant and not ablate else "out_of_scope")
        doors = expected_doors(services, question, ctx.lang, ablate)
        records.append(
            {
                "id": question["id"],
                "lang": ctx.lang,
                "lang_expected": question.get("lang"),
                "words": words(question["query"]),
                "kind": "out_of_scope" if ablate else kind,
                "outcome": outcome.outcome,
                "confidence": round(ctx.confidence, 4),
                "first_citation": first,
                "correct": bool(first and not ablate and (first in relevant or first_doc in relevant)),
                "choices": offered,
                "right_offered": bool(not ablate and relevant & set(offered)),
                "category": question.get("category"),
                "sensitive_category": ctx.sensitive_category,
                "department": outcome.department if outcome.handoff_reason else None,
                "right_door": outcome.department in doors if outcome.handoff_reason and doors else None,
            }
        )
    return records


def words(text: str) -> int:
    """How many words a question has: its spaced words, or for a script written without spaces (Japanese,
    Chinese, Thai, Burmese) one word to every two characters."""
    spaced = len(text.split())
    unspaced = sum(
        1 for c in text if "\u0e00" <= c <= "\u0e7f" or "\u1000" <= c <= "\u109f" or "\u3040" <= c <= "\u9fff"
    )
    return max(spaced, unspaced // 2)


def expected_doors(services: Services, question: dict[str, Any], lang: str, ablate: bool) -> set[str]:
    """The department names that would be a right door for this question if it were handed off: those the
    question names (``departments``: keys of the corpus's departments.yaml, ``general`` for general enquiries),
    else the departments of its relevant sources. Empty when unknown (not scored)."""
    known = services.index.manifest.get("departments", {})
    keys = question.get("departments")
    if keys:
        return {str(known.get(key, {}).get(lang, {}).get("name", key)) for key in keys}
    if ablate or question.get("kind") == "sensitive":
        return set()
    relevant = relevant_docs(question)
    return {c.department for c in services.index.chunks if c.doc_id in relevant and c.lang == lang and c.department}


def _share(items: list[bool]) -> float | None:
    return round(mean(items), 3) if items else None


def rates(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Overall and per language."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        groups["all"].append(record)
        groups[record["lang"]].append(record)
    return {name: _rates(group) for name, group in groups.items()}


def _rates(records: list[dict[str, Any]]) -> dict[str, Any]:
    in_scope = [r for r in records if r["kind"] == "in_scope"]
    out = [r for r in records if r["kind"] == "out_of_scope"]
    sensitive = [r for r in records if r["kind"] == "sensitive"]
    return {
        "in_scope": len(in_scope),
        "first_citation_accuracy": _share([r["outcome"] == "answered" and r["correct"] for r in in_scope]),
        "top1_correct_if_answered": _share([r["correct"] for r in in_scope if r["outcome"] == "answered"]),
        "false_handoff_rate": _share([r["outcome"] != "answered" for r in in_scope]),
        "out_of_scope": len(out),
        "handoff_recall": _share([r["outcome"] != "answered" for r in out]),
        "sensitive": len(sensitive),
        "sensitive_handed_off_as_sensitive": _share(
            [r["outcome"] == "handoff_sensitive" and r["sensitive_category"] == r["category"] for r in sensitive]
        ),
        "handoff_right_door": _share([r["right_door"] for r in records if r["right_door"] is not None]),
    }


def outcome_rates(records: list[dict[str, Any]]) -> dict[str, Any]:
    """``_outcome_rates`` of all questions and, where a set mixes kinds (in scope, out of scope, sensitive), of
    each kind under ``by_kind``; where its questions say more than two languages, of each under ``by_lang``."""
    rates = _outcome_rates(records)
    kinds = sorted({r["kind"] for r in records})
    if len(kinds) > 1:
        rates["by_kind"] = {kind: _outcome_rates([r for r in records if r["kind"] == kind]) for kind in kinds}
    langs = sorted({r["lang_expected"] for r in records if r.get("lang_expected")})
    if len(langs) > 2:
        rates["by_lang"] = {x: _outcome_rates([r for r in records if r.get("lang_expected") == x]) for x in langs}
    return rates


def _outcome_rates(records: list[dict[str, Any]]) -> dict[str, Any]:
    """What residents meet, as shares of all questions: answered (right, or from a wrong entry), asked back
    with choices, a right entry shown (answered right, or among the choices), handed off; and the mean number
    of choices when asked back."""
    total = len(records) or 1
    answered = [r for r in records if r["outcome"] == "answered"]
    clarified = [r for r in records if r["outcome"] == "clarify"]
    return {
        "questions": len(records),
        "answered": round(len(answered) / total, 3),
        "answered_right": round(sum(r["correct"] for r in answered) / total, 3),
        "wrong_direct": round(sum(not r["correct"] for r in answered) / total, 3),
        "clarified": round(len(clarified) / total, 3),
        "right_shown": round(sum(r["correct"] or r["right_offered"] for r in records) / total, 3),
        "mean_choices": round(mean(len(r["choices"]) for r in clarified), 2) if clarified else 0.0,
        "handed_off": round(sum(r["outcome"].startswith("handoff") for r in records) / total, 3),
        **language_rates(records),
    }


def language_rates(records: list[dict[str, Any]]) -> dict[str, float]:
    """Where the questions say their language: the share answered in it (the language the service read them in),
    of all of them and of those of five words or more."""
    said = [r for r in records if r.get("lang_expected")]
    longer = [r for r in said if r["words"] >= LONG_QUESTION_WORDS]
    if not said:
        return {}
    return {
        "lang_right": round(mean(r["lang"] == r["lang_expected"] for r in said), 3),
        "lang_right_5_words": round(mean(r["lang"] == r["lang_expected"] for r in longer), 3) if longer else 1.0,
    }


def retrieval(services: Services, questions: list[dict[str, Any]], k: int = 10) -> dict[str, Any]:
    """Recall@k, MRR@10 and nDCG@10 of the service's own retrieval step, by document."""
    runs = []
    for question in questions:
        ctx = question_context(services, question)
        pipeline.run(ctx, until=retrieve)
        ranked: list[str] = []
        for candidate in ctx.candidates:
            if candidate.chunk.doc_id not in ranked:
                ranked.append(candidate.chunk.doc_id)
        runs.append((ranked, question["relevant"]))
    curve = [round(mean(recall_at(r, rel, c) for r, rel in runs), 3) for c in range(1, k + 1)]
    return {
        "n": len(runs),
        **{f"recall@{c}": curve[c - 1] for c in sorted({1, 3, 5, k}) if c <= k},
        "mrr@10": round(mean(mrr_at(r, rel, 10) for r, rel in runs), 3),
        "ndcg@10": round(mean(ndcg_at(r, rel, 10) for r, rel in runs), 3),
        "recall_curve": curve,
    }


def handoff_metrics(records: list[dict[str, Any]], threshold: float) -> dict[str, Any]:
    """How well handoff separates what the corpus answers from what it does not."""
    answerable = [r for r in records if r["kind"] == "in_scope"]
    unanswerable = [r for r in records if r["kind"] == "out_of_scope"]

    labels = [1] * len(answerable) + [0] * len(unanswerable)
    scores = [r["confidence"] for r in answerable + unanswerable]
    return {
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "handoff_recall": _share([r["outcome"] != "answered" for r in unanswerable]),
        "false_handoff_rate": _share([r["outcome"] != "answered" for r in answerable]),
        "top1_correct_answered": _share([r["outcome"] == "answered" and r["correct"] for r in answerable]),
        "auroc": round(float(roc_auc_score(labels, scores)), 3) if answerable and unanswerable else None,
        "threshold": threshold,
        "sweep": [_sweep_row(answerable, unanswerable, t / 20) for t in range(1, 20)],
    }


def _sweep_row(
    answerable: list[dict[str, Any]], unanswerable: list[dict[str, Any]], threshold: float
) -> dict[str, Any]:
    """Handoff by confidence alone at one threshold (the similarity gate aside)."""
    caught = sum(r["confidence"] < threshold for r in unanswerable)
    false = sum(r["confidence"] < threshold for r in answerable)
    return {
        "threshold": threshold,
        "handoff_recall": round(caught / len(unanswerable), 3) if unanswerable else None,
        "handoff_precision": round(caught / (caught + false), 3) if caught + false else None,
        "false_handoff_rate": round(false / len(answerable), 3) if answerable else None,
    }
