"""Assess: does the best passage answer the question? A calibrated confidence from evidence that means the same
on any city's corpus, and two gates (settings) that hand the question to a person.

The evidence, each 0..1:
- ``dense_share`` and ``fused_share``: the best passage's dense similarity and fused score as shares of the
  corpus's own baseline of unanswerable searches (service/live/baseline.py): how unusual this match is *here*.
- ``topic_coverage``: how much of what the question is about the passage speaks of: the question's topic terms
  (nouns; English content words), weighted by how specific they are to few chunks (idf), found in the passage
  as the same word or a synonym (Sudachi's synonym groups: 判子 and 印鑑).
- ``topic_missing``: the most specific topic term the passage does not speak of (墓地 in a question answered
  from the municipal-housing page), as a share of the largest idf.

A logistic regression fitted by ``python -m eval calibrate`` (``service/data/calibration.json``; ADR 0005) turns
them into the confidence. The best entry is answered from when its confidence reaches ``answer_threshold`` and
it is in scope (``dense_share`` at least ``out_of_scope_share``) with no related sibling close to it; otherwise
the likely entries are offered as choices (service/answer/ask_back.py), or a person takes over. A question that
names a row of an open-data list (service/answer/lookup.py) is answered from it, and so is a question that is
one FAQ's own published question, word for word or clearly more alike than any other's (ingest/published.py).
"""

from __future__ import annotations

import math

from ingest.text import topic_terms
from service.answer.ask_back import Edges, Likely, ask_back, asks_back_in_a_row, clear_match, decide
from service.answer.calibration import FEATURES
from service.answer.context import Candidate, Context, Services
from service.answer.hand_off import hand_off
from service.answer.outcomes import HANDOFF_LOW_CONFIDENCE, HANDOFF_OUT_OF_SCOPE, Outcome

LOOKED_AT = 8  # distinct entries weighed for the choices


def features_of(ctx: Context) -> dict[str, float]:
    """What the confidence is computed from; zeros when nothing was found."""
    if not ctx.candidates:
        return dict.fromkeys(FEATURES, 0.0)
    return features_for(ctx.services, ctx.query, ctx.candidates[0])


def features_for(services: Services, query: str, candidate: Candidate) -> dict[str, float]:
    """The evidence that ``candidate`` answers ``query`` (staff's suggestions score each of theirs so)."""
    baseline = services.baseline
    coverage, missing = topic_evidence(services, query, candidate)
    return {
        "dense_share": baseline.share_below(baseline.dense, candidate.dense),
        "fused_share": baseline.share_below(baseline.fused, candidate.score),
        "topic_coverage": coverage,
        "topic_missing": missing,
    }


def topic_evidence(services: Services, query: str, candidate: Candidate) -> tuple[float, float]:
    """(idf-weighted share of the question's topic terms the passage speaks of, the largest idf share of one it
    does not). A question with no topic term at all is fully covered."""
    terms = topic_terms(query)
    if not terms:
        return 1.0, 0.0
    lexical = services.index.lexical
    forms, groups = services.index.terms(candidate.position)
    weights = {term: lexical.idf(term) for term in terms}
    covered = {term for term, synonyms in terms.items() if term in forms or synonyms & groups}
    most = math.log((lexical.size + 1) / 0.5)
    # Summed in one order, so that a question whose every term is covered scores exactly 1.
    coverage = sum(weights[t] for t in sorted(covered)) / sum(weights[t] for t in sorted(terms))
    missing = max((weights[t] for t in terms if t not in covered), default=0.0) / most
    return coverage, missing


def likely_entries(ctx: Context) -> list[Likely]:
    """The first ``LOOKED_AT`` distinct entries among the candidates, best first, each weighed as the best one is."""
    services, seen, found = ctx.services, set(), []
    for candidate in ctx.candidates:
        if candidate.chunk.doc_id in seen:
            continue
        seen.add(candidate.chunk.doc_id)
        first = candidate is ctx.candidates[0] and ctx.features  # assess weighed the best one already
        features = ctx.features if first else features_for(services, ctx.query, candidate)
        found.append(Likely(candidate, services.calibration.probability(features), features["topic_coverage"]))
        if len(found) == LOOKED_AT:
            break
    return found


