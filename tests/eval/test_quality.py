"""Regression floors, a little under what `python -m eval answers` measures today (see README).
They run the service's own pipeline in process over the real indexes, so a change that hurts retrieval,
confidence or screening fails CI."""

import pytest

from eval import answers
from eval.embedders import load_queries
from eval.harness import CLINC, LOCALGOV, SAMPLE_QUESTIONS
from ingest.live import open_live
from service.live import open_services
from service.settings import Settings

pytestmark = pytest.mark.slow


def services_for(index_dir, tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}")
    return open_services(settings, open_live(index_dir))


def test_localgovfaq_retrieval_stays_above_its_floor(localgov_index, tmp_path):
    metrics = answers.retrieval(services_for(localgov_index[0], tmp_path), load_queries(LOCALGOV / "dev.jsonl"))
    assert metrics["recall@10"] >= 0.74 and metrics["ndcg@10"] >= 0.60, metrics


def test_own_questions_stay_above_their_floors(sample_index, tmp_path):
    rates = answers.rates(answers.run(services_for(sample_index[0], tmp_path), load_queries(SAMPLE_QUESTIONS)))
    overall = rates["all"]
    assert overall["first_citation_accuracy"] >= 0.75, overall
    assert overall["false_handoff_rate"] <= 0.12, overall
    assert overall["handoff_recall"] >= 0.72, overall
    assert overall["sensitive_handed_off_as_sensitive"] == 1.0, overall


def test_clinc150_out_of_scope_questions_are_handed_off(sample_index, tmp_path):
    records = answers.run(services_for(sample_index[0], tmp_path), load_queries(CLINC / "oos_dev.jsonl"))
    assert answers.rates(records)["all"]["handoff_recall"] >= 0.93
