"""Office hours: when a department's staff are at their desks, from departments.yaml.

A department may give its hours per day of the week, and the city its holidays once for all departments::

    holidays: [2027-01-11, 12-29, 12-30, 12-31, 01-02, 01-03]   # a date, or MM-DD for every year
    shimin:
      open: {mon-fri: "08:30-17:15", sat: "09:00-12:00"}         # several spans: "08:30-12:00, 13:00-17:15"

A department without ``open`` keeps the general desk's hours, and without those weekdays 8:30-17:15, the
hours of most Japanese city halls. The hours decide what a resident handed to staff is told out of hours
(when staff are back) and when a waiting case is overdue (in working days)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_OPEN = {"mon-fri": "08:30-17:15"}
HORIZON_DAYS = 60  # no opening within this many days: the hours say staff do not come back
_SPAN = re.compile(r"^\s*([01]?\d|2[0-4]):([0-5]\d)\s*-\s*([01]?\d|2[0-4]):([0-5]\d)\s*$")
_HOLIDAY = re.compile(r"^(\d{4}-)?\d{2}-\d{2}$")

Span = tuple[dt.time, dt.time]


def parse_week(spec: Any) -> dict[int, list[Span]]:
    """``{mon-fri: "08:30-17:15", sat: "09:00-12:00"}`` as weekday (Monday 0) -> spans; ValueError with the
    reason for anything else."""
    if not isinstance(spec, dict) or not spec:
        raise ValueError('`open` must map days (mon-fri, sat, ...) to hours like "08:30-17:15"')
    week: dict[int, list[Span]] = {}
    for days, hours in spec.items():
        for day in _days(str(days)):
            week.setdefault(day, []).extend(_spans(hours, str(days)))
    return {day: sorted(spans) for day, spans in week.items()}


def parse_holidays(listed: Any) -> list[str]:
    """The city's holidays as written (``2027-01-11`` or ``12-29`` every year); ValueError for anything else."""
    if not isinstance(listed, list):
        raise ValueError("`holidays` must be a list of dates (2027-01-11) or days of every year (12-29)")
    days = []
    for item in listed:
        text = item.isoformat() if isinstance(item, dt.date) else str(item)
        if not _HOLIDAY.match(text):
            raise ValueError(f"holiday {text!r} is neither a date (2027-01-11) nor a day of every year (12-29)")
        dt.date.fromisoformat(text if len(text) == 10 else "2000-" + text)  # a real day (2000 has 29 February)
        days.append(text)
    return days


@dataclass(frozen=True)
class OfficeHours:
    week: dict[int, list[Span]]
    holidays: frozenset[str]
    zone: ZoneInfo

    def open_on(self, day: dt.date) -> bool:
        return bool(self.week.get(day.weekday())) and not {day.isoformat(), day.isoformat()[5:]} & self.holidays

    def is_open(self, at: dt.datetime) -> bool:
        local = at.astimezone(self.zone)
        day = local.date()
        return self.open_on(day) and any(
            dt.datetime.combine(day, start, self.zone) <= local < dt.datetime.combine(day, end, self.zone)
            for start, end in self.week[day.weekday()]
        )

    def next_opening(self, at: dt.datetime) -> dt.datetime | None:
        """When staff next come to their desks after ``at``; None when the hours open on none of the next
        HORIZON_DAYS days."""
        local = at.astimezone(self.zone)
        for offset in range(HORIZON_DAYS):
            day = local.date() + dt.timedelta(days=offset)
            if self.open_on(day):
                for start, _ in self.week[day.weekday()]:
                    opens = dt.datetime.combine(day, start, self.zone)
                    if opens > local:
                        return opens
        return None

    def working_days(self, since: dt.datetime, until: dt.datetime) -> int:
        """Working days that ended between ``since`` and ``until``: a case opened on Friday afternoon has waited
        one working day on Monday evening, none on Saturday."""
        first, last = since.astimezone(self.zone).date(), until.astimezone(self.zone).date()
        return sum(1 for n in range(1, (last - first).days + 1) if self.open_on(first + dt.timedelta(days=n)))


def office_hours(manifest: dict[str, Any], department: str, zone: ZoneInfo) -> OfficeHours:
    """The hours of the department a case names (its key, or its name as a case writes it: "市民課 0465-…"),
    else the general desk's, else weekdays 8:30-17:15; with the city's holidays."""
    departments = manifest.get("departments", {})
    entry = departments.get(key_of(departments, department) or "", {})
    spec = entry.get("open") or departments.get("general", {}).get("open") or DEFAULT_OPEN
    return OfficeHours(parse_week(spec), frozenset(manifest.get("holidays", [])), zone)


def key_of(departments: dict[str, Any], named: str) -> str | None:
    """The departments.yaml key of a department given by its key or by a text that starts with its name."""
    if named in departments:
        return named
    for key, entry in departments.items():
        names = [str((entry.get(lang) or {}).get("name") or "") for lang in ("ja", "en")]
        if any(name and named.startswith(name) for name in names):
            return str(key)
    return None


def _days(days: str) -> list[int]:
    first, _, last = days.strip().lower().partition("-")
    if first not in DAYS or (last and last not in DAYS):
        raise ValueError(f"{days!r} is not a day or a range of days (mon, tue, ... sun; mon-fri)")
    start, end = DAYS.index(first), DAYS.index(last or first)
    if end < start:
        raise ValueError(f"{days!r} runs backwards: write it from the earlier day (mon-fri)")
    return list(range(start, end + 1))


def _spans(hours: Any, days: str) -> list[Span]:
    if not isinstance(hours, str):
        raise ValueError(f'the hours of {days!r} must be text in quotes, like "08:30-17:15"')
    spans = []
    for part in hours.split(","):
        found = _SPAN.match(part)
        if not found:
            raise ValueError(f'{part.strip()!r} ({days}) is not a span of hours like "08:30-17:15"')
        h1, m1, h2, m2 = (int(group) for group in found.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if start >= end or end > 24 * 60:
            raise ValueError(f"{part.strip()!r} ({days}) must open before it closes, within one day")
        spans.append((dt.time(h1 % 24, m1), dt.time(h2, m2) if h2 < 24 else dt.time.max))
    return spans
