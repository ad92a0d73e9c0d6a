"""The screening rules: what counts as an emergency, self-harm or abuse, and everyday questions that only
look like one. A false alarm hands a resident to a helpline instead of answering them, so both sides matter."""

import pytest

from service.answer.screening import Screening


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
