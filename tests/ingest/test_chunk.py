from ingest.chunk import chunk_regulation, kanji_to_int
from ingest.load import Regulation

JAPANESE = """# 廃棄物条例
## 第一章　総則
（目的）
第一条　この条例は、ごみを減らすことを目的とする。
### 第５条の２（分別）
市民は、ごみを分別しなければならない。
一　燃やすごみ
二　資源物
２　前項の規定は、事業者について準用する。
第5条の規定により届け出た者も、同様とする。
別表（第五条の二関係）
粗大ごみ　一点につき五百円
## 附則
この条例は、令和六年四月一日から施行する。
"""

ENGLISH = """## Article 1 (Purpose)
This Ordinance aims to reduce waste.
## Article 5-2 (Bulky Waste)
1. Residents shall book collection in advance.
2. Article 3 applies to businesses as well.
(a) furniture
## Supplementary Provisions
This Ordinance comes into force on 1 April 2024.
"""


def chunks_of(body: str, lang: str) -> dict:
    regulation = Regulation(id="waste", title="廃棄物条例" if lang == "ja" else "Waste Ordinance", lang=lang, body=body)
    return {chunk.section: chunk for chunk in chunk_regulation(regulation)}


def test_a_japanese_regulation_is_chunked_by_article_with_kanji_and_full_width_numerals():
    chunks = chunks_of(JAPANESE, "ja")
    assert list(chunks) == ["第1条", "第5条の2", "別表", "附則"]
    assert chunks["第1条"].heading == "目的"  # caption on the line before the article
    assert chunks["第5条の2"].heading == "分別"  # caption on the article's own line
    assert chunks["第5条の2"].id == "waste#5-2"


def test_a_japanese_article_keeps_its_paragraphs_and_items():
    article = chunks_of(JAPANESE, "ja")["第5条の2"]
    assert len(article.paragraphs) == 2
    assert "一 燃やすごみ" in article.paragraphs[0]  # items (号) stay inside their paragraph (項)
    assert article.paragraphs[1].startswith("2 前項の規定は")


def test_a_reference_to_another_article_does_not_start_a_new_chunk():
    article = chunks_of(JAPANESE, "ja")["第5条の2"]
    assert "第5条の規定により届け出た者" in article.text


def test_an_english_regulation_is_chunked_by_article_with_numbered_paragraphs():
    chunks = chunks_of(ENGLISH, "en")
    assert list(chunks) == ["Article 1", "Article 5-2", "Supplementary Provisions"]
    article = chunks["Article 5-2"]
    assert article.heading == "Bulky Waste"
    assert [p.split()[0] for p in article.paragraphs] == ["1.", "2."]
    assert "Article 3 applies" in article.paragraphs[1] and "(a) furniture" in article.paragraphs[1]


def test_chunks_carry_the_title_and_source_for_citations():
    article = chunks_of(JAPANESE, "ja")["第1条"]
    assert (article.title, article.kind, article.doc_id) == ("廃棄物条例", "regulation", "waste")


def test_kanji_numerals_are_read_as_numbers():
    assert [kanji_to_int(n) for n in ("一", "十", "十二", "二十", "百三", "５", "12")] == [1, 10, 12, 20, 103, 5, 12]
