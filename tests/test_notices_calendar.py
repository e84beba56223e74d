"""The working-day calendar a public notice is counted on, the notice-period parameter, name masking."""

from __future__ import annotations

from datetime import date

import pytest

from skillfund.notices.masking import mask_name
from skillfund.notices.workdays import (
    WorkdayCalendar,
    add_working_days,
    fallback_warning,
    is_working_day,
    notice_period,
)
from skillfund.policy.parameters import default_parameters


def test_national_day_2020_publishing_on_30_september_closes_on_14_october():
    # 1–8 October are holidays (国庆节、中秋节); Saturday 10 October is a make-up working day.
    assert add_working_days(date(2020, 9, 30), 1) == date(2020, 10, 9)
    assert add_working_days(date(2020, 9, 30), 5) == date(2020, 10, 14)  # 9, 10 (Sat), 12, 13, 14


def test_make_up_weekend_days_are_working_days_and_holidays_are_not():
    assert is_working_day(date(2020, 10, 10))  # Saturday, worked
    assert is_working_day(date(2020, 9, 27))  # Sunday, worked
    assert not is_working_day(date(2020, 10, 8))  # Thursday, holiday
    assert not is_working_day(date(2020, 10, 11))  # ordinary Sunday
    assert is_working_day(date(2020, 10, 9))  # ordinary Friday


def test_the_2020_spring_festival_extension_cancels_the_make_up_saturday():
    # 国办发明电〔2020〕1号: the holiday runs to 2 February; Saturday 1 February is no longer worked.
    assert not is_working_day(date(2020, 1, 31))
    assert not is_working_day(date(2020, 2, 1))
    assert is_working_day(date(2020, 2, 3))
    assert add_working_days(date(2020, 1, 23), 1) == date(2020, 2, 3)


def test_the_2019_labour_day_adjustment_is_used():
    # 国办发明电〔2019〕3号: 1–4 May off, Sunday 28 April and Sunday 5 May worked.
    assert not is_working_day(date(2019, 5, 2))
    assert is_working_day(date(2019, 4, 28)) and is_working_day(date(2019, 5, 5))


def test_counting_runs_across_listed_years():
    assert add_working_days(date(2019, 12, 31), 1) == date(2020, 1, 2)  # 1 January is a holiday


def test_a_year_not_in_the_calendar_is_counted_monday_to_friday_and_said():
    # 2027's arrangement is not in the file: 1 January 2027 (a Friday) counts as a working day.
    assert is_working_day(date(2027, 1, 1)) and not is_working_day(date(2027, 1, 2))
    opens, closes, missing = notice_period(date(2026, 12, 29), 5)
    assert (opens, closes, missing) == (date(2026, 12, 30), date(2027, 1, 5), [2027])  # 30, 31, 1, 4, 5
    assert fallback_warning(2027)[0] == "2027年节假日安排尚未录入，按周一至周五计算工作日"
    assert "Monday to Friday" in fallback_warning(2027)[1]


def test_a_period_inside_listed_years_has_no_warning():
    assert notice_period(date(2026, 9, 30), 5) == (date(2026, 10, 8), date(2026, 10, 13), [])


def test_2026_is_in_the_calendar():
    assert add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)  # 8, 9, 10 (Sat, worked), 12, 13


def test_a_make_up_day_on_a_weekday_is_a_broken_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("years:\n  2020:\n    holidays: []\n    workdays: [2020-10-09]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="weekend"):
        WorkdayCalendar.load(path)


def test_the_notice_period_is_a_dated_parameter_citing_its_clause():
    value = default_parameters()["notice_working_days"].at(date(2020, 9, 30))
    assert value.value == 5 and value.clause == "§4.3.d" and "地方规定" in value.note


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三丰", "张*丰"), ("张三", "张*"), ("欧阳娜娜", "欧**娜"), ("张", "*"), ("阿拉坦·其其格", "阿*****格")],
)
def test_names_keep_first_and_last_character(name, masked):
    assert mask_name(name) == masked
