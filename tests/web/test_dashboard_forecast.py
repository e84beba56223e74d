"""The year-end forecast from the run rate (reports.progress.forecast), on known series: the mean
complete month times the months left, with a 90 % band from the monthly variation (never below a
Poisson count's) and the uncertainty of the mean."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from skillfund.reports.progress import forecast


def test_a_steady_series_uses_the_poisson_floor():
    # Jan–Apr 10, 12, 8, 10 on 1 May: mean 10, s² = 8/3 < 10, so v = 10; k = 8 months left.
    # expected = 40 + 8·10 = 120; band ± 1.645·√(8·10 + 64·10/4) = ± 1.645·√240 = ± 25.48.
    f = forecast(year=2026, monthly={1: 10, 2: 12, 3: 8, 4: 10}, today=date(2026, 5, 1))
    assert (f.so_far, f.expected, f.low, f.high) == (40, 120, 95, 145)
    assert (f.months_observed, f.months_left, f.per_month) == (4, Decimal("8.00"), Decimal("10.0"))


def test_a_variable_series_widens_the_band_and_counts_the_current_month_so_far():
    # Jan–Mar 0, 20, 10 and 5 so far in April, on 16 April (half of April gone): mean 10, s² = 100;
    # k = 12 − 3 − 0.5 = 8.5; expected = 35 + 85 = 120; band ± 1.645·√(850 + 72.25·100/3) = ± 93.90,
    # and never below what is already done.
    f = forecast(year=2026, monthly={1: 0, 2: 20, 3: 10, 4: 5}, today=date(2026, 4, 16))
    assert (f.so_far, f.expected, f.low, f.high) == (35, 120, 35, 214)
    assert f.months_left == Decimal("8.50")


def test_december_leaves_less_than_a_month():
    monthly = dict.fromkeys(range(1, 12), 100) | {12: 10}
    f = forecast(year=2026, monthly=monthly, today=date(2026, 12, 2))
    # k = 1 − 1/31; expected = 1110 + 96.77 = 1207; band ± 1.645·√(0.968·100 + 0.937·100/11).
    assert (f.so_far, f.expected, f.low, f.high) == (1110, 1207, 1190, 1224)


def test_no_forecast_before_a_complete_month_or_for_another_year():
    assert forecast(year=2026, monthly={1: 5}, today=date(2026, 1, 20)) is None
    assert forecast(year=2025, monthly={1: 5}, today=date(2026, 3, 1)) is None
    assert forecast(year=2027, monthly={}, today=date(2026, 3, 1)) is None


def test_an_empty_year_forecasts_nothing_more():
    f = forecast(year=2026, monthly={}, today=date(2026, 6, 1))
    assert (f.so_far, f.expected, f.low, f.high) == (0, 0, 0, 0)
