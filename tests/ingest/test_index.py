"""Ingest into generations: incremental, atomic, and with a clear refusal for a bad corpus."""

import json
import os
import signal
import subprocess
from pathlib import Path

import numpy as np
import pytest

from ingest.canaries import load_canaries
from ingest.embed import make_embedder
from ingest.index import IndexSpec, IngestError, generations_dir, ingest, live_generation, view_texts
from ingest.live import IndexUnavailable, open_live
from service.live.baseline import read as read_baseline
from service.settings import Settings
from tests.helpers import CORPUS, PYTHON, ROOT, eventually

FAQ_FILE = Path("faq/en/garbage.jsonl")


def edit_faq(corpus: Path, faq_id: str, **changes) -> None:
    path = corpus / FAQ_FILE
    records = [json.loads(line) for line in path.read_text().splitlines()]
    for record in records:
        if record["id"] == faq_id:
            record.update(changes)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


def test_the_sample_corpus_ingests(sample_index):
    index_dir, report = sample_index
    assert report.ok and report.promoted
    assert report.documents >= 246 and report.chunks > report.documents
    index = open_live(index_dir)
    records = sum(chunk.kind == "record" for chunk in index.chunks)
    assert records == 30  # the open-data tables' rows
    # a question view and a question-and-answer view per FAQ or article, one view per table row, each question
    # the city translated (vi, zh-Hans, ko, pt; kept beside the collection), and each FAQ's question and each
    # canary question embedded as a question (the adapter's pairs and its check)
    faqs = sum(chunk.kind == "faq" for chunk in index.chunks)
    assert len(index.translated) == sum(len(chunk.translations) for chunk in index.chunks) == 4 * 48
    views = 2 * report.chunks - records
    assert report.embedded == views + len(index.translated) + faqs + len(load_canaries(CORPUS))
    assert index.generation == report.generation == live_generation(index_dir)
    assert len(index.chunks) == report.chunks == index.lexical.size
    assert index.counts == {"q": report.chunks - records, "qa": report.chunks} and index.vectors == views


def test_reingesting_an_unchanged_corpus_embeds_nothing_and_keeps_the_generation(working_index, default_spec):
    corpus, index_dir = working_index
    before = live_generation(index_dir)
    report = ingest(corpus, index_dir, default_spec, progress=False)
    assert (report.embedded, report.promoted, report.generation) == (0, False, before)
    assert report.unchanged == report.chunks and not (report.added or report.changed or report.removed)


def test_a_generation_stored_by_an_earlier_version_is_refused_and_the_next_ingest_stores_it_again(
    working_index, default_spec
):
    corpus, index_dir = working_index
    before = live_generation(index_dir)
    manifest_path = generations_dir(index_dir) / before / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({k: v for k, v in manifest.items() if k != "layout"}))
    with pytest.raises(IndexUnavailable, match="earlier version: run `python -m ingest`"):
        open_live(index_dir)

    report = ingest(corpus, index_dir, default_spec, progress=False)
    assert report.promoted and report.generation != before and report.embedded == 0
    assert open_live(index_dir).vectors == manifest["chunk_count"] * 2 - sum(
        c.kind == "record" for c in open_live(index_dir).chunks
    )


def test_one_edited_faq_reembeds_only_that_chunk(working_index, default_spec):
    corpus, index_dir = working_index
    edit_faq(corpus, "en-waste-bags", question="Where do I buy the city's garbage bags and what do they cost?")
    report = ingest(corpus, index_dir, default_spec, progress=False)
    assert report.changed == ["en-waste-bags"] and report.added == report.removed == []
    assert report.embedded == 3  # its two views and its new question as asked; every other vector is reused
    assert report.promoted and live_generation(index_dir) == report.generation


