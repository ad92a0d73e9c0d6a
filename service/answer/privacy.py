"""Personal data in a question is masked before anything is stored or logged; the question is still answered.

Recognised: My Number (12 digits whose check digit is valid), phone numbers, e-mail addresses, postal codes
and street addresses (Japanese, with digits or kanji numerals, and in English), bank account numbers,
insurance numbers, and any other long run of digits. Residents write these in everyday variants, so the text
is first folded (``fold``): widths (NFKC), invisible format characters (zero-width spaces, soft hyphens)
removed, and every dash look-alike between digits (ー ‐ – — − …) made a hyphen. The masked text is the folded
one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

DASHES = "\u30fc\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff70\u2043"  # ー ‐ ‑ ‒ – — ― − ﹣ ｰ ⁃
_DASH_BETWEEN_DIGITS = re.compile(rf"(?<=\d)[ \t]*[{DASHES}][ \t]*(?=\d)")
_KANJI_DIGIT = "〇一二三四五六七八九十"
_NUM = rf"[0-9{_KANJI_DIGIT}]+"
_PLACE = r"[\u3005\u3040-\u30ff\u4e00-\u9fff]{1,12}"  # kanji, hiragana and katakana: みなと台, 桜町, 中央
_SEP = r"[ \-./_]"  # what residents put between digit groups
_DATE = r"(?:19|20)\d\d([\-./])\d{1,2}\1\d{1,2}(?![\d\-./])"


def fold(text: str) -> str:
    """The text as the rules read it: NFKC, no format characters (Cf), dash look-alikes between digits as '-'."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return _DASH_BETWEEN_DIGITS.sub("-", text)


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
    # Twelve digits, grouped however the resident likes (1234-5678-9018, 1234.5678.9018, 123456789018).
    ("my_number", re.compile(rf"(?<![\d.,+])\d(?:{_SEP}?\d){{11}}(?![\d])"), _my_number),
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
    (
        "phone",
        re.compile(r"(?<![\d\-.])(\+81[ \-.]?|0)\d{1,4}[ \-.]?\(?\d{1,4}\)?[ \-.]?\d{3,4}(?![\d\-]|\.\d)"),
        "[PHONE]",
    ),
    ("postal_code", re.compile(r"〒?\s?(?<!\d)\d{3}-\d{4}(?!\d)"), "[POSTAL_CODE]"),
    (
        "address",
        re.compile(
            # 桜町3丁目4番5号, みなと台三丁目四番五号, 中央2丁目10-3
            rf"{_PLACE}{_NUM}丁目(?:{_NUM}(?:番地?|-)(?:{_NUM}号?)?(?:-\d+)?)?"
            # みなと台3-4-5, 本町1-2-3 (three numbers, the first short: not a date)
            rf"|{_PLACE}(?<![年月日第])\d{{1,2}}-\d{{1,4}}-\d{{1,4}}(?![\d\-])"
            # 緑町12番地, 本町5番地の3
            rf"|{_PLACE}{_NUM}番地(?:の?{_NUM})?"
            # 寿町10-2 (a place ending in 町/村/市/区 and two numbers)
            r"|[\u3005\u4e00-\u9fff]{1,10}(?:町|村|市|区)[\u3040-\u30ff\u4e00-\u9fff]{0,8}[0-9]+-[0-9]+(?:-[0-9]+)?"
        ),
        "[ADDRESS]",
    ),
    (
        "address",
        re.compile(
            r"\b\d{1,5}\s+([A-Z][a-z]+\s){1,3}(Street|St|Avenue|Ave|Road|Rd|Lane|Drive|Dr)\b\.?"
            # 1-2-3 Chuo, Minatodai City / Chuo 1-2-3
            r"|\b\d{1,4}-\d{1,4}(?:-\d{1,4},?|,)\s+[A-Z][a-z]+(?:-(?:cho|machi|shi|ku))?\b"
            r"(?:,?\s+[A-Z][a-z]+(?:\s+(?:City|Town|Village|Ward))?)?"
            r"|\b[A-Z][a-z]+(?:-(?:cho|machi|shi|ku))?\s+\d{1,4}-\d{1,4}-\d{1,4}\b"
        ),
        "[ADDRESS]",
    ),
    # Any other long run of digits; a date (2026-12-01, 2026/12/01) is not personal.
    ("number", re.compile(rf"(?<![\d,.])(?!{_DATE})\d(?:{_SEP}?\d){{6,}}(?![\d,.])"), "[NUMBER]"),
]


def mask_personal_data(text: str) -> tuple[str, list[str]]:
    """The folded text with personal data replaced by placeholders, and the kinds that were found."""
    text = fold(text)
    found: list[str] = []
    for kind, pattern, replacement in _RULES:
        text, count = pattern.subn(replacement, text)
        if count:
            found.append(kind)
    return text, sorted(set(found))
