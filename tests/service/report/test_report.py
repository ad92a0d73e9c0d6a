"""The monthly report counts a month in the city's own calendar, on SQLite and on PostgreSQL: questions per day
and language, outcomes, confidence, cited and never-cited sources, feedback, the handoff queue; groups what the
corpus could not answer into topics; and its public form shows only aggregates, hiding small figures."""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import insert

from ingest.live import open_live
from service.answer.context import Services
from service.errors import MadoguchiError
from service.live.services import open_services
from service.report.monthly import as_csv, month_of, monthly, public, topics
from service.report.page import monthly_html, public_html
from service.settings import Settings
from service.store.schema import audit, case_messages, cases, feedback, switches

UTC = dt.UTC
BULKY = "ja-waste-bulky"


@pytest.fixture
def reporting(services: Services, database_url: str) -> Iterator[Services]:
    """The sample index's services over a fresh database (SQLite, then PostgreSQL)."""
    settings = Settings(index_dir=services.settings.index_dir, database_url=database_url, report_min_cell=3)
    opened = open_services(settings, open_live(settings.index_dir), embedder=services.embedder)
    yield opened
    opened.store.engine.dispose()


def add_answer(services: Services, at: dt.datetime, outcome: str = "answered", **values) -> str:
    answer_id = uuid.uuid4().hex
    row = {
        "created_at": at,
        "conversation_id": "c",
        "lang": "ja",
        "question": "粗大ごみの出し方",
        "outcome": outcome,
        "confidence": 0.9 if outcome == "answered" else 0.2,
        "cited": json.dumps([BULKY] if outcome == "answered" else []),
        "generation": services.index.generation,
        "personal_data": "[]",
        "answer_id": answer_id,
        **values,
    }
    with services.store.engine.begin() as connection:
        connection.execute(insert(audit).values(**row))
    return answer_id


def test_a_month_is_the_citys_calendar_month():
    november = month_of("2026-11", Settings().zone)
    assert november.start == dt.datetime(2026, 10, 31, 15, tzinfo=UTC)
    assert november.end == dt.datetime(2026, 11, 30, 15, tzinfo=UTC)


def test_the_report_counts_days_languages_outcomes_and_confidence_in_the_citys_time(reporting):
    add_answer(reporting, dt.datetime(2026, 10, 31, 16, tzinfo=UTC))  # 1 November, 01:00 in Tokyo
    add_answer(reporting, dt.datetime(2026, 11, 3, 2, tzinfo=UTC), lang="en", question="bulky waste")
    add_answer(reporting, dt.datetime(2026, 11, 3, 3, tzinfo=UTC), "handoff_out_of_scope", question="パスポート")
    add_answer(reporting, dt.datetime(2026, 11, 4, 3, tzinfo=UTC), lang="zh-Hant", question="大型垃圾要怎麼丟？")
    add_answer(reporting, dt.datetime(2026, 11, 30, 16, tzinfo=UTC))  # 1 December in Tokyo: not counted

    report = monthly(reporting, "2026-11")

    assert report["questions"] == 4
    days = {day["day"]: day for day in report["days"]}
    assert len(days) == 30
    assert days["2026-11-01"] == {"day": "2026-11-01", "ja": 1, "en": 0, "other": 0}
    assert days["2026-11-03"] == {"day": "2026-11-03", "ja": 1, "en": 1, "other": 0}
    assert days["2026-11-04"] == {"day": "2026-11-04", "ja": 0, "en": 0, "other": 1}
    assert report["languages"] == {"ja": 2, "en": 1, "zh-Hant": 1}  # every language residents wrote in
    assert report["outcomes"]["answered"] == 3 and report["outcomes"]["handoff_out_of_scope"] == 1
    assert [band["answers"] for band in report["confidence"]] == [0, 0, 1, 0, 0, 0, 0, 0, 0, 3]
    assert report["most_cited"][0] == {**report["most_cited"][0], "id": BULKY, "citations": 3}
    assert BULKY not in {source["id"] for source in report["never_cited"]}
    assert "ja-housing-apply" in {source["id"] for source in report["never_cited"]}


def test_in_a_zone_with_half_hours_the_months_first_minutes_count_for_its_first_day(reporting):
    kolkata = replace(reporting, settings=reporting.settings.model_copy(update={"timezone": "Asia/Kolkata"}))
    add_answer(kolkata, dt.datetime(2026, 10, 31, 18, 45, tzinfo=UTC))  # 1 November, 00:15 in Kolkata
    report = monthly(kolkata, "2026-11")
    assert report["questions"] == 1 and report["days"][0] == {"day": "2026-11-01", "ja": 1, "en": 0, "other": 0}


