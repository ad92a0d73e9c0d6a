"""Replicas on several machines, for real: a PostgreSQL server and a Chroma server started here, two replicas as
separate processes with separate index and corpus directories (no shared disk: each has the corpus its image
came with), and a build Job with a third. Under steady questions to both, an FAQ approved through one replica
is served by both, and stays served after a reload through the other, a build by the Job and a replica started
afresh on an empty directory (issue 32); a rollback through one reaches the other: not one question fails."""

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
from service.store.schema import published
from tests.conftest import ARTIFACTS, Server, fresh_postgres_database
from tests.helpers import PYTHON, ROOT, Stream, eventually

pytestmark = pytest.mark.chroma_server

ADMIN = {"Authorization": "Bearer replicas-admin-token-0001"}
FAQS = [
    ("ja-bulky", "粗大ごみはどうやって出しますか。", "粗大ごみは電話で申し込み、収集日の朝8時までに出してください。"),
    ("ja-ferry", "フェリーの町民割引はありますか。", "町民はフェリーの運賃が半額になります。町民証を見せてください。"),
    ("ja-clinic", "診療所の診療時間は。", "診療所は平日9時から12時まで診療しています。急病のときは119番へ。"),
]
STAFF = {"Authorization": "Bearer replicas-staff-token-0001"}
LIBRARY = {  # what staff propose and an operator approves through one replica
    "lang": "ja",
    "question": "図書館の開館時間は。",
    "answer": "町立図書館は火曜から日曜の10時から18時まで開いています。",
    "department": "kyoiku",
    "asked": "図書館は何時まで開いていますか",
}
QUESTIONS = ["粗大ごみを出したい", "フェリーの割引はありますか", "診療所は何時まで"]


