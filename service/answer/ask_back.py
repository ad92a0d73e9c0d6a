"""Ask back instead of guessing: when the best entry is not clear enough to answer from, offer the likely
entries as choices, as a counter clerk asks "do you mean A or B?"; the resident picks one (answered from it)
or none of them (a person takes over).

Why: on a real city's corpus (localgovFAQ) the wrong first entries are siblings of the right one (児童手当 /
児童扶養手当) and no bundled signal separates them, so a service that must pick one entry answered about 14 % of
real residents' questions from a wrong one. Measured with this rule on held-out halves (`python -m eval
ask-back-study`; README "Asking back"): wrong direct answers .038 and .000 in the two folds, a right entry shown
.456 and .521 (from .367).

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

from dataclasses import dataclass

from ingest.chunk import Chunk
from service.answer.context import Candidate, Context
from service.answer.outcomes import (
    CLARIFY,
    CLARIFY_MESSAGES,
    PLACE,
    PLACE_MESSAGES,
    ROW_MESSAGES,
    Choice,
    Outcome,
)


@dataclass(frozen=True)
class Likely:
    """An entry the question may be about: its best passage, the confidence that it answers the question, and
    the share of the question's topic it speaks of."""

    candidate: Candidate
    confidence: float
    coverage: float


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
            title=e.candidate.chunk.title,
            section=e.candidate.chunk.section,
            department=e.candidate.chunk.department,
        )
        for e in entries
    ]
    return Outcome(CLARIFY, answer=CLARIFY_MESSAGES[ctx.lang], choices=choices)


def ask_for_place(ctx: Context, districts: list[str]) -> Outcome:
    """The slot question of a question about where to evacuate that names no place: which district (the
    evacuation lists' own districts, as buttons); the pick is asked again with the district named."""
    choices = [Choice(id=f"{PLACE}{district}", title=district) for district in districts]
    return Outcome(CLARIFY, answer=PLACE_MESSAGES[ctx.lang], choices=choices)


def ask_which_row(ctx: Context, rows: list[Chunk], item: str) -> Outcome:
    """The slot question of an item whose rows differ by a condition the question does not settle (「ふとん」:
    2枚まで / 3枚以上; キャップ: 金属製 / プラスチック製): which one, each row a choice, answered from the pick."""
    choices = [Choice(id=row.doc_id, title=row.title, section=row.heading, department=row.department) for row in rows]
    return Outcome(CLARIFY, answer=ROW_MESSAGES[ctx.lang].format(item=item), choices=choices)
