"""``python -m eval``: each task prints a summary, ends with one JSON object with ``--json``, and leaves
metrics, config (with the corpus digest), a Markdown summary and its figures in eval/results/."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from eval.harness import cache_dir
from eval.settings import EvalSettings
from tests.helpers import CORPUS, PYTHON, ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def eval_cache(sample_index, tmp_path_factory) -> Path:
    """The eval's index cache, holding the session's index of the bundled corpus where the eval looks for it: the
    eval finds every chunk unchanged and embeds nothing again."""
    settings = EvalSettings(eval_cache=tmp_path_factory.mktemp("eval-cache"))
    shutil.copytree(sample_index[0], cache_dir(CORPUS, settings))
    return settings.eval_cache


def run_eval(cache: Path, *args: str) -> tuple[dict, Path]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "MADOGUCHI_EVAL_CACHE": str(cache)}
    done = subprocess.run(
        [PYTHON, "-m", "eval", *args, "--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    folder = ROOT / next(line.split("saved to ", 1)[1] for line in lines if line.startswith("saved to "))
    return json.loads(lines[-1]), folder


def write_questions(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def test_retrieval_reports_recall_per_language_with_its_figure(eval_cache, tmp_path):
    queries = write_questions(
        tmp_path / "queries.jsonl",
        [
            {"id": "1", "query": "粗大ごみを出したい", "relevant": {"ja-waste-bulky": 2}},
            {"id": "2", "query": "how do I put out a big sofa for collection", "relevant": {"en-waste-bulky": 2}},
        ],
    )
    metrics, folder = run_eval(eval_cache, "retrieval", "--corpus", str(CORPUS), "--queries", str(queries), "--k", "5")
    assert set(metrics) == {"all", "ja", "en"}
    assert metrics["all"]["n"] == 2 and metrics["ja"]["n"] == 1
    assert metrics["all"]["recall@5"] == 1.0  # each question's own FAQ is among the first five
    curve = metrics["all"]["recall_curve"]
    assert len(curve) == 5 and curve == sorted(curve)
    config = json.loads((folder / "config.json").read_text())
    assert len(config["corpus_digest"]) == 16 and config["settings"]["embedding_model"]
    assert (folder / "recall_at_k.png").stat().st_size > 0
    assert "| all / recall@5 |" in (folder / "summary.md").read_text()


def test_handoff_counts_questions_without_relevant_documents_as_unanswerable(eval_cache, tmp_path):
    questions = write_questions(
        tmp_path / "questions.jsonl",
        [
            {"id": "1", "query": "粗大ごみの申し込み方法", "relevant": {"ja-waste-bulky": 2}},
            {"id": "2", "query": "what is the capital of Australia"},
        ],
    )
    metrics, folder = run_eval(eval_cache, "handoff", "--corpus", str(CORPUS), "--questions", str(questions))
    assert metrics["answerable"] == 1 and metrics["unanswerable"] == 1
    assert metrics["handoff_recall"] == 1.0  # a geography quiz is not a municipal enquiry
    assert {row["threshold"] for row in metrics["sweep"]} >= {0.35, 0.5}
    assert (folder / "confidence.png").exists() and (folder / "handoff_threshold.png").exists()


def test_a_task_whose_benchmark_set_is_absent_names_the_path_and_the_setting(tmp_path):
    env = {**os.environ, "MADOGUCHI_BENCH_DATA": str(tmp_path / "nowhere")}
    done = subprocess.run([PYTHON, "-m", "eval", "retrieval"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 2
    assert str(tmp_path / "nowhere" / "localgovfaq") in done.stderr and "MADOGUCHI_BENCH_DATA" in done.stderr
