"""The call-centre staff's API: ranked suggestions for the caller in front of them, the queue of handed-off
enquiries, and proposals of new FAQs. Every route needs the bearer token of ``MADOGUCHI_STAFF_TOKEN``."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ingest.languages import detect
from service.answer.assess import features_for
from service.answer.compose import cite, passage
from service.answer.context import Candidate, Services
from service.answer.outcomes import CLOSING_MESSAGES
from service.answer.privacy import learnable, mask_personal_data
from service.answer.retrieve import search
from service.api.auth import token_errors, token_guard
from service.api.deps import ServicesDep, clean_question
from service.api.drafts import check_draft
from service.api.line.channel import line_or_none
from service.api.line.worker import LineChannel
from service.api.schemas.common import ErrorBody, Lang
from service.api.schemas.residents import ThreadMessage
from service.api.schemas.staff import (
    STAFF_MESSAGE_MAX_CHARS,
    Case,
    Cases,
    CaseStatus,
    ClaimRequest,
    Department,
    Departments,
    ProposalOut,
    ProposalRequest,
    Proposals,
    ProposalStatus,
    ResolveRequest,
    Review,
    ReviewEntry,
    StaffMessageRequest,
    Suggestion,
    SuggestionCitation,
    Suggestions,
    SuggestRequest,
)
from service.api.with_staff import shown
from service.errors import ConflictError, MadoguchiError, NotFoundError, QuestionEmptyError, QuestionTooLongError
from service.report.office_hours import overdue
from service.report.review import review
from service.store.cases import CaseQuery, decode_cursor
from service.store.proposals import Draft, ProposalBox
from service.store.threads import CLOSING, STAFF

logger = logging.getLogger(__name__)
TYPING_S = 5.0  # how long "staff are writing" shows after the console last said so (it says so every 3 s)
STAFF_ERRORS = token_errors("staff")
router = APIRouter(
    tags=["staff"], dependencies=[Depends(token_guard("staff", lambda s: s.staff_token))], responses=STAFF_ERRORS
)


@router.post("/v1/suggest", response_model=Suggestions, responses={422: {"model": ErrorBody}})
def suggest(request: SuggestRequest, services: ServicesDep) -> Suggestions:
    """The k best distinct sources for what a caller asked, ranked, each with its answer and confidence. No
    handoff logic: staff judge for themselves."""
    settings = services.settings
    question, _ = mask_personal_data(clean_question(request.question, settings.question_max_chars))
    lang = request.lang or detect(question)
    candidates = search(services, question, lang)
    distinct, seen = [], set()
    for candidate in candidates:
        if candidate.chunk.doc_id not in seen:
            seen.add(candidate.chunk.doc_id)
            distinct.append(candidate)
        if len(distinct) == request.k:
            break
    suggestions = []
    for candidate in distinct:
        confidence = services.calibration.probability(features_for(services, question, candidate))
        text, citation = passage(candidate, question, lang, settings.snippet_chars)
        suggestions.append(
            Suggestion(
                answer=text,
                citation=SuggestionCitation(**citation.model_dump(exclude={"snippet"})),
                score=round(candidate.score, 4),
                confidence=round(confidence, 4),
            )
        )
    return Suggestions(suggestions=suggestions)


@router.get("/v1/handoffs", response_model=Cases, responses={422: {"model": ErrorBody}})
def handoffs(
    services: ServicesDep,
    status: Annotated[CaseStatus, Query()] = "open",
    reason: Annotated[Literal["low_confidence", "out_of_scope", "sensitive", "wrong_answer"] | None, Query()] = None,
    department: Annotated[str | None, Query(max_length=200)] = None,
    lang: Annotated[Lang | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> Cases:
    """Handed-off enquiries with everything already known (personal data masked): sensitive ones first, newest
    first within each, a page at a time (follow `next_cursor`); filter by reason, department and language."""
    query = CaseQuery(status, reason, department, lang, limit, decode_cursor(cursor) if cursor else None)
    found, next_cursor = services.cases.page(query)
    return Cases(cases=[case_of(services, case) for case in found], next_cursor=next_cursor)


@router.post(
    "/v1/handoffs/{case_id}/claim",
    response_model=Case,
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}},
)
def claim(case_id: str, services: ServicesDep, body: ClaimRequest | None = None) -> Case:
    """Take an open case; 409 case_not_open when someone else already has."""
    staff_name = mask_personal_data((body or ClaimRequest()).staff)[0]
    return case_of(services, services.cases.claim(case_id[:64], staff_name))


@router.post(
    "/v1/handoffs/{case_id}/resolve",
    response_model=Case,
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}},
)
def resolve(case_id: str, body: ResolveRequest, services: ServicesDep, request: Request) -> Case:
    """Close a case with what was done; optionally propose the exchange as a new FAQ, which then waits in the
    operators' review (/v1/admin/proposals) with the case's question as its own."""
    proposal = None
    if body.propose_faq:
        proposal = (mask_personal_data(body.propose_faq.question)[0], mask_personal_data(body.propose_faq.answer)[0])
    resolution = mask_personal_data(body.resolution)[0]
    resolved = services.cases.resolve(case_id[:64], resolution, body.answer_used, proposal)
    close_thread(services, resolved, line_or_none(request))
    if body.answer_used:
        teach_resolution(services, resolved, body.answer_used)
    if proposal:
        draft = Draft(
            lang=resolved["lang"],
            question=proposal[0][:500],
            answer=proposal[1][:4000],
            department=_department_key(services, resolved["department"]),
            category="",
            url=None,
            asked=resolved["question"],
            origin=resolved["reference"],
        )
        ProposalBox(services.store.engine).submit(draft, resolved["claimed_by"] or "staff")
    return case_of(services, resolved)


@router.post(
    "/v1/handoffs/{case_id}/messages",
    response_model=ThreadMessage,
    status_code=201,
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def reply(case_id: str, body: StaffMessageRequest, services: ServicesDep, request: Request) -> ThreadMessage:
    """Write to the resident of a case you claimed: it reaches them in the same conversation (the chat page
    shows it, LINE gets it pushed). Masked before it is kept; kept with who wrote it (never shown to the resident,
    who sees the department), never logged with its text. 409 ``case_not_claimed``, ``not_case_owner``,
    ``case_resolved``; 422 ``entry_not_found`` for an entry the live index does not serve."""
    case = services.store.threads.case(case_id[:64])
    if case is None:
        raise NotFoundError("case_not_found", f"There is no case {case_id[:64]!r}.")
    staff_name = mask_personal_data(body.staff)[0]
    if case.status == "resolved":
        raise ConflictError("case_resolved", f"Case {case.reference} is closed: the conversation is back with the bot.")
    if case.status != "claimed":
        raise ConflictError("case_not_claimed", f"Claim case {case.reference} before replying in it.")
    if case.claimed_by != staff_name:
        raise ConflictError("not_case_owner", f"Case {case.reference} is {case.claimed_by}'s: they reply in it.")
    cited = None
    if body.entry:
        chunk = services.index.first_chunk(body.entry)
        if chunk is None:
            raise MadoguchiError("entry_not_found", f"The live index serves no entry {body.entry!r}.", 422)
        cited = cite(Candidate(0, chunk), chunk.title, services.settings.snippet_chars).model_dump()
    text = mask_personal_data(message_text(body.text))[0]
    message = services.store.threads.add(case.id, case.conversation_id, STAFF, text, case.department, staff_name, cited)
    logger.info("staff replied in case %s (message %d)", case.reference, message.id)
    line = line_or_none(request)
    if line is not None and case.line_user:
        line.push_thread(case.line_user, message, case.lang)
    return shown(message)


@router.post(
    "/v1/handoffs/{case_id}/typing",
    status_code=204,
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}},
)
def typing(case_id: str, services: ServicesDep, writing: bool = True) -> Response:
    """Staff are writing a reply in a claimed case: the resident's side shows so for the next 5 seconds (send it
    again while writing; ``writing=false`` stops it; a reply stops it too)."""
    case = services.store.threads.case(case_id[:64])
    if case is None:
        raise NotFoundError("case_not_found", f"There is no case {case_id[:64]!r}.")
    if case.status != "claimed":
        raise ConflictError("case_not_claimed", f"Case {case.reference} is not with staff.")
    services.store.threads.typing(case.id, TYPING_S if writing else 0)
    return Response(status_code=204)


@router.get(
    "/v1/handoffs/{case_id}/messages",
    response_model=list[ThreadMessage],
    responses={404: {"model": ErrorBody}},
)
def case_messages(case_id: str, services: ServicesDep) -> list[ThreadMessage]:
    """The conversation of a case with its resident, oldest first (any staff member may read it)."""
    if services.store.threads.case(case_id[:64]) is None:
        raise NotFoundError("case_not_found", f"There is no case {case_id[:64]!r}.")
    return [shown(message) for message in services.store.threads.of_case(case_id[:64])]


@router.get(
    "/v1/faq-proposals",
    response_class=Response,
    responses={200: {"content": {"application/x-ndjson": {}}, "description": "One FAQ per line, corpus format."}},
)
def faq_proposals(services: ServicesDep) -> Response:
    """FAQs proposed by staff, as a JSONL file in the corpus's FAQ format, for operators to review and add."""
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in services.cases.proposals())
    return Response(
        lines,
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="faq-proposals.jsonl"'},
    )


