"""The dense store can live on a Chroma server: a real `chroma run` on loopback."""

import shutil

import pytest

from ingest.embed import make_embedder
from ingest.index import IndexSpec, ingest
from ingest.live import open_live
from ingest.vectors import VIEWS, collection_name, open_client
from tests.helpers import CORPUS

pytestmark = pytest.mark.chroma_server


@pytest.fixture
def chroma_url(chroma_server: str) -> str:
    return chroma_server


def test_ingest_writes_each_generation_to_its_own_collection_on_the_server(tmp_path, chroma_url, default_spec):
    spec = IndexSpec(default_spec.embedding_model, default_spec.answer_chars, chroma_url)
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS / "regulations", corpus)
    report = ingest(corpus, tmp_path / "index", spec, progress=False)

    assert not (tmp_path / "index" / "generations" / report.generation / "chroma").exists()
    index = open_live(tmp_path / "index", chroma_url)
    assert {c.name for c in index.collections.values()} == {collection_name(report.generation, v) for v in VIEWS}
    vector = make_embedder(spec.embedding_model).embed_query("粗大ごみの手数料はいくらですか")
    best = index.chunks[index.dense(vector, k=3)[0].position]
    assert best.doc_id in ("ja-reg-waste", "ja-reg-fees")


def test_pruned_generations_are_dropped_from_the_server(tmp_path, chroma_url, default_spec):
    spec = IndexSpec(default_spec.embedding_model, default_spec.answer_chars, chroma_url)
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS / "regulations", corpus)
    generations = []
    for n in range(3):
        (corpus / "extra.md").write_text(
            f"---\nid: extra\ntitle: Extra Rule {n}\nlang: en\n---\n## Article 1\nText {n}.\n"
        )
        generations.append(ingest(corpus, tmp_path / "index", spec, keep=1, progress=False).generation)
    names = {c.name for c in open_client(tmp_path, chroma_url).list_collections()}
    assert {collection_name(generations[-1], view) for view in VIEWS} <= names
    assert not {collection_name(g, view) for g in generations[:-1] for view in VIEWS} & names
