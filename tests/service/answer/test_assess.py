"""Assess: a calibrated confidence from evidence that means the same on any corpus (shares of the corpus's
own baseline, the question's topic found in the passage), and two gates (settings) that hand the question to a
person."""

from __future__ import annotations

import shutil
import uuid
from dataclasses import replace

import pytest

from ingest.index import ingest
from ingest.learned import Phrasing
from ingest.live import open_live
from service.answer.assess import assess, features_of, published_match, topic_evidence
from service.answer.calibration import FEATURES, Calibration
from service.answer.context import Context
from service.answer.pipeline import answer, run
from service.answer.retrieve import retrieve, search
from service.live.services import open_services
from service.settings import Settings
from tests.helpers import CORPUS

PASSPORT = "パスポートの申請はどこでできますか"  # nothing in the sample corpus answers it: handed off
CLOSING_DAYS = "公民館の休館日は条例でどう決まっていますか"  # answered from the ordinance


def retrieved(services, question: str, lang: str = "ja") -> Context:
    ctx = Context(question=question, lang=lang, conversation_id=uuid.uuid4().hex, services=services)
    run(ctx, until=retrieve)
    return ctx


def with_settings(services, **changes):
    return replace(services, settings=services.settings.model_copy(update=changes))


def best(services, question: str, lang: str = "ja"):
    return search(services, question, lang)[0]


def test_nothing_found_means_every_feature_is_zero(services):
    ctx = Context(question="x", lang="en", conversation_id="c", services=services)
    assert features_of(ctx) == dict.fromkeys(FEATURES, 0.0)


def test_a_passage_that_speaks_of_the_question_covers_its_topic(services):
    coverage, missing = topic_evidence(services, "粗大ごみの申し込み", best(services, "粗大ごみの申し込み"))
    assert coverage == 1.0 and missing == 0.0


def test_a_synonym_in_the_passage_counts_as_speaking_of_the_topic(services):
    candidate = next(c for c in search(services, "印鑑登録", "ja") if c.chunk.doc_id == "ja-cert-inkan-register")
    assert "判子" not in candidate.chunk.text and "はんこ" not in candidate.chunk.text
    coverage, missing = topic_evidence(services, "はんこの登録", candidate)
    assert coverage == 1.0 and missing == 0.0  # はんこ, 判子 and 印鑑 share one Sudachi synonym group


def test_a_topic_the_corpus_never_mentions_is_the_most_missing(services):
    question = "市営墓地を申し込みたい"
    top = best(services, question)
    assert top.chunk.doc_id == "ja-housing-apply"  # the frame matches: 市営 … 申し込み
    coverage, missing = topic_evidence(services, question, top)
    assert missing == 1.0 and coverage < 0.5  # but 墓地 is in no chunk at all


def test_the_confidence_rises_with_each_piece_of_evidence_but_the_missing_topic():
    calibration = Calibration.load()
    middle = dict.fromkeys(FEATURES, 0.5)
    for name in ("dense_share", "fused_share", "topic_coverage"):
        assert calibration.probability({**middle, name: 0.9}) > calibration.probability(middle), name
    assert calibration.probability({**middle, "topic_missing": 0.9}) < calibration.probability(middle)


def test_a_clear_match_with_no_close_sibling_is_answered(services):
    ctx = retrieved(services, "公民館の休館日は条例でどう決まっていますか")
    assert assess(ctx) is None and ctx.confidence >= services.settings.answer_threshold


def test_a_question_that_names_only_a_topic_with_close_siblings_is_asked_back_with_the_related_entries_only(services):
    ctx = retrieved(services, "児童手当について")  # when it is paid, how much, how to apply: three entries
    outcome = assess(ctx)
    assert outcome is not None and outcome.outcome == "clarify" and outcome.answer
    ids = [choice.id for choice in outcome.choices]
    assert ids[0] == ctx.candidates[0].chunk.doc_id and 2 <= len(ids) <= services.settings.choices_max
    assert all("児童手当" in choice.title for choice in outcome.choices), outcome.choices  # all about 児童手当


