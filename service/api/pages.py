"""The two pages: the residents' chat at / and the staff console at /console. Neither loads anything from
another server; their scripts and styles are under /static."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse

from service.api.limits import limited

STATIC = Path(__file__).parent.parent / "static"
router = APIRouter(include_in_schema=False)


@router.get("/", dependencies=[Depends(limited("read"))])
def chat() -> FileResponse:
    """The residents' chat page (embeddable by MADOGUCHI_ALLOWED_ORIGINS)."""
    return FileResponse(STATIC / "chat.html", headers={"Cache-Control": "no-cache"})


@router.get("/console")
def console() -> FileResponse:
    """The staff console (the staff token is entered in the page)."""
    return FileResponse(STATIC / "console.html", headers={"Cache-Control": "no-cache"})
