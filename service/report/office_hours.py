"""When staff answer: what a resident handed to a department is told out of its office hours, and when a
waiting case is overdue. The hours and holidays come from the generation's departments.yaml
(``ingest/office_hours.py``), the clock is the city's (MADOGUCHI_TIMEZONE)."""

from __future__ import annotations

import datetime as dt

from ingest.office_hours import office_hours
from service.answer.context import Services
from service.answer.outcomes import CLOSED_NOW, OUT_OF_HOURS
from service.store.threads import department_name


def away(services: Services, department: str, lang: str) -> str:
    """What a resident handed to ``department`` is told out of its office hours: when its staff are back, in the
    resident's language; nothing while they are at their desks."""
    hours = office_hours(services.index.manifest, department, services.settings.zone)
    now = services.clock()
    if hours.is_open(now):
        return ""
    back = hours.next_opening(now)
    if back is None:
        return CLOSED_NOW[lang]
    name = department_name(department) or ("市役所" if lang == "ja" else "City Hall")
    return OUT_OF_HOURS[lang].format(department=name, when=when(back, lang))


def when(moment: dt.datetime, lang: str) -> str:
    """``12月7日（月）8:30`` / ``on Monday 7 December at 8:30``, without the machine's locale."""
    if lang == "ja":
        weekday = "月火水木金土日"[moment.weekday()]
        return f"{moment.month}月{moment.day}日（{weekday}）{moment.hour}:{moment.minute:02d}"
    weekday = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()[moment.weekday()]
    return f"on {weekday} {moment.day} {_MONTHS[moment.month - 1]} at {moment.hour}:{moment.minute:02d}"


_MONTHS = "January February March April May June July August September October November December".split()


def overdue(services: Services, department: str, created_at: dt.datetime, now: dt.datetime | None = None) -> bool:
    """Whether a case opened at ``created_at`` has waited longer than MADOGUCHI_CASE_OVERDUE_WORKING_DAYS
    working days of its department."""
    hours = office_hours(services.index.manifest, department, services.settings.zone)
    waited = hours.working_days(created_at, now or services.clock())
    return waited > services.settings.case_overdue_working_days