def write_corpus(folder: Path, faqs: list[tuple[str, str, str]]) -> None:
    (folder / "faq").mkdir(parents=True, exist_ok=True)
    rows = [{"id": i, "lang": "ja", "category": "くらし", "question": q, "answer": a} for i, q, a in faqs]
    (folder / "faq" / "town.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


class Cluster:
    """Replicas on one database and one Chroma server, each started with its own empty index directory and its
    own copy of the corpus (as a container image brings it)."""

    def __init__(self, folder: Path, database_url: str, chroma_url: str) -> None:
        self.folder, self.corpus = folder, folder / "image-corpus"
        write_corpus(self.corpus, FAQS)
        self.env = {
            "MADOGUCHI_DATABASE_URL": database_url,
            "MADOGUCHI_CHROMA_URL": chroma_url,
            "MADOGUCHI_SHARED_GENERATIONS": "true",
            "MADOGUCHI_FOLLOW_INTERVAL_S": "0.5",
            "MADOGUCHI_ADMIN_TOKEN": ADMIN["Authorization"].split()[1],
            "MADOGUCHI_STAFF_TOKEN": STAFF["Authorization"].split()[1],
            "MADOGUCHI_RATE_LIMITS": "off",
            "MADOGUCHI_BASELINE_SEARCHES": "20",
            "MADOGUCHI_BUILD_PRIORITY": "normal",  # its questions never pause: an idle-priority build would wait
        }

    def machine(self, prefix: str) -> dict[str, str]:
        """A new machine's own directories: an empty index and the image's corpus."""
        local = Path(tempfile.mkdtemp(prefix=prefix, dir=self.folder))
        shutil.copytree(self.corpus, local / "corpus")
        return {"MADOGUCHI_INDEX_DIR": str(local / "index"), "MADOGUCHI_CORPUS_DIR": str(local / "corpus")}

    def replica(self) -> Server:
        own = self.machine("replica-")
        return Server({**self.env, **own}, Path(own["MADOGUCHI_INDEX_DIR"]).parent / "log")

    def build(self) -> str:
        """``python -m service.reload --build`` on a machine of its own (the Kubernetes Job); the generation."""
        env = {**os.environ, **self.env, **self.machine("job-")}
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


def serves(replica: Server, entry: str, generation: str) -> bool:
    """Whether ``replica`` answers the library question from ``entry`` on ``generation`` (or offers it)."""
    body = replica.http.post("/v1/ask", json={"question": LIBRARY["asked"]}).json()
    found = {c["id"] for c in body["citations"]} | {c["id"] for c in body.get("choices", [])}
    return body["generation"] == generation and entry in found


def entries(replica: Server, status: str) -> list[str]:
    """The entries of the proposals of ``status``."""
    found = replica.http.get("/v1/admin/proposals", params={"status": status}, headers=ADMIN).json()["proposals"]
    return [p["entry_id"] for p in found]


def wait_for_job(replica: Server, job_id: str) -> str:
    """The generation of a job that succeeded, as ``replica`` reports it."""
    url = f"/v1/admin/jobs/{job_id}"
    until(lambda: replica.http.get(url, headers=ADMIN).json()["status"] in ("succeeded", "failed"), 180)
    job = replica.http.get(url, headers=ADMIN).json()
    assert job["status"] == "succeeded", job
    return str(job["report"]["generation"])


def reload_through(replica: Server, other: Server) -> str:
    """Start a reload through ``replica``; while it builds, ``other`` refuses a second one and a rollback, and
    reports this one as running (not as interrupted: its build is on another machine)."""
    started = replica.http.post("/v1/admin/reload", json={}, headers=ADMIN)
    assert started.status_code == 202, started.text
    refused = other.http.post("/v1/admin/reload", json={}, headers=ADMIN)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "reload_in_progress"
    no_rollback = other.http.post("/v1/admin/rollback", json={"generation": "20000101T000000-000000"}, headers=ADMIN)
    assert no_rollback.status_code == 409 and no_rollback.json()["error"]["code"] == "reload_in_progress"
    return wait_for_job(other, started.json()["job_id"])


@pytest.fixture
def two_replicas(cluster: Cluster) -> Iterator[tuple[Cluster, list[Server]]]:
    with ThreadPoolExecutor(2) as starting:  # two machines start at once
        running = list(starting.map(lambda _: cluster.replica(), range(2)))
    yield cluster, running
    for replica in running:
        replica.close()


def staff_reply_crosses(resident_side: Server, staff_side: Server) -> None:
    """A resident handed to staff on one replica follows the conversation there; staff claim and reply through
    the other; the reply reaches the resident within 2 s."""
    handed = resident_side.http.post("/v1/ask", json={"question": "フランスの首都はどこですか"}).json()
    case_id = handed["handoff"]["case_id"]
    stream = Stream(resident_side.base_url, handed["conversation_id"])
    try:
        assert stream.next("state")["state"] == "waiting"
        staff_side.http.post(f"/v1/handoffs/{case_id}/claim", json={"staff": "窓口"}, headers=STAFF)
        reply = {"text": "確認します", "staff": "窓口"}
        written = staff_side.http.post(f"/v1/handoffs/{case_id}/messages", json=reply, headers=STAFF)
        assert written.status_code == 201, written.text
        assert stream.next("message")["text"] == "確認します"
    finally:
        stream.close()


def pause_crosses(operator_side: Server, other: Server) -> None:
    """An operator pauses the AI answers through one replica: the other says so within a second, and answers
    again within a second of their return."""
    switch = {"target": "all", "on": False, "reason": "調査中"}
    assert operator_side.http.post("/v1/admin/switches", json=switch, headers=ADMIN).status_code == 200

    def outcome() -> str:
        return str(other.http.post("/v1/ask", json={"question": QUESTIONS[0]}).json()["outcome"])

    eventually(lambda: outcome() == "paused", 1.0, interval=0.1)
    operator_side.http.post("/v1/admin/switches", json={**switch, "on": True}, headers=ADMIN)
    eventually(lambda: outcome() != "paused", 1.0, interval=0.1)


def test_two_replicas_build_once_and_follow_reloads_restarts_and_rollbacks_without_a_failed_question(two_replicas):
    cluster, (a, b) = two_replicas
    first = cluster.build()  # the first generation, built by a one-off job (a third machine) and published
    until(lambda: generation(a) == first and generation(b) == first)
    staff_reply_crosses(b, a)  # and what staff write on one replica reaches a resident on the other
    pause_crosses(a, b)  # and an operator's off switch
    seconds: dict[str, float] = {}

    with Load([a, b]) as load:
        proposal = a.http.post("/v1/proposals", json=LIBRARY, headers=STAFF)
        assert proposal.status_code == 201, proposal.text
        approved = a.http.post(f"/v1/admin/proposals/{proposal.json()['id']}/approve", json={}, headers=ADMIN)
        assert approved.status_code == 202 and approved.json()["job_id"], approved.text
        entry = approved.json()["entry_id"]
        second = wait_for_job(b, approved.json()["job_id"])  # the approval's reload, followed from the other
        seconds["reload_both_serving"] = until(lambda: generation(a) == second and generation(b) == second, 15)
        assert serves(a, entry, second) and serves(b, entry, second)

        third = reload_through(b, a)  # a plain reload on the machine whose corpus never had the file
        until(lambda: generation(a) == third and generation(b) == third, 15)
        assert serves(a, entry, third) and serves(b, entry, third)
        assert entries(a, "live") == [entry]
        built = cluster.build()  # and the build Job, on a third machine
        until(lambda: generation(a) == built and generation(b) == built, 15)
        assert serves(a, entry, built) and serves(b, entry, built)

        load.drain(b)  # the load balancer stops sending to it, and it is killed
        b.close()
        started = time.monotonic()
        b = cluster.replica()  # a new machine: its index directory is empty
        two_replicas[1][1] = b
        seconds["restart_ready"] = time.monotonic() - started
        assert generation(b) == built and serves(b, entry, built)  # synced before it reported ready
        load.up.append(b)

        rolled = a.http.post("/v1/admin/rollback", json={"generation": first}, headers=ADMIN)
        assert rolled.status_code == 200, rolled.text
        seconds["rollback_both_serving"] = until(lambda: generation(a) == first and generation(b) == first, 15)
        assert entries(b, "approved") == [entry] and entries(b, "live") == []  # not served: not live
        asked_before = load.asked
        until(lambda: load.asked > asked_before + 20)

    assert load.failures == [] and load.asked > 50
    store = Store(cluster.env["MADOGUCHI_DATABASE_URL"], 30)
    with store.engine.connect() as connection:
        sizes = connection.execute(select(func.length(published.c.archive))).scalars().all()
    store.engine.dispose()
    ARTIFACTS.mkdir(exist_ok=True)  # the figures of docs/deployment.md, "Running on several machines"
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


def test_a_replica_that_cannot_sync_at_start_is_stale_until_it_has_caught_up(tmp_path, postgres_server, default_spec):
    database_url = fresh_postgres_database(postgres_server)
    store = Store(database_url, 30)
    write_corpus(tmp_path / "corpus", FAQS)
    older = ingest(tmp_path / "corpus", tmp_path / "builder", default_spec, progress=False).generation
    shutil.copytree(tmp_path / "builder", tmp_path / "replica")  # the replica still holds the older generation
    write_corpus(tmp_path / "corpus", [*FAQS, ("ja-library", LIBRARY["question"], LIBRARY["answer"])])
    newer = ingest(tmp_path / "corpus", tmp_path / "builder", default_spec, progress=False).generation
    replicas.publish(store.engine, tmp_path / "builder", newer, keep=3)
    replicas.promote(store.engine, newer)
    with store.engine.begin() as connection:  # its archive arrives broken: the replica's sync fails
        archive = connection.execute(select(published.c.archive)).scalar_one()
        connection.execute(update(published).values(archive=archive[:-64] + bytes(64)))

    env = {
        "MADOGUCHI_DATABASE_URL": database_url,
        "MADOGUCHI_SHARED_GENERATIONS": "true",
        "MADOGUCHI_FOLLOW_INTERVAL_S": "0.1",
        "MADOGUCHI_INDEX_DIR": str(tmp_path / "replica"),
        "MADOGUCHI_RATE_LIMITS": "off",
        "MADOGUCHI_BASELINE_SEARCHES": "20",
    }
    replica = Server(env, tmp_path / "log")
    try:
        health = replica.http.get("/healthz")
        assert health.status_code == 503 and health.json()["status"] == "stale", health.json()
        assert health.json()["generation"] == older and "older local generation" in " ".join(health.json()["problems"])
        eventually(lambda: "retrying, less and less often" in replica.log())  # the follower tried, and failed

        with store.engine.begin() as connection:  # the archive is repaired: the follower catches up
            connection.execute(update(published).values(archive=archive))
        eventually(lambda: replica.http.get("/healthz").status_code == 200, 60)
        assert replica.http.get("/healthz").json()["generation"] == newer
        log = replica.log()
        assert log.count("cannot follow the live generation") == 1  # said once, not at every try
        assert "following the live generation again after" in log
    finally:
        replica.close()
        store.engine.dispose()


def test_a_follower_waits_longer_after_each_failed_try_up_to_a_minute():
    follower = replicas.Follower(None, Path("unused"), 0.5, lambda: None)  # type: ignore[arg-type]
    waits = []
    for failures in (0, 1, 2, 3, 10, 100):
        follower.failures = failures
        waits.append(follower.wait_s())
    assert waits == [0.5, 1.0, 2.0, 4.0, 60.0, 60.0]
