"""Working days for due dates: the holidays package, the county's overrides, and years nobody confirmed."""
from __future__ import annotations

from datetime import date

import pytest

from transforms.calendar import WorkingCalendar, add_working_days, default_calendar, due_date


def test_national_day_2026_is_skipped_and_its_make_up_saturday_counts():
    # Mon 28 Sep: Tue 29, Wed 30, then 1-7 Oct off, Thu 8, Fri 9, Sat 10 (调休上班)
    assert add_working_days(date(2026, 9, 28), 5) == date(2026, 10, 10)
    assert due_date(date(2026, 9, 28), "5wd") == (date(2026, 10, 10), None)


def test_the_make_up_sunday_before_national_day_is_a_working_day():
    # Sat 19 Sep -> Sun 20 Sep is a working day (调休)
    assert add_working_days(date(2026, 9, 19), 1) == date(2026, 9, 20)


def test_spring_festival_2026():
    # Fri 13 Feb: Sat 14 (make-up) is the first working day, then 15-23 off, Tue 24
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)


def test_counting_starts_the_day_after_the_run_date():
    # Sun 15 Mar 2026 (D of the worked examples): 15 wd -> Fri 3 Apr (before 清明 4-6 Apr)
    assert due_date(date(2026, 3, 15), "15wd") == (date(2026, 4, 3), None)
    assert add_working_days(date(2026, 3, 16), 1) == date(2026, 3, 17)


def test_24h_is_the_next_calendar_day_even_on_a_saturday_or_holiday():
    assert due_date(date(2026, 3, 14), "24h") == (date(2026, 3, 15), None)  # Sat -> Sun
    assert due_date(date(2026, 9, 30), "24h") == (date(2026, 10, 1), None)  # into National Day


def test_overrides_win_over_the_package():
    calendar = WorkingCalendar(overrides={2026: {"holidays": [date(2026, 3, 16)], "workdays": [date(2026, 3, 21)]}})
    assert not calendar.is_working_day(date(2026, 3, 16))  # a Monday made a holiday
    assert calendar.is_working_day(date(2026, 3, 21))  # a Saturday made a working day
    assert calendar.is_working_day(date(2026, 10, 8))  # the package's National Day no longer applies
    assert calendar.is_working_day(date(2026, 10, 5)) and calendar.is_confirmed(2026)


def test_the_county_file_agrees_with_the_package_for_2026():
    package_only = WorkingCalendar(overrides={})
    county = default_calendar()
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert county.is_working_day(day) == package_only.is_working_day(day), day
        day = date.fromordinal(day.toordinal() + 1)


def test_a_year_nobody_confirmed_gives_a_warning_not_a_crash():
    due, warning = due_date(date(2026, 12, 28), "15wd")
    assert due.year == 2027 and warning and "2027" in warning


@pytest.mark.parametrize("run_date", [date(2099, 12, 30), date(2150, 6, 1), date(1899, 12, 29)])
def test_years_beyond_the_package_range_count_weekends_and_warn(run_date):
    due, warning = due_date(run_date, "5wd")
    assert due > run_date and warning
    assert due.weekday() < 5


def test_an_unknown_time_limit_is_an_error():
    with pytest.raises(ValueError):
        due_date(date(2026, 3, 15), "soon")
