"""The pages: the residents' chat at /, the notice to residents about the AI at /notice, and the staff console
at /console. None loads anything from another server; their scripts and styles are under /static."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from service.answer.desks import general_desk
from service.api.deps import ServicesDep
from service.api.limits import limited
from service.report.procurement import Facts, as_html, notice_to_residents, terms_of_use

STATIC = Path(__file__).parent.parent / "static"
router = APIRouter(include_in_schema=False)


@router.get("/", dependencies=[Depends(limited("read"))])
def chat() -> FileResponse:
    """The residents' chat page (embeddable by MADOGUCHI_ALLOWED_ORIGINS)."""
    return FileResponse(STATIC / "chat.html", headers={"Cache-Control": "no-cache"})


@router.get("/notice", dependencies=[Depends(limited("read"))])
def notice(services: ServicesDep, lang: str = Query("ja", pattern="^(ja|en)$")) -> Response:
    """The notice to residents and the terms of use, written from this installation's settings (the chat page
    links it); the city's own page when MADOGUCHI_NOTICE_URL names one."""
    settings = services.settings
    if settings.notice_url:
        return RedirectResponse(settings.notice_url, status_code=307)
    facts = Facts(settings, dt.date.today(), desk={x: general_desk(services.index.manifest, x) for x in ("ja", "en")})
    title = "AIによる自動回答について" if lang == "ja" else "About the automated AI answers"
    sections = notice_to_residents(facts, lang) + terms_of_use(facts, lang)
    other = "en" if lang == "ja" else "ja"
    links = [
        (".", "チャットに戻る" if lang == "ja" else "Back to the chat", lang),
        (f"notice?lang={other}", "English" if other == "en" else "日本語", other),
    ]
    page = as_html(title, sections, facts, lang, stylesheet="static/common.css", links=links)
    return HTMLResponse(page, headers={"Cache-Control": "no-cache"})


@router.get("/console")
def console() -> FileResponse:
    """The staff console (the staff token is entered in the page)."""
    return FileResponse(STATIC / "console.html", headers={"Cache-Control": "no-cache"})
