"""A question asked again is not embedded again: the same vector comes from the cache, the least recently used
goes first when it is full, and the service's embedder keeps one by default. Nor is it searched again on the
same generation, unless its search depends on the conversation or leaves documents out."""

from __future__ import annotations

from dataclasses import replace

from ingest.embed import make_embedder
from service.answer.query_cache import QueryCache, Recent
from service.answer.retrieve import search
from service.live.services import open_services


def test_a_question_asked_again_gets_the_same_vector_without_embedding_it_again(services):
    cache = QueryCache(make_embedder(services.index.embedding_model), size=2)
    first = cache.embed_query("粗大ごみの出し方")
    again = cache.embed_query("粗大ごみの出し方")
    assert again == first and (cache.hits, cache.misses) == (1, 1)

    cache.embed_query("住民票の写し")
    cache.embed_query("転入届")  # the cache holds two: the garbage question, least recently used, goes
    cache.embed_query("粗大ごみの出し方")
    assert (cache.hits, cache.misses) == (1, 4)


def test_the_service_embeds_a_question_asked_again_only_once_by_default(services):
    embedder = services.embedder
    assert isinstance(embedder, QueryCache)
    hits, misses = embedder.hits, embedder.misses
    first = embedder.embed_query("転入届はどこに出しますか（このテストだけの質問）")
    again = embedder.embed_query("転入届はどこに出しますか（このテストだけの質問）")
    assert again == first and (embedder.hits - hits, embedder.misses - misses) == (1, 1)


def test_a_question_searched_again_on_the_same_generation_gets_the_same_candidates_without_searching(services):
    services = replace(services, searches=Recent(8))
    first = search(services, "粗大ごみの出し方", "ja")
    again = search(services, "粗大ごみの出し方", "ja")
    assert [c.chunk.id for c in again] == [c.chunk.id for c in first] and first
    assert (services.searches.hits, services.searches.misses) == (1, 1)
    search(services, "粗大ごみの出し方", "en")  # another language is another search
    assert services.searches.misses == 2


def test_searches_that_depend_on_a_conversation_or_leave_documents_out_are_never_kept(services):
    services = replace(services, searches=Recent(8))
    top = search(services, "粗大ごみの出し方", "ja")[0]
    stepped_back = search(services, "粗大ごみの出し方", "ja", step_back=top.chunk.id)
    without = search(services, "粗大ごみの出し方", "ja", exclude={top.chunk.doc_id})
    ablated = replace(services, index=services.index.excluding({top.chunk.doc_id}))  # as eval's ablation does
    for found in (without, search(ablated, "粗大ごみの出し方", "ja")):
        assert top.chunk.doc_id not in {c.chunk.doc_id for c in found}
    assert stepped_back[0].chunk.id != top.chunk.id
    assert (services.searches.hits, services.searches.misses) == (0, 1)


def test_each_generation_the_service_opens_starts_with_its_own_search_results(services):
    search(services, "犬の登録の手数料", "ja")
    search(services, "犬の登録の手数料", "ja")  # kept, by default, on the generation that found it
    assert services.searches.hits >= 1
    reopened = open_services(services.settings, services.index, store=services.store, embedder=services.embedder)
    search(reopened, "犬の登録の手数料", "ja")
    assert (reopened.searches.hits, reopened.searches.misses) == (0, 1)
