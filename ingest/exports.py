"""FAQ files as cities export them: CSV in whatever encoding Excel or the CMS wrote (UTF-8 with or without a
BOM, UTF-16, Shift_JIS/cp932, EUC-JP; CRLF; line breaks inside cells) or xlsx; headers in Japanese or a CMS's
English (質問/回答/担当課, 問い合わせ文/応答文, question/answer_html/contact department…); answers in HTML.

Everything here turns such a file into plain records with our field names (``id, question, answer, category,
department, contact, url, updated, closes``); ``ingest/load.py`` validates them like any FAQ."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import html
import io
import re
import unicodedata
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

from ingest.languages import LANGUAGES

# Each field, and the headers cities and CMS exports give it (compared after folding: NFKC, lower case, no
# spaces, no "#", no "_" or "-").
HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("id", "faqid", "番号", "no", "管理番号", "faq番号", "項番"),
    "question": (
        "question",
        "q",
        "title",
        "質問",
        "質問文",
        "問い合わせ文",
        "問合せ文",
        "よくある質問",
        "タイトル",
        "件名",
    ),
    "answer": ("answer", "a", "answerhtml", "body", "回答", "回答文", "応答文", "答え", "本文"),
    "category": ("category", "categorypath", "カテゴリ", "カテゴリー", "分類", "カテゴリ階層", "大分類"),
    "department": (
        "department",
        "contactdepartment",
        "担当課",
        "担当部署",
        "所管課",
        "担当",
        "問い合わせ先",
        "お問い合わせ先",
    ),
    "contact": ("contact", "phone", "tel", "telephone", "電話", "電話番号", "連絡先"),
    "url": ("url", "link", "リンク", "ページurl", "参照url", "関連url"),
    "updated": ("updated", "updatedat", "lastmodified", "更新日", "最終更新日", "更新日時", "公開日", "publishdate"),
    "closes": ("closes", "closedate", "enddate", "unpublishdate", "公開終了日", "掲載終了日", "終了日"),
    "easy": ("easy", "easyanswer", "やさしい日本語", "やさしい日本語の回答", "やさしいにほんご"),
    "lang": ("lang", "language", "言語"),
    "email": ("email", "mail", "メール", "メールアドレス"),
}
_ALIASES = {alias: field for field, aliases in HEADERS.items() for alias in aliases}
# A column of a translation: a question or answer header, then a language by its code or its Japanese name
# (質問_vi, question (zh-Hans), 回答（ベトナム語）): ``question:vi``, ``answer:vi``.
LANGUAGE_NAMES = {
    "英語": "en",
    "中国語簡体字": "zh-Hans",
    "簡体字": "zh-Hans",
    "中国語": "zh-Hans",
    "中国語繁体字": "zh-Hant",
    "繁体字": "zh-Hant",
    "韓国語": "ko",
    "韓国朝鮮語": "ko",
    "ベトナム語": "vi",
    "タガログ語": "tl",
    "フィリピノ語": "tl",
    "ポルトガル語": "pt",
    "ネパール語": "ne",
    "インドネシア語": "id",
    "ミャンマー語": "my",
    "ビルマ語": "my",
    "スペイン語": "es",
    "タイ語": "th",
}
_BRACKETED = re.compile(r"^(.+?)\s*[(\[](.+)[)\]]$")  # 回答(ベトナム語), question (zh-Hans), 質問(中国語(簡体字))
_SUFFIXED = re.compile(r"^(.+?)[\s_:\-]+([A-Za-z]{2}(?:-[A-Za-z]{4})?)$")  # 質問_vi, question-pt (not "id": ID)
_FOLD = re.compile(r"[\s#＿_\-・()（）]")
_BOMS = [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]
ENCODINGS = ("utf-8", "cp932", "euc_jp")  # tried after a BOM; cp932 is Shift_JIS as Windows writes it


class UnreadableFile(Exception):
    """The file is not text in any supported encoding, or not a table; ``line`` where that is known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def decode(data: bytes) -> str:
    """The text of a file whose encoding is detected from its bytes, never assumed from its name."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise UnreadableFile(f"not valid {encoding} text", _line_of(data, error.start)) from error
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        valid = [encoding for encoding in ENCODINGS[1:] if _decodes(data, encoding)]
        if not valid:
            message = "not text in a supported encoding (UTF-8, UTF-16 with a BOM, Shift_JIS/cp932, EUC-JP)"
            raise UnreadableFile(message, _line_of(data, utf8_error.start)) from utf8_error
        # Valid in both (rare for Japanese text): the likelier reading. charset-normalizer alone gives up on
        # some valid Shift_JIS files (a long list of short katakana names), so it only chooses between them.
        best = from_bytes(data, cp_isolation=valid).best() if len(valid) > 1 else None
        return str(best) if best is not None else data.decode(valid[0])


def _decodes(data: bytes, encoding: str) -> bool:
    """Valid in ``encoding`` and no byte read as a control character or as one of the code points Python's
    cp932 gives the bytes Shift_JIS leaves unused (0x80, 0xA0, 0xFD-0xFF): text, not bytes that happen to
    decode."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return not _NOT_TEXT.search(text)