def learned_entries(ctx: Context) -> list[Likely]:
    """The entries a learned phrasing close to the question points to (ingest/learned.py), best first: evidence
    that residents who asked so found them, enough to offer them and never enough to answer from them."""
    if ctx.query_vector is None:
        return []
    services, found = ctx.services, []
    retrieved = {c.position: c for c in ctx.candidates}
    for position, _ in services.index.learned_near(ctx.query_vector, services.settings.learned_similarity):
        candidate = retrieved.get(position) or Candidate(position, services.index.chunks[position])
        features = features_for(services, ctx.query, candidate)
        found.append(Likely(candidate, services.calibration.probability(features), features["topic_coverage"]))
    return found


def published_match(services: Services, question: str, lang: str | None = None) -> int | None:
    """The position of the entry whose published question the question is, word for word, or is like clearly
    more than any other's (``match_likeness``, ``match_margin``: ingest/published.py); None otherwise."""
    index, settings = services.index, services.settings
    exact = index.asked_as_published(question, lang)
    if exact is not None:
        return exact
    return clear_match(index.published_alike(question, 2, lang), Edges.of(settings))


def answer_as_published(ctx: Context) -> bool:
    """The question is one entry's published question (``published_match``): that entry is answered from, first
    among the candidates, with its own confidence. Nothing is ambiguous about a question the city itself wrote
    for one entry (issue 42: such questions were asked back); Sakata et al. (2019) trust such a match first."""
    services = ctx.services
    position = published_match(services, ctx.question, ctx.lang)
    if position is None:
        return False
    found = next((c for c in ctx.candidates if c.position == position), None)
    candidate = found or Candidate(position, services.index.chunks[position])
    ctx.candidates = [candidate, *(c for c in ctx.candidates if c is not candidate)]
    ctx.features = features_for(services, ctx.query, candidate)
    ctx.confidence = services.calibration.probability(ctx.features)
    return True


READ = ("ja", "en")  # the languages the lexical evidence and the calibration read


def across_languages(ctx: Context) -> Outcome | None:
    """A question in a language the evidence does not read (ADR 0012): the cross-language similarity of the
    embedder sits below the corpus's baseline by an amount that depends on the language, and the topic terms are
    not the passages' words, so neither the confidence nor the out-of-scope gate means what it means in Japanese
    or English. Nothing is answered from them: the likely entries are offered as choices (the resident picks
    one, or none of them and a person takes over); a question that is one of the city's own questions, in any
    language it wrote them in, was answered before this."""
    settings = ctx.services.settings
    if asks_back_in_a_row(ctx) >= settings.asks_back_max:
        return hand_off(ctx, HANDOFF_LOW_CONFIDENCE)
    return ask_back(ctx, likely_entries(ctx)[: settings.choices_max])


def assess(ctx: Context) -> Outcome | None:
    """Answer, ask back (service/answer/ask_back.py) or hand off."""
    settings = ctx.services.settings
    ctx.features = features_of(ctx)
    ctx.confidence = ctx.services.calibration.probability(ctx.features)
    if ctx.chosen and ctx.chosen.none:  # none of the entries offered fits: a person takes over
        return hand_off(ctx, HANDOFF_LOW_CONFIDENCE)
    if ctx.chosen:  # the resident picked this entry from the choices offered
        return None
    if not ctx.follow_up and answer_as_published(ctx):  # the resident asked an entry's own question
        return None
    if ctx.named_rows:  # service/answer/lookup.py found the row the question names; no gate applies
        ctx.confidence = max(ctx.confidence, ctx.services.settings.named_row_confidence)  # no similarity says more
        return None
    if ctx.lang not in READ:
        return across_languages(ctx)
    out_of_scope = ctx.features["dense_share"] < settings.out_of_scope_share
    may_ask = asks_back_in_a_row(ctx) < settings.asks_back_max
    decision = decide(likely_entries(ctx), learned_entries(ctx), out_of_scope, Edges.of(settings), may_ask)
    if decision.action == "ask":
        return ask_back(ctx, decision.offered)
    if decision.action == "answer":
        return None
    return hand_off(ctx, HANDOFF_OUT_OF_SCOPE if out_of_scope else HANDOFF_LOW_CONFIDENCE)
