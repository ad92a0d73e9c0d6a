"""The eval's settings: the service's, plus where the external benchmark sets lie and where the eval keeps its
indexes between runs. Built only by ``python -m eval`` (and the tests' fixtures)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from service.settings import Settings

BENCH_SETS = {
    "localgovfaq": "faqs.jsonl and dev.jsonl: Amagasaki City's 1,786 FAQs and 150 residents' questions (SIGIR 2019)",
    "clinc150": "oos_dev.jsonl: 200 out-of-scope utterances of CLINC150 (EMNLP 2019, CC BY 3.0)",
    "takamatsu": "Takamatsu City's open data as published (xlsx and CSV, CC BY 4.0)",
}


class BenchDataMissingError(Exception):
    """A benchmark set is not where MADOGUCHI_BENCH_DATA says: the message names the path and the setting."""


class EvalSettings(Settings):
    bench_data: Path = Field(
        Path("bench-data"),
        description="Folder of the external benchmark sets: localgovfaq/, clinc150/, takamatsu/ (docs/figures.md, "
        "'Benchmark data'). Relative paths are from the working directory.",
    )
    eval_cache: Path = Field(Path("var/eval-cache"), description="Indexes the eval keeps between runs.")

    def bench_set(self, name: str) -> Path:
        """The folder of one external set; BenchDataMissingError, naming the path, when it is absent."""
        path = self.bench_data / name
        if not path.is_dir():
            raise BenchDataMissingError(
                f"the benchmark set {name} ({BENCH_SETS[name]}) is absent: no folder {path.resolve()}. "
                "Set MADOGUCHI_BENCH_DATA to the folder that holds it (docs/figures.md, 'Benchmark data')."
            )
        return path