def test_a_question_near_nothing_in_the_corpus_is_not_offered_unrelated_entries(services):
    outcome = assess(retrieved(services, "パスポートの申請はどこでできますか"))
    assert outcome is not None and outcome.outcome.startswith("handoff"), outcome


@pytest.mark.parametrize(
    ("question", "lang", "entry"),
    [
        ("燃えるゴミは何曜日？", "ja", "ja-waste-burnable"),
        ("古い冷蔵庫の処分方法", "ja", "ja-waste-appliances"),
        ("how much emergency water should we store", "en", "en-disaster-stock"),
    ],
)
def test_a_likely_entry_worded_unlike_the_question_is_offered_alone_to_confirm(services, question, lang, entry):
    ctx = retrieved(services, question, lang)
    outcome = assess(ctx)
    assert ctx.features["topic_coverage"] < services.settings.choice_coverage  # few of the question's own words
    assert services.settings.confirm_confidence <= ctx.confidence < services.settings.answer_threshold
    assert outcome is not None and outcome.outcome == "clarify", outcome
    assert [choice.id for choice in outcome.choices] == [entry]
    never = assess(retrieved(with_settings(services, confirm_confidence=1.0), question, lang))
    assert never is not None and never.outcome == "handoff_low_confidence"


def test_a_best_passage_below_the_baseline_share_is_out_of_scope(services):
    ctx = retrieved(with_settings(services, out_of_scope_share=1.0, handoff_threshold=1.0), "住民票の写しがほしい")
    outcome = assess(ctx)
    assert ctx.features["dense_share"] < 1.0
    assert outcome is not None and outcome.outcome == "handoff_out_of_scope"


def test_a_confidence_below_the_threshold_hands_off_to_the_department_all_likely_passages_share(services):
    strict = with_settings(services, handoff_threshold=0.999, answer_threshold=0.999, out_of_scope_share=0.0)
    outcome = assess(retrieved(strict, "住民票の写しはどこでもらえますか"))
    assert outcome is not None and outcome.outcome == "handoff_low_confidence"
    assert outcome.department == "市民課" and outcome.suggestions[0].id == "ja-cert-juminhyo"


def test_unsure_between_departments_goes_to_general_enquiries(services):
    strict = with_settings(services, handoff_threshold=0.999, answer_threshold=0.999, out_of_scope_share=0.0)
    ctx = retrieved(strict, "献血はどこでできますか")
    outcome = assess(ctx)
    departments = {c.chunk.department for c in ctx.candidates[:3] if c.chunk.lang == "ja"}
    assert len(departments) > 1  # the likeliest passages disagree on the door
    assert outcome is not None and outcome.department == "市役所総合案内"


@pytest.fixture(scope="module")
def taught(tmp_path_factory, sample_index, default_spec):
    """The sample index with two learned phrasings: the passport question taught to 住民票 (as if residents
    had picked it), and the closing-days question taught to the community centre's FAQ."""
    folder = tmp_path_factory.mktemp("taught")
    shutil.copytree(sample_index[0], folder / "index")
    live = open_live(folder / "index")
    phrasings = [
        Phrasing("passport", "ja-cert-juminhyo", PASSPORT, live.entry_digest("ja-cert-juminhyo")),
        Phrasing("closing", "ja-facility-community", CLOSING_DAYS, live.entry_digest("ja-facility-community")),
    ]
    ingest(CORPUS, folder / "index", default_spec, learned=phrasings)
    settings = Settings(index_dir=folder / "index", database_url=f"sqlite:///{folder / 'db.sqlite'}")
    return open_services(settings, open_live(settings.index_dir))


LIKE_PASSPORT = "パスポートの申請ってどこでできますか"  # like the taught phrasing, not the same words


def test_a_question_like_a_learned_phrasing_offers_its_entry_and_never_answers_from_it(taught):
    outcome = assess(retrieved(taught, LIKE_PASSPORT))
    assert outcome is not None and outcome.outcome == "clarify", outcome
    assert outcome.choices[0].id == "ja-cert-juminhyo"
    unlike = with_settings(taught, learned_similarity=1.01)
    assert assess(retrieved(unlike, LIKE_PASSPORT)).outcome.startswith("handoff")


