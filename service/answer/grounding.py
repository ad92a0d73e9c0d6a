"""The grounding check a generated answer must pass before a resident sees it. Pure functions.

- it cites at least one source, as [n], and every [n] is a source it was given;
- every number, amount, date, time, phone number and URL it contains appears in a source it cites;
- it does not repeat its instructions (a sign that a question or source talked it out of them).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

CITATION = re.compile(r"\[(\d{1,2})\]")
URL = re.compile(r"https?://[^\s\])>」）]+")
# Digits with their separators: 1,000 / 0465-00-1101 / 2026-04-01 / 8:30 / 3.5. Kanji numerals are left to the
# model's sources, which write figures in digits.
FIGURE = re.compile(r"\d+(?:[.,:/\-]\d+)*")


@dataclass(frozen=True)
class Verdict:
    passed: bool
    reason: str | None = None  # why it failed: no_citation, unknown_citation, ungrounded_figure, ...
    cited: tuple[int, ...] = ()  # 1-based source numbers, in order of first use


def check(answer: str, sources: list[str], forbidden: tuple[str, ...] = ()) -> Verdict:
    text = _fold(answer)
    if not text.strip():
        return Verdict(False, "empty")
    if any(marker in text for marker in forbidden):
        return Verdict(False, "instructions_leaked")
    numbers = [int(n) for n in CITATION.findall(text)]
    cited = tuple(dict.fromkeys(numbers))
    if not cited:
        return Verdict(False, "no_citation")
    if any(n < 1 or n > len(sources) for n in cited):
        return Verdict(False, "unknown_citation")
    evidence = _fold(" ".join(sources[n - 1] for n in cited))
    for url in URL.findall(text):
        if url.rstrip(".,。、") not in evidence:
            return Verdict(False, "ungrounded_url")
    without_marks = URL.sub(" ", CITATION.sub(" ", text))
    known = set(FIGURE.findall(URL.sub(" ", evidence)))
    known_plain = {_plain(figure) for figure in known}
    for figure in FIGURE.findall(without_marks):
        if figure not in known and _plain(figure) not in known_plain:
            return Verdict(False, "ungrounded_figure")
    return Verdict(True, None, cited)


def _fold(text: str) -> str:
    """Full-width digits and punctuation to ASCII (NFKC), so that １，０００円 and 1,000円 compare equal."""
    return unicodedata.normalize("NFKC", text)


def _plain(figure: str) -> str:
    """1,000 and 1000 are the same amount."""
    return figure.replace(",", "")
