"""Operators reload the corpus with zero downtime, see what changed, and roll back; a reload that fails
leaves the live generation serving and nothing half-built behind. A real service with two uvicorn workers,
over HTTP, on its own copy of the corpus and index."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from ingest.index import generations_dir, live_generation, write_atomically
from ingest.report import IngestReport
from service.store.database import Store
from tests.conftest import Server, server_on
from tests.helpers import PYTHON, ROOT, answered, copy_corpus, eventually, first_entry

TOKEN = "operator-secret-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
METRICS_TOKEN = "prometheus-scrape-0123456789"
STAFF_TOKEN = "staff-secret-0123456789"
STAFF = {"Authorization": f"Bearer {STAFF_TOKEN}"}
BULKY = "How do I put out oversized garbage?"


@pytest.fixture(scope="module")
def site(sample_index: tuple[Path, IngestReport], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A city's corpus and index, copied so that these tests may change them."""
    root = tmp_path_factory.mktemp("site")
    copy_corpus(root / "corpus")
    shutil.copytree(sample_index[0], root / "index")
    return root


def site_server(site: Path, **settings: str) -> Server:
    """The site's service, with the admin API on."""
    return server_on(site / "index", site, corpus_dir=str(site / "corpus"), admin_token=TOKEN, **settings)


def site_store(site: Path) -> Store:
    return Store(f"sqlite:///{site / 'db.sqlite'}", 30)


@pytest.fixture(scope="module")
def admin_server(site: Path) -> Iterator[Server]:
    # Residents' picks here teach nothing (tests/service/api/test_learning.py is about that): a reload of an
    # unchanged corpus must change nothing, whatever these tests asked before it.
    running = site_server(
        site,
        workers="2",
        metrics_token=METRICS_TOKEN,
        staff_token=STAFF_TOKEN,
        learn_after_picks="1000000",
        notice_url="https://www.city.example.jp/ai-notice.html",
    )
    yield running
    running.close()


def edit_faq(site: Path, file: str, faq_id: str, change) -> None:
    path = site / "corpus" / "faq" / file
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [change(row) if row["id"] == faq_id else row for row in rows]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows if r), encoding="utf-8")


def reload_and_wait(server: Server, body: dict | None = None, timeout: float = 300.0) -> dict:
    response = server.http.post("/v1/admin/reload", json=body or {}, headers=AUTH)
    assert response.status_code == 202, server.log()[-3000:]
    return wait_for_job(server, response.json()["job_id"], timeout)


def wait_for_job(server: Server, job_id: str, timeout: float = 300.0) -> dict:
    """The job once it has finished, either way."""

    def finished() -> dict | None:
        job = server.http.get(f"/v1/admin/jobs/{job_id}", headers=AUTH).json()
        return job if job["status"] in ("succeeded", "failed") else None

    return eventually(finished, timeout, interval=0.2, what=f"reload {job_id} to finish")


def finished_generations(site: Path) -> list[str]:
    return sorted(p.name for p in generations_dir(site / "index").iterdir() if p.is_dir())


def test_the_admin_api_is_off_without_a_token(server):
    for method, path in (("POST", "/v1/admin/reload"), ("GET", "/v1/admin/generations"), ("GET", "/v1/admin/jobs/x")):
        response = server.http.request(method, path, json={} if method == "POST" else None, headers=AUTH)
        assert response.status_code == 403 and response.json()["error"]["code"] == "admin_disabled"


