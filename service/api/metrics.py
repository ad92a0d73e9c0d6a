"""Metrics for the people who run the service, in Prometheus's text format (``GET /metrics``, with the
metrics token): requests by endpoint and status, answers by outcome and language, the time of each step of
the answer path, the confidence, and at each scrape the live generation's age, the reload jobs by result and
whether the index and the database are healthy.

Several workers: ``python -m service`` gives them one ``PROMETHEUS_MULTIPROC_DIR`` (emptied at start), and a
scrape adds up what every worker counted (prometheus-client's multiprocess mode). Labels never carry a
question or any other text a resident wrote.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.deps import live_of, settings_of

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
CLIENT_LEFT = 499  # the status a request is counted under when its client left before the response

# Every sample is labelled with its tenant ("" for a single municipality); a tenant's scrape reads only its own.
REQUESTS = Counter(
    "madoguchi_http_requests", "HTTP requests by endpoint (route) and status", ["tenant", "endpoint", "status"]
)
ANSWERS = Counter(
    "madoguchi_answers", "Questions answered or handed off, by outcome and language", ["tenant", "outcome", "lang"]
)
STEP_SECONDS = Histogram(
    "madoguchi_step_seconds",
    "Time of each step of the answer path",
    ["tenant", "step"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ANSWER_SECONDS = Histogram(
    "madoguchi_answer_seconds",
    "Time of the whole answer path of a question (every step, respond included)",
    ["tenant"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
CONFIDENCE = Histogram(
    "madoguchi_confidence",
    "Confidence of each answer or handoff",
    ["tenant"],
    buckets=tuple(n / 10 for n in range(1, 11)),
)


def observe_answer(tenant: str, outcome: str, lang: str, confidence: float, timings_ms: dict[str, float]) -> None:
    ANSWERS.labels(tenant, outcome, lang).inc()
    CONFIDENCE.labels(tenant).observe(confidence)
    ANSWER_SECONDS.labels(tenant).observe(sum(timings_ms.values()) / 1000)
    for step, milliseconds in timings_ms.items():
        STEP_SECONDS.labels(tenant, step).observe(milliseconds / 1000)


class CountRequests:
    """ASGI middleware: each response counted under its route's path template (``/v1/handoffs/{case_id}``,
    never the path a client sent) and status; a path no route has counts as ``unmatched``."""

    def __init__(self, app: ASGIApp, tenant: str) -> None:
        self.app, self.tenant = app, tenant

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status: int | None = None
        left = False

        async def counting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        async def watching() -> Message:
            nonlocal left
            message = await receive()
            left = left or message["type"] == "http.disconnect"
            return message

        try:
            await self.app(scope, watching, counting)
        finally:
            # A client that left before any response counts as 499 (nginx's "client closed request"), never
            # as our fault; a response that never started for any other reason is a 500.
            code = status if status is not None else CLIENT_LEFT if left else 500
            REQUESTS.labels(self.tenant, _endpoint(scope), str(code)).inc()


def _endpoint(scope: Scope) -> str:
    """The route that answered (routing leaves it in the scope), by its path template; a mount by its path."""
    route = scope.get("route")
    if route is not None:
        return str(getattr(route, "path", "unmatched"))
    path = scope.get("path", "").removeprefix(scope.get("root_path", ""))  # within a tenant's /t/<name>/
    return "/static" if path.startswith("/static/") and "endpoint" in scope else "unmatched"


class HealthCollector(Collector):
    """Read at each scrape: the live generation's age, whether this worker's index and the database are
    healthy, and the reload jobs by result (from the database, which every worker and build share)."""

    def __init__(self, request: Request) -> None:
        self.live = live_of(request)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        services = self.live.current()
        index = GaugeMetricFamily("madoguchi_index_ready", "1 when this worker answers from an index generation")
        index.add_metric([], 1.0 if services is not None else 0.0)
        yield index
        if services is not None:
            age = GaugeMetricFamily("madoguchi_generation_age_seconds", "Age of the live index generation")
            created = dt.datetime.fromisoformat(str(services.index.manifest["created"]))
            age.add_metric([], max(0.0, time.time() - created.timestamp()))
            yield age
        database = GaugeMetricFamily("madoguchi_database_up", "1 when the database can be reached and written")
        reachable = self.live.store.reachable()
        database.add_metric([], 1.0 if reachable else 0.0)
        yield database
        if reachable:
            jobs = GaugeMetricFamily("madoguchi_reload_jobs", "Reload jobs by status, all time", labels=["status"])
            for status, count in sorted(self.live.store.jobs.counts().items()):
                jobs.add_metric([status], float(count))
            yield jobs


class OwnSamples(Collector):
    """What ``counted`` collects, less the samples of other tenants."""

    def __init__(self, counted: Collector, tenant: str) -> None:
        self.counted, self.tenant = counted, tenant

    def collect(self) -> Iterator[Metric]:
        for family in self.counted.collect():
            family.samples = [sample for sample in family.samples if sample.labels["tenant"] == self.tenant]
            yield family


def exposition(request: Request) -> tuple[bytes, dict[str, Any]]:
    """The text a scrape reads: every worker's counts (or this process's alone) of this tenant, then the health
    read now."""
    tenant = settings_of(request).tenant
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROCESS_DIR):
        registry.register(OwnSamples(multiprocess.MultiProcessCollector(None), tenant))  # type: ignore[no-untyped-call]
    else:
        for metric in (REQUESTS, ANSWERS, STEP_SECONDS, ANSWER_SECONDS, CONFIDENCE):
            registry.register(OwnSamples(metric, tenant))
    registry.register(HealthCollector(request))
    return generate_latest(registry), {"Content-Type": CONTENT_TYPE_LATEST}
