"""Open-data tables as sources: each row of a recognised dataset becomes one citable record.

Cities publish their garbage separation lists, collection days, evacuation places and facilities as CSV or xlsx,
in the Digital Agency's standard datasets (自治体標準オープンデータセット) or in their own variants (English
camelCase headers, a ``#property`` row-number column, prefixes such as ``ごみの分別方法_``). A table is recognised
by its columns (``DATASETS``); a row without the values its dataset needs is skipped and reported with its
file and row; a table whose columns match no dataset is refused naming what was expected. The dataset's title
comes from the city's own ``config.yml`` beside the file when there is one.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

# Column headers are compared folded: NFKC, lower case, without spaces, "#", "_", "-", "・" and a dataset prefix.
_FOLD = re.compile(r"[\s#＿_\-・]")


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...]
    label: tuple[str, str] = ("", "")  # (ja, en) shown before the value; "" shows the value alone


@dataclass(frozen=True)
class Dataset:
    kind: str
    title: tuple[str, str]  # (ja, en), unless the city's config.yml names it
    columns: tuple[Column, ...]
    required: tuple[str, ...]  # columns a table must have to be this dataset, and a row must fill
    item: str  # the column that names a row (what residents ask about)
    department: str  # departments.yaml key that takes over when the list does not answer
    department_label: tuple[str, str]  # shown when the corpus has no such key

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


HAZARDS = (
    Column("flood", ("floodl1", "floodl2", "洪水", "flood"), ("洪水", "flood")),
    Column(
        "sediment", ("sedimentdisaster", "崖崩れ、土石流及び地滑り", "土砂災害", "がけ崩れ"), ("土砂災害", "landslide")
    ),
    Column("storm_surge", ("stormsurge", "高潮"), ("高潮", "storm surge")),
    Column("tsunami", ("tunami", "tsunami", "津波"), ("津波", "tsunami")),
    Column("earthquake", ("earthquake", "地震"), ("地震", "earthquake")),
    Column("fire", ("fire", "大規模な火事", "大規模火災"), ("大規模な火事", "large fire")),
    Column("inundation", ("inundation", "内水氾濫"), ("内水氾濫", "inland flooding")),
    Column("volcano", ("volcano", "火山現象"), ("火山現象", "volcano")),
)
_NAME = Column("name", ("name", "名称", "施設名", "名前"))
_ADDRESS = Column("address", ("address", "住所", "所在地", "所在地_連結表記"), ("住所", "address"))
_PHONE = Column("phone", ("telephonenumber", "電話番号", "tel", "phone"), ("電話", "phone"))
_NOTE = Column("note", ("note", "備考", "特記事項", "注意事項", "出し方のポイント"), ("備考", "note"))
# Where a site is, for the nearest sites to a resident who sends a location; never shown as text.
_LATITUDE = Column("latitude", ("latitude", "緯度", "lat"))
_LONGITUDE = Column("longitude", ("longitude", "経度", "lon", "lng"))
COORDINATES = ("latitude", "longitude")

DATASETS = (
    Dataset(
        "garbage_separation",
        ("ごみ分別一覧", "Garbage separation list"),
        (
            Column("item", ("name", "品目", "品目名", "ゴミの品目", "ごみの品目", "品名", "item")),
            Column("kana", ("ゴミの品目カナ", "ごみの品目カナ", "品目カナ", "よみがな", "kana")),
            Column("english", ("ゴミの品目英字", "ごみの品目英字", "品目英字", "english")),
            Column("class", ("classification", "分別区分", "区分", "ごみの種類", "分別", "出し方"), ("分別", "class")),
            _NOTE,
        ),
        ("item", "class"),
        "item",
        "kankyo",
        ("ごみ・リサイクルの担当課", "the waste and recycling division"),
    ),
    Dataset(
        "garbage_collection",
        ("ごみ収集日", "Garbage collection days"),
        (
            Column("district", ("name", "地区名", "地区", "収集地区", "district", "area")),
            Column("burnable", ("burnablegarbage", "燃やせるごみ", "可燃ごみ"), ("燃やせるごみ", "burnable")),
            Column("crushable", ("crushablegarbage", "破砕ごみ", "不燃ごみ"), ("破砕ごみ", "crushable")),
            Column(
                "cans",
                ("cansglassplastic", "缶・びん・ペットボトル", "資源ごみ"),
                ("缶・びん・ペットボトル", "cans, glass, PET"),
            ),
            Column("paper", ("paperandcloth", "紙・布", "古紙"), ("紙・布", "paper and cloth")),
            Column(
                "plastic",
                ("plasticcontainers", "プラスチック製容器包装"),
                ("プラスチック製容器包装", "plastic containers"),
            ),
        ),
        ("district", "burnable"),
        "district",
        "kankyo",
        ("ごみ・リサイクルの担当課", "the waste and recycling division"),
    ),
    Dataset(
        "evacuation_space",
        ("指定緊急避難場所", "Designated emergency evacuation sites"),
        (
            _NAME,
            _ADDRESS,
            *HAZARDS,
            Column("capacity", ("capacity", "収容人数", "想定収容人数"), ("収容人数", "capacity")),
            Column(
                "district",
                ("residentsassociation", "地区", "地区名", "校区", "自治会", "対象となる町会自治会"),
                ("地区", "district"),
            ),
            _PHONE,
            _NOTE,
            _LATITUDE,
            _LONGITUDE,
        ),
        ("name", "address", "tsunami"),
        "name",
        "bosai",
        ("防災の担当課", "the disaster prevention division"),
    ),
    Dataset(
        "tsunami_building",
        ("津波避難ビル", "Tsunami evacuation buildings"),
        (
            _NAME,
            _ADDRESS,
            Column("shelter", ("shelter", "避難可能階", "避難場所"), ("避難できる場所", "where to shelter")),
            Column("capacity", ("capacity", "収容人数", "想定収容人数"), ("収容人数", "capacity")),
            Column("district", ("district", "地区", "地区名"), ("地区", "district")),
            _NOTE,
            _LATITUDE,
            _LONGITUDE,
        ),
        ("name", "address", "shelter"),
        "name",
        "bosai",
        ("防災の担当課", "the disaster prevention division"),
    ),
    Dataset(
        "facility",
        ("施設一覧", "Facilities"),
        (
            _NAME,
            _ADDRESS,
            Column("position", ("installationposition", "設置位置"), ("設置場所", "where")),
            Column("opens", ("starttime", "開始時間", "利用開始時間"), ("開始", "opens")),
            Column("closes", ("endtime", "終了時間", "利用終了時間"), ("終了", "closes")),
            Column("days", ("availabledate", "利用可能曜日"), ("利用できる日", "days")),
            Column("manager", ("管理者", "manager"), ("管理者", "managed by")),
            _PHONE,
            _NOTE,
            Column("url", ("url",), ("URL", "URL")),
        ),
        ("name", "address"),
        "name",
        "",
        ("市役所の総合案内", "the city hall's general enquiries"),
    ),
)


@dataclass
class Record:
    """One row of a dataset: its values by column name, and the text residents are shown (verbatim values)."""

    dataset: Dataset
    title: str  # the dataset's title as the city names it
    row: int
    values: dict[str, str] = field(default_factory=dict)
    updated: str = ""  # the file's date

    @property
    def item(self) -> str:
        return self.values[self.dataset.item]

    def text(self, lang: str = "ja") -> str:
        """The row as residents read it: the item, then each value with its column's label, as published."""
        index = 0 if lang == "ja" else 1
        lines = [self.item]
        for column in self.dataset.columns:
            value = self.values.get(column.name, "")
            hidden = (self.dataset.item, "kana", "english", *COORDINATES)
            if value and column.name not in hidden and column not in HAZARDS:
                lines.append(f"{column.label[index]}：{value}" if column.label[index] else value)
        marks = [f"{column.label[index]}{self.values[column.name]}" for column in HAZARDS if column.name in self.values]
        if marks:
            lines.append(
                ("災害ごとの適否（○適、△条件付き）：" if lang == "ja" else "Suitable for (○ yes, △ with conditions): ")
                + " ".join(marks)
            )
        return "\n".join(lines)


