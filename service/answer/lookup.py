"""Lookup: a question that names a row of an open-data list is answered from that row. 「フライパンは何ごみ？」
finds the row フライパン of the garbage separation list however the item is written (hiragana or katakana,
with or without the long-vowel mark or a size qualifier: 「ふとん2枚」 finds 「ふとん（2枚まで）」); 「松島の収集日は」
finds the collection-day row whose district names 松島; 「日新で津波のときの避難場所は」 lists the evacuation sites
of 日新 that the list marks as suitable for a tsunami (○ before △), as published, never with a distance. A
question about separating garbage whose item the list does not name, or about where to evacuate that names no
place the list knows, is handed to the list's department: never answered from a neighbouring row. An item
whose rows differ by a condition the question does not settle (「ふとん」 without a count) is asked which one,
each row a choice, as a clerk would.

Runs after retrieval: matched rows go first among the candidates, with the evidence that they were named."""

from __future__ import annotations

import re
import unicodedata

from ingest.chunk import Chunk
from ingest.text import words
from service.answer.ask_back import ask_for_place, ask_which_row, asks_back_in_a_row
from service.answer.context import Candidate, Context
from service.answer.hand_off import hand_off
from service.answer.outcomes import HANDOFF_LOW_CONFIDENCE, NO_COORDINATES, Outcome
from service.answer.rows import (
    ITEM_LISTS,
    MIN_KEY_CHARS,
    QUALIFIER,
    SHELTER_LISTS,
    asks_about_separation,
    fold,
)


def lookup(ctx: Context) -> Outcome | None:
    rows, chunks, settings = ctx.services.rows, ctx.services.index.chunks, ctx.services.settings
    if ctx.location is not None and (rows.coordinates or rows.districts):
        return nearest_sites(ctx)
    if rows.shelters and ctx.asks_where_to_evacuate:
        hazard, sites = rows.shelters_for(ctx.question, chunks)
        if sites:  # the list's rows for that place and hazard, as published: never a distance we do not know
            _put_first(ctx, sites[: settings.sites_shown])
            ctx.named_rows = min(len(sites), settings.sites_shown)
            return None
        if (
            hazard is not None
            and rows.districts
            and ctx.chosen is None
            and asks_back_in_a_row(ctx) < settings.asks_back_max
        ):
            return ask_for_place(ctx, rows.districts)  # no place named: ask which district, as a clerk would
        if hazard is not None:  # no place named (or none the list knows): a person asks where the resident is
            top = next((c.chunk for c in ctx.candidates if c.chunk.category in SHELTER_LISTS), None)
            department, contact = (top.department, top.contact) if top else ("", "")
            return hand_off(ctx, HANDOFF_LOW_CONFIDENCE, department=department, contact=contact)
    groups = rows.named(ctx.question)
    if groups:
        named, fitting = _by_qualifier(groups[0], chunks, ctx.question)
        picked = [position for position in named if ctx.chosen and chunks[position].doc_id == ctx.chosen.entry]
        if picked:  # the resident said which row: the answer is from it alone
            named, fitting = picked, True
        elif not fitting and ctx.chosen is None and asks_back_in_a_row(ctx) < settings.asks_back_max:
            item = QUALIFIER.sub("", chunks[named[0]].title).strip() or chunks[named[0]].title
            return ask_which_row(ctx, [chunks[p] for p in named[: settings.choices_max]], item)
        _put_first(ctx, named + [position for group in groups[1:] for position in group])
        ctx.named_rows = 1 if fitting else min(len(named), settings.rows_shown)  # undecided: every variant is shown
        return None
    top = ctx.candidates[0].chunk if ctx.candidates else None
    listed = top is not None and top.kind == "record" and top.category in ITEM_LISTS
    if top is not None and listed and asks_about_separation(ctx.question):  # an item the list does not name
        return hand_off(ctx, HANDOFF_LOW_CONFIDENCE, department=top.department, contact=top.contact)
    return None


def nearest_sites(ctx: Context) -> Outcome | None:
    """A resident who sent where they are (LINE's location message): the nearest sites that suit the hazard the
    question names, with their distances; when the city's lists carry no coordinates, that is said and the
    district is asked, as for any question about where to evacuate."""
    rows, chunks, settings = ctx.services.rows, ctx.services.index.chunks, ctx.services.settings
    assert ctx.location is not None
    sites, distances = rows.nearest(ctx.question, ctx.location, chunks)
    if sites:
        shown = sites[: settings.sites_shown]
        _put_first(ctx, shown)
        ctx.named_rows = len(shown)
        ctx.distances = {position: distances[position] for position in shown}
        return None
    asked = ask_for_place(ctx, rows.districts)
    asked.answer = NO_COORDINATES[ctx.lang] + "\n" + asked.answer
    return asked


_BOUND = re.compile(r"(\d+)([^\d\s(（)）]?)(まで|以下|以上|未満|を超える|超)")
_COUNT = re.compile(r"(\d+)([^\d\s]?)")


def _put_first(ctx: Context, positions: list[int]) -> None:
    """The named rows first among the candidates, in the given order; the rest after them as they were."""
    chunks = ctx.services.index.chunks
    found = {candidate.position: candidate for candidate in ctx.candidates}
    first = [found.get(position) or Candidate(position, chunks[position]) for position in positions]
    ctx.candidates = first + [candidate for candidate in ctx.candidates if candidate.position not in positions]


def _by_qualifier(positions: list[int], chunks: list[Chunk], question: str) -> tuple[list[int], bool]:
    """Among rows that share an item, those whose qualifier fits the question come first: 「ふとん5枚」 fits
    「ふとん（3枚以上）」, not 「ふとん（2枚まで）」; 「ノートパソコン」 fits 「パソコン（ノート型）」. The order is
    otherwise kept; and whether one fitted."""
    counts = [(int(number), unit) for number, unit in _COUNT.findall(unicodedata.normalize("NFKC", question))]
    folded = fold(question)

    def fits(position: int) -> bool:
        title = chunks[position].title
        qualifier = unicodedata.normalize("NFKC", "".join(QUALIFIER.findall(title)))
        said = [fold(w.surface) for w in words(qualifier) if w.pos[0] == "名詞" and w.pos[1] != "数詞"]
        besides = folded.replace(fold(QUALIFIER.sub("", title)), "")  # 乾電池 asks for no ニカド電池
        if any(len(word) >= MIN_KEY_CHARS and word in besides for word in said):
            return True
        bounds = _BOUND.findall(qualifier)
        for limit, unit, kind in bounds:
            for count, counted in counts:
                if counted == unit and _within(count, int(limit), kind):
                    return True
        return False

    ordered = sorted(positions, key=lambda position: not fits(position))
    return ordered, len(positions) == 1 or fits(ordered[0])


def _within(count: int, limit: int, kind: str) -> bool:
    return {
        "まで": count <= limit,
        "以下": count <= limit,
        "未満": count < limit,
        "以上": count >= limit,
        "超": count > limit,
        "を超える": count > limit,
    }[kind]
