"""The scale benchmark's corpus (issue 45): made here from the sample corpus's own text, as many distinct chunks
as asked, FAQ entries and 例規 files of fifty articles, every file one the ingest accepts."""

from __future__ import annotations

import pytest

from eval.scale import ARTICLES_PER_FILE, make_corpus
from ingest.chunk import chunk_corpus
from ingest.index import view_texts
from ingest.load import load_corpus
from tests.helpers import CORPUS


def test_the_corpus_holds_as_many_distinct_chunks_as_asked_and_the_ingest_accepts_every_file(tmp_path):
    """Distinct down to every text embedded: a build that reused one text's vector for another would measure less
    than a city's corpus costs."""
    make_corpus(CORPUS, tmp_path / "corpus", 430)
    loaded = load_corpus(tmp_path / "corpus")
    assert loaded.rejections == []
    chunks = chunk_corpus(loaded)
    assert len(chunks) == 430 and len({(c.title, c.text) for c in chunks}) == 430
    assert sum(c.kind == "faq" for c in chunks) == 258  # six in ten
    embedded = [text for c in chunks for text in view_texts(c, 100).values()]
    assert len(set(embedded)) == len(embedded)
    files = sorted((tmp_path / "corpus" / "reiki").glob("*.md"))
    assert len(files) == 4 and all(c.section.startswith("第") for c in chunks if c.kind == "regulation")
    assert max(sum(c.doc_id == f.stem for c in chunks) for f in files) == ARTICLES_PER_FILE


def test_a_corpus_too_small_to_make_that_many_distinct_chunks_is_refused(tmp_path):
    single = tmp_path / "single"
    single.mkdir()
    (single / "faq.jsonl").write_text('{"id": "a", "question": "Q?", "answer": "A."}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="no FAQ or no Japanese article"):
        make_corpus(single, tmp_path / "corpus", 10)