@pytest.mark.parametrize("header", [None, "Bearer wrong-secret", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_a_missing_or_wrong_token_is_refused(admin_server, header):
    headers = {"Authorization": header} if header else {}
    response = admin_server.http.get("/v1/admin/generations", headers=headers)
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"


def test_a_reload_serves_the_change_in_every_worker_without_a_failed_request(admin_server, site):
    before = admin_server.http.get("/v1/status").json()["generation"]
    edit_faq(site, "en/garbage.jsonl", "en-waste-bulky", lambda r: {**r, "answer": "RELOADED. " + r["answer"]})
    failures: list[str] = []
    stop = threading.Event()

    def ask_continuously() -> None:
        with httpx.Client(base_url=admin_server.base_url, timeout=30) as client:
            while not stop.is_set():
                response = client.post("/v1/ask", json={"question": "住民票の写しはどこで取れますか"})
                if response.status_code != 200:
                    failures.append(response.text)

    clients = [threading.Thread(target=ask_continuously) for _ in range(2)]
    for client in clients:
        client.start()
    try:
        job = reload_and_wait(admin_server)
    finally:
        stop.set()
        for client in clients:
            client.join()

    assert failures == []
    assert job["status"] == "succeeded" and job["progress"] == 1.0
    assert job["report"]["changes"]["changed"] == ["en-waste-bulky"] and job["report"]["promoted"]
    after = job["report"]["generation"]
    assert after != before
    for _ in range(12):  # the kernel spreads these over both workers
        body = answered(admin_server.http, BULKY, "en-waste-bulky")
        assert body["generation"] == after and body["answer"].startswith("RELOADED."), body
    listed = admin_server.http.get("/v1/admin/generations", headers=AUTH).json()["generations"]
    assert [g["live"] for g in listed if g["id"] == after] == [True]
    audit = site_store(site).audit.records(limit=24)
    assert {record["generation"] for record in audit} == {after}  # what the city knew when it answered


def test_a_broken_corpus_file_fails_the_reload_and_the_old_generation_keeps_serving(admin_server, site):
    live, kept = live_generation(site / "index"), finished_generations(site)
    broken = site / "corpus" / "faq" / "en" / "broken.jsonl"
    broken.write_text('{"id": "en-x", "question": "ok?", "answer": "fine"}\n{"id": "en-y", "question": \n')
    try:
        job = reload_and_wait(admin_server)
    finally:
        broken.unlink()
    assert job["status"] == "failed" and job["failure"]["reason"] == "corpus_invalid"
    assert [(r["file"], r["line"]) for r in job["report"]["rejections"]] == [("faq/en/broken.jsonl", 2)]
    assert live_generation(site / "index") == live and finished_generations(site) == kept
    assert admin_server.http.post("/v1/ask", json={"question": BULKY}).json()["generation"] == live


def test_a_failing_canary_keeps_the_old_generation(admin_server, site):
    """The bundled canaries expect en-moving-in; a corpus without it must not go live."""
    live, kept = live_generation(site / "index"), finished_generations(site)
    moving = site / "corpus" / "faq" / "en" / "moving.jsonl"
    original = moving.read_text(encoding="utf-8")
    edit_faq(site, "en/moving.jsonl", "en-moving-in", lambda r: None)
    try:
        job = reload_and_wait(admin_server)
    finally:
        moving.write_text(original, encoding="utf-8")
    assert job["status"] == "failed" and job["failure"]["reason"] == "canary_failed"
    assert "en-moving-in" in job["failure"]["message"]
    assert live_generation(site / "index") == live and finished_generations(site) == kept


def test_a_second_reload_while_one_runs_is_refused(admin_server, site):
    with (site / "index" / "reload.lock").open("w") as held:  # another worker's reload, as far as anyone can tell
        fcntl.flock(held, fcntl.LOCK_EX)
        response = admin_server.http.post("/v1/admin/reload", json={}, headers=AUTH)
    assert response.status_code == 409 and response.json()["error"]["code"] == "reload_in_progress"


@pytest.mark.parametrize("source", ["../", "/etc", "faq/../../..", "no-such-folder"])
def test_a_source_outside_the_corpus_or_missing_is_refused(admin_server, source):
    response = admin_server.http.post("/v1/admin/reload", json={"source": source}, headers=AUTH)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_source"


def reload_with_marked_answer(server: Server, site: Path, marker: str) -> str:
    """Reload with the bulky-waste answer starting with ``marker`` (the corpus is restored at once, the generation
    stays); the new generation's id."""
    edit_faq(site, "en/garbage.jsonl", "en-waste-bulky", lambda r: {**r, "answer": marker + r["answer"]})
    try:
        return str(reload_and_wait(server)["report"]["generation"])
    finally:
        edit_faq(site, "en/garbage.jsonl", "en-waste-bulky", lambda r: {**r, "answer": r["answer"][len(marker) :]})


def test_rollback_serves_an_earlier_generation_in_every_worker(admin_server, site):
    earlier = admin_server.http.get("/v1/status").json()["generation"]
    live = reload_with_marked_answer(admin_server, site, "EDITION B. ")
    assert answered(admin_server.http, BULKY, "en-waste-bulky")["answer"].startswith("EDITION B.")

    response = admin_server.http.post("/v1/admin/rollback", json={"generation": earlier}, headers=AUTH)
    assert response.status_code == 200 and response.json()["live"] is True
    for _ in range(8):  # the kernel spreads these over both workers
        body = answered(admin_server.http, BULKY, "en-waste-bulky")
        assert body["generation"] == earlier and not body["answer"].startswith("EDITION B.")

    admin_server.http.post("/v1/admin/rollback", json={"generation": live}, headers=AUTH)
    assert admin_server.http.get("/v1/status").json()["generation"] == live
    admin_server.http.post("/v1/admin/rollback", json={"generation": earlier}, headers=AUTH)  # as the corpus is


def test_rollback_to_a_generation_missing_a_file_is_refused_and_the_live_one_keeps_serving(admin_server, site):
    earlier = admin_server.http.get("/v1/status").json()["generation"]
    live = reload_with_marked_answer(admin_server, site, "EDITION C. ")
    lexical = generations_dir(site / "index") / earlier / "lexical"
    hidden = lexical.with_name("lexical.away")
    lexical.rename(hidden)  # the manifest is there, the lexical index is not
    try:
        response = admin_server.http.post("/v1/admin/rollback", json={"generation": earlier}, headers=AUTH)
        assert response.status_code == 409 and response.json()["error"]["code"] == "generation_unusable"
        assert "lexical" in response.json()["error"]["message"]
        assert admin_server.http.get("/healthz").status_code == 200
        for _ in range(4):  # both workers
            assert admin_server.http.post("/v1/ask", json={"question": BULKY}).json()["generation"] == live
    finally:
        hidden.rename(lexical)
    admin_server.http.post("/v1/admin/rollback", json={"generation": earlier}, headers=AUTH)  # as the corpus is


def test_a_worker_that_cannot_open_the_live_generation_keeps_serving_its_own_and_says_so(admin_server, site):
    serving = admin_server.http.get("/v1/status").json()["generation"]
    broken = generations_dir(site / "index") / "20000101T000000-000001"
    shutil.copytree(generations_dir(site / "index") / serving, broken)
    manifest = json.loads((broken / "manifest.json").read_text())
    (broken / "manifest.json").write_text(json.dumps({**manifest, "generation": broken.name}))
    shutil.rmtree(broken / "lexical")
    write_atomically(site / "index" / "LIVE", broken.name + "\n")  # by hand, past every check
    try:
        for _ in range(4):
            assert admin_server.http.post("/v1/ask", json={"question": BULKY}).json()["generation"] == serving
        health = admin_server.http.get("/healthz").json()
        assert health["generation"] == serving and "cannot be opened" in " ".join(health["problems"])
    finally:
        write_atomically(site / "index" / "LIVE", serving + "\n")
        shutil.rmtree(broken)


@pytest.mark.parametrize(
    ("generation", "status", "code"),
    [("20000101T000000-000000", 404, "generation_not_found"), ("../../etc", 422, "invalid_request")],
)
def test_rollback_to_an_unknown_generation_is_refused(admin_server, generation, status, code):
    response = admin_server.http.post("/v1/admin/rollback", json={"generation": generation}, headers=AUTH)
    assert response.status_code == status and response.json()["error"]["code"] == code


def test_an_unknown_job_is_not_found(admin_server):
    response = admin_server.http.get("/v1/admin/jobs/nope", headers=AUTH)
    assert response.status_code == 404 and response.json()["error"]["code"] == "job_not_found"


def build_process(job_id: str) -> int:
    """The pid of the reload's build process (python -m service.reload JOB_ID ...)."""
    for proc in Path("/proc").iterdir():
        try:
            if job_id in (proc / "cmdline").read_bytes().decode(errors="replace"):
                return int(proc.name)
        except (OSError, ValueError):
            continue
    raise LookupError(f"no build process for job {job_id}")


@pytest.mark.slow
def test_a_reload_killed_mid_build_is_reported_and_leaves_nothing_half_built(admin_server, site):
    live, kept = live_generation(site / "index"), finished_generations(site)
    saved = {p: p.read_text(encoding="utf-8") for p in (site / "corpus" / "faq" / "ja").glob("*.jsonl")}
    for path in saved:  # every Japanese answer changes: a build long enough to interrupt
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        revised = [{**r, "answer": r["answer"] + "（改訂）"} for r in rows]
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in revised), encoding="utf-8")
    try:
        job_id = admin_server.http.post("/v1/admin/reload", json={}, headers=AUTH).json()["job_id"]
        eventually(
            lambda: admin_server.http.get(f"/v1/admin/jobs/{job_id}", headers=AUTH).json()["progress"] > 0.0,
            60,
            what="the reload to start embedding",
        )
        os.kill(build_process(job_id), signal.SIGKILL)  # as the out-of-memory killer would: no clean-up
        job = wait_for_job(admin_server, job_id)
    finally:
        for path, text in saved.items():
            path.write_text(text, encoding="utf-8")

    assert job["status"] == "failed" and job["failure"]["reason"] == "interrupted"
    assert admin_server.http.get("/v1/status").json()["generation"] == live
    retry = reload_and_wait(admin_server)  # the next build removes the unfinished directory
    assert retry["status"] == "succeeded" and not retry["report"]["promoted"]
    assert finished_generations(site) == kept


