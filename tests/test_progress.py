"""Progress verdicts (dashboard_lib.progress) on cases computed by hand; the figures in the comments are the
hand calculation."""
from __future__ import annotations

import math

import pytest

from dashboard_lib.progress import (Observation, Target, assess, cagr, classify_ratio, compound_average,
                                    required_remaining_rate)


def rate_target(low, high, comparator, start=2021, end=2025, higher_is_better=True):
    return Target(low, high, comparator, True, higher_is_better, end, start, end)


def level_target(low, high, comparator, year, higher_is_better=True):
    return Target(low, high, comparator, False, higher_is_better, year)


def test_compound_average_is_the_geometric_mean_of_growth_factors():
    # 1.06 * 1.07 * 1.08 * 1.07 * 1.09 = 1.428642857…; its fifth root is 1.073951… → 7.3951 %/year
    assert compound_average([6, 7, 8, 7, 9]) == pytest.approx(7.3951, abs=1e-4)
    # not the arithmetic mean (7.4): a mean of rates compounds
    assert compound_average([0, 20]) == pytest.approx(9.5445, abs=1e-4)  # sqrt(1.2) = 1.095445


def test_closed_growth_target_met_within_its_range():
    verdict = assess(rate_target(7, 7.5, "range"), [Observation(y, g) for y, g in
                                                     zip(range(2021, 2026), [6, 7, 8, 7, 9])])
    assert verdict.status == "met_within_range" and verdict.closed
    assert verdict.achieved == pytest.approx(7.3951, abs=1e-4)
    assert verdict.margin == pytest.approx(0.3951, abs=1e-4)  # above the low end, 7 %
    assert verdict.basis == "annual_rates"


def test_closed_growth_target_above_the_range_is_met():
    verdict = assess(rate_target(7, 7.5, "range"), [Observation(y, 8) for y in range(2021, 2026)])
    assert verdict.status == "met" and verdict.achieved == pytest.approx(8)


def test_lower_bound_not_reached():
    # "ít nhất 8 %/năm", and the congress reported 7,5 % on average for the period
    verdict = assess(rate_target(8, 8, "at_least"), [Observation(2025, 7.5, "official", period_start=2021)])
    assert verdict.status == "not_met" and verdict.basis == "period_average"
    assert verdict.margin == pytest.approx(-0.5)


def test_a_missing_year_is_not_filled_in():
    # 2023 is missing: the annual series is incomplete and no period average was reported
    observations = [Observation(y, 7) for y in (2021, 2022, 2024, 2025)]
    verdict = assess(rate_target(7, 7, "at_least"), observations)
    assert not verdict.closed
    assert verdict.current_year == 2022  # only the consecutive years from the start of the period count


def test_open_growth_target_ratio_and_rate_still_required():
    # 10 %/year over 2026–2030; 2026 grew 8 %: R = 8 / 10 = 0.8 → acceleration needed;
    # still required: (1.1^5 / 1.08)^(1/4) - 1 = (1.61051 / 1.08)^0.25 - 1 = 1.491213^0.25 - 1 = 10.506 %
    verdict = assess(rate_target(10, 10, "at_least", 2026, 2030), [Observation(2026, 8)])
    assert verdict.status == "acceleration_needed" and not verdict.closed
    assert verdict.ratio == pytest.approx(0.8)
    assert verdict.required_remaining == pytest.approx(10.506, abs=1e-3)
    assert required_remaining_rate(10, [8], 5) == pytest.approx(10.506, abs=1e-3)


def test_target_already_reached():
    # services share at least 50 % by 2030; 41,6 % in 2020 and 51 % in 2025
    verdict = assess(level_target(50, 50, "at_least", 2030), [Observation(2020, 41.6), Observation(2025, 51)])
    assert verdict.status == "target_achieved"
    assert verdict.base_year == 2020 and verdict.current_year == 2025


def test_open_share_target_progress_ratio():
    # about 50 % by 2030 from 41,6 % in 2020, 43,0 % in 2025:
    # observed CAGR (43/41.6)^(1/5) - 1 = 0.6642 %; required (50/41.6)^(1/10) - 1 = 1.8562 %; R = 0.3578
    verdict = assess(level_target(50, 50, "about", 2030), [Observation(2020, 41.6), Observation(2025, 43.0)])
    assert verdict.ratio == pytest.approx(0.3578, abs=1e-4)
    assert verdict.status == "limited_progress"


def test_falling_indicator_where_lower_is_better():
    # at most 2 % by 2030, from 4 % in 2020 to 3 % in 2025: observed (3/4)^(1/5) - 1 = -5.591 %,
    # required (2/4)^(1/10) - 1 = -6.697 %; R = -1 × -5.5913 / 6.6967 = 0.8349
    verdict = assess(level_target(2, 2, "at_most", 2030, higher_is_better=False),
                     [Observation(2020, 4.0), Observation(2025, 3.0)])
    assert verdict.ratio == pytest.approx(0.8349, abs=1e-4)
    assert verdict.status == "acceleration_needed"
    # the same indicator rising is moving away
    worse = assess(level_target(2, 2, "at_most", 2030, higher_is_better=False),
                   [Observation(2020, 4.0), Observation(2025, 4.5)])
    assert worse.status == "moving_away" and worse.ratio < 0


