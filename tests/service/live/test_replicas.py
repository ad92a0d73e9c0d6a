"""Replicas on several machines, for real: a PostgreSQL server and a Chroma server started here, two replicas as
separate processes with separate index directories (no shared disk). Under steady questions to both, a reload
through either reaches both, a replica killed and started afresh syncs before it serves, and a rollback through
one reaches the other: not one question fails."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, update

from ingest.index import generations_dir, ingest, live_generation
from ingest.live import open_live
from service.live import replicas
from service.store.database import Store
from service.store.tables import published
from tests.conftest import ARTIFACTS, Server, fresh_postgres_database
from tests.helpers import PYTHON, ROOT, eventually

pytestmark = pytest.mark.chroma_server

ADMIN = {"Authorization": "Bearer replicas-admin-token-0001"}
FAQS = [
    ("ja-bulky", "粗大ごみはどうやって出しますか。", "粗大ごみは電話で申し込み、収集日の朝8時までに出してください。"),
    ("ja-ferry", "フェリーの町民割引はありますか。", "町民はフェリーの運賃が半額になります。町民証を見せてください。"),
    ("ja-clinic", "診療所の診療時間は。", "診療所は平日9時から12時まで診療しています。急病のときは119番へ。"),
]
ADDED = ("ja-library", "図書館の開館時間は。", "町立図書館は火曜から日曜の10時から18時まで開いています。")
QUESTIONS = ["粗大ごみを出したい", "フェリーの割引はありますか", "診療所は何時まで"]


def write_corpus(folder: Path, faqs: list[tuple[str, str, str]]) -> None:
    (folder / "faq").mkdir(parents=True, exist_ok=True)
    rows = [{"id": i, "lang": "ja", "category": "くらし", "question": q, "answer": a} for i, q, a in faqs]
    (folder / "faq" / "town.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


class Cluster:
    """Replicas on one database and one Chroma server, each started with its own empty index directory."""

    def __init__(self, folder: Path, database_url: str, chroma_url: str) -> None:
        self.folder, self.corpus = folder, folder / "corpus"
        write_corpus(self.corpus, FAQS)
        self.env = {
            "MADOGUCHI_DATABASE_URL": database_url,
            "MADOGUCHI_CHROMA_URL": chroma_url,
            "MADOGUCHI_SHARED_GENERATIONS": "true",
            "MADOGUCHI_FOLLOW_INTERVAL_S": "0.5",
            "MADOGUCHI_CORPUS_DIR": str(self.corpus),
            "MADOGUCHI_ADMIN_TOKEN": ADMIN["Authorization"].split()[1],
            "MADOGUCHI_RATE_LIMITS": "off",
            "MADOGUCHI_BASELINE_SEARCHES": "20",
        }

    def replica(self) -> Server:
        local = Path(tempfile.mkdtemp(prefix="replica-", dir=self.folder))
        return Server({**self.env, "MADOGUCHI_INDEX_DIR": str(local / "index")}, local / "log")

    def build(self) -> str:
        """``python -m service.reload --build`` on a machine of its own (the Kubernetes Job); the generation."""
        local = Path(tempfile.mkdtemp(prefix="job-", dir=self.folder))
        env = {**os.environ, **self.env, "MADOGUCHI_INDEX_DIR": str(local / "index")}
        command = [PYTHON, "-m", "service.reload", "--build"]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        return str(json.loads(done.stdout.splitlines()[-1])["report"]["generation"])


@pytest.fixture
def cluster(tmp_path: Path, postgres_server: str, chroma_server: str) -> Cluster:
    return Cluster(tmp_path, fresh_postgres_database(postgres_server), chroma_server)


class Load:
    """Questions asked without pause, in turn, of every replica that is up; every answer that is not 200 is
    a failure."""

    def __init__(self, replicas: list[Server]) -> None:
        self.up = list(replicas)
        self.asked, self.rounds, self.failures = 0, 0, []  # type: ignore[var-annotated]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.rounds += 1
            for replica in list(self.up):
                question = QUESTIONS[self.asked % len(QUESTIONS)]
                try:
                    response = replica.http.post("/v1/ask", json={"question": question})
                    if response.status_code != 200:
                        self.failures.append(f"{response.status_code} {response.text[:200]}")
                except httpx.HTTPError as error:
                    self.failures.append(repr(error))
                self.asked += 1

    def drain(self, replica: Server) -> None:
        """Send ``replica`` nothing more, and wait for the question it may still be answering."""
        self.up.remove(replica)
        now = self.rounds
        until(lambda: self.rounds > now + 1)

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)


def generation(replica: Server) -> str | None:
    response = replica.http.get("/v1/status")
    return response.json()["generation"] if response.status_code == 200 else None


def until(check: Callable[[], bool], timeout: float = 60.0) -> float:
    """Seconds until ``check`` holds."""
    started = time.monotonic()
    eventually(check, timeout)
    return time.monotonic() - started


def reload_through(replica: Server, other: Server) -> str:
    """Start a reload through ``replica``; while it builds, ``other`` refuses a second one and a rollback, and
    reports this one as running (not as interrupted: its build is on another machine)."""
    started = replica.http.post("/v1/admin/reload", json={}, headers=ADMIN)
    assert started.status_code == 202, started.text
    refused = other.http.post("/v1/admin/reload", json={}, headers=ADMIN)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "reload_in_progress"
    no_rollback = other.http.post("/v1/admin/rollback", json={"generation": "20000101T000000-000000"}, headers=ADMIN)
    assert no_rollback.status_code == 409 and no_rollback.json()["error"]["code"] == "reload_in_progress"
    url = f"/v1/admin/jobs/{started.json()['job_id']}"
    until(lambda: other.http.get(url, headers=ADMIN).json()["status"] in ("succeeded", "failed"), 180)
    job = other.http.get(url, headers=ADMIN).json()
    assert job["status"] == "succeeded", job
    return str(job["report"]["generation"])


@pytest.fixture
def two_replicas(cluster: Cluster) -> Iterator[tuple[Cluster, list[Server]]]:
    with ThreadPoolExecutor(2) as starting:  # two machines start at once
        running = list(starting.map(lambda _: cluster.replica(), range(2)))
    yield cluster, running
    for replica in running:
        replica.close()


def test_two_replicas_build_once_and_follow_reloads_restarts_and_rollbacks_without_a_failed_question(two_replicas):
    cluster, (a, b) = two_replicas
    first = cluster.build()  # the first generation, built by a one-off job (a third machine) and published
    until(lambda: generation(a) == first and generation(b) == first)
    seconds: dict[str, float] = {}

    with Load([a, b]) as load:
        write_corpus(cluster.corpus, [*FAQS, ADDED])
        second = reload_through(b, a)  # any replica may start a reload
        seconds["reload_both_serving"] = until(lambda: generation(a) == second and generation(b) == second, 15)
        answer = a.http.post("/v1/ask", json={"question": "図書館は何時まで開いていますか"}).json()
        assert answer["generation"] == second and ADDED[0] in {c["id"] for c in answer["citations"]}

        load.drain(b)  # the load balancer stops sending to it, and it is killed
        b.close()
        started = time.monotonic()
        b = cluster.replica()  # a new machine: its index directory is empty
        two_replicas[1][1] = b
        seconds["restart_ready"] = time.monotonic() - started
        assert generation(b) == second  # synced before it reported ready
        load.up.append(b)

        rolled = a.http.post("/v1/admin/rollback", json={"generation": first}, headers=ADMIN)
        assert rolled.status_code == 200, rolled.text
        seconds["rollback_both_serving"] = until(lambda: generation(a) == first and generation(b) == first, 15)
        asked_before = load.asked
        until(lambda: load.asked > asked_before + 20)

    assert load.failures == [] and load.asked > 50
    store = Store(cluster.env["MADOGUCHI_DATABASE_URL"], 30)
    with store.engine.connect() as connection:
        sizes = connection.execute(select(func.length(published.c.archive))).scalars().all()
    store.engine.dispose()
    ARTIFACTS.mkdir(exist_ok=True)  # the figures of the README's "Running on several machines"
    figures = {**seconds, "questions": load.asked, "failed": len(load.failures), "archive_bytes": sizes}
    (ARTIFACTS / "replicas.json").write_text(json.dumps(figures, indent=1))


def test_a_replica_keeps_only_verified_published_generations(tmp_path, postgres_server, default_spec):
    write_corpus(tmp_path / "corpus", FAQS)
    built = ingest(tmp_path / "corpus", tmp_path / "builder", default_spec, progress=False).generation
    store = Store(fresh_postgres_database(postgres_server), 30)
    replicas.publish(store.engine, tmp_path / "builder", built, keep=3)
    replicas.promote(store.engine, built)

    assert replicas.sync(store.engine, tmp_path / "follower") == built
    assert open_live(tmp_path / "follower").chunks == open_live(tmp_path / "builder").chunks
    older = generations_dir(tmp_path / "follower") / "20000101T000000-000000"  # pruned from the database since
    shutil.copytree(generations_dir(tmp_path / "follower") / built, older)
    replicas.prune_local(store.engine, tmp_path / "follower")
    assert not older.exists() and live_generation(tmp_path / "follower") == built

    with store.engine.begin() as connection:
        archive = connection.execute(select(published.c.archive)).scalar_one()
        connection.execute(update(published).values(archive=archive[:-64] + bytes(64)))
    with pytest.raises(ValueError, match="digest"):
        replicas.sync(store.engine, tmp_path / "late")
    assert live_generation(tmp_path / "late") is None and not generations_dir(tmp_path / "late").exists()
    store.engine.dispose()
