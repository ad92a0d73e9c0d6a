"""The answer path in process: the steps in order, a partial run, every exit a finished outcome, and no trace
left anywhere until respond()."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from service.answer.assess import assess
from service.answer.context import Context, Services
from service.answer.pick import Pick
from service.answer.pipeline import STEPS, answer, run
from service.answer.retrieve import retrieve
from service.api.respond import respond
from service.store.schema import audit, cases


def context(services: Services, question: str, lang: str = "ja") -> Context:
    return Context(question=question, lang=lang, conversation_id=uuid.uuid4().hex, services=services)


def rows(services: Services, table) -> int:
    with services.store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_the_steps_are_screen_pause_contextualize_retrieve_lookup_assess_compose():
    names = [step.__name__ for step in STEPS]
    assert names == ["screen", "pause", "contextualize", "retrieve", "lookup", "assess", "compose"]


def test_a_run_until_retrieve_stops_there_with_candidates(services):
    ctx = context(services, "粗大ごみの出し方を教えてください")
    assert run(ctx, until=retrieve) is None
    assert list(ctx.timings_ms) == ["screen", "pause", "contextualize", "retrieve"]
    assert ctx.candidates and ctx.candidates[0].chunk.doc_id == "ja-waste-bulky" and ctx.confidence == 0.0


def test_a_run_until_assess_has_the_confidence_but_no_answer(services):
    ctx = context(services, "公民館の休館日は条例でどう決まっていますか")
    assert run(ctx, until=assess) is None
    assert ctx.confidence >= services.settings.answer_threshold and "compose" not in ctx.timings_ms


def test_a_picked_choice_is_answered_from_that_entry_and_none_of_them_hands_off(services):
    asked = answer(context(services, "住民票の写しはどこでもらえますか"))
    assert asked.outcome == "clarify" and len(asked.choices) >= 2
    second = asked.choices[1].id
    picked = context(services, "住民票の写しはどこでもらえますか")
    picked.chosen = Pick.parse(second)
    outcome = answer(picked)
    assert outcome.outcome == "answered" and outcome.citations[0].id.split("#")[0] == second
    refused = context(services, "住民票の写しはどこでもらえますか")
    refused.chosen = Pick.parse("none")
    handed = answer(refused)
    assert handed.outcome == "handoff_low_confidence" and handed.suggestions


def test_a_sensitive_question_ends_at_the_screen_with_the_helpline(services):
    ctx = context(services, "もう死にたいです")
    outcome = answer(ctx)
    assert outcome.outcome == "handoff_sensitive" and ctx.sensitive_category
    assert list(ctx.timings_ms) == ["screen"] and "0120-279-338" in outcome.answer


def test_an_out_of_scope_handoff_is_complete_when_it_leaves_its_step(services):
    ctx = context(services, "フランスの首都はどこですか")
    outcome = answer(ctx)
    assert outcome.outcome == "handoff_out_of_scope"
    assert outcome.answer.startswith("申し訳ありません") and "市役所総合案内" in outcome.answer
    assert outcome.department == "市役所総合案内" and "0465-00-1000" in outcome.contact
    assert outcome.citations == [] and len(outcome.suggestions) == services.settings.suggestions


def test_an_english_question_is_handed_off_in_english(services):
    outcome = answer(context(services, "what is the capital of France", lang="en"))
    assert outcome.handoff_reason and outcome.answer.startswith("Sorry")


def test_answering_leaves_no_trace_until_respond(services):
    audit_before, cases_before = rows(services, audit), rows(services, cases)
    ctx = context(services, "フランスの首都はどこですか")
    outcome = answer(ctx)
    assert (rows(services, audit), rows(services, cases)) == (audit_before, cases_before)

    response = respond(ctx, outcome)
    assert (rows(services, audit), rows(services, cases)) == (audit_before + 1, cases_before + 1)
    assert response.handoff.reference and response.answer.count(response.handoff.reference) == 1
    assert response.answer.startswith(outcome.answer)


def test_a_streaming_caller_hears_nothing_from_the_extractive_composer(services):
    heard: list[str] = []
    outcome = answer(context(services, "公民館の休館日は条例でどう決まっていますか"), on_token=heard.append)
    assert outcome.outcome == "answered" and heard == []


SATURDAY_NIGHT = dt.datetime(2026, 12, 5, 20, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.mark.parametrize(
    ("lang", "question", "back"),
    [
        ("ja", "フランスの首都はどこですか", "市役所総合案内の職員は12月7日（月）8:30から対応します"),
        (
            "en",
            "what is the capital of France",
            "Staff of City Hall General Enquiries are away now; they will be back on Monday 7 December at 8:30",
        ),
    ],
)
def test_a_handoff_out_of_office_hours_says_when_staff_are_back_in_the_residents_language(
    services, lang, question, back
):
    frozen = dataclasses.replace(services, clock=lambda: SATURDAY_NIGHT)
    ctx = context(frozen, question, lang=lang)
    response = respond(ctx, answer(ctx))
    assert response.handoff.needed and back in response.answer


def test_a_handoff_in_office_hours_says_nothing_of_hours(services):
    friday_morning = dataclasses.replace(services, clock=lambda: SATURDAY_NIGHT - dt.timedelta(hours=34))
    ctx = context(friday_morning, "フランスの首都はどこですか")
    response = respond(ctx, answer(ctx))
    assert response.handoff.needed and "受付時間外" not in response.answer
