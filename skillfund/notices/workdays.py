"""China's working-day calendar (policy_data/calendar/cn-workdays.yaml): public holidays and the
weekend days worked in exchange (调休上班), as the State Council General Office publishes them.

A public notice published on day D runs n full working days starting the next working day and
closes at the end of the n-th working day: `add_working_days(D, n)` is that closing day.

A year whose official arrangement is not in the file yet (it is published late in the year before)
is counted Monday to Friday, not refused: the count may then be off by a holiday, so whoever counts
into such a year shows `fallback_warning(year)` (the notice keeps the years, `Notice.calendar_fallback_years`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

CALENDAR_FILE = ("calendar", "cn-workdays.yaml")


def fallback_warning(year: int) -> tuple[str, str]:
    """What a count into a year missing from the calendar says, in Chinese and English."""
    return (
        f"{year}年节假日安排尚未录入，按周一至周五计算工作日",
        f"the {year} holiday arrangement is not in the calendar yet: working days are counted Monday to Friday",
    )


@dataclass(frozen=True)
class WorkdayCalendar:
    years: frozenset[int]
    holidays: frozenset[date]
    workdays: frozenset[date]  # make-up working days on a Saturday or Sunday

    def is_working_day(self, day: date) -> bool:
        if day.year not in self.years:
            return day.weekday() < 5  # fallback: see fallback_warning
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (n ≥ 1); `start` itself is never counted."""
        if n < 1:
            raise ValueError("n must be at least 1")
        day, counted = start, 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def missing_years(self, first: date, last: date) -> list[int]:
        """The years of first..last counted Monday to Friday because the file does not have them."""
        return [year for year in range(first.year, last.year + 1) if year not in self.years]

    @classmethod
    def load(cls, path: Path) -> WorkdayCalendar:
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        years, holidays, workdays = set(), set(), set()
        for year, spec in data["years"].items():
            year = int(year)
            years.add(year)
            for holiday in spec.get("holidays", []):
                first, last = holiday["from"], holiday["to"]
                if not (first.year == last.year == year and first <= last):
                    raise ValueError(f"{path.name}: holiday {holiday} is not an ordered period within {year}")
                holidays.update(first + timedelta(days=i) for i in range((last - first).days + 1))
            for day in spec.get("workdays", []):
                if day.year != year or day.weekday() < 5:
                    raise ValueError(f"{path.name}: make-up working day {day} must be a weekend day of {year}")
                workdays.add(day)
        clash = holidays & workdays
        if clash:
            raise ValueError(f"{path.name}: {sorted(clash)[0]} is both a holiday and a working day")
        return cls(frozenset(years), frozenset(holidays), frozenset(workdays))


@cache
def default_calendar() -> WorkdayCalendar:
    from skillfund.policy_data import data_path

    return WorkdayCalendar.load(data_path(*CALENDAR_FILE))


def is_working_day(day: date) -> bool:
    return default_calendar().is_working_day(day)


def add_working_days(start: date, n: int) -> date:
    return default_calendar().add_working_days(start, n)


def notice_period(on: date, n: int) -> tuple[date, date, list[int]]:
    """A notice published on `on` for n working days: (first day, last day, years of the count
    that were not in the calendar and so counted Monday to Friday)."""
    calendar = default_calendar()
    closes_on = calendar.add_working_days(on, n)
    return calendar.add_working_days(on, 1), closes_on, calendar.missing_years(on + timedelta(days=1), closes_on)
