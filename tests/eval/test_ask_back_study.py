"""The study that chose the edges of asking back replays the service's own rule: on our own questions, its
decision from the recorded entries is what the answer path decides."""

from eval import ask_back_study
from eval.answers import question_context
from eval.embedders import load_queries
from eval.harness import SAMPLE_QUESTIONS
from service.answer.ask_back import Edges
from service.answer.pipeline import answer


def test_the_study_decides_as_the_service_does(services):
    edges = Edges.of(services.settings)
    questions = [q for q in load_queries(SAMPLE_QUESTIONS) if not q.get("context")][:24]
    records = ask_back_study.collect(services, questions, "own")
    compared = 0
    for question, record in zip(questions, records, strict=True):
        outcome = answer(question_context(services, question))
        if record["ended"]:
            continue  # the screen or a row: not what the study replays
        decided, shown = ask_back_study.decide(record, edges)
        expected = {"answered": "answer", "clarify": "clarify"}.get(outcome.outcome, "handoff")
        assert decided == expected, (question["query"], record)
        if decided == "clarify":
            assert shown == [choice.id for choice in outcome.choices]
        compared += 1
    assert compared >= 12