def case_row(opened: dt.datetime, answer_id: str) -> dict:
    """A case of 市民課 claimed 12 minutes after it opened and resolved after 30, its resident saying so."""
    return dict(
        id="k1",
        reference="MD-AAAAAA",
        created_at=opened,
        updated_at=opened,
        status="resolved",
        reason="low_confidence",
        lang="ja",
        conversation_id="c",
        answer_id=answer_id,
        question="q",
        transcript="[]",
        suggestions="[]",
        department="市民課 0465-00-1101 (平日8時30分〜17時15分)",
        claimed_at=opened + dt.timedelta(minutes=12),
        resolved_at=opened + dt.timedelta(minutes=30),
        resident_resolved=True,
    )


def test_the_report_has_the_feedback_per_source_and_the_queue_figures(reporting):
    opened = dt.datetime(2026, 11, 5, 1, tzinfo=UTC)  # a Thursday, 10:00 in Tokyo
    reporting = replace(reporting, clock=lambda: dt.datetime(2026, 12, 4, 1, tzinfo=UTC))
    answer = add_answer(reporting, opened)
    handed = add_answer(reporting, opened, "handoff_low_confidence")
    with reporting.store.engine.begin() as connection:
        connection.execute(
            insert(feedback).values(
                created_at=opened, answer_id=answer, helpful=False, comment="日付が古い", source="resident"
            )
        )
        connection.execute(insert(cases).values(case_row(opened, handed)))
        waiting = {"id": "k2", "reference": "MD-CCCCCC", "status": "open", "resolved_at": None, "claimed_at": None}
        connection.execute(insert(cases).values({**case_row(opened, handed), **waiting}))
        for author in ("resident", "staff", "staff", "closing"):
            connection.execute(
                insert(case_messages).values(
                    case_id="k1", conversation_id="c", created_at=opened, author=author, department="市民課", text="…"
                )
            )

    report = monthly(reporting, "2026-11")

    assert report["feedback"]["not_helpful"] == 1
    assert report["feedback"]["sources"][0] == {**report["feedback"]["sources"][0], "id": BULKY, "not_helpful": 1}
    assert report["feedback"]["comments"] == [
        {"helpful": False, "by": "resident", "comment": "日付が古い", "source": BULKY}
    ]
    assert report["cases"] == {
        "opened": 2,
        "claimed": 1,
        "resolved": 1,
        "minutes_to_claim_median": 12.0,
        "minutes_to_claim_p90": 12.0,
        "staff_replies": 2,
        "resident_messages": 1,
        "overdue": 1,  # the one still open since the 5th
        "departments": [{"department": "市民課", "closed": 1, "resolved": 1, "not_resolved": 0, "overdue": 1}],
    }


def test_unanswered_questions_are_grouped_into_topics_biggest_first_with_the_nearest_source(services):
    asked = Counter(
        {
            "市営墓地に申し込みたい": 3,
            "お墓の募集はありますか": 2,
            "パスポートを申請したい": 2,
            "旅券の申請窓口を教えて": 1,
        }
    )
    found = topics(services, asked)

    cemetery = {"市営墓地に申し込みたい", "お墓の募集はありますか"}
    passport = {"パスポートを申請したい", "旅券の申請窓口を教えて"}
    assert found[0]["size"] == 5 and set(found[0]["examples"]) == cemetery
    assert all(not (set(t["examples"]) & cemetery and set(t["examples"]) & passport) for t in found)
    assert [t["size"] for t in found] == sorted((t["size"] for t in found), reverse=True)
    assert sum(t["size"] for t in found) == 8
    assert all(t["nearest"]["id"] and t["nearest"]["title"] for t in found)


def test_the_public_report_hides_small_figures_and_never_holds_a_question(reporting):
    for hour in range(4):
        add_answer(reporting, dt.datetime(2026, 11, 10, hour, tzinfo=UTC), question="秘密の質問")
    add_answer(reporting, dt.datetime(2026, 11, 10, 5, tzinfo=UTC), "handoff_out_of_scope", question="秘密の質問")

    report = public(reporting, "2026-11")

    assert report["questions"] == 5 and report["outcomes"]["answered"] == 4
    assert report["outcomes"]["handoff_out_of_scope"] is None  # 1 < report_min_cell (3 here)
    assert report["shares"]["answered"] == 0.8 and report["shares"]["handoff_out_of_scope"] is None
    # English is 0 (hidden): Japanese = 5 would give it away, so Japanese is hidden too
    assert report["languages"] == {"ja": None, "en": None}
    assert report["staff_replies"] is None  # 0 < report_min_cell: counted, hidden like any small figure
    assert report["generation"] == reporting.index.generation
    page = public_html(report, "ja")
    assert "秘密の質問" not in json.dumps(report, ensure_ascii=False) + page
    assert "非表示" in page and "3件未満" in page


