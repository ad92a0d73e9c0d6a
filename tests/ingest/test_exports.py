"""FAQ files as cities export them: the bundled corpus's Japanese FAQ entries written the ways Excel and CMSs write them
(Shift_JIS, EUC-JP, UTF-8 with a BOM, CRLF, line breaks in cells, xlsx), with Japanese or CMS headers and HTML
answers; what cannot be read is refused with its file and row."""

from __future__ import annotations

import csv
import io
import unicodedata

import pytest
from openpyxl import Workbook

from ingest.chunk import chunk_corpus
from ingest.exports import html_to_text
from ingest.load import load_corpus
from ingest.text import normalize
from tests.helpers import CORPUS


def real_faqs(n: int = 5) -> list[dict]:
    """The first ``n`` Japanese FAQs of the bundled corpus that every encoding Excel writes can hold."""

    def every_encoding_holds(text: str) -> bool:
        try:
            return all(unicodedata.normalize("NFKC", text).encode(e) for e in ("cp932", "euc_jp"))
        except UnicodeEncodeError:
            return False

    faqs = [
        {"id": faq.id, "question": faq.question, "answer": faq.answer}
        for _, faq in load_corpus(CORPUS).faqs
        if faq.lang == "ja" and every_encoding_holds(faq.question + faq.answer)
    ]
    assert len(faqs) >= n
    return faqs[:n]


def as_csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")  # as Excel writes it
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


JAPANESE_HEADER = ["質問", "回答", "カテゴリ", "担当課", "URL", "更新日"]


def japanese_rows(faqs: list[dict]) -> list[list[str]]:
    return [
        [
            f["question"],
            f["answer"] + "\n（詳しくは担当課へ）",
            "くらし",
            "市民課",
            "https://www.city.example.jp/faq",
            "2026/4/1",
        ]
        for f in faqs
    ]


@pytest.mark.parametrize("encoding", ["cp932", "euc_jp", "utf-8-sig", "utf-8", "utf-16"])
def test_a_csv_with_japanese_headers_loads_in_every_encoding_excel_writes(tmp_path, encoding):
    faqs = real_faqs()
    text = unicodedata.normalize("NFKC", as_csv(JAPANESE_HEADER, japanese_rows(faqs)))  # EUC-JP lacks full-width －
    (tmp_path / "faq.csv").write_bytes(text.encode(encoding))
    corpus = load_corpus(tmp_path)
    assert corpus.rejections == []
    loaded = [faq for _, faq in corpus.faqs]
    assert [faq.question for faq in loaded] == [normalize(f["question"]) for f in faqs]
    first = loaded[0]
    assert first.answer.endswith("\n(詳しくは担当課へ)")  # the line break inside the cell survives (NFKC)
    assert (first.department, first.category, first.updated, first.id) == ("市民課", "くらし", "2026-04-01", "faq-2")


def test_the_one_question_one_answer_format_loads(tmp_path):
    faqs = real_faqs(3)
    rows = [[str(n), f["question"], f["answer"], "ごみ"] for n, f in enumerate(faqs, start=101)]
    (tmp_path / "qa.csv").write_bytes(as_csv(["ID", "問い合わせ文", "応答文", "カテゴリ"], rows).encode("cp932"))
    corpus = load_corpus(tmp_path)
    assert corpus.rejections == [] and [faq.id for _, faq in corpus.faqs] == ["101", "102", "103"]


def test_a_column_of_easy_japanese_answers_becomes_each_entrys_easy_text(tmp_path):
    faqs = real_faqs(2)
    easy = "市役所の 市民課で もらえます。"
    rows = [["1", faqs[0]["question"], faqs[0]["answer"], easy], ["2", faqs[1]["question"], faqs[1]["answer"], ""]]
    (tmp_path / "qa.csv").write_bytes(as_csv(["ID", "質問", "回答", "やさしい日本語"], rows).encode("cp932"))
    chunks = {chunk.id: chunk for chunk in chunk_corpus(load_corpus(tmp_path))}
    assert chunks["1"].easy == easy and chunks["1"].text == normalize(faqs[0]["answer"]) and chunks["2"].easy == ""


