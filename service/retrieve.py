"""Retrieve: dense (question view and question-and-answer view, in Chroma) and lexical (BM25 over Sudachi
tokens) searches, fused by their normalised scores (CombSUM). Each search's scores are scaled to 0..1 over
the candidates it returned, so a clear lead in one search counts, where a fusion of ranks alone would treat a
near tie and a wide gap alike. Sources in the question's language are preferred; the other language still
counts, with less weight, so that a question finds an answer in either."""

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
        kept = [hit for hit in hits if index.chunks[hit.position].doc_id not in ctx.exclude]
        if not kept:
            continue
        high, low = kept[0].score, (0.0 if search == "lexical" else kept[-1].score)
        for rank, hit in enumerate(kept, start=1):
            chunk = index.chunks[hit.position]
            candidate = candidates.setdefault(hit.position, Candidate(hit.position, chunk))
            candidate.ranks[search] = rank
            candidate.score += (hit.score - low) / (high - low) if high > low else 1.0
            if search == "lexical":
                candidate.lexical = hit.score
            else:
                candidate.dense = max(candidate.dense, hit.score)
    for candidate in candidates.values():
        weight = 1.0 if candidate.chunk.lang == ctx.lang else settings.other_language_weight
        candidate.score *= weight / len(SEARCHES)
    if ctx.extra.get("follow_up") and ctx.history[-1].chunk_id:
        # A follow-up asks for something the previous answer did not say: its source steps back.
        for candidate in candidates.values():
            if candidate.chunk.id == ctx.history[-1].chunk_id:
                candidate.score *= settings.follow_up_repeat_weight
    ctx.candidates = sorted(candidates.values(), key=lambda c: -c.score)
    if not ctx.candidates:
        return Outcome(HANDOFF_OUT_OF_SCOPE, answer="")
    return None
