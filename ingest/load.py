"""Corpus files -> validated source documents. A bad file names itself and its line.

Layout of a corpus directory (searched recursively, hidden files skipped):
- ``*.jsonl`` / ``*.csv`` / ``*.xlsx``: FAQs, one entry per line or row: ``question, answer`` required (and
  ``id`` in JSONL); ``lang, category, department, contact, url, updated, closes, easy`` optional. CSV and xlsx files
  may use the headers cities' exports use (質問, 回答, 担当課, …: ``ingest/exports.py``), any supported
  encoding, and HTML answers.
- Translations of an entry (its question, or question and answer) in any of ``ingest/languages.py: LANGUAGES``:
  ``translations: {"vi": {"question": …, "answer": …}}`` in the entry, a line ``{"translation_of": <id>, "lang":
  "vi", "question": …, "answer": …}`` in any FAQ file (a file per language, as cities export them), or a column
  per language in a CSV or xlsx export (``質問_vi``, ``回答（ベトナム語）``: ``ingest/exports.py``).
- ``README*``, ``LICENSE*``, ``COPYING*``: documentation of the corpus, skipped (and said so).
- ``*.md``: one regulation each, YAML front matter ``id, title, lang, url, effective``, then its articles.
- ``departments.yaml`` (optional): department key -> names, phone and opening hours, so that an FAQ's
  ``department`` can name a key and the phone number is written once; ``open``, the hours staff answer, and the
  city's ``holidays`` as a top-level list (``ingest/office_hours.py``).
- ``corpus.yaml`` (optional, at the top): ``tables``, which dataset a table is and which of its headers holds
  which column, for a city's table whose columns are not recognised (``ingest/tables.py:Mapping``).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from tqdm import tqdm

from ingest import exports, office_hours, tables
from ingest.languages import LANGUAGES, detect
from ingest.tables import Record
from ingest.text import normalize, visible

FAQ_SUFFIXES = (".jsonl",)
TABLE_SUFFIXES = (".csv", ".xlsx")  # FAQ exports or open-data tables, told apart by their columns
DOCUMENTATION = ("readme", "license", "licence", "copying")
REGULATION_SUFFIX = ".md"
DEPARTMENTS_FILE = "departments.yaml"
CORPUS_FILE = "corpus.yaml"


@dataclass(frozen=True)
class Rejection:
    """One reason a corpus file (or one line of it) cannot be used."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class _Entry(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, coerce_numbers_to_str=True)

    id: str = Field(min_length=1)
    lang: str | None = None
    url: str = ""

    @field_validator("lang")
    @classmethod
    def _known_lang(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if value not in LANGUAGES:
            raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}")
        return value


