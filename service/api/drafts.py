"""What a drafted FAQ entry must be before it is stored (submitted) and before it is written into the corpus
(approved): an entry the ingest accepts — an answer of one ideographic space once made every later reload
fail — and nothing personal in what residents will read (the question, the answer and the category, which the
public report lists). The city's own contact details are not personal: a phone number, e-mail, postal code or
address in the answer that the live corpus already publishes is kept; anything else is refused, naming the
field, for the member of staff to remove."""

from __future__ import annotations

import json
from typing import Any

from ingest.live import LiveIndex
from ingest.load import faq_problem
from service.answer.privacy import fold, personal_data_in
from service.errors import MadoguchiError

CONTACT_KINDS = frozenset({"phone", "email", "postal_code", "address"})
PUBLISHED_FIELDS = ("question", "answer", "category")
_published: dict[str, str] = {}  # the live generation's text, folded: one generation at a time


def check_draft(entry: dict[str, Any], index: LiveIndex) -> None:
    """422 ``proposal_invalid`` when the ingest would refuse the entry, 422 ``personal_data_in_proposal``
    (naming the field and what was seen) when a field residents will read holds personal data."""
    problem = faq_problem({"id": "proposal", **{key: value for key, value in entry.items() if value is not None}})
    if problem:
        raise MadoguchiError("proposal_invalid", f"The corpus would refuse this entry: {problem}.", 422)
    for field in PUBLISHED_FIELDS:
        found = personal_data_in(str(entry.get(field) or ""))
        if field == "answer" and found:
            found = [(kind, seen) for kind, seen in found if not _the_citys_own(kind, seen, index)]
        if found:
            kinds = ", ".join(sorted({kind.replace("_", " ") for kind, _ in found}))
            message = (
                f"The {field} holds what looks like personal data ({kinds}). An FAQ is published to every "
                "resident: remove it (the city's own contact details, as the corpus writes them, may stay)."
            )
            raise MadoguchiError("personal_data_in_proposal", message, 422)


def _the_citys_own(kind: str, seen: str, index: LiveIndex) -> bool:
    """A contact detail the live corpus already publishes (a department's phone, the city hall's address)."""
    return kind in CONTACT_KINDS and seen.strip("() ") in _text_of(index)


def _text_of(index: LiveIndex) -> str:
    generation = index.generation
    if generation not in _published:
        _published.clear()
        texts = [f"{chunk.text}\n{chunk.contact}" for chunk in index.chunks]
        texts.append(json.dumps(index.manifest.get("departments", {}), ensure_ascii=False))
        _published[generation] = fold("\n".join(texts))
    return _published[generation]