def test_a_job_interrupted_by_a_stopped_service_is_reported_after_restart(sample_index, tmp_path):
    """A job the database still calls running, with no build holding the lock, is failed at start-up."""
    site = tmp_path  # a site of its own: what the module's other tests left in theirs does not matter
    copy_corpus(site / "corpus")
    shutil.copytree(sample_index[0], site / "index")
    store = site_store(site)
    store.jobs.create("left-running", ".")
    store.jobs.update("left-running", status="running", progress=0.4)
    store.engine.dispose()
    restarted = site_server(site)
    try:
        job = restarted.http.get("/v1/admin/jobs/left-running", headers=AUTH).json()
        assert job["status"] == "failed" and job["failure"]["reason"] == "interrupted"
    finally:
        restarted.close()


def run_reload_cli(server: Server, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MADOGUCHI_ADMIN_TOKEN": token}
    return subprocess.run(
        [PYTHON, "-m", "ingest", "--reload", server.base_url, "--json", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_reload_command_waits_for_the_job_and_exits_zero_on_success(admin_server):
    done = run_reload_cli(admin_server, TOKEN)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["status"] == "succeeded"


def test_the_reload_command_exits_non_zero_when_the_reload_fails_or_is_refused(admin_server, site):
    broken = site / "corpus" / "faq" / "ja" / "broken.csv"
    broken.write_text("id,question\nja-x,回答のない質問\n", encoding="utf-8")
    try:
        failed = run_reload_cli(admin_server, TOKEN)
    finally:
        broken.unlink()
    assert failed.returncode == 1 and "corpus_invalid" in failed.stderr
    refused = run_reload_cli(admin_server, "not-the-token-but-long-enough")
    assert refused.returncode == 1 and "unauthorized" in refused.stderr


def unwritable(path: Path) -> Callable[[], None]:
    """Make a directory refuse new entries, and return how to undo it. Root ignores permissions, so as
    root the directory is made immutable (chattr +i), where the file system supports that."""
    if os.geteuid() != 0:
        path.chmod(0o555)
        return lambda: path.chmod(0o755)
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("running as root on a file system without chattr +i: no way to make a directory unwritable")
    return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)


def test_an_unwritable_index_directory_fails_the_reload_and_the_old_generation_keeps_serving(admin_server, site):
    live, kept = live_generation(site / "index"), finished_generations(site)
    edit_faq(site, "en/garbage.jsonl", "en-waste-bulky", lambda r: {**r, "answer": "NEVER LIVE. " + r["answer"]})
    undo = unwritable(generations_dir(site / "index"))
    try:
        job = reload_and_wait(admin_server)
    finally:
        undo()
        edit_faq(
            site,
            "en/garbage.jsonl",
            "en-waste-bulky",
            lambda r: {**r, "answer": r["answer"].removeprefix("NEVER LIVE. ")},
        )
    assert job["status"] == "failed" and job["failure"]["reason"] == "storage_error", job
    body = admin_server.http.post("/v1/ask", json={"question": BULKY}).json()
    assert body["generation"] == live and not body["answer"].startswith("NEVER LIVE.")
    assert live_generation(site / "index") == live and finished_generations(site) == kept


def scrape(server: Server) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """One scrape of /metrics (served by whichever worker takes it): sample name and labels -> value."""
    response = httpx.get(server.base_url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def total(samples: dict, name: str, **labels: str) -> float:
    return sum(v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= set(ls))


def test_metrics_add_up_what_every_worker_counted_and_never_carry_a_question(admin_server, site):
    before = scrape(admin_server)
    asked = ["How do I put out oversized garbage?", "粗大ごみの出し方は？", "Zyxwvut quokka telescope?"] * 4
    for question in asked:  # a fresh connection each: the kernel spreads them over both workers
        response = httpx.post(admin_server.base_url + "/v1/ask", json={"question": question}, timeout=30)
        assert response.status_code == 200
    httpx.get(admin_server.base_url + "/no/such/page")
    assert httpx.get(admin_server.base_url + "/v1/admin/jobs/no-such-job", headers=AUTH).status_code == 404
    for _ in range(3):  # whichever worker answers the scrape, it adds up both
        after = scrape(admin_server)
        answers = total(after, "madoguchi_answers_total") - total(before, "madoguchi_answers_total")
        assert answers == len(asked)
        asks = total(after, "madoguchi_http_requests_total", endpoint="/v1/ask", status="200")
        assert asks - total(before, "madoguchi_http_requests_total", endpoint="/v1/ask", status="200") == len(asked)
        assert total(after, "madoguchi_http_requests_total", endpoint="unmatched", status="404") >= 1
        assert total(after, "madoguchi_http_requests_total", endpoint="/v1/admin/jobs/{job_id}", status="404") >= 1
        assert total(after, "madoguchi_http_requests_total", endpoint="/v1/admin/jobs/no-such-job") == 0
        assert total(after, "madoguchi_step_seconds_count", step="retrieve") >= len(asked)
        assert total(after, "madoguchi_confidence_count") >= len(asked)
        assert total(after, "madoguchi_answer_seconds_count") == total(after, "madoguchi_answers_total")
        assert total(after, "madoguchi_index_ready") == 1 and total(after, "madoguchi_database_up") == 1
        assert total(after, "madoguchi_generation_age_seconds") > 0
        jobs = {dict(labels)["status"]: v for (n, labels), v in after.items() if n == "madoguchi_reload_jobs"}
        assert jobs == site_store(site).jobs.counts()
    text = httpx.get(admin_server.base_url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    assert "quokka" not in text and "粗大" not in text  # labels never hold what a resident wrote


def test_metrics_need_the_metrics_token(admin_server, server):
    assert httpx.get(admin_server.base_url + "/metrics", headers=AUTH).status_code == 401  # the admin's is not it
    refused = server.http.get("/metrics")  # a service without a metrics token
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "metrics_disabled"


def running_everywhere(server: Server, lang: str = "ja", tries: int = 8) -> list[list[dict]]:
    """What /v1/notices says on fresh connections (the kernel spreads them over both workers)."""
    return [httpx.get(server.base_url + f"/v1/notices?lang={lang}").json() for _ in range(tries)]


def until(condition: Callable[[], bool], seconds: float = 15) -> None:
    eventually(condition, seconds, interval=0.2)


def test_a_published_notice_shows_on_every_worker_leads_evacuation_answers_and_ends_when_ended(admin_server):
    ends = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)).isoformat()
    body = {
        "severity": "warning",
        "ja": "台風接近のため避難所を開設しました。",
        "en": "Shelters are open: a typhoon.",
        "link": "https://www.city.example.jp/bousai",
        "ends_at": ends,
    }
    published = admin_server.http.post("/v1/admin/notices", json=body, headers=AUTH)
    assert published.status_code == 201 and published.json()["running"]
    notice_id = published.json()["id"]
    until(
        lambda: all(
            shown == [{"severity": "warning", "text": body["en"], "link": body["link"]}]
            for shown in running_everywhere(admin_server, "en")
        )
    )

    def asked(question: str) -> dict:
        """An answer on a fresh connection, carrying the notice: the worker that answers may have read the running
        notices just before the publication, and reads them again within MADOGUCHI_NOTICES_REFRESH_S."""
        reply = httpx.post(admin_server.base_url + "/v1/ask", json={"question": question}, timeout=30).json()
        assert [notice["text"] for notice in reply["notices"]] == [body["ja"]], reply["notices"]
        return reply

    answer = eventually(lambda: asked("避難所はどこですか"), 15, what="an evacuation answer with the notice")
    assert answer["answer"].startswith(body["ja"])  # the city's word comes first
    other = eventually(lambda: asked("粗大ごみの出し方"), 15, what="another answer with the notice")
    assert not other["answer"].startswith(body["ja"])
    ended = admin_server.http.post(f"/v1/admin/notices/{notice_id}/end", headers=AUTH)
    assert ended.status_code == 200 and ended.json()["ended_at"] and not ended.json()["running"]
    until(lambda: all(shown == [] for shown in running_everywhere(admin_server)))
    listed = admin_server.http.get("/v1/admin/notices", headers=AUTH).json()["notices"]
    assert notice_id in [n["id"] for n in listed]  # kept


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"ends_at": "2030-01-01T00:00:00"}, "time zone"),
        ({"starts_at": "2026-01-02T00:00:00+09:00", "ends_at": "2026-01-01T00:00:00+09:00"}, "future"),
        ({"ends_at": (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()}, "14 days"),
        ({"link": "javascript:alert(1)"}, "link"),
        ({"severity": "panic"}, "severity"),
        ({"en": ""}, "en"),
        ({"ja": "\u200b\u3164"}, "visible"),
        ({"link": "https://city.example.jp@evil.example/"}, "user name"),
    ],
)
def test_a_notice_that_cannot_be_shown_as_asked_is_refused_with_what_is_wrong(admin_server, change, why):
    body = {
        "severity": "info",
        "ja": "お知らせ",
        "en": "Notice",
        "ends_at": (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat(),
        **change,
    }
    refused = admin_server.http.post("/v1/admin/notices", json=body, headers=AUTH)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_request"
    assert why in refused.json()["error"]["message"]
    assert admin_server.http.post("/v1/admin/notices/nothing/end", headers=AUTH).status_code == 404


CEMETERY = "市営墓地を申し込みたいのですが"
PROPOSAL = {
    "lang": "ja",
    "question": "市営墓地の使用者の募集はありますか。",
    "answer": "市営墓地の使用者は毎年6月に募集します。申込みは環境清掃課の窓口で受け付けます。",
    "department": "kankyo",
    "category": "ごみ・リサイクル",
    "asked": CEMETERY,
    "origin": "topic",
    "proposed_by": "suzuki",
}


def test_an_approved_proposal_goes_live_checked_by_its_own_question_on_any_machine_and_only_while_served(
    admin_server, site
):
    before = admin_server.http.post("/v1/ask", json={"question": CEMETERY}).json()
    submitted = admin_server.http.post("/v1/proposals", json=PROPOSAL, headers=STAFF)
    assert submitted.status_code == 201 and submitted.json()["status"] == "submitted"
    listed = admin_server.http.get("/v1/admin/proposals", headers=AUTH).json()["proposals"]
    assert submitted.json()["id"] in {p["id"] for p in listed}

    edited = "市営墓地の使用者は毎年6月に募集します。申込みは環境清掃課で受け付けます。"
    approved = admin_server.http.post(
        f"/v1/admin/proposals/{submitted.json()['id']}/approve",
        json={"reviewer": "tanaka", "answer": edited},
        headers=AUTH,
    )
    assert approved.status_code == 202, approved.text
    proposal = approved.json()
    assert proposal["status"] == "approved" and proposal["job_id"]
    written = json.loads((site / "corpus" / "approved" / f"{proposal['entry_id']}.jsonl").read_text(encoding="utf-8"))
    assert written["answer"] == edited and written["proposed_by"] == "suzuki" and written["approved_by"] == "tanaka"

    job = wait_for_job(admin_server, proposal["job_id"])
    assert job["status"] == "succeeded", job
    live = admin_server.http.get("/v1/proposals", params={"status": "live"}, headers=STAFF).json()["proposals"]
    assert [p["generation"] for p in live if p["id"] == proposal["id"]] == [job["report"]["generation"]]
    after = admin_server.http.post("/v1/ask", json={"question": CEMETERY}).json()
    assert proposal["entry_id"] not in [c["id"] for c in before["citations"]]
    assert after["outcome"] == "answered" and after["citations"][0]["id"] == proposal["entry_id"]

    # A build on a machine whose corpus directory lacks the file (another replica, the build Job) keeps it:
    # the approval lives in the database, and every build writes it out first.
    written_file = site / "corpus" / "approved" / f"{proposal['entry_id']}.jsonl"
    written_file.unlink()
    assert reload_and_wait(admin_server)["status"] == "succeeded" and written_file.exists()
    assert ask_first(admin_server, CEMETERY) == proposal["entry_id"]
    # Rolled back to a generation without it, it is not live; forward again, it is.
    listed = admin_server.http.get("/v1/admin/generations", headers=AUTH).json()["generations"]
    older = next(g["id"] for g in listed if g["id"] < job["report"]["generation"])  # newest first: before approval
    latest = next(g["id"] for g in listed if g["live"])
    assert admin_server.http.post("/v1/admin/rollback", json={"generation": older}, headers=AUTH).status_code == 200
    status = admin_server.http.get("/v1/proposals", headers=STAFF).json()["proposals"]
    assert [p["status"] for p in status if p["id"] == proposal["id"]] == ["approved"]
    assert admin_server.http.post("/v1/admin/rollback", json={"generation": latest}, headers=AUTH).status_code == 200
    status = admin_server.http.get("/v1/proposals", headers=STAFF).json()["proposals"]
    assert [p["status"] for p in status if p["id"] == proposal["id"]] == ["live"]


def test_a_rejected_proposal_keeps_its_reason_and_cannot_then_be_approved(admin_server):
    submitted = admin_server.http.post("/v1/proposals", json=PROPOSAL, headers=STAFF).json()
    rejected = admin_server.http.post(
        f"/v1/admin/proposals/{submitted['id']}/reject", json={"reason": "県の所管です"}, headers=AUTH
    )
    assert rejected.json()["status"] == "rejected" and rejected.json()["reason"] == "県の所管です"
    again = admin_server.http.post(f"/v1/admin/proposals/{submitted['id']}/approve", json={}, headers=AUTH)
    assert again.status_code == 409 and again.json()["error"]["code"] == "proposal_not_submitted"
    unknown = admin_server.http.post("/v1/admin/proposals/nope/reject", json={"reason": "x"}, headers=AUTH)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "proposal_not_found"


def test_a_proposal_names_a_department_of_the_corpus_and_needs_the_staff_token(admin_server):
    departments = admin_server.http.get("/v1/departments", headers=STAFF).json()["departments"]
    assert {"key": "kankyo", "ja": "環境清掃課", "en": "Environment and Sanitation Division"} in departments
    refused = admin_server.http.post("/v1/proposals", json={**PROPOSAL, "department": "moon"}, headers=STAFF)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "unknown_department"
    assert admin_server.http.post("/v1/proposals", json=PROPOSAL).status_code == 401


def test_the_monthly_report_downloads_for_staff_and_the_transparency_report_is_public(admin_server, site):
    admin_server.http.post("/v1/ask", json={"question": BULKY})
    unanswered = "What is the best sushi restaurant near the station?"
    handed = admin_server.http.post("/v1/ask", json={"question": unanswered}).json()
    assert handed["outcome"] in ("handoff_out_of_scope", "handoff_low_confidence")
    model = admin_server.http.get("/v1/status").json()["model"]
    assert list(site_store(site).audit.vectors(model, [unanswered])) == [unanswered]  # kept for the report's topics
    report = admin_server.http.get("/v1/reports/monthly", headers=STAFF)
    assert report.status_code == 200 and report.json()["questions"] >= 1
    spreadsheet = admin_server.http.get("/v1/reports/monthly", params={"format": "csv"}, headers=STAFF)
    assert spreadsheet.headers["content-type"].startswith("text/csv")
    assert "attachment" in spreadsheet.headers["content-disposition"]
    assert admin_server.http.get("/v1/reports/monthly").status_code == 401
    wrong = admin_server.http.get("/v1/reports/monthly", params={"month": "2026-13"}, headers=STAFF)
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "invalid_request"

    page = admin_server.http.get("/transparency", params={"lang": "en"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert BULKY not in page.text and "Public report" in page.text
    figures = admin_server.http.get("/v1/transparency").json()
    assert figures["min_cell"] == 10
    assert all(n is None or n >= 10 for n in [figures["questions"], *figures["outcomes"].values()])
    too_old = admin_server.http.get("/v1/transparency", params={"month": "0000-01"})
    assert too_old.status_code == 422 and too_old.json()["error"]["code"] == "invalid_request"
    running = admin_server.http.get("/v1/transparency", params={"month": dt.date.today().strftime("%Y-%m")})
    assert running.status_code == 404 and running.json()["error"]["code"] == "month_not_closed"
    arabic_digits = admin_server.http.get(
        "/v1/reports/monthly", params={"month": "٢٠٢٦-١١", "format": "csv"}, headers=STAFF
    )
    assert arabic_digits.status_code == 422 and arabic_digits.json()["error"]["code"] == "invalid_request"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"question": "市営墓地について090-1234-5678の山田です"}, "question"),
        ({"answer": "詳しくは担当 taro (at) example.com まで。"}, "answer"),
        ({"answer": "マイナンバー 1234 5678 9018 を添えて申請してください。"}, "answer"),
        ({"category": "〇九〇ー一二三四ー五六七八"}, "category"),
    ],
)
def test_a_proposal_with_personal_data_where_residents_read_it_is_refused_naming_the_field(admin_server, change, field):
    refused = admin_server.http.post("/v1/proposals", json={**PROPOSAL, **change}, headers=STAFF)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "personal_data_in_proposal"
    assert f"The {field} " in refused.json()["error"]["message"]


