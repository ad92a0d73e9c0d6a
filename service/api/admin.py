"""The operators' API under /v1/admin: reload the corpus, follow the job, list generations, roll back.
Every route needs the bearer token of ``MADOGUCHI_ADMIN_TOKEN``; without one configured, the API is off."""

from __future__ import annotations

import contextlib
import logging
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from ingest.canaries import load_canaries
from ingest.errors import BuildInProgressError
from ingest.index import list_generations, live_generation, rollback
from ingest.languages import detect
from ingest.live import IndexUnavailable, LiveIndex, open_generation
from ingest.text import normalize
from service.answer.context import Services
from service.answer.privacy import learnable, mask_personal_data
from service.answer.retrieve import search
from service.api.auth import token_errors, token_guard
from service.api.deps import LiveDep, NoticesDep, ReloaderDep, ServicesDep, SettingsDep, SwitchesDep
from service.api.drafts import check_draft
from service.api.line.channel import LineDep
from service.api.schemas.admin import (
    ApproveRequest,
    FirstSource,
    Generation,
    Generations,
    Job,
    LearnedPhrasing,
    LearnedPhrasings,
    NoticeOut,
    NoticeRequest,
    Notices,
    PhrasingDecision,
    PhrasingRemoved,
    ProposalPreview,
    RejectRequest,
    ReloadAccepted,
    ReloadRequest,
    RollbackRequest,
    SwitchChange,
    Switches,
    SwitchRequest,
    Teaching,
    WithdrawRequest,
)
from service.api.schemas.common import ErrorBody
from service.api.schemas.staff import ProposalOut, Proposals, ProposalStatus
from service.errors import ConflictError, MadoguchiError, NotFoundError
from service.live import replicas
from service.live.reloader import Reloader
from service.store.notices import described
from service.store.proposals import ProposalBox
from service.store.schema import utc_now
from service.store.switches import SwitchBoard

ADMIN_ERRORS = token_errors("admin")


require_admin = token_guard("admin", lambda settings: settings.admin_token)


logger = logging.getLogger(__name__)
router = APIRouter(
    prefix="/v1/admin", tags=["operators"], dependencies=[Depends(require_admin)], responses=ADMIN_ERRORS
)


@router.post(
    "/reload",
    status_code=202,
    response_model=ReloadAccepted,
    responses={400: {"model": ErrorBody}, 409: {"model": ErrorBody, "description": "reload_in_progress"}},
)
def reload(body: ReloadRequest, reloader: ReloaderDep, settings: SettingsDep) -> ReloadAccepted:
    """Re-ingest the corpus directory (or a sub-path of it) in the background; follow it at /jobs/{id}."""
    corpus = settings.corpus_dir.resolve()
    source = (corpus / body.source).resolve() if body.source else corpus
    if not source.is_relative_to(corpus):
        raise MadoguchiError("invalid_source", "source must name a path inside the corpus directory.")
    if not source.exists():
        raise MadoguchiError("invalid_source", f"There is no {body.source!r} in the corpus directory.")
    return ReloadAccepted(job_id=reloader.start(source))


@router.get("/jobs/{job_id}", response_model=Job, responses={404: {"model": ErrorBody}})
def job(job_id: str, reloader: ReloaderDep) -> Job:
    """A reload's status, progress, report and, when it failed, why."""
    found = reloader.store.jobs.get(job_id[:64])
    if found is not None and found["status"] in ("queued", "running"):
        reloader.recover()  # a build that died says so here, without waiting for a restart
        found = reloader.store.jobs.get(job_id[:64])
    if found is None:
        raise NotFoundError("job_not_found", f"There is no job {job_id[:64]!r}.")
    return Job.model_validate(
        {**found, "created_at": found["created_at"].isoformat(), "updated_at": found["updated_at"].isoformat()}
    )


@router.get("/generations", response_model=Generations)
def generations(settings: SettingsDep, services: LiveDep) -> Generations:
    """The generations kept on disk (with replicas: published to the database), newest first, and which one is
    live."""
    if settings.shared_generations:
        engine = services.store.engine
        live, manifests = replicas.live_in(engine), replicas.manifests(engine)
    else:
        live, manifests = live_generation(settings.index_dir), list_generations(settings.index_dir)
    return Generations(
        generations=[
            Generation(
                id=m["generation"],
                created=m["created"],
                documents=m["documents"],
                chunks=m["chunk_count"],
                model=m["spec"]["embedding_model"],
                live=m["generation"] == live,
            )
            for m in manifests
        ]
    )