@router.get("/v1/content/review", response_model=Review)
def content_review(
    services: ServicesDep,
    older_than_months: Annotated[int | None, Query(ge=1, le=120)] = None,
    window_days: Annotated[int, Query(ge=1, le=366)] = 90,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Review:
    """What needs a look: entries updated longer ago than ``older_than_months`` (default
    MADOGUCHI_REVIEW_AFTER_MONTHS), entries no answer cited in the last ``window_days``, and entries rated
    worst there; each with its department."""
    months = older_than_months or services.settings.review_after_months
    found = review(services, round(months * 30.44), window_days, limit)
    return Review(**{name: [ReviewEntry(**vars(entry)) for entry in entries] for name, entries in found.items()})


@router.get("/v1/departments", response_model=Departments)
def departments(services: ServicesDep) -> Departments:
    """The corpus's departments (departments.yaml), for a proposal's department."""
    known = services.index.manifest.get("departments", {})
    return Departments(
        departments=[
            Department(key=key, ja=_name(entry, "ja", key), en=_name(entry, "en", key)) for key, entry in known.items()
        ]
    )


@router.post("/v1/proposals", status_code=201, response_model=ProposalOut, responses={422: {"model": ErrorBody}})
def propose(body: ProposalRequest, services: ServicesDep) -> ProposalOut:
    """Submit a drafted FAQ entry (from a topic of unanswered questions or a resolved case) for an operator
    to review. The department must be one of /v1/departments when the corpus lists any."""
    known = services.index.manifest.get("departments", {})
    if known and body.department not in known:
        listed = ", ".join(sorted(known))
        message = f"{body.department!r} is not a department of the corpus ({listed})."
        raise MadoguchiError("unknown_department", message, 422)
    check_draft(body.model_dump(include={"lang", "question", "answer", "department", "category"}), services.index)
    draft = Draft(
        lang=body.lang,
        question=body.question,
        answer=body.answer,
        department=body.department,
        category=body.category,
        url=str(body.url) if body.url else None,
        asked=mask_personal_data(body.asked)[0],
        origin=body.origin,
    )
    proposal = ProposalBox(services.store.engine).submit(draft, mask_personal_data(body.proposed_by)[0])
    return ProposalOut.model_validate(proposal)


@router.get("/v1/proposals", response_model=Proposals)
def proposals(
    services: ServicesDep,
    status: Annotated[ProposalStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Proposals:
    """Proposals, newest first, with where each stands: submitted, approved (its reload running), live (with
    the generation that first served it) or rejected (with the reason)."""
    found = ProposalBox(services.store.engine).listed(status, limit)
    return Proposals(proposals=[ProposalOut.model_validate(p) for p in found])


def case_of(services: Services, found: dict[str, Any]) -> Case:
    """A case as staff see it: overdue while it is open past the working days its department allows."""
    waiting = found["status"] != "resolved"
    late = waiting and overdue(services, found["department"], dt.datetime.fromisoformat(found["created_at"]))
    return Case.model_validate({**found, "overdue": late})


def _name(entry: dict[str, Any], lang: str, key: str) -> str:
    return str((entry.get(lang) or {}).get("name") or key)


def _department_key(services: Services, name: str) -> str:
    """The departments.yaml key of a department named as a case names it; the name itself when none is."""
    for key, entry in services.index.manifest.get("departments", {}).items():
        if name in (key, _name(entry, "ja", key), _name(entry, "en", key)):
            return str(key)
    return name


def teach_resolution(services: Services, case: dict[str, Any], answer_used: str) -> None:
    """A case resolved with an entry of the corpus teaches the resident's question as a phrasing of it
    (service/store/learned.py), when the question holds no personal data."""
    index = services.index
    entry = next((c.doc_id for c in index.chunks if answer_used in (c.id, c.doc_id)), None)
    if entry and learnable(case["question"]):
        teacher = case.get("claimed_by") or "staff"
        services.store.learned.teach(entry, case["question"], index.entry_digest(entry), "staff", teacher)


def close_thread(services: Services, resolved: dict[str, Any], line: LineChannel | None) -> None:
    """A resolved case hands its conversation back to the bot: the resident is told, and asked whether it was
    resolved (on LINE with two buttons)."""
    lang = resolved["lang"] if resolved["lang"] in CLOSING_MESSAGES else "ja"
    threads = services.store.threads
    message = threads.add(
        resolved["id"], resolved["conversation_id"], CLOSING, CLOSING_MESSAGES[lang], resolved["department"]
    )
    if line is not None and resolved.get("line_user"):
        line.push_thread(resolved["line_user"], message, lang)
    threads.reach(resolved["id"], None)


def message_text(text: str) -> str:
    """A staff message checked as a question is: folded first (NFKC, nothing invisible), then its length and
    whether anything is left to send (422 ``message_too_long``, ``message_empty``)."""
    try:
        return clean_question(text, STAFF_MESSAGE_MAX_CHARS)
    except QuestionTooLongError as error:
        raise MadoguchiError(
            "message_too_long", f"A message is at most {STAFF_MESSAGE_MAX_CHARS} characters once folded.", 422
        ) from error
    except QuestionEmptyError as error:
        raise MadoguchiError("message_empty", "The message shows nothing to send.", 422) from error
