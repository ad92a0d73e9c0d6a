"""Compose: the extractive answer is the source's own words with its "as of" date; an article is cited by its
best-matching paragraph."""

from __future__ import annotations

import uuid

from service.answer.assess import assess
from service.answer.compose import compose, passage, section_label
from service.answer.context import Context
from service.answer.pick import Pick
from service.answer.pipeline import run
from service.answer.retrieve import search


def composed(services, question: str, lang: str = "ja"):
    """The answer composed from the question's likeliest entry (picked, where the service would ask back)."""
    ctx = Context(question=question, lang=lang, conversation_id=uuid.uuid4().hex, services=services)
    ctx.chosen = Pick.parse(search(services, question, lang)[0].chunk.doc_id)
    assert run(ctx, until=assess) is None
    return compose(ctx)


def test_an_faq_answer_is_its_answer_verbatim_with_the_date(services):
    outcome = composed(services, "住民票の写しはどこで取れますか")
    top = services.index.chunks[search(services, "住民票の写しはどこで取れますか", "ja")[0].position]
    assert outcome.outcome == "answered" and outcome.answer.startswith(top.text)
    assert f"（{top.updated}時点の情報）" in outcome.answer
    assert outcome.citations[0].id == top.id and outcome.department == top.department


def test_a_regulation_answer_names_the_ordinance_and_the_paragraph(services):
    outcome = composed(services, "公民館の休館日は条例でどう決まっていますか")
    citation = outcome.citations[0]
    assert citation.id == "ja-reg-facilities#3" and citation.section.startswith("第3条")
    assert outcome.answer.startswith("「") and citation.snippet in outcome.answer


def test_a_snippet_is_cut_at_the_setting(services):
    candidate = search(services, "住民票の写しはどこで取れますか", "ja")[0]
    _, citation = passage(candidate, "住民票", "ja", snippet_chars=50)
    assert len(citation.snippet) == 50


def test_an_article_with_several_paragraphs_is_cited_by_paragraph(services):
    chunk = next(c for c in services.index.chunks if len(c.paragraphs) > 1)
    label = section_label(chunk, 2)
    assert label.endswith("第2項") if chunk.lang == "ja" else label.endswith("(2)")
