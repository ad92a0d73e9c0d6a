"""How the service grows with a city's corpus (issue 45). A corpus of ``chunks`` distinct chunks is made here from
text the repository ships (the sample corpus's FAQ entries and ordinance articles, recombined: no downloads), then
measured as a city would meet it: the full build (the real ``python -m ingest``: seconds and peak memory), the
seconds a new worker takes to be ready, the seconds from an operator's reload after one 例規 file changed to a
request answered from the new generation (the real service, a resident asking all the while: how many were
answered meanwhile and how many failed), one client's p50/p95 and four clients' throughput on our own questions
with no question remembered (every one searched), and a worker's peak memory.

Every chunk and every text embedded for it is distinct, as a city's are: FAQ ``i`` is the sample entry ``i mod F``'s
question, asked of district ``i div F`` from the second round on, with its answer and the answer of entry
``i div F``; article ``i`` joins three sample articles chosen by the digits of ``i`` in base ``A``. Six in
ten chunks are FAQ entries, the rest articles, fifty to a 例規 file (cities publish one file per 例規)."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from eval import bench, ingest_bench, ready_bench, reload_bench
from ingest.chunk import chunk_corpus
from ingest.languages import detect
from ingest.load import load_corpus

UNCACHED = {"MADOGUCHI_QUERY_CACHE_SIZE": "0"}  # every question searched: the path that grows with the corpus
FAQ_SHARE = 0.6
ARTICLES_PER_FILE = 50


def make_corpus(source: Path, target: Path, chunks: int) -> None:
    """A corpus of ``chunks`` distinct chunks under ``target``, recombined from the corpus at ``source``."""
    loaded = load_corpus(source)
    faqs = [faq for _, faq in loaded.faqs]
    articles = [c for c in chunk_corpus(loaded) if c.kind == "regulation" and c.lang == "ja" and c.text]
    if not faqs or not articles:
        raise ValueError(f"{source} holds no FAQ or no Japanese article to recombine")
    faq_count = round(chunks * FAQ_SHARE)
    if faq_count > len(faqs) ** 2 or chunks - faq_count > len(articles) ** 3:
        raise ValueError(f"{source} is too small to make {chunks} distinct chunks")
    (target / "faq").mkdir(parents=True)
    with (target / "faq" / "faq.jsonl").open("w", encoding="utf-8") as out:
        for i in range(faq_count):
            base, other = faqs[i % len(faqs)], faqs[i // len(faqs)]
            record = base.model_dump(exclude={"translations"}) | {
                "id": f"faq-{i}",
                "question": _asked_of(base, i // len(faqs)),
            }
            record["answer"] = f"{base.answer}\n{other.answer}" if other is not base else base.answer
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    (target / "reiki").mkdir()
    for first in range(0, chunks - faq_count, ARTICLES_PER_FILE):
        count = min(ARTICLES_PER_FILE, chunks - faq_count - first)
        body = [_article(n + 1, first + n, articles) for n in range(count)]
        number = first // ARTICLES_PER_FILE
        head = f"---\nid: reiki-{number}\ntitle: 例規第{number}号\nlang: ja\neffective: 2026-04-01\n---\n"
        (target / "reiki" / f"reiki-{number}.md").write_text(head + "\n".join(body) + "\n", encoding="utf-8")


def _asked_of(faq: Any, district: int) -> str:
    """The entry's question as residents of one district ask it (round 0: as published)."""
    if not district:
        return str(faq.question)
    return (
        f"{faq.question}（第{district}地区）"
        if (faq.lang or detect(faq.question)) == "ja"
        else f"{faq.question} (district {district})"
    )


def _article(number: int, index: int, articles: list[Any]) -> str:
    size = len(articles)
    picked = [articles[index % size], articles[(index // size) % size], articles[(index // size // size) % size]]
    return f"第{number}条（{picked[0].heading or '規定'}）\n" + "\n".join(a.text.replace("\n", " ") for a in picked)


def _change_one_file(corpus: Path) -> None:
    """One 例規 amended: a sentence added to the last article of its first file, as an operator would."""
    path = sorted((corpus / "reiki").glob("*.md"))[0]
    path.write_text(path.read_text(encoding="utf-8") + "この条は改正されました。\n", encoding="utf-8")


def run(source: Path, chunks: int, questions: list[str], clients: int, seconds: float) -> dict[str, Any]:
    """The figures of one corpus size, as one flat record."""
    scratch = Path(tempfile.mkdtemp(prefix="madoguchi-scale-"))
    try:
        corpus, index_dir = scratch / "corpus", scratch / "index"
        make_corpus(source, corpus, chunks)
        built = ingest_bench._ingest(corpus, index_dir, {})
        ready = ready_bench.ready_s(index_dir, 300)
        reloaded = _reload_one(scratch, corpus, index_dir, questions)
        one = bench.load(index_dir, questions, 1, seconds, extra=UNCACHED)
        many = bench.load(index_dir, questions, clients, seconds, extra=UNCACHED)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {
        "chunks": built["chunks"],
        "build_s": built["wall_seconds"],
        "build_peak_mb": built["peak_rss_mb"],
        "reload_one_s": reloaded["seconds"],
        "ready_s": ready,
        "p50_ms": one["p50_ms"],
        "p95_ms": one["p95_ms"],
        f"rps_{clients}_clients": many["rps"],
        "worker_rss_mb": max(one["rss_mb"], many["rss_mb"]),
        "answered_during_reload": reloaded["asks"] - reloaded["failed"],
        "failed_during_reload": reloaded["failed"],
    }


def _reload_one(scratch: Path, corpus: Path, index_dir: Path, questions: list[str]) -> dict[str, Any]:
    """One 例規 file amended and reloaded through the running service while a resident asks: the seconds from
    the operator's request to a request answered from the new generation, and the asks meanwhile."""
    settings = UNCACHED | {
        "MADOGUCHI_CORPUS_DIR": str(corpus),
        "MADOGUCHI_INDEX_DIR": str(index_dir),
        "MADOGUCHI_DATABASE_URL": f"sqlite:///{scratch / 'reload.sqlite'}",
        "MADOGUCHI_ADMIN_TOKEN": reload_bench.TOKEN,
    }
    with (
        bench.running_service(settings) as (base, _),
        httpx.Client(base_url=base, timeout=300) as http,
        reload_bench.Load(base, questions, 1) as load,
    ):
        before = http.get("/v1/status").json()["generation"]
        _change_one_file(corpus)
        load.phase, started = "reload", time.perf_counter()
        _, job = reload_bench._reload(http)
        while job["status"] == "succeeded" and http.get("/v1/status").json()["generation"] == before:
            time.sleep(0.05)
        seconds = round(time.perf_counter() - started, 2)
        load.phase = "after"
    if job["status"] != "succeeded":
        raise RuntimeError(f"the reload {job['status']}: {job.get('failure')}")
    return {"seconds": seconds, **load.summary("reload")}
