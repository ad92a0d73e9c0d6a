"""Ask back instead of guessing: when the best entry is not clear enough to answer from, offer the likely
entries as choices, as a counter clerk asks "do you mean A or B?"; the resident picks one (answered from it)
or none of them (a person takes over).

Why: on a real city's corpus (localgovFAQ) the wrong first entries are siblings of the right one (児童手当 /
児童扶養手当) and no bundled signal separates them, so a service that must pick one entry answered about 14 % of
real residents' questions from a wrong one. Measured with this rule on held-out halves (`python -m eval
ask-back-study`; docs/answering.md, "Asking back"): wrong direct answers .038 and .000 in the two folds, a right
entry shown .456 and .521 (from .367).

The rule, every edge a setting:
- a question that is one entry's published question or a learned phrasing a person confirmed, word for word,
  or whose words are clearly like one published question (``match_likeness``, ``match_margin``;
  ingest/published.py), is answered from that entry (ADR 0011);
- answer directly only when the best entry's confidence is at least ``answer_threshold``, it is not out of scope,
  and no related sibling comes within ``sibling_margin`` of it;
- otherwise offer the related entries (each speaking of at least ``choice_coverage`` of what the question is
  about, so a passport question is never offered 駐車場 / 図書館カード), whose confidence is at least
  ``handoff_threshold``, at most ``choices_max``, when there are at least two of them, or the best entry alone
  as a confirmation when it speaks of at least ``single_choice_coverage`` of the question (Rasa's two-stage
  fallback asks so) or, in other words than the question's, its confidence reaches ``confirm_confidence``; and
  the conversation has not been asked back ``asks_back_max`` times in a row;
- otherwise answer when confident enough, or hand off."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, Literal, Protocol, TypeVar

from ingest.chunk import Chunk
from service.answer.context import Candidate, Context
from service.answer.outcomes import (
    CLARIFY,
    CLARIFY_MESSAGES,
    PLACE_MESSAGES,
    ROW_MESSAGES,
    Choice,
    Outcome,
)
from service.answer.pick import Pick
from service.settings import Settings


@dataclass(frozen=True)
class Likely:
    """An entry the question may be about: its best passage, the confidence that it answers the question, and
    the share of the question's topic it speaks of."""

    candidate: Candidate
    confidence: float
    coverage: float

    @property
    def entry(self) -> str:
        return self.candidate.chunk.doc_id


class Weighed(Protocol):
    """An entry as the rule reads it (a ``Likely`` in the service, a record's entry in the eval's study)."""

    @property
    def entry(self) -> str: ...
    @property
    def confidence(self) -> float: ...
    @property
    def coverage(self) -> float: ...


W = TypeVar("W", bound=Weighed)
T = TypeVar("T")


@dataclass(frozen=True)
class Edges:
    """The rule's edges (settings of the same names; the eval's study replays a grid of them)."""

    answer: float  # answer_threshold
    offer: float  # handoff_threshold
    sibling: float  # sibling_margin
    coverage: float  # choice_coverage
    most: int  # choices_max
    single: float  # single_choice_coverage
    confirm: float  # confirm_confidence
    likeness: float  # match_likeness
    margin: float  # match_margin

    @classmethod
    def of(cls, settings: Settings) -> Edges:
        return cls(
            settings.answer_threshold,
            settings.handoff_threshold,
            settings.sibling_margin,
            settings.choice_coverage,
            settings.choices_max,
            settings.single_choice_coverage,
            settings.confirm_confidence,
            settings.match_likeness,
            settings.match_margin,
        )


@dataclass(frozen=True)
class Decision(Generic[W]):
    """Answer from the first entry, ask back offering ``offered``, or hand off."""

    action: Literal["answer", "ask", "hand_off"]
    offered: list[W] = field(default_factory=list)


def clear_match(alike: Sequence[tuple[T, float]], edges: Edges) -> T | None:
    """The entry whose published question the question is like, when clearly: at least ``likeness`` alike and
    ``margin`` more than the next one (``alike``: best first)."""
    if not alike:
        return None
    (best, likeness), second = alike[0], (alike[1][1] if len(alike) > 1 else 0.0)
    return best if likeness >= edges.likeness and likeness - second >= edges.margin else None


def decide(likely: Sequence[W], learned: Sequence[W], out_of_scope: bool, edges: Edges, may_ask: bool) -> Decision[W]:
    """The rule (above) on the first distinct entries weighed for a question, best first, and the entries learned
    phrasings point to; ``may_ask``: the conversation has not been asked back too often in a row."""
    first = likely[0].entry if likely else None
    confidence = likely[0].confidence if likely else 0.0
    related = [e for e in likely if e.coverage >= edges.coverage]
    sibling = next((e for e in related if e.entry != first), None)
    taught_other = any(e.entry != first for e in learned)  # residents found another entry
    confident = confidence >= edges.answer and not out_of_scope
    if confident and not taught_other and (sibling is None or sibling.confidence < confidence - edges.sibling):
        return Decision("answer")
    offered = _distinct([*learned, *(e for e in related if e.confidence >= edges.offer)])[: edges.most]
    alone = len(offered) == 1 and offered[0].entry == first
    confirmable = alone and offered[0].coverage >= edges.single  # "is it about …?"
    if len(offered) < 2 and not learned and not confirmable and not confident and not out_of_scope:
        # likely enough, though in other words than the question's: the best entry alone, to confirm
        confirmable = bool(likely) and confidence >= max(edges.confirm, edges.offer)
        offered = list(likely[:1]) if confirmable else offered
    if (len(offered) >= 2 or confirmable or learned) and may_ask:
        return Decision("ask", offered)
    return Decision("answer" if confident else "hand_off")


def _distinct(entries: list[W]) -> list[W]:
    """Each entry once, where it first appears."""
    first: dict[str, W] = {}
    for entry in entries:
        first.setdefault(entry.entry, entry)
    return list(first.values())


def asks_back_in_a_row(ctx: Context) -> int:
    """How many of the conversation's last turns were asked back."""
    count = 0
    for turn in reversed(ctx.history):
        if turn.outcome != CLARIFY:
            break
        count += 1
    return count


def ask_back(ctx: Context, entries: list[Likely]) -> Outcome:
    """The ``clarify`` outcome: the entries as choices, in the question's language."""
    choices = [
        Choice(
            id=e.candidate.chunk.doc_id,
            title=e.candidate.chunk.translations.get(ctx.lang, {}).get("question") or e.candidate.chunk.title,
            section=e.candidate.chunk.section,
            department=e.candidate.chunk.department,
        )
        for e in entries
    ]
    return Outcome(CLARIFY, answer=CLARIFY_MESSAGES[ctx.lang], choices=choices)


def ask_for_place(ctx: Context, districts: list[str]) -> Outcome:
    """The slot question of a question about where to evacuate that names no place: which district (the
    evacuation lists' own districts, as buttons); the pick is asked again with the district named."""
    choices = [Choice(id=Pick.of_place(district).id, title=district) for district in districts]
    return Outcome(CLARIFY, answer=PLACE_MESSAGES[ctx.lang], choices=choices)


def ask_which_row(ctx: Context, rows: list[Chunk], item: str) -> Outcome:
    """The slot question of an item whose rows differ by a condition the question does not settle (「ふとん」:
    2枚まで / 3枚以上; キャップ: 金属製 / プラスチック製): which one, each row a choice, answered from the pick."""
    choices = [Choice(id=row.doc_id, title=row.title, section=row.heading, department=row.department) for row in rows]
    return Outcome(CLARIFY, answer=ROW_MESSAGES[ctx.lang].format(item=item), choices=choices)
