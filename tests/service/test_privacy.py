import pytest

from service.privacy import is_my_number, mask_personal_data


def test_a_my_number_is_recognised_by_its_check_digit():
    assert is_my_number("123456789018")
    assert not is_my_number("123456789017")
    assert not is_my_number("12345678901")


@pytest.mark.parametrize(
    ("text", "kind", "secret"),
    [
        ("個人番号は 1234-5678-9018 です", "my_number", "1234-5678-9018"),
        ("携帯 090-1234-5678 に連絡ください", "phone", "090-1234-5678"),
        ("call me on +81 90 1234 5678", "phone", "1234 5678"),
        ("自宅は 03-1234-5678", "phone", "1234-5678"),
        ("メールは hanako.sato+city@example.co.jp です", "email", "hanako.sato"),
        ("〒250-0011 に住んでいます", "postal_code", "250-0011"),
        ("住所は桜町3丁目4番5号です", "address", "3丁目4番5号"),
        ("I live at 12 Cherry Blossom Street.", "address", "12 Cherry"),
        ("口座番号 1234567 に振り込んで", "bank_account", "1234567"),
        ("被保険者番号 12345678 の保険証", "insurance_number", "12345678"),
        ("my account number is 0012345678", "bank_account", "0012345678"),
    ],
)
def test_personal_data_is_masked(text, kind, secret):
    masked, kinds = mask_personal_data(text)
    assert kind in kinds
    assert secret not in masked


@pytest.mark.parametrize(
    "text",
    [
        "粗大ごみは1点500円、2,000円です",
        "令和6年4月1日から",
        "Article 5-2 applies",
        "午前8時30分まで",
        "10キログラムごとに200円",
    ],
)
def test_fees_dates_and_article_numbers_are_left_alone(text):
    assert mask_personal_data(text) == (text, [])
