"""A resident says an answer is wrong (the chat page's feedback, LINE's button under an answer): a case for
staff of the department of the answer's first source."""

from __future__ import annotations

import logging

from service.answer.compose import cite
from service.answer.context import Candidate, Services
from service.answer.desks import general_desk
from service.store.cases import Answered, NewCase

logger = logging.getLogger(__name__)
WRONG_SAID = {"ja": "住民からの誤りの指摘", "en": "The resident says it is wrong"}


def report_wrong(services: Services, answer_id: str, answered: Answered, comment: str | None) -> tuple[str, str]:
    """Open the case of an answer reported wrong: the masked question, what the resident said, and the answer's
    sources as staff see them, for the department of its first source (else the general desk). Its id and
    reference."""
    cited = {chunk.id: chunk for chunk in services.index.chunks if chunk.id in set(answered.cited)}
    sources = [cited[chunk_id] for chunk_id in answered.cited if chunk_id in cited]
    lang = answered.lang if answered.lang in ("ja", "en") else "ja"
    if sources and sources[0].department:
        door = (sources[0].department, sources[0].contact)
    else:
        door = general_desk(services.index.manifest, lang)
    said = [f"{WRONG_SAID[lang]}: {comment}"] if comment else []
    case_id, reference = services.cases.open(
        NewCase(
            reason="wrong_answer",
            lang=lang,
            conversation_id=answered.conversation_id,
            answer_id=answer_id,
            question=answered.question,
            transcript=[answered.question, *said],
            suggestions=[
                cite(Candidate(0, chunk), chunk.title, services.settings.snippet_chars).model_dump()
                for chunk in sources
            ],
            department=" ".join(part for part in door if part),
        )
    )
    logger.info("an answer was reported wrong: case %s", reference)
    return case_id, reference
