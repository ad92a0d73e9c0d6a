"""An entry's translations, in the formats cities export them: a field of the entry, a line per translation
(a file per language) naming the entry it translates, or a column per language; each serves only questions in
its own language."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ingest.chunk import chunk_corpus
from ingest.load import load_corpus
from ingest.translated import TranslatedQuestions
from tests.helpers import CORPUS

ENTRY = {
    "id": "ja-bulky",
    "lang": "ja",
    "question": "粗大ごみの出し方を教えてください。",
    "answer": "電話で申し込みます。",
}


def write_jsonl(path: Path, *records: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_a_file_per_language_translates_the_entries_it_names(tmp_path):
    write_jsonl(tmp_path / "ja" / "faq.jsonl", ENTRY)
    write_jsonl(
        tmp_path / "vi" / "faq.jsonl",
        {"translation_of": "ja-bulky", "lang": "vi", "question": "Bỏ rác cỡ lớn thế nào?", "answer": "Gọi điện."},
    )
    corpus = load_corpus(tmp_path)
    assert not corpus.rejections and len(corpus.faqs) == 1  # a translation is no entry of its own
    (chunk,) = chunk_corpus(corpus)
    assert chunk.translations == {"vi": {"question": "Bỏ rác cỡ lớn thế nào?", "answer": "Gọi điện."}}
    assert chunk.answer_in("vi") == "Gọi điện." and chunk.answer_in("ko") == "" and chunk.answer_in("ja") == chunk.text


def test_a_translation_of_no_entry_or_into_the_entrys_own_language_is_refused_with_its_line(tmp_path):
    write_jsonl(tmp_path / "faq.jsonl", ENTRY)
    write_jsonl(
        tmp_path / "more.jsonl",
        {"translation_of": "ja-nowhere", "lang": "vi", "question": "Câu hỏi?"},
        {"translation_of": "ja-bulky", "lang": "ja", "question": "粗大ごみは？"},
        {"translation_of": "ja-bulky", "lang": "fr", "question": "Comment jeter un meuble ?"},
    )
    found = {(r.file, r.line): r.message for r in load_corpus(tmp_path).rejections}
    assert "names no FAQ entry" in found[("more.jsonl", 1)]
    assert "itself in ja" in found[("more.jsonl", 2)]
    assert "lang must be one of" in found[("more.jsonl", 3)]


def test_an_entry_may_carry_its_translations_and_an_unknown_language_is_refused(tmp_path):
    write_jsonl(
        tmp_path / "faq.jsonl", ENTRY | {"translations": {"ko": {"question": "대형 쓰레기는 어떻게 버리나요?"}}}
    )
    (chunk,) = chunk_corpus(load_corpus(tmp_path))
    assert chunk.translations == {"ko": {"question": "대형 쓰레기는 어떻게 버리나요?", "answer": ""}}
    write_jsonl(tmp_path / "faq.jsonl", ENTRY | {"translations": {"xx": {"question": "?"}}})
    (rejection,) = load_corpus(tmp_path).rejections
    assert "unknown language 'xx'" in rejection.message


def test_an_export_with_a_column_per_language_carries_the_translations(tmp_path):
    (tmp_path / "faq.csv").write_text(
        "Question ID,質問,回答,質問_vi,回答（ベトナム語）,question (zh-Hans)\n"
        "7,粗大ごみの出し方は。,電話で申し込みます。,Bỏ rác cỡ lớn thế nào?,Gọi điện.,大件垃圾怎么扔？\n",
        encoding="utf-8",
    )
    corpus = load_corpus(tmp_path)
    assert not corpus.rejections
    (chunk,) = chunk_corpus(corpus)
    assert chunk.translations == {
        "vi": {"question": "Bỏ rác cỡ lớn thế nào?", "answer": "Gọi điện."},
        "zh-Hans": {"question": "大件垃圾怎么扔?", "answer": ""},  # normalised, as every question is
    }  # "Question ID" is an id column, not Indonesian


def test_a_translation_changes_its_entrys_digest_and_an_entry_without_keeps_its_own(tmp_path):
    write_jsonl(tmp_path / "faq.jsonl", ENTRY)
    (plain,) = chunk_corpus(load_corpus(tmp_path))
    write_jsonl(tmp_path / "faq.jsonl", ENTRY | {"translations": {"ko": {"question": "대형 쓰레기는?"}}})
    (translated,) = chunk_corpus(load_corpus(tmp_path))
    assert plain.digest != translated.digest


def test_a_translated_question_serves_questions_in_its_language_only(services):
    index = services.index
    vietnamese = next(
        record["question"]
        for record in map(json.loads, (CORPUS / "faq" / "vi" / "translations.jsonl").read_text("utf-8").splitlines())
        if record["translation_of"] == "ja-waste-bulky"
    )
    assert index.chunks[index.asked_as_published(vietnamese, "vi")].doc_id == "ja-waste-bulky"
    assert index.asked_as_published(vietnamese, "ja") is None  # a Japanese resident never matches a translation
    vector = services.embedder.embed_query(vietnamese)
    best = index.dense_by_view(vector, 5, "vi")["q"][0]
    unseen = index.dense_by_view(vector, 5, "ja")["q"]  # the same question read as Japanese: no translation
    assert index.chunks[best.position].doc_id == "ja-waste-bulky"
    assert best.score > max(hit.score for hit in unseen) + 0.03  # its own words, not the Japanese ones
    assert {"ja", "en", "vi", "zh-Hans", "ko", "pt"} <= index.languages and "es" not in index.languages


def test_translated_questions_are_searched_by_language_and_a_generation_without_any_reads_as_none(tmp_path):
    vectors = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]], dtype=np.float32)
    kept = TranslatedQuestions.of([7, 7, 9], ["vi", "vi", "ko"], vectors * 3)  # any length: kept as unit rows
    kept.save(tmp_path / "translations.npz")
    loaded = TranslatedQuestions.load(tmp_path / "translations.npz")
    nearest = loaded.nearest([0.0, 2.0], "vi")
    assert [p for p, _ in nearest] == [7] and nearest[0][1] == pytest.approx(0.8)  # its closest question
    assert loaded.nearest([0.0, 1.0], "ko") == [(9, pytest.approx(1.0))]
    assert loaded.nearest([0.0, 1.0], "es") == [] and len(TranslatedQuestions.load(tmp_path / "none.npz")) == 0
