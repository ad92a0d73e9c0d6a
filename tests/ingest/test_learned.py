"""Learned phrasings in a generation: kept with the entry they were taught for, searched as questions are,
dropped once that entry changes, and never a corpus source."""

import json

import numpy as np
import pytest

from ingest.embed import make_embedder
from ingest.index import ingest, read_live_manifest
from ingest.learned import LEARNED_FILE, LearnedIndex, Phrasing, write_phrasings
from ingest.live import IndexUnavailable, open_live

FAQ_FILE = "faq/en/garbage.jsonl"


def served_digest(index_dir, entry_id):
    return open_live(index_dir).entry_digest(entry_id)


def test_a_phrasing_is_kept_with_its_entry_and_found_by_a_question_like_it(working_index, default_spec):
    corpus, index_dir = working_index
    digest = served_digest(index_dir, "en-waste-bulky")
    taught = Phrasing("p1", "en-waste-bulky", "my old sofa has to go, what do I do", digest)
    report = ingest(corpus, index_dir, default_spec, learned=[taught])
    assert report.promoted and report.learned == 1 and report.learned_dropped == []
    assert report.embedded == 0  # the corpus's own vectors are reused; only the phrasing is new
    index = open_live(index_dir)
    vector = make_embedder(default_spec.embedding_model).embed_query("my old sofa has to go, what should I do")
    (position, similarity), *others = index.learned_near(vector, 0.9)
    assert index.chunks[position].doc_id == "en-waste-bulky" and similarity < 1 and not others
    assert index.learned_near(vector, 0.9999) == []  # not the same words: below a bar that high
    assert index.excluding(["en-waste-bulky"]).learned_near(vector, 0.9) == []  # left out with its entry


def test_the_same_phrasings_again_build_nothing_and_a_new_one_builds_a_generation(working_index, default_spec):
    corpus, index_dir = working_index
    taught = [Phrasing("p1", "en-waste-bulky", "my old sofa has to go", served_digest(index_dir, "en-waste-bulky"))]
    first = ingest(corpus, index_dir, default_spec, learned=taught)
    assert ingest(corpus, index_dir, default_spec, learned=taught).promoted is False
    removed = ingest(corpus, index_dir, default_spec, learned=[])
    assert removed.promoted and removed.generation != first.generation
    assert read_live_manifest(index_dir)["learned"] == [] and len(open_live(index_dir).learned) == 0


def test_a_phrasing_of_a_changed_or_removed_entry_is_dropped(working_index, default_spec):
    corpus, index_dir = working_index
    kept = Phrasing("kept", "en-waste-bags", "where are the bags sold", served_digest(index_dir, "en-waste-bags"))
    changed = Phrasing("changed", "en-waste-bulky", "my old sofa", served_digest(index_dir, "en-waste-bulky"))
    gone = Phrasing("gone", "en-no-such-entry", "anything", "0123456789abcdef")
    path = corpus / FAQ_FILE
    records = [json.loads(line) for line in path.read_text().splitlines()]
    for record in records:
        if record["id"] == "en-waste-bulky":
            record["answer"] += " Fees changed in April."
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    report = ingest(corpus, index_dir, default_spec, learned=[kept, changed, gone])
    assert report.learned == 1 and sorted(report.learned_dropped) == ["changed", "gone"]
    assert read_live_manifest(index_dir)["learned"] == ["kept"]
    assert "learned phrasings: 1 kept, 2 dropped" in str(report)


def test_the_learned_file_under_the_corpus_is_read_by_a_build_and_is_no_corpus_source(working_index, default_spec):
    corpus, index_dir = working_index
    before = ingest(corpus, index_dir, default_spec, learned=[])
    digest = served_digest(index_dir, "en-waste-bulky")
    write_phrasings(corpus, [Phrasing("p1", "en-waste-bulky", "my old sofa has to go", digest)])
    assert (corpus / LEARNED_FILE).is_file()
    report = ingest(corpus, index_dir, default_spec)
    assert report.learned == 1 and report.documents == before.documents  # not read as FAQ entries
    write_phrasings(corpus, [])
    assert not (corpus / LEARNED_FILE).exists()


def test_a_generation_whose_learned_file_is_missing_is_not_opened(working_index, default_spec):
    corpus, index_dir = working_index
    ingest(corpus, index_dir, default_spec, learned=[Phrasing("p1", "en-waste-bulky", "my old sofa", "")])
    manifest = read_live_manifest(index_dir)
    (index_dir / "generations" / manifest["generation"] / "learned.npz").unlink()
    with pytest.raises(IndexUnavailable, match="learned"):
        open_live(index_dir)


def test_nearest_gives_each_entry_once_at_its_best_similarity():
    vectors = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]], dtype=np.float32)
    learned = LearnedIndex(["a", "b", "c"], ["x", "x", "y"], vectors)
    assert learned.nearest([1.0, 0.0], 0.5) == [("x", pytest.approx(1.0))]
    assert learned.nearest([0.0, 2.0], 0.5) == [("y", pytest.approx(1.0)), ("x", pytest.approx(0.6))]
    assert learned.nearest([0.0, 1.0], 0.5, leave_out={"y"}) == [("x", pytest.approx(0.6))]
    assert LearnedIndex.empty().nearest([1.0, 0.0], 0.0) == []
