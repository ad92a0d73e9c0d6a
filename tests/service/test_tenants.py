"""Several municipalities on one install: each tenant answers only from its own sources and keeps its own cases,
reports, tokens, allowed origins and reloads; a tenants file that could mix them refuses to start."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions

from ingest.index import IndexSpec, ingest
from ingest.report import IngestReport
from service.__main__ import main as serve
from service.settings import Settings
from service.tenants import TenantsFileError, load_tenants
from tests.conftest import Server, fresh_postgres_database, screenshot
from tests.helpers import ROOT, eventually, page_wait

MINATODAI_TOKEN, SHIMAMI_TOKEN = "minatodai-staff-token-0001", "shimami-staff-token-00001"
SHIMAMI_ADMIN = "shimami-admin-token-00001"
MINATODAI_METRICS, SHIMAMI_METRICS = "minatodai-metrics-token-01", "shimami-metrics-token-0001"
INSTALL_TOKEN = "install-wide-token-000001"
MINATODAI_ORIGIN, SHIMAMI_ORIGIN = "https://www.city.minatodai.example.jp", "https://www.town.shimami.example.jp"
SHIMAMI_HOST = "faq.shimami.example.jp"
SHIMAMI_FAQS = [  # a small town's own answers, one on a topic the sample city answers too (bulky waste)
    (
        "shimami-bulky",
        "粗大ごみはどうやって出しますか。",
        "粗大ごみは年に2回、港の集積所で回収します。役場に申し込んでください。",
    ),
    (
        "shimami-ferry",
        "フェリーの町民割引はありますか。",
        "町民は島見汽船のフェリー運賃が半額になります。町民証を見せてください。",
    ),
    (
        "shimami-clinic",
        "島の診療所の診療時間は。",
        "島見診療所は平日9時から12時まで診療しています。急病のときは119番へ。",
    ),
    ("shimami-water", "断水のお知らせはどこで見られますか。", "断水は防災行政無線と町のホームページでお知らせします。"),
]


def write_shimami_corpus(folder: Path) -> Path:
    (folder / "faq").mkdir(parents=True)
    rows = [
        {"id": key, "lang": "ja", "category": "くらし", "department": "yakuba", "question": q, "answer": a}
        for key, q, a in SHIMAMI_FAQS
    ]
    (folder / "faq" / "town.jsonl").write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    departments = "yakuba:\n  phone: 0879-00-0001\n  ja: {name: 島見町役場}\n  en: {name: Shimami Town Office}\n"
    (folder / "departments.yaml").write_text(departments, encoding="utf-8")
    return folder


def tenants_file(folder: Path, text: str) -> Settings:
    path = folder / "tenants.toml"
    path.write_text(text, encoding="utf-8")
    return Settings(tenants_file=path, index_dir=folder / "index", database_url=f"sqlite:///{folder / 'm.db'}")


@pytest.fixture(scope="module")
def shimami(
    tmp_path_factory: pytest.TempPathFactory, default_spec: IndexSpec, chroma_server: str
) -> tuple[Path, Path, IngestReport]:
    """The town's corpus, its vectors on the Chroma server."""
    folder = tmp_path_factory.mktemp("shimami")
    corpus = write_shimami_corpus(folder / "corpus")
    spec = replace(default_spec, chroma_url=chroma_server)
    return corpus, folder / "index", ingest(corpus, folder / "index", spec, progress=False)


@pytest.fixture(scope="module")
def two_towns(
    sample_index: tuple[Path, IngestReport],
    shimami: tuple[Path, Path, IngestReport],
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: str,
    chroma_server: str,
) -> Iterator[Server]:
    """One server for two municipalities: the sample city under /t/minatodai/ (SQLite, local vectors), the town
    under /t/shimami/ and its own host name (PostgreSQL, the Chroma server). The install-wide staff token in
    the environment is neither's."""
    folder = tmp_path_factory.mktemp("tenants")
    (folder / "index").mkdir()  # each tenant's index is <MADOGUCHI_INDEX_DIR>/<name>: here the ones built already
    (folder / "index" / "minatodai").symlink_to(sample_index[0])
    (folder / "index" / "shimami").symlink_to(shimami[1])
    (folder / "tenants.toml").write_text(
        f"""
[minatodai]
corpus_dir = "{ROOT / "corpus"}"
staff_token = "{MINATODAI_TOKEN}"
metrics_token = "{MINATODAI_METRICS}"
allowed_origins = "{MINATODAI_ORIGIN}"

[shimami]
hosts = ["{SHIMAMI_HOST}"]
corpus_dir = "{shimami[0]}"
database_url = "{fresh_postgres_database(postgres_server)}"
chroma_url = "{chroma_server}"
staff_token = "{SHIMAMI_TOKEN}"
admin_token = "{SHIMAMI_ADMIN}"
metrics_token = "{SHIMAMI_METRICS}"
allowed_origins = "{SHIMAMI_ORIGIN}"
""",
        encoding="utf-8",
    )
    env = {
        "MADOGUCHI_TENANTS_FILE": str(folder / "tenants.toml"),
        "MADOGUCHI_DATABASE_URL": f"sqlite:///{folder / 'madoguchi.db'}",
        "MADOGUCHI_INDEX_DIR": str(folder / "index"),
        "MADOGUCHI_STAFF_TOKEN": INSTALL_TOKEN,
        "MADOGUCHI_RATE_LIMITS": "off",
    }
    running = Server(env, folder / "log")
    yield running
    running.close()


