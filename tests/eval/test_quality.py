"""Regression floors, a little under what `python -m eval answers` measures today (see docs/figures.md).
They run the service's own pipeline in process over the real indexes, so a change that hurts retrieval,
confidence or screening fails CI."""

import pytest

from eval import answers
from eval.embedders import load_queries
from eval.harness import LANGUAGE_QUESTIONS, NEAR_MISS_QUESTIONS, SAMPLE_QUESTIONS
from ingest.live import open_live
from service.live.services import open_services
from service.settings import Settings


def services_for(index_dir, tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}")
    return open_services(settings, open_live(index_dir))


@pytest.mark.bench
def test_localgovfaq_retrieval_stays_above_its_floor(localgov_index, localgov, tmp_path):
    metrics = answers.retrieval(services_for(localgov_index[0], tmp_path), load_queries(localgov / "dev.jsonl"))
    assert metrics["recall@10"] >= 0.74 and metrics["ndcg@10"] >= 0.60, metrics


def test_own_questions_stay_above_their_floors(sample_index, tmp_path):
    records = answers.run(services_for(sample_index[0], tmp_path), load_queries(SAMPLE_QUESTIONS))
    overall = answers.rates(records)["all"]
    answerable = answers.outcome_rates([r for r in records if r["kind"] == "in_scope"])
    assert answerable["wrong_direct"] <= 0.02 and answerable["right_shown"] >= 0.68, answerable
    assert overall["top1_correct_if_answered"] >= 0.95, overall
    assert overall["handoff_recall"] >= 0.83, overall  # out of scope: never answered directly
    assert overall["sensitive_handed_off_as_sensitive"] == 1.0, overall


@pytest.mark.bench
def test_localgovfaq_wrong_direct_answers_stay_rare_and_a_right_entry_is_shown(localgov_index, localgov, tmp_path):
    services = services_for(localgov_index[0], tmp_path)
    dev = load_queries(localgov / "dev.jsonl")
    present = answers.outcome_rates(answers.run(services, dev))
    ablated = answers.outcome_rates(answers.run(services, dev, ablate=True))
    assert present["wrong_direct"] <= 0.02 and present["right_shown"] >= 0.45, present
    assert ablated["answered"] <= 0.05 and present["mean_choices"] <= 3, ablated


@pytest.mark.bench
def test_clinc150_out_of_scope_questions_are_handed_off(clinc, sample_index, tmp_path):
    records = answers.run(services_for(sample_index[0], tmp_path), load_queries(clinc / "oos_dev.jsonl"))
    assert answers.rates(records)["all"]["handoff_recall"] >= 0.96
    shown = answers.outcome_rates(records)
    assert shown["answered"] + shown["clarified"] <= 0.01, shown  # never offered unrelated entries either


def test_near_miss_questions_are_mostly_handed_off_to_the_right_door(sample_index, tmp_path):
    records = answers.run(services_for(sample_index[0], tmp_path), load_queries(NEAR_MISS_QUESTIONS))
    overall = answers.rates(records)["all"]
    assert overall["handoff_recall"] >= 0.62 and overall["handoff_right_door"] >= 0.9, overall
    assert answers.outcome_rates(records)["clarified"] <= 0.2, "near misses are handed off, not offered choices"


@pytest.mark.bench
def test_on_a_corpus_it_was_not_fitted_on_the_confidence_still_ranks_answers(localgov_index, localgov, tmp_path):
    """Fitted on the sample corpus only: on localgovFAQ, the answers given cite a right FAQ more often than
    its questions' first passages do, and removing the relevant FAQs makes most questions hand off."""
    services = services_for(localgov_index[0], tmp_path)
    dev = load_queries(localgov / "dev.jsonl")
    present = answers.rates(answers.run(services, dev))["all"]
    ablated = answers.rates(answers.run(services, dev, ablate=True))["all"]
    assert present["top1_correct_if_answered"] >= 0.65, present
    assert ablated["handoff_recall"] >= 0.55, ablated


def test_questions_in_other_languages_show_the_right_entry_and_are_read_in_their_language(sample_index, tmp_path):
    """Issue 44's targets on our questions in eleven languages (24 each; nothing is fitted on them, so both halves
    count): the right entry shown for .9 where the city translated its questions (vi, zh-Hans, ko, pt in the
    sample) and .6 elsewhere, wrong direct answers at most .02, and the language read right."""
    questions = load_queries(LANGUAGE_QUESTIONS)
    rates = answers.outcome_rates(answers.run(services_for(sample_index[0], tmp_path), questions))
    for lang, shown in rates["by_lang"].items():
        floor = 0.9 if lang in ("vi", "zh-Hans", "ko", "pt") else 0.6
        assert shown["right_shown"] >= floor and shown["wrong_direct"] <= 0.02, (lang, shown)
    assert rates["lang_right_5_words"] >= 0.98, rates
