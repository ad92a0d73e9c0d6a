"""Real fixtures, built once per session: the sample corpus ingested with the default model into a real
Chroma store, and a real uvicorn server over HTTP."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as ChromeService
from sqlalchemy import create_engine, text

from eval.settings import BenchDataMissingError, EvalSettings
from ingest.index import IndexSpec, ingest
from ingest.live import open_live
from ingest.report import IngestReport
from service.answer.context import Services
from service.live.services import open_services
from service.settings import Settings
from tests.helpers import CORPUS, PYTHON, ROOT, free_port, wait_for_http

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager never downloads a browser or driver
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture(scope="session")
def default_spec() -> IndexSpec:
    return Settings().spec


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory, default_spec: IndexSpec) -> tuple[Path, IngestReport]:
    """The bundled corpus, ingested once. Tests must not change it: copy it first."""
    index_dir = tmp_path_factory.mktemp("sample") / "index"
    return index_dir, ingest(CORPUS, index_dir, default_spec, progress=False, learned=[])


@pytest.fixture(scope="session")
def services(sample_index: tuple[Path, IngestReport], tmp_path_factory: pytest.TempPathFactory) -> Services:
    """The answer path's services in this process (real model, real Chroma, a scratch SQLite database) over
    the sample index, for tests of one step or one module."""
    folder = tmp_path_factory.mktemp("services")
    settings = Settings(index_dir=sample_index[0], database_url=f"sqlite:///{folder / 'db.sqlite'}")
    return open_services(settings, open_live(settings.index_dir))


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def bench_set(name: str) -> Path:
    """An external benchmark set from MADOGUCHI_BENCH_DATA (only `bench` tests, which `make bench-gate` runs);
    absent: the test fails, naming the path and the setting."""
    try:
        return EvalSettings().bench_set(name)
    except BenchDataMissingError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def localgov() -> Path:
    return bench_set("localgovfaq")


@pytest.fixture(scope="session")
def clinc() -> Path:
    return bench_set("clinc150")


@pytest.fixture(scope="session")
def localgov_index(
    tmp_path_factory: pytest.TempPathFactory, default_spec: IndexSpec, localgov: Path
) -> tuple[Path, IngestReport]:
    """The 1,786 real localgovFAQ entries, ingested once (about two minutes on two cores)."""
    index_dir = tmp_path_factory.mktemp("localgov") / "index"
    return index_dir, ingest(localgov / "faqs.jsonl", index_dir, default_spec, progress=False)


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


def server_on(index_dir: Path, folder: Path, **settings: str) -> Server:
    """A real server on ``index_dir`` with its own SQLite database and log in ``folder``; further settings by
    name (``staff_token="…"`` is MADOGUCHI_STAFF_TOKEN). Per-client rate limits are off unless a test turns
    them on (``rate_limits="on"``): every test's client is the same loopback address."""
    env = {
        "MADOGUCHI_INDEX_DIR": str(index_dir),
        "MADOGUCHI_DATABASE_URL": f"sqlite:///{folder / 'db.sqlite'}",
        "MADOGUCHI_RATE_LIMITS": "off",
        **{f"MADOGUCHI_{name.upper()}": value for name, value in settings.items()},
    }
    return Server(env, folder / "log")


@pytest.fixture(scope="session")
def server(sample_index: tuple[Path, IngestReport], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = server_on(sample_index[0], tmp_path_factory.mktemp("server"))
    yield running
    running.close()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `chroma run` server on a free loopback port, its data in a temporary directory; its URL."""
    port = free_port()
    chroma = Path(PYTHON).parent / "chroma"
    if not chroma.exists():
        chroma = Path(shutil.which("chroma") or "chroma")
    folder = tmp_path_factory.mktemp("chroma")
    command = [str(chroma), "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_for_http(url + "/api/v2/heartbeat", process, timeout=60)
    yield url
    stop(process)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL server from Debian's packages (installed by `make test`), on a free loopback port,
    with its data in a temporary directory. Yields a SQLAlchemy URL without a database name."""
    bindir = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)
    if bindir is None:
        pytest.fail("PostgreSQL is not installed; `make test` installs Debian's postgresql package")
    root = Path(tempfile.mkdtemp(prefix="madoguchi-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        shutil.chown(root, "postgres", "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    data = root / "data"
    subprocess.run(
        [*as_postgres, bindir / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    subprocess.run(
        [*as_postgres, bindir / "pg_ctl", "-D", data, "-o", options, "-l", root / "log", "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_postgres, bindir / "pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def fresh_postgres_database(server_url: str) -> str:
    """A new, empty database on the test server; its URL."""
    name = f"madoguchi_{uuid.uuid4().hex[:12]}"
    engine = create_engine(f"{server_url}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{server_url}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that takes this runs once on SQLite and once on a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'madoguchi.db'}"
    return fresh_postgres_database(request.getfixturevalue("postgres_server"))


ARTIFACTS = ROOT / "test-artifacts"  # screenshots of every page test, kept by CI (git-ignored)


@pytest.fixture(scope="session")
def chrome() -> Iterator[webdriver.Chrome]:
    """A real headless Chromium from Debian's packages, driven through its own chromedriver (no download)."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            pytest.fail(f"{path} is missing; `make test` installs Debian's chromium and chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        "--disable-gpu",
        "--lang=ja",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=ChromeService(executable_path=CHROMEDRIVER))
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def screenshot(driver: webdriver.Chrome, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path
