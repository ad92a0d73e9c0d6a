"""The screening rules: what counts as an emergency, self-harm or abuse, and everyday questions that only
look like one. A false alarm hands a resident to a helpline instead of answering them, so both sides matter."""

import json
from pathlib import Path

import pytest

from service.answer.screening import Screening

QUESTIONS = Path(__file__).parents[3] / "eval" / "questions"


def own_questions(kind_is_sensitive: bool) -> list[dict[str, str]]:
    lines = [line for path in sorted(QUESTIONS.glob("*.jsonl")) for line in path.read_text("utf-8").splitlines()]
    rows = [json.loads(line) for line in lines]
    return [row for row in rows if (row.get("kind") == "sensitive") is kind_is_sensitive]


@pytest.fixture(scope="module")
def screening() -> Screening:
    return Screening.load()


@pytest.mark.parametrize(
    ("question", "category"),
    [
        ("台所から火が出た", "emergency_fire_ambulance"),
        ("隣が火事です", "emergency_fire_ambulance"),
        ("there is a fire in my apartment", "emergency_fire_ambulance"),
        ("母が倒れて息をしていない", "emergency_fire_ambulance"),
        ("空き巣に入られました", "emergency_crime"),
        ("someone is breaking in right now", "emergency_crime"),
        ("死にたいです", "self_harm"),
        ("I keep thinking about ending my life", "self_harm"),
        ("夫からDVを受けています", "abuse"),
        ("夫から暴力を受けていて家に帰れません", "abuse"),
        ("パートナーに蹴られた", "abuse"),
        ("my partner hits me", "abuse"),
    ],
)
def test_a_sensitive_question_is_recognised(screening: Screening, question: str, category: str) -> None:
    match = screening.match(question)
    assert match is not None and match.name == category


@pytest.mark.parametrize(
    "question",
    [
        "児童手当は受けられますか",
        "医療費の助成を受けられる条件は",
        "Could you kindly advise me on pension exemptions?",
        "how do I dispose of a fire extinguisher",
        "火災保険の罹災証明はどこで出せますか",
        "火災報知器の設置に補助はありますか",
        "火事のときの避難場所はどこ",
        "I was fired, can I still join national health insurance?",
        "is there a break in pension payments when I move",
        "can the fire station check my smoke alarm",
    ],
)
def test_an_everyday_question_is_not_mistaken_for_an_emergency(screening: Screening, question: str) -> None:
    assert screening.match(question) is None


@pytest.mark.parametrize("row", own_questions(True), ids=lambda row: row["id"])
def test_a_sensitive_cue_is_recognised_as_residents_say_it_even_beside_an_ordinary_topic(screening, row):
    """eval/questions/sensitive_mixed.jsonl: 配偶者からの暴力, 夫が怖い, もう消えたい。児童手当の手続きは…"""
    match = screening.match(row["query"])
    assert match is not None and match.name == row["category"], row["query"]


def test_no_ordinary_question_of_the_own_question_sets_is_taken_for_a_sensitive_one(screening):
    ordinary = own_questions(False)
    assert len(ordinary) > 400
    assert [row["query"] for row in ordinary if screening.match(row["query"])] == []