_NOT_TEXT = re.compile("[\x80-\x9f\uf8f0-\uf8f3]")


def _line_of(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def header_field(header: str) -> str | None:
    """Our field name for a column header (``question:vi`` for a translation's), or None when it is not one we know."""
    folded = _FOLD.sub("", unicodedata.normalize("NFKC", header or "")).lower()
    return _ALIASES.get(folded) or _translated_field(unicodedata.normalize("NFKC", header or "").strip())


def _translated_field(header: str) -> str | None:
    """``question:<lang>`` or ``answer:<lang>`` for a translation's column; None for any other header."""
    found = _BRACKETED.match(header) or _SUFFIXED.match(header)
    if not found:
        return None
    base = _ALIASES.get(_FOLD.sub("", found.group(1)).lower())
    named = _FOLD.sub("", found.group(2))
    codes = {_FOLD.sub("", code).lower(): code for code in LANGUAGES}
    lang = LANGUAGE_NAMES.get(named) or codes.get(named.lower())
    if lang == "id" and found.re is _SUFFIXED:  # "Question ID" names an id column, not Indonesian
        return None
    return f"{base}:{lang}" if base in ("question", "answer") and lang else None


def csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number where the row starts, cells); a cell may hold line breaks."""
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as error:
        raise UnreadableFile(f"malformed CSV: {error}", reader.line_num) from error


def xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """The first worksheet's rows as text cells (dates as ISO dates), with their row numbers."""
    from openpyxl import load_workbook  # imported here: only corpora with spreadsheets pay for it

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        raise UnreadableFile(f"not a readable xlsx workbook ({type(error).__name__})") from error
    try:
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell(value) for value in values]
    finally:
        book.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def records(rows: Iterator[tuple[int, list[str]]], stem: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """FAQ records from a table's rows: the first non-empty row is the header; columns we do not know are
    ignored; a row without an id gets ``<file stem>-<row>``; HTML answers become text with their links."""
    header: list[str | None] | None = None
    for number, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = [header_field(cell) for cell in cells]
            if "question" not in header and "answer" not in header:
                found = ", ".join(cell for cell in cells if cell.strip()) or "none"
                raise UnreadableFile(
                    "no question and answer columns: expected headers such as question/answer, 質問/回答 or "
                    f"問い合わせ文/応答文 (found: {found})",
                    number,
                )
            continue
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            raise UnreadableFile("more cells than header columns", number)
        record: dict[str, Any] = {}
        for name, cell in zip(header, cells, strict=False):
            if name and ":" in name and cell.strip():  # a translation's question or answer
                part, lang = name.split(":")
                record.setdefault("translations", {}).setdefault(lang, {})[part] = cell.strip()
            elif name and cell.strip() and name not in record:
                record[name] = cell.strip()
        if "answer" in record and looks_like_html(record["answer"]):
            record["answer"], links = html_to_text(record["answer"])
            if links and not record.get("url"):
                record["url"] = links[0]
        record.setdefault("id", f"{stem}-{number}")
        if "contact" in record and "email" in record:
            record["contact"] = f"{record['contact']} {record['email']}"
        yield number, record


def is_faq_table(rows: list[tuple[int, list[str]]]) -> bool:
    """Whether a table's header row (its first non-empty row) has a question or an answer column (a row that
    lacks the other is then refused as an FAQ entry, naming what is missing)."""
    header = next((cells for _, cells in rows if any(cell.strip() for cell in cells)), [])
    names = {header_field(cell) for cell in header}
    return "question" in names or "answer" in names


def looks_like_html(text: str) -> bool:
    return bool(re.search(r"<(p|br|a|div|ul|ol|li|span|strong|table)\b", text, re.I))


class _Text(HTMLParser):
    BREAKS = frozenset({"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "ul", "ol", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BREAKS:
            self.parts.append("\n")
        if tag == "a":
            self._href = dict(attrs).get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href and self._href.startswith(("http://", "https://")):
            self.parts.append(f"（{self._href}）")
            self.links.append(self._href)
        if tag == "a":
            self._href = None
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(markup: str) -> tuple[str, list[str]]:
    """Text of an HTML answer (paragraphs and list items on their own lines), with each link's address kept
    after its words; and the links, in order."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts))
    lines = [re.sub(r"[ \t\u3000]+", " ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line), parser.links