def test_both_reports_list_when_the_ai_was_paused_and_why_and_only_staff_see_who(reporting):
    with reporting.store.engine.begin() as connection:
        for day, on in ((3, False), (4, True)):
            at = dt.datetime(2026, 11, day, 1, tzinfo=UTC)
            reason = "回答の誤りを調査中" if not on else "修正済み"
            connection.execute(
                insert(switches).values(created_at=at, target="all", on=on, reason=reason, changed_by="情報政策課 山田")
            )
        connection.execute(  # another month's change is not this month's
            insert(switches).values(
                created_at=dt.datetime(2026, 12, 1, 1, tzinfo=UTC), target="web", on=False, reason="x", changed_by="y"
            )
        )
    staff, published = monthly(reporting, "2026-11")["switches"], public(reporting, "2026-11")["switches"]
    assert [(c["on"], c["reason"], c["by"]) for c in staff] == [
        (False, "回答の誤りを調査中", "情報政策課 山田"),
        (True, "修正済み", "情報政策課 山田"),
    ]
    assert [(c["target"], c["on"], c["reason"]) for c in published] == [
        ("all", False, "回答の誤りを調査中"),
        ("all", True, "修正済み"),
    ]
    page = public_html(public(reporting, "2026-11"), "ja")
    assert (
        "回答の誤りを調査中" in page
        and "山田" not in page
        and "山田" in monthly_html(monthly(reporting, "2026-11"), "ja")
    )


def subtracted(report: dict, every_category: set[str]) -> dict[str, int]:
    """What someone with the public report, a pencil and the corpus's list of categories works out: a sum with
    one unknown part gives it; a sum whose shown parts already make the total makes every unknown part 0."""
    known = {"questions": report["questions"]}
    known |= {f"outcome:{o}": n for o, n in report["outcomes"].items()}
    known |= {f"lang:{lang}": n for lang, n in report["languages"].items()}
    listed = {c["category"]: c["answers"] for c in report["categories"]}
    known |= {f"category:{c}": listed.get(c) for c in every_category | set(listed)}
    sums = [
        ("questions", [k for k in known if k.startswith("outcome:")]),
        ("questions", [k for k in known if k.startswith("lang:")]),
        ("outcome:answered", [k for k in known if k.startswith("category:")]),
    ]
    derived: dict[str, int] = {}
    changed = True
    while changed:
        changed = False
        for total, parts in sums:
            unknown = [p for p in [total, *parts] if known[p] is None]
            if len(unknown) == 1:
                if unknown[0] == total:
                    value = sum(known[p] for p in parts)
                else:
                    value = known[total] - sum(known[p] for p in parts if p != unknown[0])
                known[unknown[0]] = derived[unknown[0]] = value
                changed = True
            elif known[total] is not None and unknown and sum(known[p] or 0 for p in parts) == known[total]:
                for p in unknown:
                    known[p] = derived[p] = 0
                changed = True
    return derived


@pytest.mark.parametrize("seed", range(12))
def test_no_hidden_figure_of_the_public_report_can_be_subtracted_from_the_shown_ones(reporting, seed):
    """Random months (some outcomes, languages and categories small, some zero): whatever is hidden stays so."""
    rng = random.Random(seed)
    documents = sorted({c.doc_id: c for c in reporting.index.chunks if c.kind == "faq"}.values(), key=lambda c: c.id)
    for doc in rng.sample(documents, 4):
        for minute in range(rng.choice([0, 1, 2, 5, 9])):
            when = dt.datetime(2026, 10, 3, 1, minute, tzinfo=UTC)
            add_answer(reporting, when, cited=json.dumps([doc.id]), lang=rng.choice(["ja", "ja", "en"]))
    for outcome in ("handoff_out_of_scope", "handoff_low_confidence", "handoff_sensitive"):
        for minute in range(rng.choice([0, 1, 2, 4])):
            add_answer(reporting, dt.datetime(2026, 10, 4, 1, minute, tzinfo=UTC), outcome, lang="en")

    report = public(reporting, "2026-10")

    categories = {c.category or "—" for c in reporting.index.chunks} | {"—"}
    assert subtracted(report, categories) == {}
    shown = [report["questions"], *report["outcomes"].values(), *report["languages"].values()]
    assert all(n is None or n >= 3 for n in shown)


def test_the_current_month_is_not_published_while_it_runs(reporting):
    with pytest.raises(MadoguchiError) as refused:
        public(reporting, dt.datetime.now(reporting.settings.zone).strftime("%Y-%m"))
    assert refused.value.code == "month_not_closed" and refused.value.status == 404


def test_the_report_exports_as_csv_and_html_with_a_table_for_every_chart(reporting):
    add_answer(reporting, dt.datetime(2026, 11, 10, 1, tzinfo=UTC), question="<b>粗大ごみ</b>")
    add_answer(reporting, dt.datetime(2026, 11, 10, 2, tzinfo=UTC), "handoff_out_of_scope", question="<b>墓地</b>")
    report = monthly(reporting, "2026-11")

    rows = as_csv(report).splitlines()
    assert rows[0] == "section,key,value,detail"
    assert "outcome,answered,1," in rows
    page = monthly_html(report, "en")
    assert page.count("<svg") == 3 and page.count("<table") >= 3
    assert "<b>" not in page and "&lt;b&gt;墓地&lt;/b&gt;" in page
    assert "<button type='button' class='draft-faq secondary' data-asked='&lt;b&gt;墓地&lt;/b&gt;'" in page
