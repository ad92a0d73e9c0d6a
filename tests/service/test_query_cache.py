"""A question asked again is not embedded again: the same vector comes from the cache, the least recently used
goes first when it is full, and the service's embedder keeps one by default."""

from __future__ import annotations

from ingest.embed import make_embedder
from service.query_cache import QueryCache


def test_a_question_asked_again_gets_the_same_vector_without_embedding_it_again(services):
    cache = QueryCache(make_embedder(services.index.embedding_model), size=2)
    first = cache.embed_query("粗大ごみの出し方")
    again = cache.embed_query("粗大ごみの出し方")
    assert again == first and (cache.hits, cache.misses) == (1, 1)

    cache.embed_query("住民票の写し")
    cache.embed_query("転入届")  # the cache holds two: the garbage question, least recently used, goes
    cache.embed_query("粗大ごみの出し方")
    assert (cache.hits, cache.misses) == (1, 4)


def test_the_service_keeps_query_vectors_by_default(services):
    assert isinstance(services.embedder, QueryCache) and services.embedder.size == 2048
