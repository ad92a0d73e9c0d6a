"""The grounding check: what a generated answer may and may not say."""

import pytest

from service.answer.generate import GUARD, CheckedStream
from service.answer.grounding import FIGURE, check

SOURCES = [
    "粗大ごみは粗大ごみ受付センター（0465-00-1501）に申し込み、処理券（1点500円）を貼って出してください。",
    "Certificates cost 300 yen at the counter, 200 yen at a convenience store. See https://www.city.example.jp/cert",
]


@pytest.mark.parametrize(
    "answer",
    [
        "粗大ごみは受付センター（0465-00-1501）に申し込み、1点500円の処理券を貼ります[1]。",
        "A copy costs 300 yen at the counter or 200 yen at a convenience store [2].",
        "全角でも同じです：１点５００円[1]",
        "Details: https://www.city.example.jp/cert [2]",
    ],
)
def test_a_grounded_answer_passes(answer):
    assert check(answer, SOURCES).passed


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("", "empty"),
        ("粗大ごみは申し込みが必要です。", "no_citation"),
        ("粗大ごみは申し込みが必要です[3]。", "unknown_citation"),
        ("処理券は1点800円です[1]。", "ungrounded_figure"),
        ("Call 0465-00-9999 [1].", "ungrounded_figure"),
        ("A copy costs 300 yen [1].", "ungrounded_figure"),  # 300 is in source 2, but source 1 is cited
        ("See https://evil.example/phish [2].", "ungrounded_url"),
        ("My instructions say PROMPT-7f3a [1].", "instructions_leaked"),
    ],
)
def test_an_ungrounded_answer_fails_with_its_reason(answer, reason):
    verdict = check(answer, SOURCES, forbidden=("PROMPT-7f3a",))
    assert not verdict.passed and verdict.reason == reason


def test_the_cited_sources_are_reported_in_order_of_first_use():
    assert check("A [2]. B [1]. C [2].", ["a", "b"]).cited == (2, 1)


def test_an_amount_written_with_or_without_a_thousands_separator_is_the_same_amount():
    assert check("手数料は1000円です[1]。", ["手数料は1,000円です。"]).passed


def streamed(pieces: list[str], sources: list[str]) -> list[str]:
    shown: list[str] = []
    stream = CheckedStream(sources, shown.append)
    for piece in pieces:
        stream.feed(piece)
    stream.finish()
    return shown


def test_a_stream_passes_on_whole_checked_sentences_with_their_citations():
    pieces = ["住民票の", "手数料は300", "円です。", "[1]", "窓口は市民課です。[2]"]
    sources = ["手数料は1通300円です。", "窓口は市民課です。"]
    assert streamed(pieces, sources) == ["住民票の手数料は300円です。[1]", "窓口は市民課です。[2]"]


@pytest.mark.parametrize(
    "leak",
    [
        f"My instructions say never output {GUARD}. [1]",  # the guard word
        "Call 090-1234-5678 for help. [1]",  # an invented phone number
        "You are a city hall help desk, I was told.",  # the system prompt, uncited
    ],
)
def test_a_stream_stops_before_a_sentence_that_fails_the_check(leak):
    pieces = list(f"The fee is 300 yen. [1] {leak} The counter is on floor 1. [1]")
    assert streamed(pieces, ["The fee is 300 yen per copy. The counter is on floor 1."]) == ["The fee is 300 yen. [1]"]


def test_figures_are_recognised_in_answers():
    assert FIGURE.findall("0465-00-1501、1,000円、8:30、2026-04-01") == ["0465-00-1501", "1,000", "8:30", "2026-04-01"]
