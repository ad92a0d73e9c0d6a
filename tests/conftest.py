"""Real fixtures, built once per session: the sample corpus ingested with the default model into a real
Chroma store, and a real uvicorn server over HTTP."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ingest.index import IndexSpec, ingest
from ingest.report import IngestReport
from service.settings import Settings
from tests.helpers import CORPUS, PYTHON, ROOT, SHARED_DATA, free_port, wait_for_http

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture(scope="session")
def default_spec() -> IndexSpec:
    defaults = Settings()
    return IndexSpec(defaults.embedding_model, defaults.answer_chars)


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory, default_spec: IndexSpec) -> tuple[Path, IngestReport]:
    """The bundled corpus, ingested once. Tests must not change it: copy it first."""
    index_dir = tmp_path_factory.mktemp("sample") / "index"
    return index_dir, ingest(CORPUS, index_dir, default_spec, progress=False)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def localgov_index(tmp_path_factory: pytest.TempPathFactory, default_spec: IndexSpec) -> tuple[Path, IngestReport]:
    """The 1,786 real localgovFAQ entries, ingested once (about two minutes on two cores)."""
    index_dir = tmp_path_factory.mktemp("localgov") / "index"
    return index_dir, ingest(SHARED_DATA / "localgovfaq" / "faqs.jsonl", index_dir, default_spec, progress=False)


class Server:
    """A real `python -m service` under uvicorn on a free loopback port; its log goes to a file."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        port = free_port()
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.process = subprocess.Popen(
            [PYTHON, "-m", "service", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.base_url = f"http://127.0.0.1:{port}"
        self.database_url = env.get("MADOGUCHI_DATABASE_URL", "")
        self.http = httpx.Client(base_url=self.base_url, timeout=30.0)
        try:
            wait_for_http(self.base_url + "/healthz", self.process)
        except Exception:
            self.close()
            raise

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def close(self) -> None:
        self.http.close()
        stop(self.process)
        self._log.close()


@pytest.fixture(scope="session")
def server(sample_index: tuple[Path, IngestReport], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("server")
    env = {"MADOGUCHI_INDEX_DIR": str(sample_index[0]), "MADOGUCHI_DATABASE_URL": f"sqlite:///{folder / 'db.sqlite'}"}
    running = Server(env, folder / "log")
    yield running
    running.close()