def test_a_proposal_may_give_the_citys_own_contact_as_the_corpus_publishes_it(admin_server):
    answer = PROPOSAL["answer"] + "問い合わせは環境清掃課（0465-00-1000）へ。"
    accepted = admin_server.http.post("/v1/proposals", json={**PROPOSAL, "answer": answer}, headers=STAFF)
    assert accepted.status_code == 201 and "0465-00-1000" in accepted.json()["answer"]


@pytest.mark.parametrize("blank", ["\u3000", "\u200b", " \u3164 "])
def test_a_blank_answer_is_refused_at_submission_and_at_approval_by_the_ingests_own_rules(admin_server, site, blank):
    refused = admin_server.http.post("/v1/proposals", json={**PROPOSAL, "answer": blank}, headers=STAFF)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "proposal_invalid"
    submitted = admin_server.http.post("/v1/proposals", json=PROPOSAL, headers=STAFF).json()
    edited = admin_server.http.post(
        f"/v1/admin/proposals/{submitted['id']}/approve", json={"answer": blank}, headers=AUTH
    )
    assert edited.status_code == 422 and edited.json()["error"]["code"] == "proposal_invalid"
    assert admin_server.http.get("/v1/proposals", headers=STAFF).json()["proposals"][0]["status"] == "submitted"
    assert not list((site / "corpus" / "approved").glob(f"*{submitted['id'][:10]}*"))


