"""Personal data in a question is masked before anything is stored or logged; the question is still answered.

Recognised: My Number (12 digits whose check digit is valid), phone numbers, e-mail addresses, postal codes
and street addresses, bank account numbers, insurance numbers, and any other long run of digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_DIGITS = r"[0-9]"


def is_my_number(digits: str) -> bool:
    """The check digit of an individual number (マイナンバー), as the Cabinet Office defines it."""
    if len(digits) != 12 or not digits.isdigit():
        return False
    body = [int(d) for d in digits[:11]][::-1]  # P1 is the digit next to the check digit
    total = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(body, start=1))
    remainder = total % 11
    check = 0 if remainder <= 1 else 11 - remainder
    return check == int(digits[11])


def _my_number(match: re.Match[str]) -> str:
    return "[MY_NUMBER]" if is_my_number(re.sub(r"\D", "", match.group(0))) else "[NUMBER]"


# (kind, pattern, replacement) in the order they are applied; earlier ones take precedence.
_RULES: list[tuple[str, re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    ("email", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"), "[EMAIL]"),
    ("my_number", re.compile(r"(?<!\d)\d{4}[ -]?\d{4}[ -]?\d{4}(?!\d)"), _my_number),
    (
        "insurance_number",
        re.compile(
            r"(被保険者番号|保険者番号|保険証(の)?(番号|記号)|insurance (card )?(no\.?|number))"
            r"[^0-9]{0,6}[0-9][0-9 -]{3,}",
            re.I,
        ),
        r"\1 [INSURANCE_NUMBER]",
    ),
    (
        "bank_account",
        re.compile(r"(口座番号|口座|account (no\.?|number))[^0-9]{0,6}[0-9][0-9 -]{5,}", re.I),
        r"\1 [BANK_ACCOUNT]",
    ),
    ("phone", re.compile(r"(?<![\d-])(\+81[ -]?|0)\d{1,4}[ -]?\(?\d{1,4}\)?[ -]?\d{3,4}(?![\d-])"), "[PHONE]"),
    ("postal_code", re.compile(r"〒?\s?(?<!\d)\d{3}-\d{4}(?!\d)"), "[POSTAL_CODE]"),
    (
        "address",
        re.compile(
            r"[\u3005\u30a0-\u30ff\u4e00-\u9fff]{1,12}[0-9一二三四五六七八九十]+丁目[0-9]+(番地?|-)([0-9]+(号)?)?(-[0-9]+)?"
            r"|[\u3005\u4e00-\u9fff]{1,10}(町|村|市|区)[\u30a0-\u30ff\u4e00-\u9fff]{0,8}[0-9]+-[0-9]+(-[0-9]+)?"
        ),
        "[ADDRESS]",
    ),
    (
        "address",
        re.compile(r"\b\d{1,5}\s+([A-Z][a-z]+\s){1,3}(Street|St|Avenue|Ave|Road|Rd|Lane|Drive|Dr)\b\.?"),
        "[ADDRESS]",
    ),
    ("number", re.compile(r"(?<![\d,.])\d(?:[ -]?\d){6,}(?![\d,.])"), "[NUMBER]"),
]


def mask_personal_data(text: str) -> tuple[str, list[str]]:
    """The text with personal data replaced by placeholders, and the kinds that were found."""
    found: list[str] = []
    for kind, pattern, replacement in _RULES:
        text, count = pattern.subn(replacement, text)
        if count:
            found.append(kind)
    return text, sorted(set(found))