def test_one_observation_is_not_assessable():
    verdict = assess(level_target(50, 50, "at_least", 2030), [Observation(2025, 43)])
    assert verdict.status == "not_assessable"
    assert assess(level_target(50, 50, "at_least", 2030), []).status == "not_assessable"
    assert assess(rate_target(10, 10, "at_least", 2026, 2030), []).status == "not_assessable"


def test_a_revision_that_flips_the_verdict_is_flagged():
    # at least 45 % in 2025: first estimated at 44,8 % (not met), revised to 45,2 % (met)
    verdict = assess(level_target(45, 45, "at_least", 2025),
                     [Observation(2025, 45.2, "revised", previous_value=44.8)])
    assert verdict.status == "met" and verdict.flipped_from == "not_met"
    assert verdict.vintages == ("revised",)
    steady = assess(level_target(45, 45, "at_least", 2025), [Observation(2025, 46, "revised", previous_value=45.5)])
    assert steady.flipped_from is None


def test_thresholds_and_cagr():
    assert [classify_ratio(r) for r in (1.2, 0.95, 0.94, 0.6, 0.59, 0.0, -0.01)] == [
        "on_track", "on_track", "acceleration_needed", "acceleration_needed", "limited_progress",
        "limited_progress", "moving_away"]
    assert cagr(121, 100, 2022, 2020) == pytest.approx(0.1)
    with pytest.raises(ValueError):
        cagr(1, 1, 2020, 2020)
    assert math.isfinite(cagr(0.5, 1, 2021, 2020))


def _achieved_row(achieved_id, year, value, period_start=None):
    return {"achieved_id": achieved_id, "province_era": 63, "province_code": "31", "indicator": "services_growth",
            "unit": "pct_per_year", "year": year, "value": value, "vintage": "estimate", "period_start": period_start,
            "previous_value": None, "is_latest": True}


def _target_row(target_id, year, start, end, value):
    return {"target_id": target_id, "kind": "target", "province_era": 63, "province_code": "31",
            "indicator": "services_growth", "unit": "pct_per_year", "value_low": value, "value_high": value,
            "comparator": "about", "higher_is_better": True, "target_year": year, "period_start": start,
            "period_end": end, "document_id": "HPG-117-2020"}


def test_a_verdict_names_only_the_values_it_rests_on():
    # The former Hải Phòng: services grew 5,64 % in 2020, 9,06 % in 2022, 10,02 % in 2023 (2021 unpublished).
    # "khoảng 9,89 %" for 2020 is judged on 2020 alone; "khoảng 10,4 %/năm" for 2021–2025 cannot be judged
    # (its first year is missing), though three values of the series are published.
    from dashboard_lib.progress import progress_rows
    achieved = [_achieved_row("A-2020", 2020, 5.64, 2020), _achieved_row("A-2022", 2022, 9.06, 2022),
                _achieved_row("A-2023", 2023, 10.02, 2023)]
    single, period = progress_rows([_target_row("T-2020", 2020, 2020, 2020, 9.89),
                                    _target_row("T-2125", 2025, 2021, 2025, 10.4)], achieved, {})
    assert single["status"] == "not_met" and single["achieved"] == pytest.approx(5.64)
    assert single["achieved_ids"] == "A-2020"
    assert single["considered_ids"] == "A-2020;A-2022;A-2023"
    assert period["status"] == "not_assessable" and period["achieved_ids"] == ""
    assert period["considered_ids"] == "A-2020;A-2022;A-2023"


def test_an_open_level_target_rests_on_its_base_and_latest_values():
    # services share 30 % (2020) → 33 % (2023), target 40 % in 2030: the base and the latest value, not 2021–2022
    verdict = assess(level_target(40, 40, "exact", 2030), [Observation(y, v) for y, v in
                                                           ((2020, 30), (2021, 31), (2022, 32), (2023, 33))],
                     base=Observation(2020, 30))
    assert [o.year for o in verdict.used] == [2020, 2023]


def test_a_ratio_reads_with_two_decimals_and_a_true_minus_sign():
    from dashboard_lib.formatting import ratio_text
    assert ratio_text(0.7, "vi") == "0,70" and ratio_text(0.7, "en") == "0.70"  # beside 0,75: the same precision
    assert ratio_text(-25.18, "vi") == "−25,18"  # U+2212, not a hyphen
    assert ratio_text(-0.001, "en") == "0.00"  # no "−0.00"
    assert ratio_text(float("nan"), "vi") == "–"
