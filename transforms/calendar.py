"""Working days of the county calendar, for worklist due dates.

policies.md §1: "due = D + limit, counting working days from the day after D".
A working day is a weekday that is not a public holiday, or a weekend day the
State Council moved work to (调休上班). Two sources, in order of authority:

1. policies/calendar_overrides.yaml, the county's copy of the yearly notice:
   for a year listed there, its holidays and make-up working days are the
   whole truth for that year.
2. the `holidays` package (holidays.China): its holidays, and its
   `weekend_workdays` (the make-up working days it derives from the notices it
   carries; verified for 0.109). The package holds official notices up to a
   year (ChinaStaticHolidays.special_public_holidays); later years it only
   estimates (lunar dates, no 调休), and past its end_year it knows nothing.

A due date that counts through a year neither source confirms is still given
(weekends and estimated holidays), with a warning for the run report: never a
crash, whatever the year.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import yaml

OVERRIDES_FILE = Path(__file__).resolve().parent.parent / "policies" / "calendar_overrides.yaml"
TIME_LIMIT_RE = re.compile(r"^\s*(\d+)\s*(wd|h|d)\s*$", re.IGNORECASE)


def _library_official_years() -> range:
    """The years whose holiday notice the installed `holidays` package carries."""
    try:
        from holidays.countries.china import ChinaStaticHolidays

        years = [y for y in ChinaStaticHolidays.special_public_holidays if isinstance(y, int)]
        return range(2001, max(years) + 1) if years else range(0)
    except Exception:  # a future package may move it: then nothing is confirmed by it
        return range(0)


@dataclass
class _Year:
    holidays: frozenset[date]
    workdays: frozenset[date]
    confirmed: bool
    source: str


@dataclass
class WorkingCalendar:
    """The county's working days; `overrides` maps a year to its notice."""

    overrides: dict[int, dict] = field(default_factory=dict)
    library_official: range = field(default_factory=_library_official_years)
    _years: dict[int, _Year] = field(default_factory=dict, repr=False)

    @classmethod
    def from_file(cls, path: Path | None = None) -> "WorkingCalendar":
        path = Path(path or OVERRIDES_FILE)
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
        years = {int(y): spec or {} for y, spec in ((raw or {}).get("years") or {}).items()}
        return cls(overrides=years)

    def _year(self, year: int) -> _Year:
        if year not in self._years:
            self._years[year] = self._load_year(year)
        return self._years[year]

    def _load_year(self, year: int) -> _Year:
        if year in self.overrides:
            spec = self.overrides[year]
            return _Year(
                holidays=frozenset(_as_date(d) for d in spec.get("holidays") or ()),
                workdays=frozenset(_as_date(d) for d in spec.get("workdays") or ()),
                confirmed=True,
                source="calendar_overrides.yaml",
            )
        try:
            import holidays as holidays_package

            china = holidays_package.China(years=year)
            days_off = frozenset(d for d in china if d.year == year)
            # weekend_workdays accumulates across the years an instance has seen
            workdays = frozenset(d for d in getattr(china, "weekend_workdays", ()) if d.year == year)
        except Exception:  # out of the package's range, or the package changed
            days_off, workdays = frozenset(), frozenset()
        return _Year(days_off, workdays, confirmed=year in self.library_official, source="holidays")

    def is_confirmed(self, year: int) -> bool:
        return self._year(year).confirmed

    def is_working_day(self, day: date) -> bool:
        y = self._year(day.year)
        if day in y.workdays:
            return True
        if day in y.holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (start itself never counts); n <= 0 gives start."""
        day, left = start, n
        while left > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def unconfirmed_years(self, first: date, last: date) -> list[int]:
        return [y for y in range(first.year, last.year + 1) if not self.is_confirmed(y)]

    def due_date(self, run_date: date, time_limit: str) -> tuple[date, str | None]:
        """(due date, warning or None) for a limit such as `15wd`, `24h`, `3d`.

        `Nwd` counts N working days from the day after the run date; `Nh` is
        ceil(N/24) calendar days (24h: the next calendar day, whatever it is);
        `Nd` is N calendar days.
        """
        m = TIME_LIMIT_RE.match(time_limit or "")
        if not m:
            raise ValueError(f"unknown time limit {time_limit!r} (expected e.g. 15wd, 24h, 3d)")
        n, unit = int(m.group(1)), m.group(2).lower()
        if unit == "h":
            return run_date + timedelta(days=max(1, math.ceil(n / 24))), None
        if unit == "d":
            return run_date + timedelta(days=n), None
        due = self.add_working_days(run_date, n)
        missing = self.unconfirmed_years(run_date + timedelta(days=1), due) if n > 0 else []
        if missing:
            years = ", ".join(str(y) for y in missing)
            return due, (f"{time_limit} from {run_date.isoformat()} counts working days in {years}, "
                         f"for which no holiday notice is confirmed (add it to "
                         f"policies/calendar_overrides.yaml); weekends and estimated holidays were used")
        return due, None


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@lru_cache(maxsize=1)
def default_calendar() -> WorkingCalendar:
    return WorkingCalendar.from_file()


def is_working_day(day: date) -> bool:
    return default_calendar().is_working_day(day)


def add_working_days(start: date, n: int) -> date:
    """The n-th county working day after `start`."""
    return default_calendar().add_working_days(start, n)


def due_date(run_date: date, time_limit: str) -> tuple[date, str | None]:
    """(due date, warning or None) of an item first dispatched on `run_date`."""
    return default_calendar().due_date(run_date, time_limit)
