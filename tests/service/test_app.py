"""The service over real HTTP against a real uvicorn and the real index."""

import os
import subprocess

from ingest.live import open_live
from tests.conftest import server_on
from tests.helpers import PYTHON, ROOT


def test_healthz_says_the_process_the_index_and_the_database_are_ready(server, sample_index):
    response = server.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "index": "ready",
        "database": "ok",
        "generation": sample_index[1].generation,
        "problems": [],
    }


def test_status_describes_the_live_generation(server, sample_index):
    index_dir, report = sample_index
    body = server.http.get("/v1/status").json()
    assert body["generation"] == report.generation
    assert (body["documents"], body["chunks"]) == (report.documents, report.chunks)
    assert body["model"] == open_live(index_dir).embedding_model
    assert body["languages"]["ja"] > 120 and body["languages"]["en"] > 120
    check = report.adapter  # the build's check of its adapter, as the ingest report gave it
    assert body["adapter"]["used"] == check["kept"] and body["adapter"]["reason"] == check["reason"]
    assert (body["adapter"]["loss_without"], body["adapter"]["loss_with"]) == (
        check["loss_without"],
        check["loss_with"],
    )


def test_without_an_index_the_service_starts_and_says_index_unavailable(tmp_path):
    running = server_on(tmp_path / "empty", tmp_path)
    try:
        health = running.http.get("/healthz")
        assert health.status_code == 503 and health.json()["index"] == "unavailable" and health.json()["problems"]
        response = running.http.get("/v1/status")
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "index_unavailable"
    finally:
        running.close()
    assert "serving without an index" in running.log()


def test_an_unknown_path_is_a_json_404(server):
    response = server.http.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not Found"}}


def test_the_openapi_contract_is_served(server):
    paths = server.http.get("/openapi.json").json()["paths"]
    assert {"/healthz", "/v1/status"} <= paths.keys()


def test_a_bad_setting_refuses_to_start_and_names_the_key():
    result = subprocess.run(
        [PYTHON, "-m", "service"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "MADOGUCHI_PORT": "eighty"},
    )
    assert result.returncode == 2
    assert "MADOGUCHI_PORT" in result.stderr


def test_a_server_without_a_line_channel_never_loads_lines_sdk():
    """LINE's SDK takes most of a second to import: a city without LINE never pays it at start."""
    script = (
        "import sys, service.__main__; from service.app import create_app; create_app(); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'linebot', 'service'}))"
    )
    result = subprocess.run([PYTHON, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "['service']"


def test_ingest_refuses_a_bad_setting_and_names_the_key(tmp_path):
    result = subprocess.run(
        [PYTHON, "-m", "ingest", "--index", str(tmp_path / "index")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "MADOGUCHI_ANSWER_CHARS": "-1"},
    )
    assert result.returncode == 2 and "MADOGUCHI_ANSWER_CHARS" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "index").exists()


def test_the_settings_reference_is_the_one_the_settings_generate():
    from eval.settings import EvalSettings  # the service's, and the eval's own
    from eval.settings_reference import reference

    written = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert written == reference(), "run: python -m eval.settings_reference > docs/settings.md"
    for name in EvalSettings.model_fields:  # every setting, the eval's own included
        assert f"| `MADOGUCHI_{name.upper()}` |" in written, name


def test_the_chat_page_is_served_at_the_front_door_and_frames_only_for_its_own_pages(server):
    response = server.http.get("/")
    assert response.status_code == 200 and "text/html" in response.headers["content-type"]
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in server.http.get("/console").headers["content-security-policy"]


def test_allowed_origins_may_embed_the_chat_and_call_the_api(sample_index, tmp_path):
    city = "https://www.city.minatodai.example.jp"
    running = server_on(sample_index[0], tmp_path, allowed_origins=f"{city}, https://other.example.jp")
    try:
        assert (
            f"frame-ancestors 'self' {city} https://other.example.jp"
            in running.http.get("/").headers["content-security-policy"]
        )
        preflight = running.http.options(
            "/v1/ask",
            headers={
                "Origin": city,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert preflight.headers["access-control-allow-origin"] == city
        stranger = running.http.post(
            "/v1/ask", json={"question": "粗大ごみ"}, headers={"Origin": "https://evil.example"}
        )
        assert "access-control-allow-origin" not in stranger.headers
    finally:
        running.close()


def test_a_malformed_allowed_origin_refuses_to_start(tmp_path):
    done = subprocess.run(
        [PYTHON, "-m", "service"],
        cwd=ROOT,
        env={**os.environ, "MADOGUCHI_ALLOWED_ORIGINS": "www.city.example.jp"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "MADOGUCHI_ALLOWED_ORIGINS" in done.stderr