@router.post("/rollback", response_model=Generation, responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}})
def roll_back(body: RollbackRequest, settings: SettingsDep, services: LiveDep) -> Generation:
    """Make a kept generation live again; every worker (with replicas: of every replica) serves it from its next
    question. A generation that cannot be opened whole (a file missing or broken) is refused with 409
    generation_unusable."""
    engine = services.store.engine

    def verify(path: Path) -> None:
        try:
            index = open_generation(path, settings.chroma_url)
        except IndexUnavailable as error:
            raise ConflictError("generation_unusable", f"Not rolled back: {error}.") from error
        if settings.shared_generations:
            replicas.promote(engine, body.generation)
        # a proposal is live only while a served generation holds its entry
        ProposalBox(engine).went_live({chunk.doc_id for chunk in index.chunks}, body.generation)

    if settings.shared_generations:
        if not replicas.nobody_builds(engine):  # a build on another replica would move the pointer after us
            raise BuildInProgressError()
        with contextlib.suppress(LookupError):  # not published: rollback() says generation_not_found
            replicas.sync(engine, settings.index_dir, body.generation)
    rollback(settings.index_dir, body.generation, verify)
    return next(g for g in generations(settings, services).generations if g.id == body.generation)


@router.post("/switches", response_model=Switches, responses={422: {"model": ErrorBody}})
def turn_switch(body: SwitchRequest, board: SwitchesDep) -> Switches:
    """Pause the AI answers (``on: false``) or bring them back, for ``all`` channels, one of ``web`` (the chat
    page), ``api`` and ``line``, or only the ``generative`` composer (answers stay extractive). A reason is
    required (422 without one) and published. Every worker and replica follows within
    MADOGUCHI_SWITCHES_REFRESH_S; the state is kept in the database, so a restart changes nothing."""
    change = board.turn(body.target, body.on, mask_personal_data(body.reason)[0], mask_personal_data(body.by)[0])
    logger.warning("switch %s turned %s", change.target, "on" if change.on else "off")
    return switches_now(board)


@router.get("/switches", response_model=Switches)
def list_switches(board: SwitchesDep) -> Switches:
    """What is switched off now, and every change with who, when and why."""
    return switches_now(board)


def switches_now(board: SwitchBoard) -> Switches:
    history = [
        SwitchChange(at=c.at, target=c.target, on=c.on, reason=c.reason, by=c.changed_by) for c in board.history()
    ]
    return Switches(off=sorted(board.off()), history=history)


@router.post(
    "/notices",
    status_code=201,
    response_model=NoticeOut,
    responses={409: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def publish_notice(body: NoticeRequest, board: NoticesDep) -> NoticeOut:
    """Publish an emergency notice: the chat shows it, every answer carries it, evacuation answers start with
    it; ``emergency`` switches the generative composer off while it runs. Every worker shows it within seconds."""
    link = str(body.link) if body.link else None
    notice = board.publish(body.severity, {"ja": body.ja, "en": body.en}, body.ends_at, body.starts_at, link)
    return NoticeOut.model_validate(described(notice))


@router.get("/notices", response_model=Notices)
def list_notices(board: NoticesDep) -> Notices:
    """Every notice, newest first: running, to come and ended (none is ever deleted)."""
    return Notices(notices=[NoticeOut.model_validate(described(n)) for n in board.all()])


@router.post(
    "/notices/{notice_id}/broadcast",
    response_model=NoticeOut,
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}, 502: {"model": ErrorBody}},
)
def broadcast_notice(notice_id: str, board: NoticesDep, line: LineDep) -> NoticeOut:
    """Push a running ``emergency`` notice to every follower of the city's LINE account, once (the console
    asks the operator to confirm first). 409 ``already_broadcast`` the second time, ``not_emergency`` for any
    other severity, ``notice_not_running`` for one that has ended or not begun; 404 ``channel_disabled``
    without LINE."""
    notice = board.find(notice_id[:64])
    if notice is None:
        raise NotFoundError("notice_not_found", f"There is no notice {notice_id[:64]!r}.")
    if notice.severity != "emergency":
        raise ConflictError("not_emergency", "Only an emergency notice is pushed to every follower.")
    if not notice.running(utc_now()):
        raise ConflictError("notice_not_running", "The notice has ended or has not begun: it is not pushed.")
    if not board.mark_broadcast(notice.id):
        raise ConflictError("already_broadcast", "This notice has already been pushed to every follower.")
    try:
        line.broadcast(notice.id, notice.text, notice.link)
    except Exception as error:
        board.mark_broadcast(notice.id, sent=False)
        raise MadoguchiError("broadcast_failed", "LINE did not accept the broadcast; try again.", 502) from error
    broadcast = board.find(notice.id)
    assert broadcast is not None
    return NoticeOut.model_validate(described(broadcast))