BULKY_JA = "粗大ごみを出したいときはどうすればいいですか"  # a canary of the sample corpus, expecting ja-waste-bulky
SHADOW = {
    **PROPOSAL,
    "question": BULKY_JA,
    "answer": "粗大ごみは粗大ごみ受付センターに電話で申し込み、指定の日に出してください。",
    "asked": BULKY_JA,
}


def test_an_approval_that_would_replace_a_canarys_answer_needs_confirmation_and_can_be_withdrawn(admin_server, site):
    submitted = admin_server.http.post("/v1/proposals", json=SHADOW, headers=STAFF).json()
    preview = admin_server.http.get(f"/v1/admin/proposals/{submitted['id']}/preview", headers=AUTH).json()
    assert preview["own"]["first"] == "ja-waste-bulky"
    assert {"question": BULKY_JA, "expected": "ja-waste-bulky", "first": "ja-waste-bulky"}.items() <= next(
        c for c in preview["canaries"] if c["question"] == BULKY_JA
    ).items()

    unconfirmed = admin_server.http.post(f"/v1/admin/proposals/{submitted['id']}/approve", json={}, headers=AUTH)
    job = wait_for_job(admin_server, unconfirmed.json()["job_id"])
    assert job["status"] == "failed" and job["failure"]["reason"] == "canary_shadowed", job
    back = admin_server.http.get("/v1/proposals", params={"status": "submitted"}, headers=STAFF).json()["proposals"]
    [proposal] = [p for p in back if p["id"] == submitted["id"]]
    assert "canary_shadowed" in proposal["reason"] and proposal["entry_id"] is None
    assert not list((site / "corpus" / "approved").glob(f"*{submitted['id'][:10]}*"))
    assert reload_and_wait(admin_server)["status"] == "succeeded"  # nothing left behind that breaks a reload

    confirmed = admin_server.http.post(
        f"/v1/admin/proposals/{submitted['id']}/approve", json={"canary_changes_confirmed": True}, headers=AUTH
    ).json()
    assert wait_for_job(admin_server, confirmed["job_id"])["status"] == "succeeded"
    written = site / "corpus" / "approved" / f"{confirmed['entry_id']}.jsonl"
    assert written.stat().st_mode & 0o777 == (site / "corpus" / "canaries.yaml").stat().st_mode & 0o777
    assert ask_first(admin_server, BULKY_JA) == confirmed["entry_id"]

    withdrawn = admin_server.http.post(
        f"/v1/admin/proposals/{submitted['id']}/withdraw", json={"reason": "公式の回答に戻す"}, headers=AUTH
    )
    assert withdrawn.status_code == 202 and withdrawn.json()["status"] == "withdrawn" and not written.exists()
    eventually(lambda: ask_first(admin_server, BULKY_JA) == "ja-waste-bulky", 300, 0.5, "the withdrawn entry gone")


