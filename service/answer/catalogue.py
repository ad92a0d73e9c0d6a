"""Everything a resident reads that the service writes itself (handoffs, choices, notices, the AI notice, LINE's
greeting and buttons), one catalogue per language: ``service/data/catalogue/<lang>.toml``, shared by the chat
page's API answers and LINE. A city may word them its own way by editing the files; every catalogue holds the
same keys with the same placeholders (tests/service/answer/test_catalogue.py)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from ingest.languages import LANGUAGES

__all__ = ["LANGUAGES", "catalogue", "texts"]


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The texts of one language, by key."""
    text = resources.files("service").joinpath(f"data/catalogue/{lang}.toml").read_text("utf-8")
    return {key: str(value) for key, value in tomllib.loads(text).items()}


def texts(key: str) -> dict[str, str]:
    """One text in every language: ``{"ja": …, "en": …, "vi": …}``."""
    return {lang: catalogue(lang)[key] for lang in LANGUAGES}