@router.post("/notices/{notice_id}/end", response_model=NoticeOut, responses={404: {"model": ErrorBody}})
def end_notice(notice_id: str, board: NoticesDep) -> NoticeOut:
    """End a notice now (it stays in the list, with when it ended)."""
    notice = board.end(notice_id[:64])
    if notice is None:
        raise NotFoundError("notice_not_found", f"There is no notice {notice_id[:64]!r}.")
    return NoticeOut.model_validate(described(notice))


@router.get("/proposals", response_model=Proposals)
def proposals_to_review(
    services: ServicesDep, status: Annotated[ProposalStatus | None, Query()] = "submitted"
) -> Proposals:
    """Proposals waiting for a decision (or of another status), newest first."""
    found = ProposalBox(services.store.engine).listed(status, 200)
    return Proposals(proposals=[ProposalOut.model_validate(p) for p in found])


@router.get("/proposals/{proposal_id}/preview", response_model=ProposalPreview, responses={404: {"model": ErrorBody}})
def preview(proposal_id: str, services: ServicesDep, settings: SettingsDep) -> ProposalPreview:
    """Before approving: the source the live index answers the proposal's question from first today, and the
    first source of every canary question (an approval must not silently replace an official answer)."""
    proposal = ProposalBox(services.store.engine).get(proposal_id[:64])
    canaries = load_canaries(settings.corpus_dir.resolve())
    return ProposalPreview(
        own=_first_source(services, proposal["question"], None),
        canaries=[_first_source(services, canary.question, canary.expected) for canary in canaries],
    )


@router.post(
    "/proposals/{proposal_id}/approve",
    status_code=202,
    response_model=ProposalOut,
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def approve(
    proposal_id: str, body: ApproveRequest, services: ServicesDep, reloader: ReloaderDep, settings: SettingsDep
) -> ProposalOut:
    """Approve a proposal, with any edits: its entry is written to the corpus (approved/<id>.jsonl, with who
    proposed and approved it) and a reload starts whose first canary is the resident's own question; follow
    it at /jobs/{job_id}. While another reload runs, ``job_id`` is null and the next reload publishes it. The
    entry is checked as at submission (the ingest's rules, no personal data); a reload that fails undoes the
    approval (the proposal is submitted again, with the reason), and one where the entry would become a canary
    question's first source fails so unless ``canary_changes_confirmed``."""
    box = ProposalBox(services.store.engine)
    edits = body.model_dump(exclude_none=True, exclude={"reviewer"})
    check_draft({**_entry_of(box.get(proposal_id[:64])), **edits}, services.index)
    corpus = settings.corpus_dir.resolve()
    reviewer = mask_personal_data(body.reviewer)[0]
    approved = box.approve(proposal_id[:64], reviewer, edits, corpus)
    if learnable(approved["asked"]):  # the resident's own words find the entry from the generation after it
        services.store.learned.teach(approved["entry_id"], approved["asked"], "", "operator", reviewer)
    return _reloaded(box, approved["id"], reloader, corpus)


@router.post(
    "/proposals/{proposal_id}/withdraw",
    status_code=202,
    response_model=ProposalOut,
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}},
)
def withdraw(
    proposal_id: str, body: WithdrawRequest, services: ServicesDep, reloader: ReloaderDep, settings: SettingsDep
) -> ProposalOut:
    """Take an approved (or live) entry out of the corpus and start the reload that stops serving it; the
    proposal stays in the list as withdrawn, with who withdrew it and why."""
    box = ProposalBox(services.store.engine)
    corpus = settings.corpus_dir.resolve()
    reviewer, reason = mask_personal_data(body.reviewer)[0], mask_personal_data(body.reason)[0]
    withdrawn = box.withdraw(proposal_id[:64], reviewer, reason, corpus)
    with contextlib.suppress(ConflictError):  # a reload running now reads the corpus after the file is gone
        reloader.start(corpus)
    return ProposalOut.model_validate(box.get(withdrawn["id"]))