def test_a_new_generation_updates_a_copy_of_the_live_store_with_the_changed_entrys_new_vectors(
    working_index, default_spec, caplog
):
    corpus, index_dir = working_index
    before = open_live(index_dir)
    edit_faq(corpus, "en-waste-bags", question="Where are the city's garbage bags sold, and for how much?")
    report = ingest(corpus, index_dir, default_spec, progress=False)

    index = open_live(index_dir)
    assert "could not update a copy" not in caplog.text  # the copy was updated, not every vector written anew
    assert index.counts == before.counts
    changed = next(chunk for chunk in index.chunks if chunk.id == "en-waste-bags")
    stored = index.collections["q"].get(ids=["en-waste-bags::q"], include=["embeddings"])["embeddings"][0]
    fresh = make_embedder(default_spec.embedding_model).embed_documents([view_texts(changed, 100)["q"]])[0]
    assert float(np.dot(stored, fresh)) > 0.9999 and report.changed == ["en-waste-bags"]
    other = next(f"{chunk.id}::qa" for chunk in index.chunks if chunk.kind == "faq" and chunk.id != changed.id)
    live = before.collections["qa"].get(ids=[other], include=["embeddings"])["embeddings"]
    kept = index.collections["qa"].get(ids=[other], include=["embeddings"])["embeddings"]
    assert len(kept) == 1 and np.array_equal(live, kept)


def test_a_removed_faq_disappears_from_both_indexes(working_index, default_spec):
    corpus, index_dir = working_index
    path = corpus / FAQ_FILE
    lines = path.read_text().splitlines(keepends=True)
    removed = next(line for line in lines if '"en-waste-battery"' in line)
    path.write_text("".join(line for line in lines if line != removed))
    report = ingest(corpus, index_dir, default_spec, progress=False)
    assert report.removed == ["en-waste-battery"] and report.embedded == 0

    index = open_live(index_dir)
    question = json.loads(removed)["question"]
    vector = make_embedder(default_spec.embedding_model).embed_query(question)
    dense_ids = {index.chunks[hit.position].id for hit in index.dense(vector, k=20)}
    lexical_ids = {index.chunks[hit.position].id for hit in index.lexical_search(question, k=20)}
    assert "en-waste-battery" not in dense_ids | lexical_ids
    assert "en-waste-battery" not in {chunk.id for chunk in index.chunks}


def test_a_bad_corpus_promotes_nothing_and_the_live_generation_keeps_serving(working_index, default_spec):
    corpus, index_dir = working_index
    before = live_generation(index_dir)
    generations = sorted(os.listdir(generations_dir(index_dir)))
    (corpus / FAQ_FILE).write_text((corpus / FAQ_FILE).read_text() + "{not json\n")
    with pytest.raises(IngestError) as refused:
        ingest(corpus, index_dir, default_spec, progress=False)
    assert refused.value.code == "corpus_invalid"
    assert [str(r) for r in refused.value.report.rejections] == [
        f"{FAQ_FILE}:12: malformed JSON: Expecting property name enclosed in double quotes"
    ]
    assert live_generation(index_dir) == before
    assert sorted(os.listdir(generations_dir(index_dir))) == generations
    assert open_live(index_dir).generation == before


def test_a_folder_of_many_regulation_files_is_read_with_a_progress_bar_and_each_broken_file_named_once(
    working_index, default_spec, capsys
):
    corpus, index_dir = working_index
    folder = corpus / "reiki"
    folder.mkdir()
    for number in range(300):
        head = f"---\nid: reiki-{number}\ntitle: 例規第{number}号\nlang: ja\n---\n"
        (folder / f"reiki-{number}.md").write_text(head + "第1条（目的）\nこの例規は、試みに定める。\n", "utf-8")
    for number in (7, 150, 299):  # three broken as cities' exports break: no front matter's end, no id, no text
        (folder / f"reiki-{number}.md").write_text(("---\nid: x\n", "---\ntitle: t\n---\n第1条 a\n", "")[number % 3])
    files = sum(1 for p in corpus.rglob("*") if p.is_file() and not p.name.startswith(("_", ".")))
    with pytest.raises(IngestError) as refused:
        ingest(corpus, index_dir, default_spec, progress=True)

    report = refused.value.report
    assert report.files == files and report.rejected_files == {f"reiki/reiki-{n}.md" for n in (7, 150, 299)}
    assert str(report).startswith(f"Ingest refused: {len(report.rejections)} problem(s) in 3 of {files} files")
    assert len(report.rejections) == 3
    assert f"{files}/{files}" in capsys.readouterr().err  # the bar over the files, to the last one