def ask_first(server: Server, question: str) -> str | None:
    """The entry the question is answered from, or offered first."""
    return first_entry(server.http.post("/v1/ask", json={"question": question}).json())


def asked_bulky(server: Server, **headers: str) -> dict:
    """BULKY asked on a fresh connection (the kernel spreads them over both workers)."""
    return httpx.post(server.base_url + "/v1/ask", json={"question": BULKY}, headers=headers, timeout=30).json()


def outcomes_everywhere(server: Server, tries: int = 6, **headers: str) -> set[str]:
    return {asked_bulky(server, **headers)["outcome"] for _ in range(tries)}


def test_an_operator_pauses_the_ai_answers_everywhere_within_a_second_and_brings_them_back(admin_server):
    switch = {"target": "all", "on": False, "reason": "回答の誤りを調査中", "by": "情報政策課 山田"}
    assert admin_server.http.post("/v1/admin/switches", json={**switch, "reason": ""}, headers=AUTH).status_code == 422
    assert admin_server.http.post("/v1/admin/switches", json=switch).status_code == 401
    assert admin_server.http.post("/v1/admin/switches", json=switch, headers=AUTH).json()["off"] == ["all"]
    eventually(lambda: outcomes_everywhere(admin_server) == {"paused"}, 1.0, interval=0.1)
    # the worker that answers may still hold the switches it read just before the change: awaited, as above
    paused = eventually(lambda: (body := asked_bulky(admin_server))["outcome"] == "paused" and body, 1.0)
    assert paused["citations"] == [] and paused["choices"] == [] and "City Hall General Enquiries" in paused["answer"]
    assert paused["handoff"]["contact"].startswith("0465-00-1000") and paused["handoff"]["case_id"] is None
    emergency = admin_server.http.post("/v1/ask", json={"question": "火事です！隣の家が燃えています"}).json()
    assert emergency["outcome"] == "handoff_sensitive" and "119" in emergency["answer"]  # helplines still given
    suggested = admin_server.http.post("/v1/suggest", json={"question": BULKY}, headers=STAFF).json()
    assert suggested["suggestions"]  # staff keep their suggestions

    back = {**switch, "on": True, "reason": "修正済み"}
    assert admin_server.http.post("/v1/admin/switches", json=back, headers=AUTH).json()["off"] == []
    eventually(lambda: "paused" not in outcomes_everywhere(admin_server), 1.0, interval=0.1)
    history = admin_server.http.get("/v1/admin/switches", headers=AUTH).json()["history"]
    assert [(c["on"], c["reason"], c["by"]) for c in history[:2]] == [
        (True, "修正済み", "情報政策課 山田"),
        (False, "回答の誤りを調査中", "情報政策課 山田"),
    ]


