"""The real external FAQ set (1,786 Amagasaki City entries) ingests unchanged and is searchable."""

import json

import pytest

from eval.metrics import recall_at
from ingest.embed import make_embedder
from ingest.live import open_live

pytestmark = pytest.mark.bench


def test_the_localgovfaq_set_ingests_unchanged(localgov_index):
    index_dir, report = localgov_index
    assert report.ok and (report.documents, report.chunks) == (1786, 1786)
    assert open_live(index_dir).counts == {"q": 1786, "qa": 1786}


def test_dense_and_lexical_search_each_find_relevant_faqs_for_real_questions(localgov_index, localgov, default_spec):
    index = open_live(localgov_index[0])
    embedder = make_embedder(default_spec.embedding_model)
    queries = [json.loads(line) for line in (localgov / "dev.jsonl").read_text().splitlines()][:50]
    dense, lexical = [], []
    for query in queries:
        vector = embedder.embed_query(query["query"])
        dense.append(recall_at([index.chunks[h.position].id for h in index.dense(vector, 10)], query["relevant"], 10))
        found = index.lexical_search(query["query"], 10)
        lexical.append(recall_at([index.chunks[h.position].id for h in found], query["relevant"], 10))
    # Floors a little under what these 50 questions measure today (see docs/figures.md); a broken index scores ~0.
    assert sum(dense) / len(dense) > 0.5
    assert sum(lexical) / len(lexical) > 0.45
