"""The やさしい日本語 checker: each rule of the guideline it can read by form is found, with what it found; an
easy text that keeps them is found clean."""

from __future__ import annotations

import pytest

from service.report.easy_japanese import SENTENCE_MAX, problems


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("市役所の 市民課で、住民票の写しや 印鑑登録証明書などの 証明書を もらうことが できます。", "long_sentence"),
        ("申し込まなければなりません。", "double_negative"),
        ("窓口で お書きいただきます。", "honorific"),
        ("ございます。", "honorific"),
        ("インターネットで 申し込みます。", "katakana_loanword"),
        ("令和8年4月から はじまります。", "era_without_western_year"),
    ],
)
def test_each_rule_it_can_read_is_found_with_what_it_found(text, code):
    found = problems(text)
    assert [finding.split(":")[0] for finding in found] == [code], found


def test_an_easy_text_that_keeps_the_rules_is_clean():
    assert problems("住民票の写しは 市民課で もらえます。1まい 300円です。2026年（令和8年）4月から です。") == []


def test_a_sentence_just_within_the_limit_is_short_enough():
    assert problems("あ" * SENTENCE_MAX + "。") == [] and problems("あ" * (SENTENCE_MAX + 1) + "。")
