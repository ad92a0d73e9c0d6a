"""The screening lists (``service/data/screening.yaml``): emergencies, self-harm and abuse, each with its
patterns, its message and who takes over. Data only: the screen step (service/answer/screen.py) uses it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from ingest.text import normalize


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
