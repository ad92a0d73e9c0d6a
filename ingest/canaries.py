"""The corpus's canary questions (``canaries.yaml``): residents' questions, as the city writes them, each with the
source it must still find. A reload checks each on the new generation before it is promoted (service/live/
reload.py), and a build keeps its adapter only when no canary finds its source lower with it (ingest/adapter.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ingest.errors import IngestError

CANARIES_FILE = "canaries.yaml"


@dataclass(frozen=True)
class Canary:
    question: str
    expected: str  # a document id (ja-waste-bulky) or a chunk id (ja-reg-waste#5)


def load_canaries(corpus_dir: Path) -> list[Canary]:
    path = corpus_dir / CANARIES_FILE
    if not path.exists():
        return []
    try:
        rows = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        return [Canary(str(row["question"]), str(row["expected"])) for row in rows]
    except (yaml.YAMLError, TypeError, KeyError) as error:
        message = f"{CANARIES_FILE}: each entry needs a question and an expected id ({error})"
        raise IngestError("canaries_invalid", message) from error