class UnknownTable(Exception):
    """A table whose columns match no dataset."""


@dataclass(frozen=True)
class Mapping:
    """What a corpus's ``corpus.yaml`` says about a table whose columns are not recognised: the dataset it is,
    which of the file's headers holds each of the dataset's columns, and the list's title::

        tables:
          ごみ/分け方辞典.csv:          # a path under the corpus, or a pattern (ごみ/*.csv)
            dataset: garbage_separation
            title: ごみの分け方辞典
            columns: {item: 品名, class: 出す日, note: ひとこと}
    """

    dataset: Dataset
    columns: dict[str, str]  # the dataset's column name -> the file's header
    title: str = ""


def dataset_named(kind: str) -> Dataset:
    found = next((dataset for dataset in DATASETS if dataset.kind == kind), None)
    if found is None:
        raise UnknownTable(f"no dataset {kind!r} (known: {', '.join(d.kind for d in DATASETS)})")
    return found


def mapping(entry: object) -> Mapping:
    """One table's entry of ``corpus.yaml``, checked: a known dataset, its column names, headers as text."""
    if not isinstance(entry, dict) or not isinstance(entry.get("columns"), dict):
        raise UnknownTable("a table's entry needs dataset and columns (the dataset's column: the file's header)")
    dataset = dataset_named(str(entry.get("dataset", "")))
    known = [column.name for column in dataset.columns]
    columns = {str(name): str(header) for name, header in entry["columns"].items()}
    unknown = [name for name in columns if name not in known]
    if unknown:
        raise UnknownTable(f"{dataset.kind} has no column {', '.join(unknown)} (its columns: {', '.join(known)})")
    return Mapping(dataset, columns, str(entry.get("title", "")))


def fold(header: str) -> str:
    return _FOLD.sub("", unicodedata.normalize("NFKC", header or "")).lower()


