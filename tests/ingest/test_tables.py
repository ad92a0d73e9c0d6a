"""Open-data tables as cities publish them (Takamatsu's real files, messiness included): recognised by their
columns, each row one citable record, bad rows reported with file and row, documentation skipped."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

from ingest.chunk import chunk_corpus
from ingest.load import load_corpus
from tests.helpers import TEST_DATA

TAKAMATSU = TEST_DATA / "takamatsu"


def test_the_takamatsu_directory_loads_as_it_is_published():
    corpus = load_corpus(TAKAMATSU)
    assert corpus.rejections == []
    kinds = Counter(record.dataset.kind for _, record, _ in corpus.records)
    assert kinds["garbage_separation"] == 606 and kinds["garbage_collection"] == 8
    assert kinds["evacuation_space"] == 194 and kinds["tsunami_building"] == 113
    skipped = {(s.file, s.line): s.message for s in corpus.skipped}
    assert skipped[("README.md", None)].startswith("documentation") and ("LICENSE", None) in skipped
    assert skipped[("evacuation_space/data.xlsx", 101)] == "no address: row skipped"


def test_a_row_becomes_a_record_citing_its_list_item_and_publisher():
    chunks = {chunk.id: chunk for chunk in chunk_corpus(load_corpus(TAKAMATSU))}
    pan = next(chunk for chunk in chunks.values() if chunk.title == "フライパン")
    assert (pan.kind, pan.heading, pan.category) == ("record", "ごみ分別一覧", "garbage_separation")
    assert "分別：破砕ごみ" in pan.text and pan.text.endswith("出典：高松市オープンデータ（CC BY 4.0）")
    assert pan.source.startswith("garbage_separation_list/0074.xlsx:") and pan.updated
    shelter = next(c for c in chunks.values() if c.title == "日新小学校跡施設" and c.category == "evacuation_space")
    assert "住所：高松市瀬戸内町18-2" in shelter.text and "収容人数：238" in shelter.text and "津波△" in shelter.text


def copy_of(folder: str, target: Path) -> Path:
    shutil.copytree(TAKAMATSU / folder, target / folder)
    return target / folder


def test_a_table_in_shift_jis_or_with_a_bom_and_crlf_reads_the_same(tmp_path):
    published = (TAKAMATSU / "tsunami_evacuation_building" / "data.csv").read_text(encoding="utf-8")
    original = published.encode("cp932").decode("cp932")  # what Shift_JIS can hold (− becomes －)
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "data.csv").write_text(original, encoding="utf-8")
    expected = [r.values for _, r, _ in load_corpus(tmp_path / "reference").records]
    assert len(expected) == 113
    for encoding in ("cp932", "utf-8-sig"):
        folder = tmp_path / encoding
        folder.mkdir()
        (folder / "data.csv").write_bytes(original.replace("\n", "\r\n").encode(encoding))
        corpus = load_corpus(folder)
        assert corpus.rejections == [] and [r.values for _, r, _ in corpus.records] == expected


def test_the_standards_japanese_columns_with_a_prefix_are_recognised(tmp_path):
    header = (
        "全国地方公共団体コード,ID,地方公共団体名,ごみの分別方法_ゴミの品目,ごみの分別方法_分別区分,ごみの分別方法_備考"
    )
    rows = "370002,1,みなと台市,フライパン,不燃ごみ,取っ手は外さなくてよい\r\n370002,2,みなと台市,,可燃ごみ,\r\n"
    (tmp_path / "gomi.csv").write_bytes(f"{header}\r\n{rows}".encode("cp932"))
    corpus = load_corpus(tmp_path)
    [(_, record, _)] = corpus.records
    assert (record.dataset.kind, record.item, record.values["class"]) == (
        "garbage_separation",
        "フライパン",
        "不燃ごみ",
    )
    [skipped] = corpus.skipped
    assert (skipped.file, skipped.line, skipped.message) == ("gomi.csv", 3, "no item: row skipped")


def test_a_stray_template_column_is_ignored(tmp_path):
    corpus = load_corpus(copy_of("sandbag_creation_location", tmp_path))
    assert corpus.rejections == [] and len(corpus.records) == 9  # rows 1 to 9 (the README says 8)
    assert all("←" not in record.text() for _, record, _ in corpus.records)


def garbage_list_with_own_headers(folder: Path) -> Path:
    """Takamatsu's garbage list as a city with its own headers might publish it (品名, 出す日, ひとこと): a CSV in
    Shift_JIS made from the real xlsx."""
    from ingest.exports import xlsx_rows

    rows = [cells for _, cells in xlsx_rows(TAKAMATSU / "garbage_separation_list" / "0074.xlsx")]
    lines = ["番号,品名,出す日,ひとこと"] + [",".join(cell.replace(",", "、") for cell in row) for row in rows[1:]]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "wakekata.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932", errors="replace"))
    return folder / "wakekata.csv"


def test_a_table_of_unknown_columns_is_refused_naming_what_was_expected(tmp_path):
    garbage_list_with_own_headers(tmp_path / "corpus" / "gomi")
    [rejection] = load_corpus(tmp_path / "corpus").rejections
    assert rejection.file == "gomi/wakekata.csv" and rejection.line == 1
    assert "ごみ分別一覧" in rejection.message and "found: 番号, 品名, 出す日, ひとこと" in rejection.message
    assert "corpus.yaml can say which dataset it is" in rejection.message


def corpus_with(tmp_path: Path, corpus_yaml: str) -> Path:
    """A corpus holding the garbage list with its own headers under gomi/, and this corpus.yaml."""
    garbage_list_with_own_headers(tmp_path / "corpus" / "gomi")
    (tmp_path / "corpus" / "corpus.yaml").write_text(corpus_yaml, encoding="utf-8")
    return tmp_path / "corpus"


def test_corpus_yaml_says_which_dataset_a_table_is_and_which_header_holds_which_column(tmp_path):
    corpus = load_corpus(
        corpus_with(
            tmp_path,
            "tables:\n  gomi/*.csv:\n    dataset: garbage_separation\n    title: ごみの分け方辞典\n"
            "    columns: {item: 品名, class: 出す日, note: ひとこと}\n",
        )
    )
    assert corpus.rejections == [] and len(corpus.records) == 606
    pan = next(record for _, record, _ in corpus.records if record.item == "フライパン")
    assert (pan.dataset.kind, pan.title, pan.values["class"]) == ("garbage_separation", "ごみの分け方辞典", "破砕ごみ")


def test_a_corpus_yaml_that_names_a_header_the_table_lacks_refuses_that_table_by_name(tmp_path):
    yaml = "tables:\n  gomi/wakekata.csv:\n    dataset: garbage_separation\n    columns: {item: 品目, class: 出す日}\n"
    [rejection] = load_corpus(corpus_with(tmp_path, yaml)).rejections
    assert (
        rejection.file == "gomi/wakekata.csv"
        and "corpus.yaml names headers this table lacks: 品目" in rejection.message
    )


def test_a_corpus_yaml_naming_an_unknown_dataset_or_column_is_itself_rejected(tmp_path):
    yaml = (
        "tables:\n  a.csv: {dataset: parking, columns: {name: 名前}}\n"
        "  b.csv: {dataset: facility, columns: {hours: 時間}}\n"
    )
    messages = [r.message for r in load_corpus(corpus_with(tmp_path, yaml)).rejections if r.file == "corpus.yaml"]
    assert any("no dataset 'parking'" in m and "garbage_separation" in m for m in messages)
    assert any("facility has no column hours" in m and "opens" in m for m in messages)


def test_a_long_shift_jis_list_of_short_names_is_read_though_the_detector_gives_up_on_it(tmp_path):
    from charset_normalizer import from_bytes

    from ingest.exports import decode

    data = garbage_list_with_own_headers(tmp_path).read_bytes()
    assert from_bytes(data, cp_isolation=["cp932", "euc_jp"]).best() is None  # what made us refuse it before
    assert decode(data) == data.decode("cp932")
