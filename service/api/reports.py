"""Reports: the staff's monthly report (JSON, CSV or the HTML the console shows) and the public transparency
report (JSON and a page the city can link to; aggregates only, no token)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from service.api.auth import token_errors, token_guard
from service.api.deps import ServicesDep
from service.api.limits import limited
from service.api.schemas.common import ErrorBody, Lang
from service.api.schemas.reports import MONTH, MonthlyReport, PublicReport
from service.report.monthly import as_csv, last_closed_month, monthly, public
from service.report.page import monthly_html, public_html

MonthQuery = Annotated[str | None, Query(pattern=MONTH, description="YYYY-MM; default: this month so far.")]
staff_router = APIRouter(
    tags=["reports"],
    dependencies=[Depends(token_guard("staff", lambda s: s.staff_token))],
    responses={**token_errors("staff"), 422: {"model": ErrorBody}},
)
public_router = APIRouter(
    tags=["reports"],
    responses={404: {"model": ErrorBody, "description": "month_not_closed"}, 422: {"model": ErrorBody}},
    dependencies=[Depends(limited("read"))],
)


def month_or_current(month: str | None, services: ServicesDep) -> str:
    return month or dt.datetime.now(services.settings.zone).strftime("%Y-%m")


@staff_router.get(
    "/v1/reports/monthly",
    response_model=MonthlyReport,
    responses={200: {"content": {"text/csv": {}, "text/html": {}}}},
)
def monthly_report(
    services: ServicesDep,
    month: MonthQuery = None,
    format: Annotated[Literal["json", "csv", "html"], Query()] = "json",
    lang: Annotated[Lang, Query()] = "ja",
) -> MonthlyReport | Response:
    """What residents asked in a month and how it went: questions per day and language, outcomes, confidence,
    most and never cited sources, feedback, the handoff queue's figures, and the unanswered questions grouped
    into topics with the nearest existing source. ``format=csv`` downloads it; ``format=html`` is the
    console's view (charts with their tables)."""
    name = month_or_current(month, services)
    report = monthly(services, name)
    if format == "csv":
        disposition = f'attachment; filename="madoguchi-report-{name}.csv"'
        return Response(as_csv(report), media_type="text/csv", headers={"Content-Disposition": disposition})
    if format == "html":
        return HTMLResponse(monthly_html(report, lang))
    return MonthlyReport.model_validate(report)


ClosedMonthQuery = Annotated[
    str | None, Query(pattern=MONTH, description="YYYY-MM, a month that has ended; default: the last one.")
]


@public_router.get("/v1/transparency", response_model=PublicReport)
def transparency_figures(services: ServicesDep, month: ClosedMonthQuery = None) -> PublicReport:
    """The public report's figures for a month that has ended (404 month_not_closed otherwise): volumes,
    outcome shares, languages and subjects answered, the model and the corpus generation in use. Any figure
    under MADOGUCHI_REPORT_MIN_CELL is null, and so is any from which one could be worked out."""
    return PublicReport.model_validate(public(services, month or last_closed_month(services.settings.zone)))


ERROR_AS_JSON = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}


@public_router.get(
    "/transparency",
    response_class=HTMLResponse,
    responses={
        404: {"description": "month_not_closed", "content": ERROR_AS_JSON},
        422: {"description": "invalid_request", "content": ERROR_AS_JSON},
    },
)
def transparency_page(
    services: ServicesDep, month: ClosedMonthQuery = None, lang: Annotated[Lang, Query()] = "ja"
) -> str:
    """The public report as a page for the city's website (the last month that has ended by default)."""
    return public_html(public(services, month or last_closed_month(services.settings.zone)), lang)
