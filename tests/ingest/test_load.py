import json
from pathlib import Path

import pytest

from ingest.load import load_corpus
from ingest.text import tokenize
from tests.helpers import CORPUS

REGULATION = """---
id: reg-1
title: Test Ordinance
lang: en
url: https://example.jp/reg
effective: 2024-04-01
---
## Article 1 (Purpose)
This is a test.
"""


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def faq_line(**fields) -> str:
    return json.dumps({"id": "q1", "question": "Where?", "answer": "Here.", **fields}) + "\n"


def only_rejection(root: Path):
    corpus = load_corpus(root)
    assert len(corpus.rejections) == 1, corpus.rejections
    return corpus.rejections[0]


def test_the_sample_corpus_has_enough_faqs_and_regulations_in_both_languages():
    corpus = load_corpus(CORPUS)
    assert corpus.rejections == []
    for lang in ("ja", "en"):
        assert sum(faq.lang == lang for _, faq in corpus.faqs) >= 120
        assert sum(reg.lang == lang for _, reg in corpus.regulations) >= 3


def test_every_sample_faq_names_its_department_source_and_date():
    corpus = load_corpus(CORPUS)
    for _, faq in corpus.faqs:
        assert faq.department in corpus.departments, faq.id
        assert faq.url.startswith("https://") and faq.updated and faq.category, faq.id
    for department in corpus.departments.values():
        assert department["phone"] and department["ja"]["hours"] and department["en"]["hours"]


@pytest.mark.bench
def test_the_external_localgovfaq_file_loads_unchanged(localgov):
    corpus = load_corpus(localgov / "faqs.jsonl")
    assert corpus.rejections == []
    assert len(corpus.faqs) == 1786
    assert {faq.lang for _, faq in corpus.faqs} == {"ja"}


def test_csv_faqs_load_with_optional_fields(tmp_path):
    write(tmp_path / "faq.csv", "id,question,answer,lang,url\n7,Bulky waste?,Book it.,en,https://x.jp/7\n")
    corpus = load_corpus(tmp_path)
    assert corpus.rejections == []
    assert corpus.faqs[0][1].url == "https://x.jp/7"


def test_malformed_jsonl_names_the_file_and_line(tmp_path):
    write(tmp_path / "faq.jsonl", faq_line() + '{"id": "q2", "question": \n')
    rejection = only_rejection(tmp_path)
    assert (rejection.file, rejection.line) == ("faq.jsonl", 2)
    assert "malformed JSON" in rejection.message


def test_malformed_csv_names_the_file_and_row(tmp_path):
    write(tmp_path / "faq.csv", "id,question,answer\n1,a,b\n2,a,b,extra\n")
    rejection = only_rejection(tmp_path)
    assert (rejection.file, rejection.line) == ("faq.csv", 3)


def test_a_missing_required_field_is_named(tmp_path):
    write(tmp_path / "faq.jsonl", faq_line() + json.dumps({"id": "q2", "question": "Where?"}) + "\n")
    rejection = only_rejection(tmp_path)
    assert (rejection.line, rejection.message) == (2, "answer: missing")


def test_an_unknown_language_is_refused(tmp_path):
    write(tmp_path / "faq.jsonl", faq_line(lang="fr"))
    assert "lang must be one of ja, en, zh-Hans" in only_rejection(tmp_path).message


def test_invalid_front_matter_is_refused(tmp_path):
    write(tmp_path / "reg.md", "---\nid: [unclosed\ntitle: x\n---\nArticle 1. Text.\n")
    rejection = only_rejection(tmp_path)
    assert rejection.file == "reg.md" and "invalid front matter" in rejection.message


def test_a_regulation_without_a_title_is_refused(tmp_path):
    write(tmp_path / "reg.md", REGULATION.replace("title: Test Ordinance\n", ""))
    assert only_rejection(tmp_path).message == "invalid front matter: title: missing"


def test_a_file_in_no_supported_encoding_is_refused_with_its_line(tmp_path):
    write(tmp_path / "faq.jsonl", faq_line().encode() + b'{"id": "q2", "question": "\xff\xfe\x80\xfd"}\n')
    rejection = only_rejection(tmp_path)
    assert rejection.line == 2 and rejection.message.startswith("not text in a supported encoding")


def test_a_shift_jis_file_is_read_as_such(tmp_path):
    write(tmp_path / "faq.jsonl", faq_line(question="住民票はどこで取れますか", answer="市民課です。").encode("cp932"))
    assert load_corpus(tmp_path).faqs[0][1].question == "住民票はどこで取れますか"


def test_duplicate_ids_across_files_are_refused(tmp_path):
    write(tmp_path / "a.jsonl", faq_line())
    write(tmp_path / "b.jsonl", faq_line(question="Again?"))
    rejection = only_rejection(tmp_path)
    assert rejection.file == "b.jsonl" and "duplicate id 'q1' (first at a.jsonl:1)" in rejection.message


@pytest.mark.parametrize("content", [None, "\n\n"])
def test_an_empty_corpus_is_refused(tmp_path, content):
    if content is not None:
        write(tmp_path / "faq.jsonl", content)
    assert only_rejection(tmp_path).message == "the corpus holds no FAQ or regulation"


def test_full_width_text_is_normalised_on_load(tmp_path):
    write(tmp_path / "faq.jsonl", faq_line(question="手数料は３００円ですか", answer="はい、３００円です。"))
    assert load_corpus(tmp_path).faqs[0][1].answer == "はい、300円です。"


def test_a_link_to_a_file_outside_the_corpus_is_refused(tmp_path):
    secret = write(tmp_path / "outside" / "secrets.jsonl", faq_line(id="leak", answer="the admin password"))
    write(tmp_path / "corpus" / "faq.jsonl", faq_line())
    (tmp_path / "corpus" / "more.jsonl").symlink_to(secret)
    rejection = only_rejection(tmp_path / "corpus")
    assert rejection.file == "more.jsonl" and "outside the corpus" in rejection.message


def test_a_huge_answer_loads_and_tokenises_in_pieces(tmp_path):
    write(tmp_path / "faq.jsonl", faq_line(answer="粗大ごみの出し方。" * 90_000))  # about 780 KB of text
    corpus = load_corpus(tmp_path)
    assert corpus.rejections == [] and len(corpus.faqs[0][1].answer) > 780_000
    assert "粗大" in "".join(tokenize(corpus.faqs[0][1].answer))
