"""Retrieval: dense and lexical searches fused, the question's language preferred, documents left out on
request, and the previous answer's source stepping back for a follow-up."""

from __future__ import annotations

from service.answer.retrieve import search


def docs(candidates) -> list[str]:
    return [c.chunk.doc_id for c in candidates]


def test_the_best_candidate_is_the_faq_that_answers(services):
    candidates = search(services, "how do I put out big furniture as garbage", "en")
    assert candidates[0].chunk.doc_id == "en-waste-bulky"
    scores = [c.score for c in candidates]
    assert scores == sorted(scores, reverse=True) and 0 < scores[0] <= 1


def test_a_candidate_carries_the_evidence_of_each_search(services):
    top = search(services, "粗大ごみの出し方", "ja")[0]
    assert set(top.ranks) == {"dense_q", "dense_qa", "lexical"}
    assert 0 < top.dense <= 1 and top.lexical > 0


def test_sources_in_the_questions_language_come_first(services):
    assert search(services, "粗大ごみ bulky garbage", "ja")[0].chunk.lang == "ja"
    assert search(services, "粗大ごみ bulky garbage", "en")[0].chunk.lang == "en"


def test_excluded_documents_are_left_out_of_every_search(services):
    candidates = search(services, "how do I put out big furniture as garbage", "en", exclude={"en-waste-bulky"})
    assert candidates and "en-waste-bulky" not in docs(candidates)


def test_a_follow_up_lets_the_previous_answers_source_step_back(services):
    question = "児童手当\n振込日は？"
    plain = search(services, question, "ja")
    stepped = search(services, question, "ja", step_back=plain[0].chunk.id)
    before = next(c.score for c in plain if c.chunk.id == plain[0].chunk.id)
    after = next(c.score for c in stepped if c.chunk.id == plain[0].chunk.id)
    assert after == before * services.settings.follow_up_repeat_weight


def test_a_question_of_unknown_words_still_gets_dense_candidates(services):
    assert search(services, "zzqx", "en")  # nothing lexical, but the dense searches always answer