class Translation(BaseModel):
    """An entry's question (and answer, where the city translated it) in another language, as the city wrote it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    question: str = Field(min_length=1)
    answer: str = ""

    @field_validator("question")
    @classmethod
    def _visible(cls, value: str) -> str:
        return normalize(visible(value))

    @field_validator("answer")
    @classmethod
    def _normalized(cls, value: str) -> str:
        return normalize(value)


class Faq(_Entry):
    """One published question with its answer."""

    question: str = Field(min_length=1)
    answer: str = Field(min_length=1)

    @field_validator("question", "answer")
    @classmethod
    def _visible(cls, value: str) -> str:
        """A question or answer of blanks and invisible characters says nothing."""
        return visible(value)

    category: str = ""
    department: str = ""
    contact: str = ""
    updated: str = ""
    closes: str = ""  # ISO date after which the entry is no longer served
    easy: str = ""  # the city's own やさしい日本語 version of the answer, shown to residents who ask for it
    translations: dict[str, Translation] = Field(default_factory=dict)  # by language

    @field_validator("translations")
    @classmethod
    def _translated_into_known_languages(cls, value: dict[str, Translation]) -> dict[str, Translation]:
        unknown = sorted(set(value) - set(LANGUAGES))
        if unknown:
            raise ValueError(f"unknown language {unknown[0]!r}: one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("closes", "updated")
    @classmethod
    def _iso_date(cls, value: str) -> str:
        """2026/3/31, 2026-03-31 and 2026-03-31T00:00 all become 2026-03-31; anything else stays as written
        for ``updated`` and is refused for ``closes`` (a close date that cannot be read must not be ignored)."""
        found = re.match(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", value.strip())
        if found:
            return dt.date(*(int(part) for part in found.groups())).isoformat()
        return value


class Regulation(_Entry):
    """One ordinance or rule, its articles still in one Markdown body."""

    title: str = Field(min_length=1)
    effective: str = ""
    body: str = Field(min_length=1)


@dataclass
class Corpus:
    """What a corpus directory holds, and what was wrong with it."""

    faqs: list[tuple[str, Faq]] = field(default_factory=list)  # (relative file, entry)
    regulations: list[tuple[str, Regulation]] = field(default_factory=list)
    departments: dict[str, dict[str, Any]] = field(default_factory=dict)
    holidays: list[str] = field(default_factory=list)  # the city's holidays, from departments.yaml
    rejections: list[Rejection] = field(default_factory=list)
    skipped: list[Rejection] = field(default_factory=list)  # documentation files, and table rows left out
    records: list[tuple[str, Record, str]] = field(default_factory=list)  # (file:row, row, attribution)
    translations: list[tuple[str, str, str, Translation]] = field(default_factory=list)  # (where, of, lang, text)
    files: int = 0  # the files read (a city's 例規集 is a file per 例規: a thousand or more)

    @property
    def documents(self) -> int:
        return len(self.faqs) + len(self.regulations) + len(self.records)

    @property
    def directory(self) -> dict[str, Any]:
        """What departments.yaml tells the service (kept in a generation's manifest): doors, hours, holidays."""
        return {"departments": self.departments, "holidays": self.holidays}


def load_corpus(root: Path, progress: bool | None = False) -> Corpus:
    """Read every corpus file under ``root`` (a directory, or one FAQ or regulation file); collect rejections
    instead of stopping at the first. ``progress`` shows a bar over the files (None: only on a terminal)."""
    corpus = Corpus()
    if root.is_file():
        files, root = [root], root.parent
    elif root.is_dir():
        files = sorted(p for p in root.rglob("*") if p.is_file() and not _hidden(p.relative_to(root)))
    else:
        corpus.rejections.append(Rejection(str(root), None, "corpus directory not found"))
        return corpus
    inside = root.resolve()
    mappings = _read_mappings(root / CORPUS_FILE, corpus)
    corpus.files = len(files)
    bar = tqdm(files, desc="Reading", unit="file", disable=None if progress is None else not progress)
    for path in bar:
        name = str(path.relative_to(root))
        if not path.resolve().is_relative_to(inside):  # a symbolic link out of the corpus: never read it
            corpus.rejections.append(Rejection(name, None, "a link to a file outside the corpus directory"))
            continue
        if path.name.lower().startswith(DOCUMENTATION):
            corpus.skipped.append(Rejection(name, None, "documentation of the corpus, not a source"))
            continue
        try:
            if path.name == DEPARTMENTS_FILE:
                corpus.departments, corpus.holidays = _read_departments(path, name)
            elif path.suffix in TABLE_SUFFIXES:
                given = next((m for pattern, m in mappings.items() if fnmatch.fnmatchcase(name, pattern)), None)
                _add_table(corpus, path, name, root, given)
            elif path.suffix in FAQ_SUFFIXES:
                for line, raw in _read_records(path, name):
                    _add_faq(corpus, name, line, raw)
            elif path.suffix == REGULATION_SUFFIX:
                corpus.regulations.append((name, _read_regulation(path, name)))
        except _FileError as error:
            corpus.rejections.append(error.rejection)
    _reject_duplicate_ids(corpus)
    _attach_translations(corpus)
    if not corpus.rejections and corpus.documents == 0:
        corpus.rejections.append(Rejection(str(root), None, "the corpus holds no FAQ or regulation"))
    return corpus


class _FileError(Exception):
    def __init__(self, file: str, line: int | None, message: str) -> None:
        super().__init__(message)
        self.rejection = Rejection(file, line, message)


def _hidden(relative: Path) -> bool:
    return any(part.startswith((".", "_")) for part in relative.parts)


def _read_text(path: Path, name: str) -> str:
    """A text file's content, its encoding detected (UTF-8 with or without BOM, UTF-16, Shift_JIS, EUC-JP)."""
    try:
        return exports.decode(path.read_bytes())
    except exports.UnreadableFile as error:
        raise _FileError(name, error.line, str(error)) from error


def _read_mappings(path: Path, corpus: Corpus) -> dict[str, tables.Mapping]:
    """corpus.yaml's ``tables``: file pattern -> what the table is. A bad entry is a rejection of corpus.yaml."""
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(_read_text(path, CORPUS_FILE)) or {}
    except (yaml.YAMLError, _FileError) as error:
        corpus.rejections.append(Rejection(CORPUS_FILE, None, f"invalid YAML: {error}"))
        return {}
    entries = data.get("tables", {}) if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        corpus.rejections.append(Rejection(CORPUS_FILE, None, "tables must map a file pattern to its table"))
        return {}
    found = {}
    for pattern, entry in entries.items():
        try:
            found[str(pattern)] = tables.mapping(entry)
        except tables.UnknownTable as error:
            corpus.rejections.append(Rejection(CORPUS_FILE, None, f"tables: {pattern}: {error}"))
    return found


def _add_table(corpus: Corpus, path: Path, name: str, root: Path, given: tables.Mapping | None = None) -> None:
    """A CSV or xlsx file: FAQ entries when it has question and answer columns, else an open-data table whose
    rows become records (``ingest/tables.py``), recognised by its columns or as ``corpus.yaml`` describes it."""
    try:
        source = exports.xlsx_rows(path) if path.suffix == ".xlsx" else exports.csv_rows(_read_text(path, name))
        rows = list(source)
        if given is None and exports.is_faq_table(rows):
            for line, raw in exports.records(iter(rows), path.stem):
                _add_faq(corpus, name, line, raw)
            return
        records, skipped = tables.table_records(rows, path, given)
    except exports.UnreadableFile as error:
        raise _FileError(name, error.line, str(error)) from error
    except tables.UnknownTable as error:
        raise _FileError(name, 1, f"neither FAQ columns (質問/回答, question/answer) nor {error}") from error
    credit = tables.attribution(path, root)
    corpus.records += [(f"{name}:{record.row}", record, credit) for record in records]
    corpus.skipped += [Rejection(name, line, why) for line, why in skipped]


def _read_records(path: Path, name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    text = _read_text(path, name)
    if path.suffix == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise _FileError(name, number, f"malformed JSON: {error.msg}") from error
            if not isinstance(record, dict):
                raise _FileError(name, number, "each line must be a JSON object")
            yield number, record


def faq_problem(raw: dict[str, Any]) -> str | None:
    """Why the ingest would refuse this FAQ entry (the same words as its rejection), or None: for what is
    written into the corpus by other means than a file (an approved proposal)."""
    try:
        Faq.model_validate(raw)
    except ValidationError as error:
        return _explain(error)
    return None


def _add_faq(corpus: Corpus, name: str, line: int, raw: dict[str, Any]) -> None:
    if "translation_of" in raw:
        _add_translation(corpus, name, line, raw)
        return
    try:
        faq = Faq.model_validate(raw)
    except ValidationError as error:
        corpus.rejections.append(Rejection(name, line, _explain(error)))
        return
    faq.question, faq.answer = normalize(faq.question), normalize(faq.answer)
    faq.lang = faq.lang or detect(faq.question + faq.answer)
    corpus.faqs.append((f"{name}:{line}", faq))


def _add_translation(corpus: Corpus, name: str, line: int, raw: dict[str, Any]) -> None:
    """A line that translates another entry: kept until every file is read (its entry may come later)."""
    try:
        translation = Translation.model_validate(raw)
    except ValidationError as error:
        corpus.rejections.append(Rejection(name, line, _explain(error)))
        return
    lang = str(raw.get("lang") or detect(translation.question + translation.answer))
    if lang not in LANGUAGES:
        corpus.rejections.append(Rejection(name, line, f"lang must be one of {', '.join(LANGUAGES)}"))
        return
    corpus.translations.append((f"{name}:{line}", str(raw["translation_of"]), lang, translation))


def _attach_translations(corpus: Corpus) -> None:
    """Each translation line onto the entry it names; one that names no entry is a rejection of its line."""
    entries = {faq.id: faq for _, faq in corpus.faqs}
    for where, of, lang, translation in corpus.translations:
        file, _, line = where.rpartition(":")
        if of not in entries:
            corpus.rejections.append(Rejection(file, int(line), f"translation_of {of!r} names no FAQ entry"))
        elif lang == entries[of].lang:
            corpus.rejections.append(Rejection(file, int(line), f"{of!r} is itself in {lang}"))
        else:
            entries[of].translations[lang] = translation


def _read_regulation(path: Path, name: str) -> Regulation:
    text = _read_text(path, name)
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise _FileError(name, mark.line + 1 if mark else 1, f"invalid front matter: {error}") from error
    if not post.metadata:
        raise _FileError(name, 1, "missing YAML front matter (--- id, title, lang, url, effective ---)")
    fields = {key: _plain(value) for key, value in post.metadata.items()}
    try:
        regulation = Regulation.model_validate({**fields, "body": post.content})
    except ValidationError as error:
        raise _FileError(name, 1, f"invalid front matter: {_explain(error)}") from error
    regulation.lang = regulation.lang or detect(regulation.title + regulation.body)
    return regulation


def _read_departments(path: Path, name: str) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The departments and the city's holidays; a department's ``open`` hours must read as office hours."""
    try:
        data = yaml.safe_load(_read_text(path, name)) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise _FileError(name, mark.line + 1 if mark else None, f"invalid YAML: {error}") from error
    if not isinstance(data, dict):
        raise _FileError(name, 1, "expected a mapping of department key -> {ja, en, phone, open, ...}")
    try:
        holidays = office_hours.parse_holidays(data.pop("holidays", []))
    except ValueError as error:
        raise _FileError(name, _line_of(path, "holidays"), str(error)) from error
    for key, entry in data.items():
        if not isinstance(entry, dict):
            raise _FileError(name, _line_of(path, key), f"department {key!r}: expected {{ja, en, phone, open, ...}}")
        try:
            if "open" in entry:
                office_hours.parse_week(entry["open"])
        except ValueError as error:
            raise _FileError(name, _line_of(path, key), f"department {key!r}: {error}") from error
    return data, holidays


def _line_of(path: Path, key: Any) -> int | None:
    """The line where a top-level key of a YAML file starts."""
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        if line.startswith(f"{key}:"):
            return number
    return None


def _reject_duplicate_ids(corpus: Corpus) -> None:
    seen: dict[str, str] = {}
    for where, entry in [*corpus.faqs, *corpus.regulations]:
        if entry.id in seen:
            file, _, line = where.partition(":")
            corpus.rejections.append(
                Rejection(
                    file,
                    int(line) if line else None,
                    f"duplicate id {entry.id!r} (first at {seen[entry.id]})",
                )
            )
        else:
            seen[entry.id] = where


def _plain(value: Any) -> Any:
    """YAML turns `effective: 2024-04-01` into a date; keep the text form."""
    return value.isoformat() if isinstance(value, dt.date) else value


def _explain(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        field_name = ".".join(str(p) for p in item["loc"]) or "entry"
        parts.append(f"{field_name}: {'missing' if item['type'] == 'missing' else item['msg']}")
    return "; ".join(parts)
