"""Assess: a calibrated confidence from the top candidate's evidence, and two gates (settings) that hand the
question to a person."""

from __future__ import annotations

import uuid
from dataclasses import replace

from service.assess import FEATURES, Calibration, assess, coverage, features_of
from service.context import Context
from service.pipeline import run
from service.retrieve import retrieve, search


def retrieved(services, question: str, lang: str = "ja") -> Context:
    ctx = Context(question=question, lang=lang, conversation_id=uuid.uuid4().hex, services=services)
    run(ctx, until=retrieve)
    return ctx


def with_settings(services, **changes):
    return replace(services, settings=services.settings.model_copy(update=changes))


def test_nothing_found_means_every_feature_is_zero(services):
    ctx = Context(question="x", lang="en", conversation_id="c", services=services)
    assert features_of(ctx) == dict.fromkeys(FEATURES, 0.0)


def test_coverage_is_the_share_of_question_words_the_passage_contains(services):
    top = search(services, "bulky garbage collection", "en")[0]
    assert coverage("bulky garbage collection", top) == 1.0
    assert coverage("bulky garbage spaceship", top) == 2 / 3


def test_the_confidence_rises_with_the_fused_score():
    calibration = Calibration.load()
    low = dict.fromkeys(FEATURES, 0.2)
    assert calibration.probability({**low, "fused_top": 0.9}) > calibration.probability(low)


def test_a_clear_match_passes_both_gates(services):
    ctx = retrieved(services, "住民票の写しはどこで取れますか")
    assert assess(ctx) is None and ctx.confidence >= services.settings.handoff_threshold


def test_a_best_similarity_below_the_gate_is_out_of_scope(services):
    ctx = retrieved(with_settings(services, out_of_scope_similarity=0.999), "住民票の写しはどこで取れますか")
    outcome = assess(ctx)
    assert outcome is not None and outcome.outcome == "handoff_out_of_scope"


def test_a_confidence_below_the_threshold_hands_off_to_the_likeliest_department(services):
    strict = with_settings(services, handoff_threshold=0.999, out_of_scope_similarity=0.0)
    outcome = assess(retrieved(strict, "住民票の写しはどこで取れますか"))
    assert outcome is not None and outcome.outcome == "handoff_low_confidence"
    assert outcome.department == "市民課" and outcome.suggestions[0].id == "ja-cert-juminhyo"
