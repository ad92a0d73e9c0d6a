"""Personal data in a question is masked before anything is stored or logged; the question is still answered.

Recognised: My Number (12 digits whose check digit is valid), phone numbers, e-mail addresses, postal codes
and street addresses (Japanese, with digits or kanji numerals, 丁目/番/号 and の-chains, room numbers; and in
English), bank account numbers, insurance numbers, and any other long run of digits.

Residents write these in everyday variants, so the text is first folded (``fold``): widths (NFKC), invisible
format characters (zero-width spaces, soft hyphens) removed, a long run of numerals written in kanji
(〇九〇ー一二三四…) or read aloud in kana (ぜろきゅうぜろ…) turned into digits, and every dash look-alike between
digits (ー ‐ – — − …, with or without spaces around it) made a hyphen. The rules then accept any separator
between digit groups (spaces, tabs, line breaks, hyphens, dots, slashes, underscores, commas, ・) and e-mail
addresses as people write them (a Japanese local part or domain, spaces around @, (at) or [at]). The masked
text is the folded one.

Not recognised (a documented limit, docs/security.md): names of people and of buildings without a number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from ingest.text import person_names

DASHES = "\u30fc\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff70\u2043"  # ー ‐ ‑ ‒ – — ― − ﹣ ｰ ⁃
# Every dash (Unicode's Pd, and the look-alikes above) between digits is folded to '-', however many; a wave
# (〜 ～ 〰 ~) is a gap between digit groups too, but stays as written (it is also a range: 3〜5日).
_WAVES = "~\u301c\uff5e\u3030\u223c"
DASH_CLASS = re.escape(
    "-"
    + DASHES
    + "".join(chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Pd" and chr(c) not in _WAVES)
)
_DASH_BETWEEN_DIGITS = re.compile(rf"(?<=\d)[ \t]*[{DASH_CLASS}]+[ \t]*(?=\d)")
_KANJI_DIGITS = "〇零一二三四五六七八九"
_KANJI_TO_DIGIT = str.maketrans({ch: str(i) for i, ch in enumerate("〇一二三四五六七八九")} | {"零": "0"})
# Between two groups of a number, as residents type them: any run of spaces, dashes, waves and the marks people
# put between digits.
_GAP_CLASS = rf"\s{DASH_CLASS}{_WAVES}./_,・、:"
_GROUP_GAP = rf"[{_GAP_CLASS}]{{0,8}}"
_LONG_NUMERAL_RUN = re.compile(rf"[0-9{_KANJI_DIGITS}](?:[{_GAP_CLASS}()]{{0,8}}[0-9{_KANJI_DIGITS}])+")
_DIGITS_TO_READ = 7  # a run of numerals this long is a number to mask, never a word
# Digits read aloud, as a resident types a phone number: ぜろきゅうぜろ いちにさんよん ごろくななはち.
_SPOKEN = {
    "0": "ぜろ|れい|まる",
    "1": "いち",
    "2": "にい|にー|に",
    "3": "さん",
    "4": "よん|しい|しー|し",
    "5": "ごお|ごー|ご",
    "6": "ろく",
    "7": "なな|しち",
    "8": "はち",
    "9": "きゅう|きゅー|く",
}
_SPOKEN_DIGIT = "|".join(sorted((w for words in _SPOKEN.values() for w in words.split("|")), key=len, reverse=True))
_SPOKEN_RUN = re.compile(rf"(?:(?:{_SPOKEN_DIGIT})[{_GAP_CLASS}の]{{0,8}}){{10,}}")
_DIGIT_OF_WORD = {word: digit for digit, words in _SPOKEN.items() for word in words.split("|")}
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}
_NUM = rf"[0-9{_KANJI_DIGITS}十]+"
# kanji, hiragana and katakana (みなと台, 桜町, 中央), then the spaces a resident may leave before the number
_PLACE = r"[\u3005\u3040-\u30ff\u4e00-\u9fff]{1,12}(?<![年月日第])[ \t]{0,3}"
_SEP = rf"(?:[\-./_]|[ \t{_WAVES}]{{1,8}})"  # the plain separators of a long number (dashes are folded to '-')
_DATE = r"(?:19|20)\d\d([\-./])\d{1,2}\1\d{1,2}(?![\d\-./])"
# The @ of an e-mail address as people write it to get past filters: @ with spaces, (at) [at] <at>, at as a word,
# アット(マーク), あっと, or a symbol in its place (★ ☆ ◎ ● ♪ …: any of Unicode's other symbols, So).
_AT_SYMBOLS = re.escape(
    "".join(
        ch
        for ch in map(chr, range(0x2000, 0x3000))
        if unicodedata.category(ch) == "So" and unicodedata.normalize("NFKC", ch) == ch  # as the rules see it
    )
)
_AT = (
    rf"\s*(?:@|[(\[<{{（【]\s*(?:at|アット)\s*[)\]>}}）】]|アットマーク|アット|あっと|[{_AT_SYMBOLS}])\s*"
    r"|\s+at\s+"
)
# A dot of its domain: '.', (dot), ' dot ', ドット; a plain '.' followed by a space ends a sentence instead.
_DOT = r"\s*(?:[(\[<（【]\s*(?:dot|ドット)\s*[)\]>）】]|ドット|どっと)\s*|\.(?!\s)|\s\.\s|\s+dot\s+"


def fold(text: str) -> str:
    """The text as the rules read it: NFKC, no format characters (Cf), long runs of kanji or spoken numerals
    as digits, dash look-alikes between digits as '-'."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = _spoken_as_digits(text)
    text = _LONG_NUMERAL_RUN.sub(_numerals_as_digits, text)
    return _DASH_BETWEEN_DIGITS.sub("-", text)


