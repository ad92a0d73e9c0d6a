"""What operators and load balancers poll: liveness, and which index generation is live."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Request

from service.deps import ServicesDep
from service.schemas import ErrorBody, Health, Status

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Health)
def healthz(request: Request) -> Health:
    """Liveness: the process answers. `index` tells whether it can also answer questions."""
    return Health(status="ok", index="ready" if request.app.state.live.current() else "unavailable")


@router.get("/v1/status", response_model=Status, responses={503: {"model": ErrorBody}})
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
    )