def run_ingest_cli(corpus: Path, index_dir: Path) -> subprocess.CompletedProcess[str]:
    command = [PYTHON, "-m", "ingest", str(corpus), "--index", str(index_dir), "--json"]
    env = {**os.environ, "MADOGUCHI_BASELINE_SEARCHES": "20"}
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_the_cli_reports_a_refusal_with_a_nonzero_exit_and_json(working_index):
    corpus, index_dir = working_index
    (corpus / "faq" / "broken.csv").write_text("id,question\n1,Where?\n")
    result = run_ingest_cli(corpus, index_dir)
    assert result.returncode == 1
    assert "faq/broken.csv:2: answer: missing" in result.stderr
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last["error"]["code"] == "corpus_invalid" and last["rejected"] == 1


def test_the_cli_builds_the_generation_with_its_baseline_and_ends_with_a_json_report(working_index):
    corpus, index_dir = working_index
    faqs = corpus / FAQ_FILE
    faqs.write_text(faqs.read_text(encoding="utf-8").replace("twice a week", "twice every week", 1), "utf-8")
    result = run_ingest_cli(corpus, index_dir)
    assert result.returncode == 0, result.stderr
    last = json.loads(result.stdout.strip().splitlines()[-1])
    keys = {"documents", "chunks", "added", "changed", "removed", "unchanged", "rejected", "generation", "seconds"}
    assert keys <= last.keys() and last["changed"] == 1 and last["promoted"]
    # measured in the build for the service's settings, so a server on it only reads it
    assert read_baseline(generations_dir(index_dir) / last["generation"], Settings(baseline_searches=20)) is not None


def test_a_build_killed_midway_leaves_the_live_generation_and_is_cleaned_up(working_index, default_spec):
    corpus, index_dir = working_index
    before, existing = live_generation(index_dir), set(os.listdir(generations_dir(index_dir)))
    # A change to the embedding view of every chunk forces a long build we can interrupt.
    spec = IndexSpec(default_spec.embedding_model, default_spec.answer_chars + 1)
    build = subprocess.Popen(
        [PYTHON, "-m", "ingest", str(corpus), "--index", str(index_dir), "--no-progress"],
        cwd=ROOT,
        env={**os.environ, "MADOGUCHI_ANSWER_CHARS": str(spec.answer_chars)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started = eventually(lambda: set(os.listdir(generations_dir(index_dir))) - existing, 120, what="a new generation")
    build.send_signal(signal.SIGSTOP)  # held still where it is, so that what it has written can be checked
    [new] = [generations_dir(index_dir) / name for name in started]
    assert not (new / "manifest.json").exists(), "the build finished before it could be stopped"
    build.send_signal(signal.SIGKILL)  # mid-build, as the out-of-memory killer would: no clean-up
    build.wait()
    unfinished = [p for p in generations_dir(index_dir).iterdir() if not (p / "manifest.json").exists()]
    assert unfinished == [new]  # the half-built generation exists, but nothing points at it
    assert live_generation(index_dir) == before and open_live(index_dir).generation == before

    edit_faq(corpus, "en-waste-bags", answer="Edited after the killed build.")
    report = ingest(corpus, index_dir, default_spec, progress=False)  # the next build removes it and succeeds
    assert not unfinished[0].exists()
    assert report.promoted and live_generation(index_dir) == report.generation != before


def test_old_generations_are_pruned_but_the_live_one_is_kept(working_index, default_spec):
    corpus, index_dir = working_index
    for n in range(3):
        edit_faq(corpus, "en-waste-bags", answer=f"Edition {n}.")
        ingest(corpus, index_dir, default_spec, keep=2, progress=False)
    kept = sorted(p.name for p in generations_dir(index_dir).iterdir())
    assert len(kept) == 2 and live_generation(index_dir) == kept[-1]
