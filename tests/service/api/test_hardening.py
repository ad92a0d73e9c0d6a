"""What an attacker or a careless operator tried, and what now holds: bodies counted as they arrive, tokens
that must be real, per-client limits, input that is not text, health that tells the truth, conversations
only the resident can continue, and the headers a public service sends. A real server over HTTP."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import get_args

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import create_engine, text
from starlette.requests import Request

from ingest.index import ingest
from ingest.report import IngestReport
from service.answer.outcomes import OUTCOMES
from service.api.limits import RateLimits
from service.api.schemas.admin import ReloadRequest
from service.api.schemas.residents import AskRequest, FeedbackRequest
from service.api.schemas.staff import ClaimRequest, ResolveRequest, SuggestRequest
from service.settings import Settings
from tests.conftest import Server, fresh_postgres_database, server_on
from tests.helpers import PYTHON, ROOT, answered, eventually, first_entry, raw_request, read_reply

ADMIN = "operator-secret-0123456789"
METRICS_TOKEN = "metrics-secret-0123456789"


@pytest.fixture(scope="module")
def guarded(sample_index: tuple[Path, IngestReport], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Limits on, a trusted proxy on loopback (so each test is its own client by X-Forwarded-For), the admin
    API on, the staff token set but empty, and a short deadline for requests to arrive."""
    running = server_on(
        sample_index[0],
        tmp_path_factory.mktemp("guarded"),
        rate_limits="on",
        ask_rate="5/minute",
        read_rate="4/minute",
        failed_token_rate="3/minute",
        trusted_proxies="127.0.0.1",
        admin_token=ADMIN,
        staff_token="",
        request_timeout_s="1",
        metrics_token=METRICS_TOKEN,
    )
    yield running
    running.close()


def as_client(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def test_a_chunked_body_past_the_limit_is_refused_before_it_is_read_whole_or_authenticated(guarded):
    connection = raw_request(
        guarded.base_url,
        b"POST /v1/suggest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
    )
    chunk = b"a" * 16384
    try:
        for _ in range(6):  # 96 KiB of a body that never ends, past the 64 KiB limit
            connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        reply = read_reply(connection)
    finally:
        connection.close()
    assert reply.startswith("HTTP/1.1 413") and "request_too_large" in reply  # not 401 or 403: never parsed


def test_an_empty_staff_token_turns_the_staff_api_off(guarded):
    connection = raw_request(
        guarded.base_url,
        b"POST /v1/suggest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \r\nContent-Type: application/json\r\n"
        b'Content-Length: 19\r\n\r\n{"question": "abc"}',
    )
    try:
        reply = read_reply(connection)
    finally:
        connection.close()
    assert reply.startswith("HTTP/1.1 403") and "staff_disabled" in reply


def test_a_token_shorter_than_sixteen_characters_refuses_to_start():
    with pytest.raises(ValidationError, match="at least 16"):
        Settings(staff_token="short-secret")
    assert Settings(staff_token="  ").staff_token is None and Settings(admin_token="").admin_token is None
    started = subprocess.run(
        [PYTHON, "-m", "service"], cwd=ROOT, env={"MADOGUCHI_ADMIN_TOKEN": "tooshort"}, capture_output=True, text=True
    )
    assert started.returncode == 2 and "MADOGUCHI_ADMIN_TOKEN" in started.stderr


def test_a_client_past_its_question_rate_is_told_when_to_come_back_and_others_are_not(guarded):
    statuses = [
        guarded.http.post("/v1/ask", json={"question": "ごみの日"}, headers=as_client("203.0.113.7")).status_code
        for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]
    refused = guarded.http.post("/v1/ask", json={"question": "ごみの日"}, headers=as_client("203.0.113.7"))
    assert refused.json()["error"]["code"] == "rate_limited" and int(refused.headers["retry-after"]) >= 1
    other = guarded.http.post("/v1/ask", json={"question": "ごみの日"}, headers=as_client("203.0.113.8"))
    assert other.status_code == 200


@pytest.mark.parametrize("path", ["/", "/v1/notices", "/v1/status", "/v1/transparency", "/transparency"])
def test_public_reads_are_rate_limited_per_client(guarded, path):
    client = as_client(f"203.0.113.{60 + len(path)}")
    codes = [guarded.http.get(path, headers=client).status_code for _ in range(5)]
    assert codes[:4] == [200] * 4 and codes[4] == 429, codes
    assert guarded.http.get(path, headers=as_client(f"203.0.113.{160 + len(path)}")).status_code == 200  # others not
    assert guarded.http.get("/healthz", headers=client).status_code == 200  # a probe is never refused


def test_wrong_tokens_earn_a_back_off_that_even_the_right_token_then_waits_out(guarded):
    def admin(token: str, client: str) -> int:
        headers = {"Authorization": f"Bearer {token}", **as_client(client)}
        return guarded.http.get("/v1/admin/generations", headers=headers).status_code

    guesses = [admin(f"guess-number-{n:04d}-xxxxxx", "198.51.100.9") for n in range(4)]
    assert guesses == [401, 401, 401, 429]
    assert admin(ADMIN, "198.51.100.9") == 429  # the guesser is refused before any comparison
    assert admin(ADMIN, "198.51.100.10") == 200


def request_from(address: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers, "client": (address, 1)})