def test_the_notice_to_residents_is_the_citys_own_page_where_it_names_one(admin_server):
    moved = admin_server.http.get("/notice", follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"] == "https://www.city.example.jp/ai-notice.html"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("誤答の件 連絡は yamada@city.example.jp まで", "誤答の件 連絡は [EMAIL] まで"),
        ("誤答の件 ０９０－１２３４－５６７８", "誤答の件 [PHONE]"),
        ("誤答の件 tel 03(1234)5678", "誤答の件 tel [PHONE]"),
    ],
)
def test_a_switch_reason_is_kept_and_published_with_personal_data_masked(admin_server, typed, kept):
    switch = {"target": "generative", "on": True, "reason": typed, "by": "ｙａｍａｄａ＠ｃｉｔｙ．ｊｐ"}
    latest = admin_server.http.post("/v1/admin/switches", json=switch, headers=AUTH).json()["history"][0]
    assert (latest["reason"], latest["by"]) == (kept, "[EMAIL]")


def test_pausing_the_chat_page_leaves_the_api_answering(admin_server):
    web = {"target": "web", "on": False, "reason": "ページの表示を確認中"}
    admin_server.http.post("/v1/admin/switches", json=web, headers=AUTH)
    try:
        eventually(lambda: outcomes_everywhere(admin_server, **{"X-Madoguchi-Channel": "web"}) == {"paused"}, 1.0)
        # A worker may still hold the switches it read just before the last change (for MADOGUCHI_SWITCHES_REFRESH_S):
        # the API is awaited answering everywhere, which it never does if the chat page's switch paused it too.
        eventually(lambda: "paused" not in outcomes_everywhere(admin_server), 1.0)
    finally:
        admin_server.http.post("/v1/admin/switches", json={**web, "on": True}, headers=AUTH)
    eventually(lambda: "paused" not in outcomes_everywhere(admin_server, **{"X-Madoguchi-Channel": "web"}), 1.0)
