"""A reload's build process reports what stopped it, even when what stopped it is the database."""

from __future__ import annotations

import os
import sqlite3
import subprocess

from service.live.reloader import Reloader
from service.settings import Settings
from service.store.database import Store
from tests.helpers import PYTHON, ROOT


def test_a_reload_whose_database_is_locked_fails_as_a_storage_error_not_as_interrupted(tmp_path):
    database = tmp_path / "db.sqlite"
    locked_for_1_s = f"sqlite:///{database}?timeout=1"  # how long SQLite waits for a lock: 1 s, not the default 5
    settings = Settings(index_dir=tmp_path / "index", database_url=locked_for_1_s, corpus_dir=ROOT / "corpus")
    store = Store(settings.database_url, 30)
    store.jobs.create("locked-job", ".")
    locker = sqlite3.connect(database, isolation_level=None)
    try:
        locker.execute("BEGIN EXCLUSIVE")
        build = subprocess.run(
            [PYTHON, "-m", "service.reload", "locked-job", str(ROOT / "corpus")],
            env={**os.environ, **settings.to_env()},
            capture_output=True,
            timeout=300,
            check=False,
        )
    finally:
        locker.execute("ROLLBACK")
        locker.close()

    assert build.returncode == 1
    Reloader(settings, store).recover()
    job = store.jobs.get("locked-job")
    assert job is not None and job["status"] == "failed" and job["failure"]["reason"] == "storage_error", job
    store.engine.dispose()


def test_the_build_command_explains_itself_and_refuses_arguments_it_does_not_know(tmp_path):
    env = {"PATH": os.environ["PATH"], "MADOGUCHI_INDEX_DIR": str(tmp_path / "index")}
    run = [PYTHON, "-m", "service.reload"]
    asked = subprocess.run([*run, "--help"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert asked.returncode == 0 and "--build" in asked.stdout
    wrong = subprocess.run([*run, "--bulid"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2 and "usage" in wrong.stderr and "Traceback" not in wrong.stderr
    assert not (tmp_path / "index").exists()  # nothing was started