def _spoken_as_digits(text: str) -> str:
    """Runs of digits read aloud (in hiragana or katakana) as digits; the rest of the text as it was."""
    as_hiragana = text.translate(_KATAKANA_TO_HIRAGANA)  # one character for one: the positions hold
    pieces, last = [], 0
    for run in _SPOKEN_RUN.finditer(as_hiragana):
        pieces += [text[last : run.start()], "".join(_DIGIT_OF_WORD[w] for w in re.findall(_SPOKEN_DIGIT, run[0]))]
        last = run.end()
    return "".join(pieces) + text[last:]


def _numerals_as_digits(match: re.Match[str]) -> str:
    run = match.group(0)
    digits = sum(ch.isdigit() or ch in _KANJI_DIGITS for ch in run)
    return run.translate(_KANJI_TO_DIGIT) if digits >= _DIGITS_TO_READ else run


def is_my_number(digits: str) -> bool:
    """The check digit of an individual number (マイナンバー), as the Cabinet Office defines it."""
    if len(digits) != 12 or not digits.isdigit():
        return False
    body = [int(d) for d in digits[:11]][::-1]  # P1 is the digit next to the check digit
    total = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(body, start=1))
    remainder = total % 11
    check = 0 if remainder <= 1 else 11 - remainder
    return check == int(digits[11])


def _my_number(match: re.Match[str]) -> str | None:
    # Twelve digits that are not a My Number are left to the rules below (a phone, a long number).
    return "[MY_NUMBER]" if is_my_number(re.sub(r"\D", "", match.group(0))) else None


def _phone(match: re.Match[str]) -> str | None:
    digits = re.sub(r"\D", "", match.group(0))
    national = digits[2:] if match.group(0).lstrip("(").startswith("+") else digits[1:]
    return "[PHONE]" if 9 <= len(national) <= 10 else None


Replacement = str | Callable[[re.Match[str]], str | None]

