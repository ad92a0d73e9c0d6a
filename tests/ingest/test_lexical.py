"""The lexical index: BM25 over each chunk's words, the words of an unchanged text read from the earlier
generation's index rather than analysed again."""

import json

from ingest.lexical import WORDS, LexicalIndex
from ingest.text import tokenize

TEXTS = ["粗大ごみは、申し込みをしてから出してください。", "Garbage bags are sold at supermarkets."]


def test_the_index_finds_a_text_by_its_words():
    index = LexicalIndex.build(TEXTS)
    assert index.size == 2 and index.scores("粗大ごみ").argmax() == 0 and index.scores("bags").argmax() == 1


def test_an_unchanged_texts_words_are_read_from_the_earlier_index_and_a_new_text_is_analysed(tmp_path):
    LexicalIndex.build(TEXTS).save(tmp_path / "earlier")
    stored = json.loads((tmp_path / "earlier" / WORDS).read_text(encoding="utf-8"))
    # mark the first text's stored words: a build that reads them finds the mark, one that analyses does not
    marked = {key: ["marker"] if words == tokenize(TEXTS[0]) else words for key, words in stored.items()}
    (tmp_path / "earlier" / WORDS).write_text(json.dumps(marked), encoding="utf-8")

    index = LexicalIndex.build([*TEXTS, "転入届は十四日以内に出してください。"], tmp_path / "earlier")
    assert index.scores("marker")[0] > 0 and index.scores("粗大ごみ")[0] == 0
    assert index.scores("転入届").argmax() == 2


def test_an_earlier_index_without_its_words_costs_only_the_analysis(tmp_path):
    LexicalIndex.build(TEXTS).save(tmp_path / "earlier")
    (tmp_path / "earlier" / WORDS).write_text("{not json", encoding="utf-8")
    index = LexicalIndex.build(TEXTS, tmp_path / "earlier")
    assert index.scores("粗大ごみ").argmax() == 0
