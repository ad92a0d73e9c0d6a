"""How each worker opens the live generation's services, and how a reload's build gives way to them."""

from __future__ import annotations

import os
import threading

from ingest.embed import cores
from service.live.reloader import yield_to_serving
from service.live.services import embedder_threads
from service.settings import Settings


def test_the_workers_share_the_cores_among_them_and_an_operator_may_choose():
    assert embedder_threads(Settings(workers=1)) == cores()
    assert embedder_threads(Settings(workers=2)) == max(1, cores() // 2)
    assert embedder_threads(Settings(workers=64)) == 1
    assert embedder_threads(Settings(workers=2, embed_threads=3)) == 3


def test_a_reload_build_runs_only_on_cores_the_serving_workers_leave_idle_by_default():
    policies = {}

    def build(priority: str) -> None:  # a thread of its own: Linux schedules each thread by its own policy
        yield_to_serving(priority)
        policies[priority] = os.sched_getscheduler(0)

    for priority in (Settings().build_priority, "normal"):
        thread = threading.Thread(target=build, args=(priority,))
        thread.start()
        thread.join()
    assert policies == {"idle": os.SCHED_IDLE, "normal": os.SCHED_OTHER}