def test_the_token_back_off_stays_on_when_rate_limits_are_off_and_only_trusted_proxies_name_the_client():
    limits = RateLimits(Settings(rate_limits="off", failed_token_rate="2/minute", trusted_proxies="10.0.0.0/8"))
    guesser = request_from("192.0.2.1")
    for _ in range(2):
        limits.token_backoff(guesser)
        limits.failed_token(guesser)
    with pytest.raises(Exception, match="Too many requests"):
        limits.token_backoff(guesser)
    limits.check(guesser, "ask")  # per-client limits are off: no refusal
    assert limits.client(request_from("10.1.2.3", "192.0.2.50, 192.0.2.77")) == "192.0.2.77"
    assert limits.client(request_from("192.0.2.1", "10.9.9.9")) == "192.0.2.1"  # not a trusted proxy


def test_feedback_is_taken_once_per_answer(guarded):
    answer = guarded.http.post("/v1/ask", json={"question": "住民票の写し"}, headers=as_client("203.0.113.20")).json()
    first = guarded.http.post("/v1/feedback", json={"answer_id": answer["answer_id"], "helpful": True})
    again = guarded.http.post("/v1/feedback", json={"answer_id": answer["answer_id"], "helpful": False})
    assert first.status_code == 201
    assert again.status_code == 409 and again.json()["error"]["code"] == "feedback_exists"


@pytest.mark.parametrize("schema", [AskRequest, SuggestRequest, FeedbackRequest, ResolveRequest, ClaimRequest])
def test_a_lone_surrogate_is_refused_by_every_request_body(schema):
    field = next(
        name for name, info in schema.model_fields.items() if str in (info.annotation, *get_args(info.annotation))
    )
    with pytest.raises(ValidationError) as refused:
        schema.model_validate({field: "\ud800"})
    assert any(error["loc"] == (field,) for error in refused.value.errors())