def staff(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def cited(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    body = response.json()
    return {c["id"].split("#")[0] for c in body["citations"] + body["suggestions"] + body["choices"]}


def test_each_municipality_answers_only_from_its_own_sources(two_towns):
    question = {"question": "粗大ごみを出したいのですが、どうすればいいですか"}
    in_city = cited(two_towns.http.post("/t/minatodai/v1/ask", json=question))
    in_town = cited(two_towns.http.post("/t/shimami/v1/ask", json=question))
    by_host = cited(two_towns.http.post("/v1/ask", json=question, headers={"Host": SHIMAMI_HOST}))

    assert "ja-waste-bulky" in in_city and not any(source.startswith("shimami-") for source in in_city)
    assert "shimami-bulky" in in_town and all(source.startswith("shimami-") for source in in_town)
    assert by_host == in_town


def test_a_tenants_staff_see_only_its_own_cases_with_only_its_own_token(two_towns):
    handed = two_towns.http.post("/t/shimami/v1/ask", json={"question": "夫から暴力を受けていて家に帰れません"}).json()
    case_id = handed["handoff"]["case_id"]
    assert case_id, handed["handoff"]

    def queue(tenant: str, token: str) -> httpx.Response:
        return two_towns.http.get(f"/t/{tenant}/v1/handoffs", params={"limit": 200}, headers=staff(token))

    assert case_id in {case["id"] for case in queue("shimami", SHIMAMI_TOKEN).json()["cases"]}
    assert case_id not in {case["id"] for case in queue("minatodai", MINATODAI_TOKEN).json()["cases"]}
    assert queue("minatodai", SHIMAMI_TOKEN).status_code == 401
    assert queue("shimami", MINATODAI_TOKEN).status_code == 401
    assert queue("shimami", INSTALL_TOKEN).status_code == 401  # the environment's token is no tenant's


def test_a_tenants_report_counts_only_its_own_questions(two_towns):
    def asked(tenant: str, token: str) -> int:
        response = two_towns.http.get(f"/t/{tenant}/v1/reports/monthly", headers=staff(token))
        assert response.status_code == 200, response.text
        return int(response.json()["questions"])

    before = asked("shimami", SHIMAMI_TOKEN), asked("minatodai", MINATODAI_TOKEN)
    for question in ("フェリーの割引は", "診療所は何時まで"):
        assert two_towns.http.post("/t/shimami/v1/ask", json={"question": question}).status_code == 200

    assert asked("shimami", SHIMAMI_TOKEN) == before[0] + 2
    assert asked("minatodai", MINATODAI_TOKEN) == before[1]


def test_a_tenants_metrics_count_only_its_own_requests_and_answers(two_towns):
    for tenant in ("minatodai", "shimami"):
        assert two_towns.http.post(f"/t/{tenant}/v1/ask", json={"question": "粗大ごみ"}).status_code == 200

    city = two_towns.http.get("/t/minatodai/metrics", headers=staff(MINATODAI_METRICS)).text
    town = two_towns.http.get("/t/shimami/metrics", headers=staff(SHIMAMI_METRICS)).text

    assert re.search(r'madoguchi_answers_total\{lang="ja",outcome="\w+",tenant="minatodai"\}', city)
    assert 'madoguchi_http_requests_total{endpoint="/v1/ask",status="200",tenant="shimami"}' in town
    assert 'tenant="shimami"' not in city and 'tenant="minatodai"' not in town


def test_each_tenants_pages_may_be_framed_and_called_only_by_its_own_city(two_towns):
    def preflight(tenant: str, origin: str) -> str | None:
        headers = {"Origin": origin, "Access-Control-Request-Method": "POST"}
        return two_towns.http.options(f"/t/{tenant}/v1/ask", headers=headers).headers.get("access-control-allow-origin")

    assert preflight("minatodai", MINATODAI_ORIGIN) == MINATODAI_ORIGIN
    assert preflight("shimami", MINATODAI_ORIGIN) is None
    assert preflight("shimami", SHIMAMI_ORIGIN) == SHIMAMI_ORIGIN
    city_page = two_towns.http.get("/t/minatodai/").headers["content-security-policy"]
    town_page = two_towns.http.get("/t/shimami/").headers["content-security-policy"]
    assert f"frame-ancestors 'self' {MINATODAI_ORIGIN}" in city_page and SHIMAMI_ORIGIN not in city_page
    assert f"frame-ancestors 'self' {SHIMAMI_ORIGIN}" in town_page and MINATODAI_ORIGIN not in town_page


def test_an_unknown_municipality_is_a_json_not_found_and_health_names_each_tenant(two_towns):
    unknown = two_towns.http.post("/t/nowhere/v1/ask", json={"question": "粗大ごみ"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "tenant_unknown"
    health = two_towns.http.get("/healthz")
    assert health.status_code == 200 and health.json()["tenants"] == {"minatodai": True, "shimami": True}
    assert two_towns.http.get("/t/shimami/healthz").json()["index"] == "ready"


def test_the_install_wide_routes_send_security_headers_and_redirect_to_a_path_never_to_the_host_sent(two_towns):
    redirected = two_towns.http.get("/t/minatodai", headers={"Host": "evil.example"})
    assert redirected.status_code in (307, 308) and redirected.headers["location"] == "/t/minatodai/"
    for response in (redirected, two_towns.http.get("/healthz"), two_towns.http.get("/nowhere")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors" in response.headers["content-security-policy"]


def test_the_install_health_is_unavailable_while_a_tenants_database_is_locked(two_towns):
    database = Path(two_towns.log_path).parent / "madoguchi-minatodai.db"
    locker = sqlite3.connect(database, isolation_level=None)
    try:
        locker.execute("BEGIN EXCLUSIVE")
        health = two_towns.http.get("/healthz")
        assert health.status_code == 503 and health.json()["tenants"] == {"minatodai": False, "shimami": True}
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert two_towns.http.get("/healthz").status_code == 200


def test_a_tenants_console_keeps_its_token_to_itself(two_towns, chrome):
    chrome.get(f"{two_towns.base_url}/t/minatodai/console")
    chrome.execute_script("sessionStorage.clear()")
    chrome.get(f"{two_towns.base_url}/t/minatodai/console")
    chrome.find_element(By.ID, "token").send_keys(MINATODAI_TOKEN, Keys.ENTER)
    page_wait(chrome, 20).until(lambda d: not d.find_element(By.ID, "workspace").get_attribute("hidden"))
    chrome.get(f"{two_towns.base_url}/t/shimami/console")
    assert chrome.find_element(By.ID, "workspace").get_attribute("hidden") is not None
    assert chrome.find_element(By.ID, "signin").get_attribute("hidden") is None


def test_one_tenants_failed_reload_leaves_both_serving(two_towns, shimami):
    broken = shimami[0] / "faq" / "broken.jsonl"
    broken.write_text('{"id": "shimami-x", "question": \n', encoding="utf-8")
    try:
        started = two_towns.http.post("/t/shimami/v1/admin/reload", json={}, headers=staff(SHIMAMI_ADMIN))
        assert started.status_code == 202, started.text
        job_url = f"/t/shimami/v1/admin/jobs/{started.json()['job_id']}"
        job = wait_for_job(two_towns.http, job_url, staff(SHIMAMI_ADMIN))
    finally:
        broken.unlink()

    assert job["status"] == "failed" and "broken.jsonl" in json.dumps(job)
    generation = shimami[2].generation
    assert two_towns.http.get("/t/shimami/v1/status").json()["generation"] == generation
    assert "shimami-ferry" in cited(two_towns.http.post("/t/shimami/v1/ask", json={"question": "フェリーの割引"}))
    refused = two_towns.http.post("/t/minatodai/v1/admin/reload", json={}, headers=staff(SHIMAMI_ADMIN))
    assert refused.status_code == 403  # the city set no admin token: its reloads are off, whoever asks


def wait_for_job(http: httpx.Client, url: str, headers: dict[str, str], timeout: float = 120) -> dict[str, object]:
    def finished() -> dict[str, object] | None:
        job: dict[str, object] = http.get(url, headers=headers).json()
        return job if job["status"] in ("succeeded", "failed") else None

    return eventually(finished, timeout, interval=0.2, what=f"the job at {url} to finish")


def test_a_tenants_chat_page_under_its_prefix_asks_its_own_sources(two_towns, chrome):
    chrome.get(f"{two_towns.base_url}/t/shimami/")
    chrome.find_element(By.ID, "question").send_keys("フェリーの町民割引はありますか", Keys.ENTER)
    reply = page_wait(chrome, 30).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "#messages > li.assistant .sources a"))
    )
    screenshot(chrome, "tenant-chat")
    assert "島見汽船" in chrome.find_element(By.ID, "messages").text
    assert reply.get_attribute("href") is not None


# The tenants file itself: what it derives, and what it refuses.


def test_a_tenant_gets_its_own_index_database_and_only_its_own_tokens(tmp_path):
    base = tenants_file(tmp_path, '[naoshima]\ncorpus_dir = "corpus"\nhandoff_threshold = 0.5\n')
    base = base.model_copy(update={"staff_token": SecretStr(INSTALL_TOKEN)})

    (tenant,) = load_tenants(base)

    assert tenant.settings.index_dir == tmp_path / "index" / "naoshima"
    assert tenant.settings.database_url == f"sqlite:///{tmp_path / 'm-naoshima.db'}"
    assert tenant.settings.staff_token is None and tenant.settings.handoff_threshold == 0.5
    assert tenant.settings.tenant == "naoshima"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[a]\ncorpus_dir = "x"\n[b]\ncorpus_dir = "x"\n', "[a] and [b] share one corpus_dir"),
        ('[a]\ncorpus_dir = "x"\nindex_dir = "i"\n', "[a]: index_dir is <MADOGUCHI_INDEX_DIR>/a"),
        (
            '[a]\ncorpus_dir = "x"\ndatabase_url = "postgresql://u@localhost/city"\n'
            '[b]\ncorpus_dir = "y"\ndatabase_url = "postgresql://v:pw@127.0.0.1:5432/city"\n',
            "[a] and [b] share one database_url",
        ),
        (
            '[a]\ncorpus_dir = "x"\ndatabase_url = "sqlite:////srv/m/./city.db"\n'
            '[b]\ncorpus_dir = "y"\ndatabase_url = "sqlite:////srv/m/city.db"\n',
            "[a] and [b] share one database_url",
        ),
        (
            f'[a]\ncorpus_dir = "x"\nstaff_token = "{INSTALL_TOKEN}"\n[b]\ncorpus_dir = "y"\nadmin_token = '
            f'"{INSTALL_TOKEN}"\n',
            "[a] and [b] share one token",
        ),
        ('[a]\ncorpus_dir = "x"\nhosts = ["h.jp"]\n[b]\ncorpus_dir = "y"\nhosts = ["h.jp"]\n', "share one hosts"),
        ('[a]\ncorpus_dir = "x"\nhandoff_threshold = 2\n', "[a]: handoff_threshold"),
        ('[a]\ncorpus_dir = "x"\nport = 80\n', "[a]: port is set for the whole install"),
        ('[a]\ncorpus_dir = "x"\nno_such = 1\n', "[a]: no_such"),
        ("[a]\nhandoff_threshold = 0.4\n", "[a]: corpus_dir is required"),
        ('[TownA]\ncorpus_dir = "x"\n', "lower-case letters"),
        ('[generations]\ncorpus_dir = "x"\n', "lower-case letters"),
        ("[a\n", "cannot be read as TOML"),
    ],
)
def test_a_tenants_file_that_would_mix_or_misconfigure_tenants_is_refused_by_name(tmp_path, text, named):
    with pytest.raises(TenantsFileError) as refused:
        load_tenants(tenants_file(tmp_path, text))
    assert named in str(refused.value)


def test_the_server_refuses_to_start_on_a_tenants_file_it_cannot_serve(tmp_path, monkeypatch, capsys):
    path = tmp_path / "tenants.toml"
    path.write_text('[a]\ncorpus_dir = "x"\nhandoff_threshold = 2\n', encoding="utf-8")
    monkeypatch.setenv("MADOGUCHI_TENANTS_FILE", str(path))

    assert serve([]) == 2  # `python -m service`, before uvicorn starts
    refusal = capsys.readouterr().err
    assert "MADOGUCHI_TENANTS_FILE" in refusal and "handoff_threshold" in refusal