def _reloaded(box: ProposalBox, proposal_id: str, reloader: Reloader, corpus: Path) -> ProposalOut:
    job_id = uuid.uuid4().hex
    box.started(proposal_id, job_id)
    try:
        reloader.start(corpus, job_id)
    except ConflictError:
        return ProposalOut.model_validate(box.started(proposal_id, None))
    return ProposalOut.model_validate(box.get(proposal_id))


def _entry_of(proposal: dict[str, Any]) -> dict[str, Any]:
    return {key: proposal[key] for key in ("lang", "question", "answer", "department", "category")}


def _first_source(services: Services, question: str, expected: str | None) -> FirstSource:
    text = normalize(question)
    candidates = search(services, text, detect(text))
    first = candidates[0].chunk if candidates else None
    return FirstSource(
        question=question,
        expected=expected,
        first=first.doc_id if first else None,
        title=first.title if first else None,
    )


@router.post(
    "/proposals/{proposal_id}/reject",
    response_model=ProposalOut,
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}},
)
def reject(proposal_id: str, body: RejectRequest, services: ServicesDep) -> ProposalOut:
    """Reject a proposal, keeping the reason for the staff who wrote it."""
    box = ProposalBox(services.store.engine)
    reviewer = mask_personal_data(body.reviewer)[0]
    return ProposalOut.model_validate(box.reject(proposal_id[:64], reviewer, mask_personal_data(body.reason)[0]))


@router.get("/learned", response_model=LearnedPhrasings)
def learned_phrasings(services: ServicesDep) -> LearnedPhrasings:
    """The learned phrasings per entry, with who or what taught them (ADR 0009): residents' picks (counted by
    distinct conversations), staff's resolutions and operators' approvals."""
    settings, index = services.settings, services.index
    return LearnedPhrasings(
        learn_after_picks=settings.learn_after_picks,
        phrasings=[_phrasing(index, p) for p in services.store.learned.listing(settings.learn_after_picks)],
    )


@router.post(
    "/learned/{phrasing_id}/approve",
    response_model=LearnedPhrasing,
    responses={404: {"model": ErrorBody}, 409: {"model": ErrorBody}},
)
def approve_phrasing(phrasing_id: str, body: PhrasingDecision, services: ServicesDep) -> LearnedPhrasing:
    """An operator's word for a phrasing residents' picks proposed (or one still waiting for picks): it counts from
    the next reload. Picks alone never make a phrasing count."""
    operator = mask_personal_data(body.operator)[0]
    return _phrasing(services.index, services.store.learned.approve(phrasing_id[:64], operator))


@router.post(
    "/learned/{phrasing_id}/remove",
    status_code=202,
    response_model=PhrasingRemoved,
    responses={404: {"model": ErrorBody}},
)
def remove_phrasing(
    phrasing_id: str, body: PhrasingDecision, services: ServicesDep, reloader: ReloaderDep, settings: SettingsDep
) -> PhrasingRemoved:
    """Remove a phrasing (never learned again for that entry) and start the reload that stops searching it."""
    operator = mask_personal_data(body.operator)[0]
    removed = _phrasing(services.index, services.store.learned.remove(phrasing_id[:64], operator))
    job_id = None
    with contextlib.suppress(ConflictError):  # a reload running now: the next one leaves it out
        job_id = reloader.start(settings.corpus_dir.resolve())
    return PhrasingRemoved(**removed.model_dump(), job_id=job_id)


def _phrasing(index: LiveIndex, phrasing: dict[str, Any]) -> LearnedPhrasing:
    served_digest = index.entry_digest(phrasing["entry_id"])
    entry = index.first_chunk(phrasing["entry_id"])
    return LearnedPhrasing(
        **{key: phrasing[key] for key in ("id", "entry_id", "phrasing", "status", "picks", "removed_by")},
        taught_by=[Teaching(**teaching) for teaching in phrasing["taught_by"]],
        entry_title=entry.title if entry else None,
        served=phrasing["id"] in index.manifest.get("learned", []),
        entry_changed=bool(phrasing["entry_digest"]) and phrasing["entry_digest"] != served_digest,
    )
