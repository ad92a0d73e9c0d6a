"""A pick: what a resident tapped among the choices an answer offered. Parsed once, where it comes in
(service/api/door.py); every step reads its kind, never the string it came as."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

NONE_OF_THESE = "none"  # the choice that says no entry offered fits: a person takes over
PLACE = "place:"  # a choice that names a district: the question is asked again with it


@dataclass(frozen=True)
class Pick:
    """An entry (its document id), a place (the slot question's answer), none of them, or, from LINE's quick
    replies, the choice at a position of the last answer's choices (``at``: resolved against them)."""

    kind: Literal["entry", "place", "none", "at"]
    value: str = ""

    @classmethod
    def parse(cls, choice: str) -> Pick:
        """A choice as ``Answer.choices`` offer it: ``none``, ``place:<district>`` or an entry's id."""
        if choice == NONE_OF_THESE:
            return cls("none")
        if choice.startswith(PLACE):
            return cls("place", choice.removeprefix(PLACE))
        return cls("entry", choice)

    @classmethod
    def of_place(cls, district: str) -> Pick:
        return cls("place", district)

    @property
    def id(self) -> str:
        """The choice as offered (and as staff read it in a case)."""
        if self.kind == "none":
            return NONE_OF_THESE
        if self.kind == "place":
            return f"{PLACE}{self.value}"
        return self.value

    @property
    def entry(self) -> str | None:
        """The picked entry's document id; None for a place or none of them."""
        return self.value if self.kind == "entry" else None

    @property
    def none(self) -> bool:
        return self.kind == "none"

    def resolved(self, offered: list[str]) -> Pick:
        """A position as the choice offered there; any other pick as it is (a position no longer offered stays
        one, and is refused as a choice not offered)."""
        if self.kind == "at" and self.value.isascii() and self.value.isdecimal() and int(self.value) < len(offered):
            return Pick.parse(offered[int(self.value)])
        return self