def test_a_cms_export_with_html_answers_keeps_text_links_and_close_dates(tmp_path):
    header = [
        "FAQ ID",
        "Question",
        "Answer (HTML)",
        "Category Path",
        "Contact Department",
        "Phone",
        "E-mail",
        "Publish Date",
        "Close Date",
    ]
    answer = '<p>粗大ごみは<strong>予約制</strong>です。</p><ul><li>電話</li><li><a href="https://www.city.example.jp/sodai">ネット</a></li></ul>'
    rows = [
        [
            "77",
            "粗大ごみの出し方は？",
            answer,
            "くらし > ごみ",
            "環境課",
            "0465-00-1501",
            "kankyo@city.example.jp",
            "2026-01-05",
            "2027/3/31",
        ]
    ]
    (tmp_path / "cms.csv").write_text(as_csv(header, rows), encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert corpus.rejections == []
    [(_, faq)] = corpus.faqs
    assert faq.answer == "粗大ごみは予約制です。\n電話\nネット(https://www.city.example.jp/sodai)"
    assert faq.url == "https://www.city.example.jp/sodai" and faq.closes == "2027-03-31"
    assert faq.department == "環境課" and "kankyo@city.example.jp" in faq.contact


def test_an_xlsx_faq_export_loads(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(JAPANESE_HEADER)
    for row in japanese_rows(real_faqs(4)):
        sheet.append(row)
    book.save(tmp_path / "faq.xlsx")
    corpus = load_corpus(tmp_path)
    assert corpus.rejections == [] and len(corpus.faqs) == 4


def test_a_file_in_no_supported_encoding_is_refused_with_its_name_and_line(tmp_path):
    (tmp_path / "faq.csv").write_bytes(b"question,answer\r\nok,fine\r\n\xff\xfe\xfd\x80,\x80\xff\r\n")
    [rejection] = load_corpus(tmp_path).rejections
    assert (rejection.file, rejection.line) == ("faq.csv", 3) and "encoding" in rejection.message


def test_a_table_without_question_and_answer_columns_is_refused_naming_what_was_expected(tmp_path):
    (tmp_path / "faq.csv").write_text("色,形\r\n赤,丸\r\n", encoding="utf-8")
    [rejection] = load_corpus(tmp_path).rejections
    assert rejection.line == 1 and "質問/回答" in rejection.message and "found: 色, 形" in rejection.message
    assert "ごみ分別一覧" in rejection.message  # the datasets it could have been are named too


def test_readme_and_licence_are_skipped_as_documentation_and_said_so(tmp_path):
    (tmp_path / "README.md").write_text("# Our FAQ\nnot a regulation", encoding="utf-8")
    (tmp_path / "LICENSE").write_text("CC BY 4.0", encoding="utf-8")
    (tmp_path / "faq.csv").write_text("質問,回答\r\n開庁時間は？,8時30分からです。\r\n", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert corpus.rejections == [] and len(corpus.faqs) == 1
    assert sorted(s.file for s in corpus.skipped) == ["LICENSE", "README.md"]


def test_html_becomes_text_with_its_links():
    text, links = html_to_text('<p>Fees &amp; forms:<br><a href="https://x.jp/f">form</a></p>')
    assert text == "Fees & forms:\nform（https://x.jp/f）" and links == ["https://x.jp/f"]


def test_an_entry_past_its_close_date_is_not_served(tmp_path, default_spec):
    from ingest.index import ingest
    from ingest.live import open_live

    rows = [
        ["1", "夏祭りの臨時バスは？", "臨時バスは8月1日に運行します。", "2020-08-31"],
        ["2", "住民票の写しはどこで取れますか", "市民課の窓口で取れます。", ""],
    ]
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "faq.csv").write_text(as_csv(["ID", "質問", "回答", "掲載終了日"], rows), encoding="utf-8")
    ingest(tmp_path / "corpus", tmp_path / "index", default_spec, progress=False)
    index = open_live(tmp_path / "index")
    assert {c.id: c.closes for c in index.chunks} == {"1": "2020-08-31", "2": ""}
    found = {index.chunks[hit.position].id for hit in index.lexical_search("夏祭り 臨時バス", 5)}
    assert found == set()
