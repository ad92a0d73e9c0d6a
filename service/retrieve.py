"""Retrieve: dense (question view and question-and-answer view, in Chroma) and lexical (BM25 over Sudachi
tokens) searches, fused by reciprocal rank. Sources in the question's language are preferred; the other
language still counts, with less weight, so that a question finds an answer in either."""

from __future__ import annotations

from service.context import Candidate, Context
from service.outcomes import HANDOFF_OUT_OF_SCOPE, Outcome

SEARCHES = ("dense_q", "dense_qa", "lexical")


def retrieve(ctx: Context) -> Outcome | None:
    settings, index = ctx.services.settings, ctx.services.index
    vector = ctx.services.embedder.embed_query(ctx.query)
    pool = settings.retrieval_pool + len(ctx.exclude)
    dense = index.dense_by_view(vector, pool)
    results = {
        "dense_q": dense.get("q", []),
        "dense_qa": dense.get("qa", []),
        "lexical": index.lexical_search(ctx.query, pool),
    }
    candidates: dict[int, Candidate] = {}
    for search, hits in results.items():
        rank = 0
        for hit in hits:
            chunk = index.chunks[hit.position]
            if chunk.doc_id in ctx.exclude:
                continue
            rank += 1
            candidate = candidates.setdefault(hit.position, Candidate(hit.position, chunk))
            weight = 1.0 if chunk.lang == ctx.lang else settings.other_language_weight
            candidate.score += weight / (settings.rrf_k + rank)
            candidate.ranks[search] = rank
            if search == "lexical":
                candidate.lexical = hit.score
            else:
                candidate.dense = max(candidate.dense, hit.score)
    if ctx.extra.get("follow_up") and ctx.history[-1].chunk_id:
        # A follow-up asks for something the previous answer did not say: its source steps back.
        for candidate in candidates.values():
            if candidate.chunk.id == ctx.history[-1].chunk_id:
                candidate.score *= settings.follow_up_repeat_weight
    ctx.candidates = sorted(candidates.values(), key=lambda c: -c.score)
    if not ctx.candidates:
        return Outcome(HANDOFF_OUT_OF_SCOPE, answer="")
    return None
