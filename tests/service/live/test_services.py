"""How each worker opens the live generation's services."""

from __future__ import annotations

from ingest.embed import cores
from service.live.services import embedder_threads
from service.settings import Settings


def test_the_workers_share_the_cores_among_them_and_an_operator_may_choose():
    assert embedder_threads(Settings(workers=1)) == cores()
    assert embedder_threads(Settings(workers=2)) == max(1, cores() // 2)
    assert embedder_threads(Settings(workers=64)) == 1
    assert embedder_threads(Settings(workers=2, embed_threads=3)) == 3