def test_a_learned_phrasing_asked_word_for_word_is_answered_from_its_entry(taught):
    ctx = retrieved(taught, PASSPORT + "？")  # a person confirmed that residents ask it so, for 住民票
    assert assess(ctx) is None and ctx.candidates[0].chunk.doc_id == "ja-cert-juminhyo"
    assert assess(retrieved(taught, LIKE_PASSPORT)) is not None  # the same words only


def test_a_question_like_a_learned_phrasing_of_another_entry_turns_a_confident_answer_into_a_choice(taught):
    ctx = retrieved(taught, "公民館の休館日は条例でどう決まってますか")  # like the phrasing taught to the FAQ
    outcome = assess(ctx)
    assert ctx.confidence >= taught.settings.answer_threshold  # confident in the ordinance, as without learning
    assert outcome is not None and outcome.outcome == "clarify"
    ids = [choice.id for choice in outcome.choices]
    assert ids[0] == "ja-facility-community" and ctx.candidates[0].chunk.doc_id in ids


def test_every_entrys_own_published_question_is_answered_from_that_entry(services):
    faqs = {chunk.doc_id: chunk for chunk in services.index.chunks if chunk.kind == "faq"}
    assert {chunk.lang for chunk in faqs.values()} == {"ja", "en"}
    not_answered = {}
    for doc_id, chunk in faqs.items():
        for written in (chunk.title, chunk.title.rstrip("。?？") + " "):  # as published, and without its mark
            ctx = Context(question=written, lang=chunk.lang, conversation_id=uuid.uuid4().hex, services=services)
            outcome = answer(ctx)
            cited = outcome.citations[0].id.split("#")[0] if outcome.citations else None
            if (outcome.outcome, cited) != ("answered", doc_id):
                not_answered[written] = (outcome.outcome, cited)
    assert not_answered == {}


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("住民票の写しはどこで取れる？手数料はいくら？", "ja-cert-juminhyo"),  # the same words, put plainly
        ("How much does a copy of my resident record (juminhyo) cost, and where can I get it?", "en-cert-juminhyo"),
    ],
)
def test_a_question_in_an_entrys_own_words_is_answered_from_it(services, question, entry):
    position = published_match(services, question)
    assert position is not None and services.index.chunks[position].doc_id == entry
    lang = "en" if question.isascii() else "ja"
    outcome = answer(Context(question=question, lang=lang, conversation_id=uuid.uuid4().hex, services=services))
    assert outcome.outcome == "answered" and outcome.citations[0].id.split("#")[0] == entry


def test_a_question_that_shares_only_a_word_with_published_questions_matches_none(services):
    alike = services.index.published_alike("住民票", 2)
    assert alike and alike[0][1] < services.settings.match_likeness  # like several, clearly like none
    assert published_match(services, "住民票") is None


def test_with_the_likeness_edge_over_one_only_a_question_asked_word_for_word_is_matched(services):
    exact_only = replace(services, settings=services.settings.model_copy(update={"match_likeness": 1.01}))
    assert published_match(exact_only, "住民票の写しはどこで取れる？手数料はいくら？") is None
    assert published_match(exact_only, "住民票の写しはどこで取れますか。手数料はいくらですか。") is not None


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("住民票の写しはどこで取れますか", "ja-cert-juminhyo"),  # one of the two questions its entry publishes
        ("児童手当はいつ振り込まれますか", "ja-child-allowance-pay"),
        ("市営住宅に申し込みたい", "ja-housing-apply"),
        ("粗大ごみの出し方を教えてください", "ja-waste-bulky"),
        ("I lost my My Number card, what should I do?", "en-mynumber-lost"),
    ],
)
def test_plain_questions_that_nothing_makes_ambiguous_are_answered_not_asked_back(services, question, entry):
    lang = "en" if question.isascii() else "ja"
    outcome = answer(Context(question=question, lang=lang, conversation_id=uuid.uuid4().hex, services=services))
    assert outcome.outcome == "answered" and outcome.citations[0].id.split("#")[0] == entry, outcome
