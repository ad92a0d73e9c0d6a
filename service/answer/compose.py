"""Compose: the extractive answer. The best FAQ answer, or the regulation paragraph that matches best,
verbatim, with its citation and "as of" date. Deterministic; nothing is written that the source does not say.
An FAQ is quoted in the resident's language where the city translated its answer; otherwise in its own, under a
line that says so in the resident's and over the city's multilingual consultation desk.
Where a city runs a language model, the generative composer (service/answer/generate.py) may replace it, checked."""

from __future__ import annotations

from ingest.chunk import Chunk
from ingest.languages import NAMES
from ingest.text import tokenize
from service.answer.context import Candidate, Context
from service.answer.desks import multilingual_desk
from service.answer.outcomes import (
    ANSWERED,
    AS_OF,
    DISTANCE,
    MULTILINGUAL_DESK,
    NEAREST,
    UNTRANSLATED,
    Citation,
    Outcome,
)


def compose(ctx: Context) -> Outcome | None:
    """The extractive answer; where a generative composer is configured, its answer if it passes the check."""
    top = ctx.candidates[0]
    shown = [
        passage(c, ctx.query, ctx.lang, ctx.services.settings.snippet_chars, easy=ctx.easy_japanese)
        for c in ctx.candidates[: max(1, ctx.named_rows)]
    ]
    if ctx.distances:  # the resident sent where they are: how far each site is, and where on a map
        far = [how_far(ctx, candidate) for candidate in ctx.candidates[: len(shown)]]
        shown = [(f"{text}\n{where}", citation) for (text, citation), where in zip(shown, far, strict=True)]
    lead = [NEAREST[ctx.lang]] if ctx.distances else []
    quoted = quoted_in(top.chunk, ctx.lang)
    after = []
    if quoted != ctx.lang and top.chunk.kind != "record":  # the city did not publish it in the resident's language
        lead.append(UNTRANSLATED[ctx.lang].format(official=NAMES[quoted]))
        desk = multilingual_desk(ctx.services.index.manifest, ctx.lang)
        after = [MULTILINGUAL_DESK[ctx.lang].format(desk=desk)] if desk else []
    extractive = Outcome(
        ANSWERED,
        answer="\n\n".join(lead + [text for text, _ in shown] + after),  # rows of a list it could mean: each
        citations=[citation for _, citation in shown],
        department=top.chunk.department,
        contact=top.chunk.contact,
        answer_lang=quoted,
    )
    composer, notices, switches = ctx.services.composer, ctx.services.notices, ctx.services.switches
    if composer is None or (notices is not None and notices.emergency()):  # an emergency: verbatim only
        return extractive
    if switches is not None and switches.generative_off():  # operators switched the generative composer off
        return extractive
    return composer.compose(ctx, extractive)


def quoted_in(chunk: Chunk, lang: str) -> str:
    """The language a chunk's answer is quoted in for a resident who reads ``lang``: theirs where the city wrote
    the answer in it, else the chunk's own."""
    return lang if chunk.kind == "faq" and chunk.answer_in(lang) else chunk.lang


def how_far(ctx: Context, candidate: Candidate) -> str:
    chunk, settings = candidate.chunk, ctx.services.settings
    metres = ctx.distances.get(candidate.position, 0.0)
    link = settings.map_url.format(lat=chunk.fields.get("latitude", ""), lon=chunk.fields.get("longitude", ""))
    return DISTANCE[ctx.lang].format(km=f"{metres / 1000:.1f}", map=link)


def passage(
    candidate: Candidate, query: str, lang: str, snippet_chars: int, easy: bool = False
) -> tuple[str, Citation]:
    """A candidate's extractive answer (the FAQ answer, or the best paragraph of an article, labelled) with its
    "as of" date, and its citation. With ``easy``, an FAQ's answer in やさしい日本語 where the city wrote one."""
    citation = cite(candidate, query, snippet_chars)
    chunk = candidate.chunk
    if chunk.kind == "faq":
        body = chunk.easy if easy and chunk.easy else (chunk.answer_in(lang) or chunk.text)
    elif chunk.kind == "record":  # a row of an open-data list, as published, named by its list
        label = f"「{chunk.heading}」より"
        if lang == "en":
            english = chunk.fields.get("english")
            named = f" {english} is 「{chunk.title}」." if english else ""
            label = f"From the city's list 「{chunk.heading}」 (in Japanese):{named}"
        body = f"{label}\n{chunk.text}"
    else:
        label = f"「{chunk.title} {citation.section}」" if lang == "ja" else f"{chunk.title}, {citation.section}:"
        body = f"{label}\n{citation.snippet}"
    as_of = AS_OF[lang].format(date=chunk.updated) if chunk.updated else ""
    return "\n".join(part for part in (body, as_of) if part), citation


def cite(candidate: Candidate, query: str, snippet_chars: int) -> Citation:
    """The citation of a candidate: for an article, its best-matching paragraph (項)."""
    chunk = candidate.chunk
    if chunk.kind == "faq" or not chunk.paragraphs:
        return Citation(
            id=chunk.id,
            title=chunk.title,
            section=f"{chunk.heading} {chunk.section}" if chunk.kind == "record" else chunk.section,
            url=chunk.url,
            snippet=chunk.text[:snippet_chars],
            updated=chunk.updated,
        )
    number, paragraph = best_paragraph(chunk, query)
    return Citation(
        id=chunk.id,
        title=chunk.title,
        section=section_label(chunk, number),
        url=chunk.url,
        snippet=paragraph[:snippet_chars],
        updated=chunk.updated,
    )


def best_paragraph(chunk: Chunk, query: str) -> tuple[int, str]:
    wanted = set(tokenize(query))
    scored = [(len(wanted & set(tokenize(p))), -n, p) for n, p in enumerate(chunk.paragraphs, start=1)]
    _, negative_number, paragraph = max(scored)
    return -negative_number, paragraph


def section_label(chunk: Chunk, paragraph: int) -> str:
    """第5条第2項 / Article 5(2); the paragraph only when the article has more than one."""
    if len(chunk.paragraphs) < 2 or not chunk.section.startswith(("第", "Article")):
        return chunk.section
    return f"{chunk.section}第{paragraph}項" if chunk.lang == "ja" else f"{chunk.section}({paragraph})"
