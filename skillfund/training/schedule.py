"""The session-schedule generator (排课): from a first day, the weekdays the class meets, a daily
time slot and the class hours it needs, the sessions of a class plan — so a 120-hour class is one
form, not 40. Pure: it proposes sessions; `class_plan_schedule` checks and writes them.

Public holidays (policy_data/calendar/cn-workdays.yaml, the State Council's arrangement) are skipped
unless asked otherwise; a year not in that calendar is counted by weekday only, and the schedule
says so (`fallback_years`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from skillfund.core.errors import DomainError
from skillfund.notices.workdays import default_calendar
from skillfund.training.actions.plans import MAX_SESSIONS, PlannedSession

HOUR = Decimal(3600)
WEEKDAYS = range(7)  # Monday = 0, as datetime.date.weekday()


class ScheduleError(DomainError):
    """A generator input that cannot give a timetable; `field` names the input."""

    def __init__(self, code: str, *, field: str, zh: str, en: str) -> None:
        self.field = field
        super().__init__(code, zh, en)


@dataclass(frozen=True)
class Schedule:
    sessions: list[PlannedSession]
    skipped_holidays: list[date] = field(default_factory=list)
    fallback_years: list[int] = field(default_factory=list)

    @property
    def hours(self) -> Decimal:
        return sum((s.hours for s in self.sessions), Decimal(0))

    @property
    def last_day(self) -> date | None:
        return self.sessions[-1].ends_at.date() if self.sessions else None


def generate(
    *,
    first_day: date,
    weekdays: set[int],
    start: time,
    end: time,
    hours_per_session: Decimal,
    total_hours: Decimal,
    tz: ZoneInfo,
    skip_holidays: bool = True,
    topic: str = "",
) -> Schedule:
    """Sessions on each chosen weekday from `first_day`, `start`–`end` local time, each worth
    `hours_per_session` class hours, until `total_hours` are planned; the last session takes what
    is left (e.g. 121 hours in 3-hour sessions: 40 of 3 and one of 1)."""
    days = sorted(set(weekdays))
    if not days or any(d not in WEEKDAYS for d in days):
        raise ScheduleError(
            "no_weekdays", field="weekdays", zh="请至少选择一个上课日", en="choose at least one weekday"
        )
    slot = (Decimal((datetime.combine(first_day, end) - datetime.combine(first_day, start)).total_seconds())) / HOUR
    if slot <= 0:
        raise ScheduleError(
            "session_times", field="end", zh="下课时间须晚于上课时间", en="the end time is after the start"
        )
    if hours_per_session <= 0:
        raise ScheduleError("session_hours", field="hours_per_session", zh="每次课时须大于0", en="must be positive")
    if hours_per_session > slot:
        raise ScheduleError(
            "session_hours",
            field="hours_per_session",
            zh=f"每次课时 {hours_per_session} 超过上课时段 {slot:.2f} 小时",
            en=f"{hours_per_session} class hours do not fit in a {slot:.2f}-hour slot",
        )
    if total_hours <= 0:
        raise ScheduleError("total_hours", field="total_hours", zh="总课时须大于0", en="must be positive")
    count = -(-total_hours // hours_per_session)  # ceiling
    if count > MAX_SESSIONS:
        raise ScheduleError(
            "too_many_sessions",
            field="total_hours",
            zh=f"将生成 {count} 个课次，超过上限 {MAX_SESSIONS}",
            en=f"that makes {count} sessions, more than {MAX_SESSIONS}",
        )
    calendar = default_calendar()
    sessions: list[PlannedSession] = []
    skipped: list[date] = []
    missing: set[int] = set()
    left, day = total_hours, first_day
    while left > 0:
        if day.weekday() in days:
            if day.year not in calendar.years:
                missing.add(day.year)
            if skip_holidays and day in calendar.holidays:
                skipped.append(day)
            else:
                hours = min(hours_per_session, left)
                sessions.append(
                    PlannedSession(
                        starts_at=datetime.combine(day, start, tzinfo=tz),
                        ends_at=datetime.combine(day, end, tzinfo=tz),
                        hours=hours,
                        topic=topic,
                    )
                )
                left -= hours
        try:
            day += timedelta(days=1)
        except OverflowError:
            raise ScheduleError(
                "first_day", field="first_day", zh="日期超出范围", en="the dates run out of range"
            ) from None
    return Schedule(sessions=sessions, skipped_holidays=skipped, fallback_years=sorted(missing))
