"""Screen: mask personal data, then catch emergencies, self-harm and abuse before anything else runs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from ingest.text import normalize
from service.context import Context
from service.hand_off import hand_off
from service.outcomes import HANDOFF_SENSITIVE, Outcome
from service.privacy import mask_personal_data


@dataclass(frozen=True)
class SensitiveCategory:
    name: str
    patterns: tuple[re.Pattern[str], ...]
    message: dict[str, str]
    department: dict[str, str]
    contact: dict[str, str]


@dataclass(frozen=True)
class Screening:
    categories: tuple[SensitiveCategory, ...]

    @classmethod
    def load(cls) -> Screening:
        data: dict[str, Any] = yaml.safe_load(
            resources.files("service").joinpath("data/screening.yaml").read_text("utf-8")
        )
        return cls(
            tuple(
                SensitiveCategory(
                    name,
                    tuple(re.compile(p, re.IGNORECASE) for p in spec["patterns"]),
                    spec["message"],
                    spec["department"],
                    spec["contact"],
                )
                for name, spec in data["categories"].items()
            )
        )

    def match(self, text: str) -> SensitiveCategory | None:
        normalized = normalize(text)
        for category in self.categories:
            if any(pattern.search(normalized) for pattern in category.patterns):
                return category
        return None


def screen(ctx: Context) -> Outcome | None:
    ctx.question, ctx.personal_data = mask_personal_data(ctx.question)
    category = ctx.services.screening.match(ctx.question)
    if category is None:
        return None
    ctx.sensitive_category = category.name
    return hand_off(
        ctx,
        HANDOFF_SENSITIVE,
        message=category.message[ctx.lang],
        department=category.department[ctx.lang],
        contact=category.contact[ctx.lang],
    )
