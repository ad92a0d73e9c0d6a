"""The residents' API: ask a question (whole, or as server-sent events), and say whether an answer helped."""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse

from ingest.text import normalize
from service.answer.pick import Pick
from service.answer.privacy import mask_personal_data
from service.api.auth import checked_token
from service.api.deps import NoticesDep, ServicesDep, SettingsDep
from service.api.door import Said, answered, conversation_key, enter, hear
from service.api.limits import limited, rate_limits_of
from service.api.schemas.common import ErrorBody
from service.api.schemas.residents import (
    Answer,
    AskRequest,
    FeedbackAccepted,
    FeedbackRequest,
    RatingRequest,
    ShownNotice,
    StartingPoint,
    StartingPoints,
    Thread,
)
from service.api.thread_events import thread_events
from service.api.with_staff import handed_over, thread_of
from service.api.wrong_answers import report_wrong
from service.errors import ConflictError, InternalError, error_body
from service.report.starting_points import starting_points

logger = logging.getLogger(__name__)
ASK_ERRORS: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "nothing_to_choose or choice_not_offered (a pick of a choice)"},
    422: {"model": ErrorBody, "description": "question_empty, question_too_long or invalid_request"},
    429: {"model": ErrorBody, "description": "rate_limited: too many questions from this client (Retry-After)"},
    503: {"model": ErrorBody, "description": "index_unavailable: no live index generation"},
}
router = APIRouter(tags=["residents"])
# The chat page says it is the chat page (an off switch may pause it alone); any other caller is the API.
ChannelHeader = Annotated[
    str | None, Header(alias="X-Madoguchi-Channel", max_length=16, description="`web` from the chat page.")
]


@router.post("/v1/ask", response_model=Answer, responses=ASK_ERRORS, dependencies=[Depends(limited("ask"))])
def ask(request: AskRequest, services: ServicesDep, channel: ChannelHeader = None) -> Answer:
    """Answer a resident's question from the city's own sources, or hand it to a person. While the conversation
    is handed to staff, the message goes to them instead (outcome ``with_staff``); while operators have paused
    the AI answers, the resident is told so (outcome ``paused``)."""
    return hear(said_of(request, channel), services)


@router.post(
    "/v1/ask/stream",
    responses={200: {"content": {"text/event-stream": {}}}, **ASK_ERRORS},
    response_class=StreamingResponse,
    dependencies=[Depends(limited("ask"))],
)
def ask_stream(request: AskRequest, services: ServicesDep, channel: ChannelHeader = None) -> StreamingResponse:
    """The same answer as server-sent events: while a generative composer writes, `token` events each carry one
    sentence that has passed the grounding check on its own (nothing after a sentence that fails); then one
    `done` event with the whole answer, checked (it replaces the sentences: after a failed check it is the
    extractive answer). Without a generative composer there is only the `done` event."""
    ctx = enter(said_of(request, channel), services)
    if (passed := handed_over(ctx)) is not None:
        done = f"event: done\ndata: {passed.model_dump_json()}\n\n"
        return StreamingResponse(iter([done]), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
    tokens: queue.Queue[str | None] = queue.Queue()
    finished: list[Answer] = []

    def work() -> None:
        try:
            finished.append(answered(ctx, on_token=tokens.put))
        except Exception:
            logger.exception("streamed answer failed")
        finally:
            tokens.put(None)

    def events() -> Iterator[str]:
        threading.Thread(target=work, name="ask-stream", daemon=True).start()
        while (token := tokens.get()) is not None:
            yield f"event: token\ndata: {json.dumps(token, ensure_ascii=False)}\n\n"
        if finished:
            yield f"event: done\ndata: {finished[0].model_dump_json()}\n\n"
        else:
            yield f"event: error\ndata: {json.dumps(error_body(InternalError()))}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@router.post(
    "/v1/feedback",
    response_model=FeedbackAccepted,
    status_code=201,
    responses={
        404: {"model": ErrorBody},
        409: {"model": ErrorBody},
        422: {"model": ErrorBody},
        429: {"model": ErrorBody, "description": "rate_limited"},
    },
    tags=["staff"],
    dependencies=[Depends(limited("feedback"))],
)
def give_feedback(
    body: FeedbackRequest, request: Request, services: ServicesDep, settings: SettingsDep
) -> FeedbackAccepted:
    """Was an answer helpful? From residents (no token) and staff (their bearer token). ``wrong: true`` says
    the answer is wrong: a case opens for staff of its first source's department (the reference comes back); 409
    ``nothing_answered`` for a turn that cited nothing (asked back, handed off); at most MADOGUCHI_WRONG_REPORT_RATE
    reports per client."""
    if body.wrong:  # each report opens a case: one client may not flood the staff's queue
        rate_limits_of(request).check(request, "wrong")
    signed = "authorization" in request.headers and settings.staff_token is not None
    source = "staff" if signed and checked_token(request, settings.staff_token) else "resident"
    comment = mask_personal_data(normalize(body.comment))[0] if body.comment else None
    helpful = body.helpful and not body.wrong  # an answer reported wrong did not help
    answered = services.cases.add_feedback(body.answer_id, helpful, comment, source, body.wrong)
    reference = report_wrong(services, body.answer_id, answered, comment)[1] if body.wrong else None
    return FeedbackAccepted(source=source, reference=reference)