def test_a_lone_surrogate_in_a_question_is_a_422_not_a_500(guarded):
    body = b'{"question": "\\ud800\\u4f4f\\u6c11\\u7968"}'
    response = guarded.http.post(
        "/v1/ask", content=body, headers={"content-type": "application/json", **as_client("203.0.113.30")}
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"
    assert "surrogate" in response.json()["error"]["message"]


def test_a_follow_up_that_folds_past_the_length_limit_is_refused_and_one_within_it_is_answered(guarded):
    client = as_client("203.0.113.31")
    first = guarded.http.post("/v1/ask", json={"question": "児童手当はいくら"}, headers=client).json()
    long = {"question": "\ufdfa" * 1000, "conversation_id": first["conversation_id"]}  # 18,000 characters in NFKC
    refused = guarded.http.post("/v1/ask", json=long, headers=client)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "question_too_long"
    within = {"question": "\ufdfa" * 55, "conversation_id": first["conversation_id"]}  # 990 characters in NFKC
    response = guarded.http.post("/v1/ask", json=within, headers=client)
    assert response.status_code == 200, response.text
    body = response.json()  # searched (the analyser read it, with the turn before it), then answered or handed off
    assert body["conversation_id"] == first["conversation_id"] and "retrieve" in body["timings_ms"]
    assert body["outcome"] in OUTCOMES


def test_a_nul_in_a_reload_source_is_a_422():
    with pytest.raises(ValidationError):
        ReloadRequest(source="faq\x00/../../etc")


def test_a_nul_in_a_reload_source_over_http_is_a_422(guarded):
    response = guarded.http.post(
        "/v1/admin/reload", json={"source": "faq\u0000x"}, headers={"Authorization": f"Bearer {ADMIN}"}
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"


def test_a_faq_with_a_780_kb_answer_is_ingested(tmp_path, default_spec):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rows = [
        {"id": "ja-huge", "question": "長い説明", "answer": "粗大ごみの出し方について。" * 60_000, "lang": "ja"},
        {"id": "ja-small", "question": "住民票の写し", "answer": "市民課で取れます。", "lang": "ja"},
    ]
    (corpus / "faq.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    assert len(rows[0]["answer"].encode()) > 780_000
    report = ingest(corpus, tmp_path / "index", default_spec, progress=False)
    assert report.documents == 2


def test_a_connection_that_sends_half_a_request_is_closed(guarded):
    connection = raw_request(guarded.base_url, b"POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-")
    try:
        assert connection.recv(1024) == b""  # closed by the server (the socket's own timeout is 30 s)
    finally:
        connection.close()


def test_a_client_that_leaves_mid_body_is_counted_as_gone_and_logged_as_nothing(guarded):
    head = b'POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"qu'
    raw_request(guarded.base_url, head).close()

    def gone_counted() -> str | None:
        text = httpx.get(guarded.base_url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
        return text if 'status="499"' in text else None

    scraped = eventually(gone_counted, timeout=10, what="the request counted as a client that left")
    assert not [
        line
        for line in scraped.splitlines()
        if line.startswith("madoguchi_http_requests_total") and 'status="5' in line
    ]
    assert "ERROR" not in guarded.log() and "Traceback" not in guarded.log()


def test_a_connection_that_sends_nothing_is_closed(guarded):
    connection = raw_request(guarded.base_url, b"")
    try:
        assert connection.recv(1024) == b""
    finally:
        connection.close()


def test_answers_are_never_cached_and_no_server_banner_is_sent(guarded):
    response = guarded.http.post("/v1/ask", json={"question": "ごみ"}, headers=as_client("203.0.113.40"))
    assert response.headers["cache-control"] == "no-store" and "server" not in response.headers
    assert guarded.http.get("/healthz").headers.get("server") is None


def test_the_api_browser_that_loads_a_cdn_is_off_and_the_contract_is_served(guarded):
    assert guarded.http.get("/docs").status_code == 404 and guarded.http.get("/redoc").status_code == 404
    assert "/v1/ask" in guarded.http.get("/openapi.json").json()["paths"]


def test_a_conversation_is_continued_only_with_the_id_the_server_issued(guarded):
    client = as_client("203.0.113.50")
    first = answered(guarded.http, "児童手当はいくらもらえますか", "ja-child-allowance", headers=client)
    issued = first["conversation_id"]
    assert len(issued) >= 32
    follow = {"question": "振込日は？", "conversation_id": issued}
    continued = guarded.http.post("/v1/ask", json=follow, headers=client).json()
    assert continued["conversation_id"] == issued
    assert first_entry(continued) == "ja-child-allowance-pay"  # read with the turn before it
    chosen = guarded.http.post("/v1/ask", json={**follow, "conversation_id": "1"}, headers=client).json()
    assert chosen["conversation_id"] != "1"  # a chosen id starts a new conversation with the server's own id
    assert first_entry(chosen) != "ja-child-allowance-pay"


class Blackhole:
    """A model endpoint that accepts connections and never answers: stands in for a city's overloaded model
    server (outside this machine), so that questions hold their worker threads. ``holding`` is set once
    ``expected`` questions are waiting on it."""

    def __init__(self, expected: int) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0), backlog=200)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/v1"
        self.accepted: list[socket.socket] = []
        self.holding = threading.Event()
        self.expected = expected
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.accepted.append(self.socket.accept()[0])
            except OSError:
                return
            if len(self.accepted) >= self.expected:
                self.holding.set()

    def close(self) -> None:
        self.socket.close()
        for connection in self.accepted:
            connection.close()


def test_healthz_answers_while_every_worker_thread_waits_on_a_slow_question(sample_index, tmp_path):
    hole = Blackhole(expected=40)  # the server's pool has 40 worker threads: all of them will be waiting
    running = server_on(sample_index[0], tmp_path, llm_base_url=hole.url, llm_timeout_s="12", sibling_margin="0")
    try:
        with ThreadPoolExecutor(max_workers=40) as pool:

            def ask() -> int:
                with httpx.Client(base_url=running.base_url, timeout=200) as client:
                    return client.post(
                        "/v1/ask", json={"question": "公民館の休館日は条例でどう決まっていますか"}
                    ).status_code

            asks = [pool.submit(ask) for _ in range(40)]
            assert hole.holding.wait(120), f"only {len(hole.accepted)} questions reached the model"
            health = running.http.get("/healthz", timeout=200)
            assert not any(a.done() for a in asks)  # answered while every slow question still waits
            assert health.status_code == 200 and health.json()["index"] == "ready"
            hole.close()  # the model server goes away: each question falls back at once
            assert {a.result() for a in asks} == {200}  # the extractive answer
    finally:
        hole.close()
        running.close()


def test_a_database_that_refuses_writes_is_503_storage_unavailable_with_one_log_line(
    sample_index, tmp_path, postgres_server
):
    url = fresh_postgres_database(postgres_server)
    running = server_on(sample_index[0], tmp_path, database_url=url)
    try:
        assert running.http.post("/v1/ask", json={"question": "ごみ"}).status_code == 200
        name = url.rsplit("/", 1)[1]
        admin = create_engine(f"{postgres_server}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
            connection.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        admin.dispose()
        before = running.log()
        asked = running.http.post("/v1/ask", json={"question": "住民票の写しを取りたい 090-1234-5678"})
        assert asked.status_code == 503 and asked.json()["error"]["code"] == "storage_unavailable"
        health = running.http.get("/healthz")
        assert health.status_code == 503 and health.json()["database"] == "unavailable"
        logged = running.log()[len(before) :]
        assert logged.count("storage unavailable") == 1 and "Traceback" not in logged
        assert "090-1234-5678" not in logged and "住民票" not in logged
    finally:
        running.close()


def test_a_switch_given_as_a_string_is_refused_not_read_as_off(guarded):
    admin = {"Authorization": f"Bearer {ADMIN}", **as_client("10.9.0.1")}
    switch = {"target": "all", "on": "false", "reason": "点検"}
    refused = guarded.http.post("/v1/admin/switches", json=switch, headers=admin)
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "invalid_request")
    assert guarded.http.get("/v1/admin/switches", headers=admin).json()["off"] == []
