"""China's working-day calendar (policy_data/calendar/cn-workdays.yaml): public holidays and the
weekend days worked in exchange (调休上班), as the State Council General Office publishes them.

A public notice published on day D runs n full working days starting the next working day and
closes at the end of the n-th working day: `add_working_days(D, n)` is that closing day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from skillfund.core.errors import DomainError

CALENDAR_FILE = ("calendar", "cn-workdays.yaml")


class YearNotInCalendar(DomainError):
    def __init__(self, year: int, known: tuple[int, ...]) -> None:
        listed = ", ".join(map(str, known))
        super().__init__(
            "calendar_year_missing",
            f"工作日历中没有{year}年的节假日安排（已有：{listed}），请先补充policy_data/calendar/cn-workdays.yaml",
            f"the working-day calendar has no holiday arrangement for {year} (it has {listed}); "
            "add the year to policy_data/calendar/cn-workdays.yaml",
        )
        self.year = year


@dataclass(frozen=True)
class WorkdayCalendar:
    years: frozenset[int]
    holidays: frozenset[date]
    workdays: frozenset[date]  # make-up working days on a Saturday or Sunday

    def is_working_day(self, day: date) -> bool:
        if day.year not in self.years:
            raise YearNotInCalendar(day.year, tuple(sorted(self.years)))
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
