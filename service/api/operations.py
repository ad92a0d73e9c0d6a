"""What operators and load balancers poll: liveness, and which index generation is live."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from service.api.auth import token_errors, token_guard
from service.api.deps import LiveDep, ServicesDep
from service.api.limits import limited
from service.api.metrics import exposition
from service.api.schemas.common import ErrorBody
from service.api.schemas.operations import AdapterStatus, Health, Status

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
async def healthz(live: LiveDep) -> JSONResponse:
    """Readiness, answered on the event loop (not behind questions waiting for a worker thread): 200 when this
    worker can answer from its index and reach its database, else 503 with what is wrong; ``stale`` (503) on a
    replica whose start-up sync failed, until it has caught up with the live generation."""
    services, problems = await asyncio.to_thread(live.current), []
    if services is None:
        problems.append("no index generation is open: run an ingest")
    if live.problem:
        problems.append(live.problem)
    stale = live.stale  # a replica that could not sync at start-up serves what it had: not ready
    if stale:
        problems.append(f"{stale}; serving an older local generation")
    database = "ok" if await asyncio.to_thread(live.store.reachable) else "unavailable"
    if database != "ok":
        problems.append("the database cannot be reached or written")
    ready = services is not None and database == "ok"
    health = Health(
        status="stale" if ready and stale else "ok" if ready else "unavailable",
        index="unavailable" if services is None else "stale" if stale else "ready",
        database=database,
        generation=services.index.generation if services else None,
        problems=problems,
    )
    return JSONResponse(health.model_dump(), status_code=200 if health.status == "ok" else 503)


@router.get(
    "/v1/status",
    response_model=Status,
    responses={503: {"model": ErrorBody}},
    dependencies=[Depends(limited("read"))],
)
def status(services: ServicesDep) -> Status:
    """The live index generation: its id, size and embedding model."""
    index = services.index
    return Status(
        generation=index.generation,
        created=str(index.manifest["created"]),
        documents=index.documents,
        chunks=len(index.chunks),
        model=index.embedding_model,
        languages=dict(Counter(chunk.lang for chunk in index.chunks)),
        adapter=adapter_status(index.manifest.get("adapter")),
    )


def adapter_status(check: dict[str, Any] | None) -> AdapterStatus | None:
    """What the build's check said of the adapter (None for a generation built before adapters)."""
    if not check:
        return None
    fields = ("reason", "held_out", "loss_without", "loss_with", "mrr_without", "mrr_with")
    return AdapterStatus(used=bool(check.get("kept")), **{k: check[k] for k in fields if k in check})


@router.get(
    "/metrics",
    dependencies=[Depends(token_guard("metrics", lambda settings: settings.metrics_token))],
    responses={200: {"content": {"text/plain": {}}}, **token_errors("metrics")},
    response_class=Response,
)
async def metrics(request: Request) -> Response:
    """Prometheus metrics (service/api/metrics.py), with the metrics token: what every worker counted, and the
    health read now."""
    body, headers = await asyncio.to_thread(exposition, request)
    return Response(body, headers=headers)
