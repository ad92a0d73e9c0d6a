"""A resident who writes in another language than Japanese or English (issue 44): answered in their language
where the city translated the entry, else from the official text under a note in their language with the
multilingual desk; never answered from a likeness the evidence cannot read (ADR 0012)."""

from __future__ import annotations

import json
import uuid

from ingest.languages import NAMES
from service.answer.catalogue import catalogue
from service.answer.context import Context, Services
from service.answer.hand_off import hand_off
from service.answer.outcomes import HANDOFF_LOW_CONFIDENCE
from service.answer.pipeline import answer, run
from service.answer.retrieve import retrieve
from tests.helpers import CORPUS

DESK_PHONE = "0465-00-2410"  # the sample city's multilingual desk (corpus/departments.yaml)


def translation(lang: str, entry: str) -> dict[str, str]:
    path = CORPUS / "faq" / lang / "translations.jsonl"
    return next(r for r in map(json.loads, path.read_text("utf-8").splitlines()) if r["translation_of"] == entry)


def context(services: Services, question: str, lang: str) -> Context:
    return Context(question=question, lang=lang, conversation_id=uuid.uuid4().hex, services=services)


def test_the_citys_own_question_in_a_residents_language_is_answered_in_it_with_the_same_citation(services):
    written = translation("vi", "ja-cert-juminhyo")
    outcome = answer(context(services, written["question"], "vi"))
    assert outcome.outcome == "answered" and outcome.citations[0].id == "ja-cert-juminhyo"
    assert outcome.answer.startswith(written["answer"]) and outcome.answer_lang == "vi"
    assert catalogue("vi")["untranslated"].split("{")[0] not in outcome.answer and DESK_PHONE not in outcome.answer


def test_an_entry_without_a_translated_answer_is_quoted_officially_under_a_note_and_over_the_desk(services):
    written = translation("ko", "ja-waste-bulky")
    outcome = answer(context(services, written["question"], "ko"))
    assert outcome.outcome == "answered" and outcome.citations[0].id == "ja-waste-bulky"
    official = services.index.first_chunk("ja-waste-bulky")
    assert official is not None and official.text in outcome.answer and outcome.answer_lang == "ja"
    note = catalogue("ko")["untranslated"].format(official=NAMES["ja"])
    assert outcome.answer.startswith(note) and DESK_PHONE in outcome.answer.split(official.text)[1]


def test_a_language_the_city_wrote_nothing_in_is_asked_back_in_it_and_never_answered_from_likeness(services):
    outcome = answer(context(services, "¿Cómo tiro un sofá viejo?", "es"))
    assert outcome.outcome == "clarify" and outcome.answer == catalogue("es")["clarify"]
    assert {"ja-waste-bulky", "en-waste-bulky"} & {choice.id for choice in outcome.choices}


def test_choices_are_titled_in_the_residents_language_where_the_city_translated_the_question(services):
    outcome = answer(context(services, "Tôi muốn vứt cái ghế sofa cũ", "vi"))
    assert outcome.outcome == "clarify"
    titles = {choice.id: choice.title for choice in outcome.choices}
    assert titles.get("ja-waste-bulky") == translation("vi", "ja-waste-bulky")["question"]


def test_a_handoff_in_another_language_is_in_it_and_names_the_multilingual_desk(services):
    ctx = context(services, "Tôi muốn hỏi về thuế xe ô tô", "vi")
    run(ctx, until=retrieve)
    outcome = hand_off(ctx, HANDOFF_LOW_CONFIDENCE)
    assert outcome.answer.startswith(catalogue("vi")["handoff_low_confidence"]) and DESK_PHONE in outcome.answer
    japanese = hand_off(context(services, "自動車税について", "ja"), HANDOFF_LOW_CONFIDENCE)
    assert DESK_PHONE not in japanese.answer  # the departments speak Japanese
