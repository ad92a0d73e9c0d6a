"""Source documents -> chunks. An FAQ is one question-answer pair; a regulation is one article.

Articles are found by their headings, with or without Markdown ``#`` marks: ``第5条``, ``第五条``,
``第５条の２`` (optionally followed or preceded by a caption in brackets, ``（目的）``), ``附則``, ``別表``;
``Article 5``, ``Article 5-2``, ``Supplementary Provisions``, ``Appended Table``. Inside an article,
paragraphs (項) are lines that start with their number (``２　…``; ``2. …`` or ``(2) …`` in English); the
first paragraph is unnumbered, as in Japanese statutes. Items (号) stay within their paragraph.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from ingest.load import Corpus, Faq, Regulation
from ingest.tables import Record
from ingest.text import normalize

_KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMBER = r"[0-9０-９〇一二三四五六七八九十百千]+"
_JA_ARTICLE = re.compile(
    rf"^#*\s*第({_NUMBER})条(?:の({_NUMBER}))?(?=[\s　（(]|$)(?:\s*[（(]([^）)]*)[）)])?[\s　]*(.*)$"
)
_EN_ARTICLE = re.compile(r"^(#+\s*)?Article\s+(\d+)(?:-(\d+))?\s*(?:\(([^)]*)\))?\s*([.:])?\s*(.*)$", re.I)
_SUPPLEMENTARY = re.compile(r"^#*\s*(附則|Supplementary Provisions?)\s*(.*)$", re.I)
_TABLE = re.compile(
    r"^#*\s*(別表(?:第?[0-9一二三四五六七八九十]+)?|Appended Table(?:\s+\d+)?)\s*([（(][^）)]*[）)])?\s*(.*)$",
    re.I,
)
_CAPTION_LINE = re.compile(r"^[（(]([^）)]+)[）)]$")
_JA_PARAGRAPH = re.compile(r"^([0-9０-９]+)[\s　]+(.*)$")
_EN_PARAGRAPH = re.compile(r"^(?:\((\d+)\)|(\d+)\.)\s+(.*)$")


@dataclass
class Chunk:
    """The unit that is embedded, retrieved and cited."""

    id: str
    doc_id: str
    kind: str  # "faq" | "regulation" | "record" (a row of an open-data table)
    lang: str
    title: str  # the FAQ's question, or the regulation's title
    section: str  # "" for an FAQ; "第5条", "第5条の2", "附則", "Article 5"
    heading: str  # the article's caption, e.g. "目的" / "Purpose"
    text: str  # the FAQ's answer, or the article's body
    url: str
    updated: str
    category: str = ""
    department: str = ""
    contact: str = ""
    paragraphs: list[str] = field(default_factory=list)  # the article's 項, first one first
    source: str = ""  # corpus file (and line) it came from
    closes: str = ""  # ISO date after which it is no longer served (an FAQ's close date); "" never
    fields: dict[str, str] = field(default_factory=dict)  # a record's values by column (ingest/tables.py)
    easy: str = ""  # an FAQ's answer in やさしい日本語, as the city wrote it ("": none)
    # an FAQ's question (and answer) in other languages, as the city wrote them: lang -> {"question", "answer"}
    translations: dict[str, dict[str, str]] = field(default_factory=dict)

    def asked_as(self) -> list[str]:
        """Every question the city wrote for this chunk: its own, then its translations'."""
        return [self.title, *(t["question"] for t in self.translations.values())]

    def answer_in(self, lang: str) -> str:
        """The city's answer in ``lang``: its own, a translation's, or "" when the city wrote none in it."""
        if lang == self.lang:
            return self.text
        return self.translations.get(lang, {}).get("answer", "")

    @property
    def digest(self) -> str:
        """Changes whenever anything a resident could see changes."""
        fields = dict(vars(self))  # what asdict gives, without its deep copy (a build reads 20,000 of them)
        for name in (
            "closes",
            "fields",
            "easy",
            "translations",
        ):  # digests stay as they were before these existed, where they are empty
            if not fields[name]:
                del fields[name]
        payload = json.dumps(fields, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def to_record(self) -> dict[str, Any]:
        return dict(vars(self))  # its fields (what asdict gives, without copying them: only written out)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Chunk:
        return cls(**record)


def chunk_corpus(corpus: Corpus) -> list[Chunk]:
    """Every chunk of a loaded corpus, FAQs first, in file order."""
    chunks = [_faq_chunk(where, faq, corpus.departments) for where, faq in corpus.faqs]
    for where, regulation in corpus.regulations:
        chunks.extend(chunk_regulation(regulation, source=where))
    chunks += [_record_chunk(where, record, credit, corpus.departments) for where, record, credit in corpus.records]
    return chunks


def _record_chunk(where: str, record: Record, credit: str, departments: dict[str, dict[str, Any]]) -> Chunk:
    """One row of an open-data table: its item is the title, the row as published the text, the dataset's
    title the heading; the licence's attribution is part of what is shown."""
    dataset = record.dataset
    file, _, row = where.rpartition(":")
    department, contact = _department(dataset.department, "", "ja", departments)
    if department == dataset.department:  # the corpus names no such department
        department = dataset.department_label[0]
    text = record.text("ja") + (f"\n{credit}" if credit else "")
    return Chunk(
        id=f"{file.rsplit('.', 1)[0]}#{row}",
        doc_id=f"{file.rsplit('.', 1)[0]}#{row}",
        kind="record",
        lang="ja",
        title=record.item,
        section=f"{row}行目",
        heading=record.title,
        text=text,
        url=record.values.get("url", ""),
        updated=record.updated,
        category=dataset.kind,
        department=department,
        contact=contact,
        source=where,
        fields=dict(record.values),
    )


def _faq_chunk(where: str, faq: Faq, departments: dict[str, dict[str, Any]]) -> Chunk:
    lang = faq.lang or "ja"
    department, contact = _department(faq.department, faq.contact, lang, departments)
    return Chunk(
        id=faq.id,
        doc_id=faq.id,
        kind="faq",
        lang=lang,
        title=faq.question,
        section="",
        heading="",
        text=faq.answer,
        url=faq.url,
        updated=faq.updated,
        category=faq.category,
        department=department,
        contact=contact,
        source=where,
        closes=faq.closes,
        easy=faq.easy,
        translations={lang: t.model_dump() for lang, t in sorted(faq.translations.items())},
    )


def _department(key: str, contact: str, lang: str, departments: dict[str, dict[str, Any]]) -> tuple[str, str]:
    """Resolve a department key from departments.yaml into its name and 'phone (hours)' contact line."""
    known = departments.get(key)
    if not known:
        return key, contact
    names = known.get(lang) or known.get("ja") or {}
    name = names.get("name", key) if isinstance(names, dict) else str(names)
    hours = names.get("hours", "") if isinstance(names, dict) else ""
    phone = str(known.get("phone", ""))
    return name, contact or (f"{phone} ({hours})" if hours else phone)


def chunk_regulation(regulation: Regulation, source: str = "") -> list[Chunk]:
    """One chunk per article (and one for the supplementary provisions)."""
    lang = regulation.lang or "ja"
    chunks: list[Chunk] = []
    current: dict[str, Any] | None = None
    pending_caption = ""
    for raw_line in regulation.body.splitlines():
        line = normalize(raw_line).strip()
        if not line:
            continue
        heading = _article_heading(line)
        if heading:
            section, key, caption, rest = heading
            if current:
                chunks.append(_article_chunk(regulation, lang, source, **current))
            current = {"section": section, "key": key, "caption": caption or pending_caption, "lines": []}
            if rest:
                current["lines"].append(rest)
            pending_caption = ""
        elif _CAPTION_LINE.match(line):
            pending_caption = _CAPTION_LINE.match(line).group(1)  # type: ignore[union-attr]
        elif current and not line.startswith("#"):
            current["lines"].append(line)
    if current:
        chunks.append(_article_chunk(regulation, lang, source, **current))
    return chunks


def _article_heading(line: str) -> tuple[str, str, str, str] | None:
    """(section label, id key, caption, text on the same line) when ``line`` starts an article."""
    if match := _JA_ARTICLE.match(line):
        number, sub, caption, rest = match.groups()
        n, s = kanji_to_int(number), (kanji_to_int(sub) if sub else None)
        section = f"第{n}条" + (f"の{s}" if s else "")
        return section, f"{n}" + (f"-{s}" if s else ""), caption or "", rest
    if (match := _EN_ARTICLE.match(line)) and (
        match.group(1) or match.group(4) or match.group(5) or not match.group(6)
    ):
        # "Article 5 applies ..." inside a paragraph is a reference, not a heading.
        _, number, sub, caption, _, rest = match.groups()
        section = f"Article {number}" + (f"-{sub}" if sub else "")
        return section, f"{number}" + (f"-{sub}" if sub else ""), caption or "", rest
    if match := _SUPPLEMENTARY.match(line):
        return match.group(1), "supplementary", "", match.group(2)
    if match := _TABLE.match(line):
        label = match.group(1)
        number = re.sub(r"\D", "", normalize(label)) or (
            str(kanji_to_int(label[-1])) if label[-1] in _KANJI_DIGITS else ""
        )
        return (
            label,
            "table" + (f"-{number}" if number else ""),
            (match.group(2) or "").strip("（）()"),
            match.group(3),
        )
    return None


def _article_chunk(
    regulation: Regulation, lang: str, source: str, section: str, key: str, caption: str, lines: list[str]
) -> Chunk:
    return Chunk(
        id=f"{regulation.id}#{key}",
        doc_id=regulation.id,
        kind="regulation",
        lang=lang,
        title=regulation.title,
        section=section,
        heading=caption,
        text="\n".join(lines),
        url=regulation.url,
        updated=regulation.effective,
        paragraphs=_paragraphs(lines, lang),
        source=source,
    )


def _paragraphs(lines: list[str], lang: str) -> list[str]:
    """Split an article's lines into its 項: a new one starts at each numbered line."""
    paragraphs: list[str] = []
    for line in lines:
        numbered = _JA_PARAGRAPH.match(line) if lang == "ja" else _EN_PARAGRAPH.match(line)
        if numbered or not paragraphs:
            paragraphs.append(line)
        else:
            paragraphs[-1] += "\n" + line
    return paragraphs


def kanji_to_int(text: str) -> int:
    """'五' -> 5, '十二' -> 12, '百二十三' -> 123, '５' -> 5."""
    text = normalize(text)
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for char in text:
        if char in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[char]
        elif char in _KANJI_UNITS:
            total += (digit or 1) * _KANJI_UNITS[char]
            digit = 0
        else:
            raise ValueError(f"not a number: {text!r}")
    return total + digit