@router.get(
    "/v1/conversations/{conversation_id}/messages",
    response_model=Thread,
    dependencies=[Depends(limited("read"))],
)
def conversation_messages(
    conversation_id: str, services: ServicesDep, after: int = Query(0, ge=0, le=2**31 - 1)
) -> Thread:
    """The conversation with a person, for whoever holds its token (the ``conversation_id`` /v1/ask returned):
    whether it is with the bot, waiting for staff or with staff, and the messages after ``after`` (staff's
    replies, what the resident wrote to them, the close). Poll it, or follow /events."""
    return thread_of(services, conversation_key(conversation_id[:64]), after)


@router.get(
    "/v1/conversations/{conversation_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "message and state events."}},
    dependencies=[Depends(limited("read"))],
)
def conversation_events(
    conversation_id: str,
    services: ServicesDep,
    after: int = Query(0, ge=0, le=2**31 - 1),
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    """The same conversation as a stream of server-sent events: ``message`` (a ThreadMessage; the event's id is
    the message's) for each message after ``after`` or the Last-Event-ID a reconnecting browser sends, and
    ``state`` (the Thread without its messages) at once and whenever it changes. Staff replies written on any
    worker or replica arrive within about MADOGUCHI_THREAD_POLL_S. The stream ends when the conversation is
    with the bot (nothing more comes from staff), and after MADOGUCHI_THREAD_STREAM_S."""
    given = (last_event_id or "").strip()
    start = max(after, min(int(given), 2**31 - 1) if given.isdecimal() else 0)  # not one of ours: from ``after``
    return StreamingResponse(
        thread_events(services, conversation_key(conversation_id[:64]), start),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.post(
    "/v1/conversations/{conversation_id}/resolved",
    response_model=FeedbackAccepted,
    responses={409: {"model": ErrorBody, "description": "nothing_to_rate: no case of it has been closed"}},
    dependencies=[Depends(limited("feedback"))],
)
def rate_resolution(conversation_id: str, body: RatingRequest, services: ServicesDep) -> FeedbackAccepted:
    """After staff closed the conversation: was it resolved? (kept with the case, counted per department)."""
    if not services.store.threads.rate(conversation_key(conversation_id[:64]), body.resolved):
        raise ConflictError("nothing_to_rate", "No case of this conversation has been closed by staff.")
    return FeedbackAccepted(source="resident")


def said_of(request: AskRequest, channel: str | None) -> Said:
    """What the web API's request says: a pick of a choice, or a question."""
    pick = Pick.parse(request.choice) if request.choice is not None else None
    return Said(
        channel="web" if channel == "web" else "api",
        token=request.conversation_id or "",
        question=None if pick else request.question,
        pick=pick,
        lang=request.lang,
        easy_japanese=request.easy_japanese,
    )


@router.get("/v1/starting-points", response_model=StartingPoints, dependencies=[Depends(limited("read"))])
def starting(services: ServicesDep, lang: str = "ja") -> StartingPoints:
    """What the chat page offers before the first question: the entries residents asked about most this month
    (each by at least MADOGUCHI_REPORT_MIN_CELL questions), in ``lang`` (ja or en; English for another)."""
    shown = lang if lang in ("ja", "en") else "en"
    return StartingPoints(entries=[StartingPoint(**entry) for entry in starting_points(services, shown)])


@router.get("/v1/notices", response_model=list[ShownNotice], dependencies=[Depends(limited("read"))])
def running_notices(board: NoticesDep, lang: str = "ja") -> list[ShownNotice]:
    """The city's emergency notices running now, the most severe first, in ``lang`` where the city wrote them in
    it (Japanese and English), else in English."""
    return [ShownNotice(severity=n.severity, text=n.text_in(lang), link=n.link) for n in board.running()]
