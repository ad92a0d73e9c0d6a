"""Which embedder, and which mix of dense and lexical search, finds the right FAQ for real questions?

Every configuration is the real ingest pipeline (``ingest.index.ingest``) over a corpus, then the live
index's own searches: lexical BM25, dense over the question view, dense over the question-and-answer view,
and reciprocal-rank fusions of them. Queries are JSONL ``{id, query, relevant: {doc_id: grade}}``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from statistics import mean
from typing import Any

from eval.metrics import mrr_at, ndcg_at, recall_at, reciprocal_rank_fusion
from ingest.embed import make_embedder
from ingest.index import IndexSpec, ingest
from ingest.live import Hit, LiveIndex, open_live

K = 10
POOL = 50  # candidates each ranking contributes to a fusion


def load_queries(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score_runs(runs: list[list[str]], queries: list[dict[str, Any]]) -> dict[str, float]:
    pairs = list(zip(runs, queries, strict=True))
    return {
        "recall@10": round(mean(recall_at(r, q["relevant"], K) for r, q in pairs), 3),
        "ndcg@10": round(mean(ndcg_at(r, q["relevant"], K) for r, q in pairs), 3),
        "mrr@10": round(mean(mrr_at(r, q["relevant"], K) for r, q in pairs), 3),
    }


def rankings(index: LiveIndex, model: str, queries: list[dict[str, Any]]) -> dict[str, list[list[str]]]:
    """Each search's ranked doc ids for every query."""
    embedder = make_embedder(model)
    ids: Callable[[list[Hit]], list[str]] = lambda hits: [index.chunks[h.position].doc_id for h in hits]  # noqa: E731
    runs: dict[str, list[list[str]]] = {"lexical": [], "dense_q": [], "dense_qa": []}
    for query in queries:
        vector = embedder.embed_query(query["query"])
        runs["lexical"].append(ids(index.lexical_search(query["query"], POOL)))
        runs["dense_q"].append(ids(index.dense(vector, POOL, view="q")))
        runs["dense_qa"].append(ids(index.dense(vector, POOL, view="qa")))

    def fuse(*names: str) -> list[list[str]]:
        return [reciprocal_rank_fusion([runs[n][i] for n in names]) for i in range(len(queries))]

    runs["rrf(lexical, dense_q)"] = fuse("lexical", "dense_q")
    runs["rrf(lexical, dense_q, dense_qa)"] = fuse("lexical", "dense_q", "dense_qa")
    return runs


def run(corpus: Path, queries_path: Path, models: list[str], answer_chars: int, cache: Path) -> dict[str, Any]:
    queries = load_queries(queries_path)
    results: dict[str, Any] = {}
    for model in models:
        index_dir = cache / f"{corpus.stem}-{model.replace('/', '_')}-{answer_chars}"
        started = time.perf_counter()
        report = ingest(corpus, index_dir, IndexSpec(model, answer_chars))
        ingest_seconds = time.perf_counter() - started
        index = open_live(index_dir)
        started = time.perf_counter()
        runs = rankings(index, model, queries)
        per_query_ms = (time.perf_counter() - started) * 1000 / len(queries)
        results[model] = {
            "searches": {name: score_runs(r, queries) for name, r in runs.items()},
            "ingest_seconds": round(ingest_seconds, 1),
            "embedded": report.embedded,
            "ms_per_query_all_searches": round(per_query_ms, 1),
        }
    return {"n": len(queries), "models": results}


def summarize(metrics: dict[str, Any]) -> str:
    lines = [f"Retrieval on {metrics['n']} questions (Recall@10 / nDCG@10 / MRR@10)", ""]
    lines.append("| model | search | Recall@10 | nDCG@10 | MRR@10 |")
    lines.append("|---|---|---|---|---|")
    for model, result in metrics["models"].items():
        for search, scores in result["searches"].items():
            if search == "lexical" and model != next(iter(metrics["models"])):
                continue  # lexical does not depend on the embedder
            name = "—" if search == "lexical" else model
            lines.append(
                f"| {name} | {search} | {scores['recall@10']:.3f} | {scores['ndcg@10']:.3f} | {scores['mrr@10']:.3f} |"
            )
    lines.append("")
    for model, result in metrics["models"].items():
        lines.append(
            f"{model}: ingest {result['ingest_seconds']} s ({result['embedded']} texts embedded), "
            f"{result['ms_per_query_all_searches']} ms per query for all searches"
        )
    return "\n".join(lines)