def recognise(header: list[str]) -> tuple[Dataset, list[str | None]]:
    """The dataset a table's header row describes, and each column's name in it (None: not used)."""
    folded = [fold(cell) for cell in header]
    for dataset in DATASETS:
        names = [_column_name(dataset, cell) for cell in folded]
        if all(name in names for name in dataset.required):
            return dataset, names
    expected = "; ".join(f"{d.title[0]}: {', '.join(_japanese(d.column(n)) for n in d.required)}" for d in DATASETS)
    found = ", ".join(cell for cell in header if cell.strip()) or "none"
    raise UnknownTable(
        f"columns of no known dataset (expected, e.g. {expected}; found: {found}); corpus.yaml can say which "
        "dataset it is and which header holds which column"
    )


def _japanese(column: Column) -> str:
    return next((alias for alias in column.aliases if not alias.isascii()), column.aliases[0])


def _column_name(dataset: Dataset, folded: str) -> str | None:
    for candidate in (folded, folded.split("_")[-1], re.sub(r"^.*?の(分別方法|一覧)", "", folded)):
        for column in dataset.columns:
            if candidate in (fold(alias) for alias in column.aliases):
                return column.name
    return None


def mapped(header: list[str], given: Mapping) -> list[str | None]:
    """Each column's name in a table that ``corpus.yaml`` describes: its mapped headers, then any header the
    dataset recognises; refused when a mapped header or a required column is not there."""
    folded = [fold(cell) for cell in header]
    by_header = {fold(cell): name for name, cell in given.columns.items()}
    absent = [cell for cell in given.columns.values() if fold(cell) not in folded]
    if absent:
        found = ", ".join(cell for cell in header if cell.strip()) or "none"
        raise UnknownTable(f"corpus.yaml names headers this table lacks: {', '.join(absent)} (found: {found})")
    names = [by_header.get(cell) or _column_name(given.dataset, cell) for cell in folded]
    missing = [name for name in given.dataset.required if name not in names and name not in _HAZARD_NAMES]
    if missing:
        raise UnknownTable(f"corpus.yaml maps no column to {', '.join(missing)}, which a {given.dataset.kind} needs")
    return names


_HAZARD_NAMES = frozenset(column.name for column in HAZARDS)


def table_records(
    rows: list[tuple[int, list[str]]], path: Path, given: Mapping | None = None
) -> tuple[list[Record], list[tuple[int, str]]]:
    """The records of a table, recognised by its columns or described by ``given`` (from ``corpus.yaml``), and
    the rows skipped with why."""
    filled = [(number, cells) for number, cells in rows if any(cell.strip() for cell in cells)]
    if not filled:
        raise UnknownTable("an empty table")
    (_, header), body = filled[0], filled[1:]
    dataset, names = (given.dataset, mapped(header, given)) if given else recognise(header)
    title = (given.title if given else "") or city_title(path) or dataset.title[0]
    updated = dt.date.fromtimestamp(path.stat().st_mtime).isoformat()
    records, skipped = [], []
    for number, cells in body:
        values: dict[str, str] = {}
        for name, cell in zip(names, cells, strict=False):
            text = unicodedata.normalize("NFKC", cell).strip()
            if name and text and name not in values:
                values[name] = text
            elif name and text and name in values and dataset.column(name) in HAZARDS:
                values[name] = _better(values[name], text)  # flood L1 and L2: the stronger mark
        if not values:  # a blank row that only keeps its row number (#property)
            continue
        missing = [name for name in dataset.required if name not in values]
        if dataset.kind == "evacuation_space":
            missing = [name for name in missing if name not in [h.name for h in HAZARDS]]
        if missing:
            skipped.append((number, f"no {', '.join(missing)}: row skipped"))
            continue
        records.append(Record(dataset, title, number, values, updated))
    return records, skipped


def _better(first: str, second: str) -> str:
    order = {"○": 2, "〇": 2, "△": 1}
    return first if order.get(first, 0) >= order.get(second, 0) else second


def city_title(path: Path) -> str:
    """The dataset's name from the city's ``config.yml`` beside the file (Takamatsu's layout), if any."""
    config = path.parent / "config.yml"
    if not config.exists():
        return ""
    try:
        data = yaml.safe_load(config.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return ""
    return str(data.get("name", "")) if isinstance(data, dict) else ""


def attribution(path: Path, root: Path) -> str:
    """What a licence asks to be shown with data from ``path``: the attribution line a README beside it (or in
    a folder above it, up to the corpus root) quotes as 「出典：…」, else "CC BY 4.0" when a LICENSE says so."""
    folders = [folder for folder in [path.parent, *path.parent.parents] if folder.is_relative_to(root)]
    for folder in folders:
        for readme in sorted(folder.glob("README*")):
            found = re.search(r"「(出典[:：][^」]{1,120})」", readme.read_text(encoding="utf-8", errors="replace"))
            if found:
                return found.group(1)
        for licence in sorted(folder.glob("LICEN[CS]E*")):
            if "Attribution 4.0" in licence.read_text(encoding="utf-8", errors="replace"):
                return "出典：CC BY 4.0"
    return ""
