"""Which language a resident writes in (ingest/languages.py; ADR 0012)."""

import pytest

from ingest.languages import LANGUAGES, NAMES, detect


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("住民票の写しはどこで取れますか", "ja"),
        ("粗大ごみ", "ja"),
        ("마이넘버 카드를 잃어버렸어요", "ko"),
        ("ห้องสมุดปิดกี่โมง", "th"),
        ("စာကြည့်တိုက် ဘယ်အချိန် ပိတ်လဲ။", "my"),
        ("पुस्तकालय कति बजे बन्द हुन्छ?", "ne"),
        ("图书馆几点关门？", "zh-Hans"),
        ("圖書館幾點關門？", "zh-Hant"),
        ("Where can I get a copy of my resident record?", "en"),
        ("Tôi làm mất thẻ My Number, phải làm sao?", "vi"),
        ("Nawala ko ang My Number card ko, ano ang dapat kong gawin?", "tl"),
        ("Perdi meu cartão My Number, o que devo fazer?", "pt"),
        ("Kartu My Number saya hilang, apa yang harus saya lakukan?", "id"),
        ("Perdí mi tarjeta My Number, ¿qué debo hacer?", "es"),
    ],
)
def test_each_language_is_told_from_a_short_question(text, lang):
    assert detect(text) == lang


@pytest.mark.parametrize("text", ["住民票 手数料", "転入届 必要書類", "国民健康保険 加入", "市役所 開庁時間"])
def test_japanese_written_in_kanji_alone_stays_japanese(text):
    assert detect(text) == "ja"


def test_chinese_in_characters_japanese_also_writes_is_told_by_its_words():
    assert detect("我想登記印章") == "zh-Hant"  # every character is a 常用漢字; 我 is not said so in Japanese
    assert detect("家裡應該儲備多少緊急用水？") == "zh-Hant"  # 應: an old form, kept only in names


def test_a_toss_up_in_latin_script_is_read_as_english():
    assert detect("sodai gomi pick up booking") == "en"  # romanised Japanese


def test_digits_alone_are_read_as_the_city_language():
    assert detect("119") == "ja"


def test_every_language_has_its_own_name():
    assert set(NAMES) == set(LANGUAGES)
