"""bm25s or SQLite FTS5 for the lexical index? Same Sudachi tokens, same questions, both measured."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from eval.embedders import load_queries, score_runs
from ingest.lexical import LexicalIndex, lexical_text
from ingest.load import load_corpus
from ingest.text import tokenize

K = 10


def _fts5(texts: list[str], ids: list[str]) -> tuple[sqlite3.Connection, float]:
    started = time.perf_counter()
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE chunks USING fts5(doc_id UNINDEXED, tokens, tokenize='unicode61')")
    rows = [(doc_id, " ".join(tokenize(text))) for doc_id, text in zip(ids, texts, strict=True)]
    db.executemany("INSERT INTO chunks VALUES (?, ?)", rows)
    return db, time.perf_counter() - started


def _fts5_search(db: sqlite3.Connection, query: str) -> list[str]:
    terms = " OR ".join('"' + token.replace('"', '""') + '"' for token in set(tokenize(query)))
    if not terms:
        return []
    found = db.execute("SELECT doc_id FROM chunks WHERE chunks MATCH ? ORDER BY bm25(chunks) LIMIT ?", (terms, K))
    return [row[0] for row in found]


def run(corpus: Path, queries_path: Path) -> dict[str, Any]:
    loaded = load_corpus(corpus)
    ids = [faq.id for _, faq in loaded.faqs]
    texts = [lexical_text(faq.question, "", faq.answer) for _, faq in loaded.faqs]
    queries = load_queries(queries_path)
    results: dict[str, Any] = {}

    started = time.perf_counter()
    bm25 = LexicalIndex.build(texts)
    build = time.perf_counter() - started
    started = time.perf_counter()
    runs = [[ids[h] for h in bm25.scores(q["query"]).argsort()[::-1][:K]] for q in queries]
    results["bm25s"] = {
        **score_runs(runs, queries),
        "build_s": round(build, 2),
        "ms_per_query": round((time.perf_counter() - started) * 1000 / len(queries), 2),
    }

    db, build = _fts5(texts, ids)
    started = time.perf_counter()
    runs = [_fts5_search(db, q["query"]) for q in queries]
    results["sqlite_fts5"] = {
        **score_runs(runs, queries),
        "build_s": round(build, 2),
        "ms_per_query": round((time.perf_counter() - started) * 1000 / len(queries), 2),
    }
    return {"n": len(queries), "backends": results}


def summarize(metrics: dict[str, Any]) -> str:
    lines = ["| backend | Recall@10 | nDCG@10 | MRR@10 | build s | ms/query |", "|---|---|---|---|---|---|"]
    for name, r in metrics["backends"].items():
        scores = f"{r['recall@10']:.3f} | {r['ndcg@10']:.3f} | {r['mrr@10']:.3f}"
        lines.append(f"| {name} | {scores} | {r['build_s']} | {r['ms_per_query']} |")
    return "\n".join(lines)
