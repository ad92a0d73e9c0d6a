"""Retrieve: dense (question view and question-and-answer view, in Chroma) and lexical (BM25 over Sudachi
tokens) searches, fused by their normalised scores (CombSUM). Each search's scores are scaled to 0..1 over
the candidates it returned, so a clear lead in one search counts, where a fusion of ranks alone would treat a
near tie and a wide gap alike. Sources in the question's language (their own, or a translation the city wrote)
are preferred; another language still counts, with less weight, so that a question finds an answer in either. A
question in a language the city wrote nothing in prefers none.

``search`` is the whole of it for callers that only retrieve (staff suggestions, reload canaries, eval)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from functools import partial

from langchain_core.embeddings import Embeddings

from ingest.live import LiveIndex
from service.answer.context import Candidate, Context, Services
from service.answer.hand_off import hand_off
from service.answer.outcomes import HANDOFF_OUT_OF_SCOPE, Outcome
from service.settings import Settings

SEARCHES = ("dense_q", "dense_qa", "lexical")


def retrieve(ctx: Context) -> Outcome | None:
    # A follow-up asks for something the previous answer did not say: that answer's source steps back.
    step_back = ctx.history[-1].chunk_id if ctx.follow_up and ctx.history else None
    ctx.query_vector = ctx.services.embedder.embed_query(ctx.query)
    ctx.candidates = search(ctx.services, ctx.query, ctx.lang, step_back=step_back, vector=ctx.query_vector)
    picked = ctx.chosen.entry if ctx.chosen else None
    if picked:  # the resident picked this entry: its passages, best first
        index = ctx.services.index
        ctx.candidates = [c for c in ctx.candidates if c.chunk.doc_id == picked] or [
            Candidate(position, index.chunks[position]) for position in index.positions(picked)
        ]
    if not ctx.candidates:
        return hand_off(ctx, HANDOFF_OUT_OF_SCOPE)
    return None


def search(
    services: Services,
    query: str,
    lang: str,
    exclude: Collection[str] = (),
    step_back: str | None = None,
    vector: list[float] | None = None,
) -> list[Candidate]:
    """Every candidate for ``query``, best first. ``exclude`` names documents to leave out (evaluation by
    ablation); ``step_back`` names a chunk whose score is lowered (the previous answer's, for a follow-up);
    ``vector`` is the query's embedding when the caller has it already. A question searched before on this
    generation today, with nothing left out (here or by the index) and nothing stepped back from, gets the same
    candidates again without searching (``Services.searches``; which chunks are served can change at midnight)."""
    found = partial(search_index, services.settings, services.index, services.embedder, query, lang)
    if exclude or step_back or services.index.excluded:
        return found(exclude, step_back, vector)
    key = (query, lang, dt.date.today().isoformat())
    return list(services.searches.get(key, lambda: tuple(found((), None, vector))))


def search_index(
    settings: Settings,
    index: LiveIndex,
    embedder: Embeddings,
    query: str,
    lang: str,
    exclude: Collection[str] = (),
    step_back: str | None = None,
    vector: list[float] | None = None,
) -> list[Candidate]:
    """``search`` on one generation with this embedder, nothing kept (a build measures its baseline with it)."""
    index = index.excluding(exclude)
    vector = vector or embedder.embed_query(query)
    dense = index.dense_by_view(vector, settings.retrieval_pool, lang)
    results = {
        "dense_q": dense.get("q", []),
        "dense_qa": dense.get("qa", []),
        "lexical": index.lexical_search(query, settings.retrieval_pool),
    }
    candidates: dict[int, Candidate] = {}
    for search_name, hits in results.items():
        if not hits:
            continue
        high, low = hits[0].score, (0.0 if search_name == "lexical" else hits[-1].score)
        for rank, hit in enumerate(hits, start=1):
            chunk = index.chunks[hit.position]
            candidate = candidates.setdefault(hit.position, Candidate(hit.position, chunk))
            candidate.ranks[search_name] = rank
            candidate.score += (hit.score - low) / (high - low) if high > low else 1.0
            if search_name == "lexical":
                candidate.lexical = hit.score
            else:
                candidate.dense = max(candidate.dense, hit.cosine)
    written_in = lang in index.languages
    for candidate in candidates.values():
        chunk = candidate.chunk
        ours = chunk.lang == lang or lang in chunk.translations or not written_in
        weight = 1.0 if ours else settings.other_language_weight
        candidate.score *= weight / len(SEARCHES)
        if step_back and candidate.chunk.id == step_back:
            candidate.score *= settings.follow_up_repeat_weight
    return sorted(candidates.values(), key=lambda c: -c.score)
