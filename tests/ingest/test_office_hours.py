"""Office hours from departments.yaml: when staff answer, when they are back, how long a case has waited."""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ingest.load import load_corpus
from ingest.office_hours import office_hours, parse_holidays, parse_week

TOKYO = ZoneInfo("Asia/Tokyo")
MANIFEST = {
    "departments": {
        "shimin": {"ja": {"name": "市民課"}, "en": {"name": "Citizens Division"}},
        "sodai": {"ja": {"name": "粗大ごみ受付センター"}, "open": {"mon-sat": "09:00-17:00"}},
        "general": {"ja": {"name": "総合案内"}, "open": {"mon-fri": "08:30-12:00, 13:00-17:15"}},
    },
    "holidays": ["2026-12-07", "12-31", "01-01"],
}


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=TOKYO)


def test_a_department_without_hours_keeps_the_general_desks_and_its_lunch_break():
    hours = office_hours(MANIFEST, "市民課 0465-00-1101 (平日…)", TOKYO)
    assert hours.is_open(at("2026-12-04T08:30"))  # Friday
    assert not hours.is_open(at("2026-12-04T12:30"))
    assert hours.next_opening(at("2026-12-04T12:30")) == at("2026-12-04T13:00")
    assert not hours.is_open(at("2026-12-04T17:15"))


def test_staff_are_back_on_the_next_working_day_after_weekends_and_the_citys_holidays():
    hours = office_hours(MANIFEST, "shimin", TOKYO)
    assert hours.next_opening(at("2026-12-04T20:00")) == at("2026-12-08T08:30")  # Monday the 7th is a holiday
    assert hours.next_opening(at("2026-12-30T20:00")) == at("2027-01-04T08:30")  # 12-31 and 01-01 every year


def test_a_department_with_its_own_hours_opens_on_saturday():
    hours = office_hours(MANIFEST, "粗大ごみ受付センター", TOKYO)
    assert hours.is_open(at("2026-12-05T10:00"))
    assert hours.next_opening(at("2026-12-05T17:00")) == at("2026-12-08T09:00")


def test_a_case_opened_on_friday_afternoon_has_waited_working_days_only():
    hours = office_hours(MANIFEST, "shimin", TOKYO)
    friday = at("2026-12-04T16:00")
    assert hours.working_days(friday, at("2026-12-06T23:00")) == 0  # the weekend
    assert hours.working_days(friday, at("2026-12-07T23:00")) == 0  # a holiday
    assert hours.working_days(friday, at("2026-12-09T10:00")) == 2


def test_hours_that_never_open_have_no_next_opening():
    hours = office_hours({"departments": {"x": {"open": {"sun": "09:00-10:00"}}}, "holidays": []}, "x", TOKYO)
    assert hours.next_opening(at("2026-12-06T10:00")) == at("2026-12-13T09:00")
    closed = office_hours({"departments": {"x": {"open": {"sun": "09:00-10:00"}}}, "holidays": ["12-13"]}, "x", TOKYO)
    assert closed.next_opening(at("2026-12-06T10:00")) == at("2026-12-20T09:00")


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ({"mon-fri": 510}, "in quotes"),
        ({"weekdays": "08:30-17:15"}, "not a day"),
        ({"fri-mon": "08:30-17:15"}, "backwards"),
        ({"mon": "17:15-08:30"}, "open before it closes"),
        ({"mon": "8時半から"}, "not a span"),
        ("mon-fri 08:30-17:15", "must map days"),
    ],
)
def test_hours_that_do_not_read_as_office_hours_are_refused_with_the_reason(spec, reason):
    with pytest.raises(ValueError, match=reason):
        parse_week(spec)


def test_holidays_must_be_real_days():
    assert parse_holidays([dt.date(2027, 1, 11), "12-29", "02-29"]) == ["2027-01-11", "12-29", "02-29"]
    for wrong in (["2027-02-30"], ["Christmas"], "12-29"):
        with pytest.raises(ValueError):
            parse_holidays(wrong)


def test_a_departments_file_with_broken_hours_is_rejected_at_its_line(tmp_path: Path):
    (tmp_path / "faq.jsonl").write_text('{"id": "a", "question": "q", "answer": "a"}\n', encoding="utf-8")
    (tmp_path / "departments.yaml").write_text(
        "holidays: [2027-01-11]\nshimin:\n  ja: {name: 市民課}\n  open: {mon-fri: 17:15}\n", encoding="utf-8"
    )
    (rejection,) = load_corpus(tmp_path).rejections
    assert (rejection.file, rejection.line) == ("departments.yaml", 2)
    assert "shimin" in rejection.message and "08:30-17:15" in rejection.message


def test_the_citys_holidays_reach_the_corpus_apart_from_its_departments(tmp_path: Path):
    (tmp_path / "faq.jsonl").write_text('{"id": "a", "question": "q", "answer": "a"}\n', encoding="utf-8")
    (tmp_path / "departments.yaml").write_text(
        "holidays: [2027-01-11, 12-29]\nshimin:\n  ja: {name: 市民課}\n  open: {mon-fri: '08:30-17:15'}\n",
        encoding="utf-8",
    )
    corpus = load_corpus(tmp_path)
    assert corpus.rejections == []
    assert corpus.holidays == ["2027-01-11", "12-29"]
    assert list(corpus.departments) == ["shimin"]