# (kind, pattern, replacement) in the order they are applied; earlier ones take precedence. A replacement that
# returns None leaves the match as it was (and the kind is not counted).
_RULES: list[tuple[str, re.Pattern[str], Replacement]] = [
    (
        "email",
        re.compile(rf"[\w.%+\-]+(?:{_AT})[\w\-]+(?:(?:{_DOT})[\w\-]+)*(?:{_DOT})[A-Za-z]{{2,24}}(?![A-Za-z])", re.I),
        "[EMAIL]",
    ),
    # Twelve digits, grouped however the resident likes (1234-5678-9018, 1234 - 5678・9018, 123456789018).
    ("my_number", re.compile(rf"(?<![\d.,+])\d(?:{_GROUP_GAP}\d){{11}}(?!\d)"), _my_number),
    (
        "insurance_number",
        re.compile(
            r"(被保険者番号|保険者番号|保険証(の)?(番号|記号)|insurance (card )?(no\.?|number))"
            r"[^0-9。\n]{0,40}[0-9][0-9 -]{3,}",
            re.I,
        ),
        r"\1 [INSURANCE_NUMBER]",
    ),
    (
        "bank_account",
        re.compile(r"(口座番号|口座|account (no\.?|number))[^0-9。\n]{0,40}[0-9][0-9 -]{5,}", re.I),
        r"\1 [BANK_ACCOUNT]",
    ),
    (
        "phone",
        re.compile(
            rf"(?<![\d\-.])\(?(?:\+81{_GROUP_GAP}\(?0?|0)\d{{1,4}}\)?(?:{_GROUP_GAP}\(?\d{{1,4}}\)?){{0,2}}"
            rf"{_GROUP_GAP}\d{{3,4}}(?![\d\-]|\.\d)"
        ),
        _phone,
    ),
    ("postal_code", re.compile(r"〒?\s?(?<!\d)\d{3}-\d{4}(?!\d)"), "[POSTAL_CODE]"),
    (
        "address",
        re.compile(
            # 桜町3丁目4番5号, みなと台三丁目四番五号, 中央2丁目10-3
            rf"{_PLACE}{_NUM}丁目(?:{_NUM}(?:番地?|-|の)(?:{_NUM}号?)?(?:-\d+)?)?"
            # みなと台3-4-5, 本町1-2-3 (three numbers, the first short: not a date)
            rf"|{_PLACE}\d{{1,2}}-\d{{1,4}}-\d{{1,4}}(?![\d\-])"
            # みなと台3の4の5, 中央3番の4
            rf"|{_PLACE}{_NUM}(?:の|番の?){_NUM}(?:の{_NUM}|号)"
            rf"|{_PLACE}{_NUM}番{_NUM}号"
            # 緑町12番地, 本町5番地の3
            rf"|{_PLACE}{_NUM}番地(?:の?{_NUM})?"
            # 寿町10-2 (a place ending in 町/村/市/区 and two numbers)
            r"|[\u3005\u4e00-\u9fff]{1,10}(?:町|村|市|区)[\u3040-\u30ff\u4e00-\u9fff]{0,8}"
            r"[ \t]{0,3}[0-9]+-[0-9]+(?:-[0-9]+)?"
            # コーポ山田101号室, 3階 205号室
            r"|[\u3005\u30a0-\u30ff\u4e00-\u9fffA-Za-z]{0,12}\s?\d{1,5}号室"
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
            r"|\b(?:room|apt\.?|apartment)\s*#?\d{1,5}\b"
        ),
        "[ADDRESS]",
    ),
    # Any other long run of digits; a date (2026-12-01, 2026/12/01) is not personal.
    ("number", re.compile(rf"(?<![\d,.])(?!{_DATE})\d(?:{_SEP}?\d){{6,}}(?![\d,.])"), "[NUMBER]"),
]


_PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")


def mask_personal_data(text: str) -> tuple[str, list[str]]:
    """The folded text with personal data replaced by placeholders, and the kinds that were found."""
    masked, found = _masked(text)
    return masked, sorted({kind for kind, _ in found})


_INTRODUCTION = re.compile(
    r"\b(?i:my name is|my name's|this is|i am|i'm|call me)\s+[A-Z][a-z]+|と申します|といいます|と言います"
)


def learnable(text: str) -> bool:
    """Whether a resident's question may become a learned phrasing (published in every later generation): nothing
    masked in it (a placeholder says something was), nothing that would be, and no person named in it (the
    dictionary's names: 私は山田花子です) nor a self-introduction (my name is …, …と申します)."""
    return (
        not _PLACEHOLDER.search(text)
        and not personal_data_in(text)
        and not _INTRODUCTION.search(text)
        and not person_names(text)
    )


def personal_data_in(text: str) -> list[tuple[str, str]]:
    """What ``mask_personal_data`` would mask: (kind, the folded text it would replace), in order of the rules."""
    return _masked(text)[1]


def _masked(text: str) -> tuple[str, list[tuple[str, str]]]:
    text = fold(text)
    found: list[tuple[str, str]] = []
    for kind, pattern, replacement in _RULES:
        text = pattern.sub(_recording(kind, replacement, found), text)
    return text, found


def _recording(kind: str, replacement: Replacement, found: list[tuple[str, str]]) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        replaced = match.expand(replacement) if isinstance(replacement, str) else replacement(match)
        if replaced is None:
            return match.group(0)
        found.append((kind, match.group(0)))
        return replaced

    return replace
