"""Trajectory maths (dashboard_lib/trajectory.py) against values computed by hand.

Hand computations are written out next to each assertion so that a reader can redo them on paper.
Plans are synthetic rows shaped like `trajectory.TARGETS_SQL` results, so these tests need no warehouse.
"""
from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboard_lib import trajectory as tr

# ---------------------------------------------------------------- synthetic plans


def row(document_id: str, province_code: str, indicator: str, measure: str, low: float, high: float | None = None,
        comparator: str = "exact", year: int = 2025, period: tuple[int, int] | None = None,
        unit: str = "pct_per_year", citation: str = "", scope: str | None = None, target_id: str | None = None,
        horizon_end: int = 2025) -> dict:
    high = low if high is None else high
    counter = row.__dict__.setdefault("n", [0])
    counter[0] += 1
    return {
        "target_id": target_id or f"{document_id}-{counter[0]:03d}", "scope": scope or (
            "national" if province_code == "VN" else "provincial"),
        "province_code": province_code, "province_name_vi": f"Tỉnh {province_code}",
        "province_name_en": f"Province {province_code}", "sector": "services", "indicator": indicator,
        "indicator_label_vi": indicator, "indicator_label_en": indicator, "measure": measure, "kind": "target",
        "value_low": float(low), "value_high": float(high), "unit": unit,
        "unit_symbol_vi": {"pct_per_year": "%/năm", "pct": "%"}.get(unit, "tấn"),
        "unit_symbol_en": {"pct_per_year": "%/year", "pct": "%"}.get(unit, "t"),
        "unit_decimals": 1, "comparator": comparator,
        "period_start": period[0] if period else pd.NA, "period_end": period[1] if period else pd.NA,
        "target_year": year, "citation": citation, "section": "", "document_id": document_id,
        "approximate": comparator == "about",  # v_targets.approximate
        "document_number": f"{document_id}/KH", "horizon_end": horizon_end, "sector_order": 1,
    }


def frame(*rows: dict) -> pd.DataFrame:
    out = pd.DataFrame(list(rows))
    out["period_start"] = out["period_start"].astype("Int64")
    out["period_end"] = out["period_end"].astype("Int64")
    return out


def growth(document_id, province, low, high=None, period=(2021, 2025), comparator="exact", indicator="services_growth"):
    return row(document_id, province, indicator, "growth_rate", low, high, comparator, year=period[1], period=period)


def share(document_id, province, low, year, high=None, comparator="about", indicator="services_share_grdp",
          citation=""):
    return row(document_id, province, indicator, "share", low, high, comparator, year=year, unit="pct",
               citation=citation)


def level(document_id, province, value, year, indicator="freight_volume"):
    return row(document_id, province, indicator, "level", value, year=year, unit="tonnes", comparator="about")


def only(paths, document_id):
    return next(p for p in paths if p.document_id == document_id)


# ---------------------------------------------------------------- compounding average growth rates

def test_compounding_8_7_percent_over_2021_2030_reaches_230_3():
    # 100 × 1.087^10 = 230.30 (1.087^2 = 1.181569, ^4 = 1.396105, ^8 = 1.949110, × 1.181569 = 2.303008)
    path = tr.compound([(2021, 2030, 8.7)])
    assert path[2020] == 100
    assert path[2030] == pytest.approx(230.3, abs=0.05)
    assert path[2021] == pytest.approx(108.7)
    assert sorted(path) == list(range(2020, 2031))


def test_range_of_rates_7_to_7_5_gives_a_band():
    # 100 × 1.07^5 = 140.255; 100 × 1.075^5 = 143.563
    paths = tr.build_paths(frame(growth("A", "60", 7, 7.5, comparator="range")), "services_growth", ["60"])
    segment = only(paths, "A").segments[0]
    assert segment.is_band
    assert segment.years == list(range(2020, 2026))
    assert segment.low[-1] == pytest.approx(140.255, abs=0.001)
    assert segment.high[-1] == pytest.approx(143.563, abs=0.001)
    assert segment.low[0] == segment.high[0] == 100
    fig = tr.figure(paths, tr.indicator_meta(frame(growth("A", "60", 7, 7.5)), "services_growth"), "en", "Source")
    filled = [trace for trace in fig.data if trace.fill == "tonexty"]
    assert len(filled) == 1 and filled[0].y[-1] == pytest.approx(143.563, abs=0.001)


def test_single_rate_is_a_line_not_a_band():
    paths = tr.build_paths(frame(growth("A", "31", 10.4, comparator="about")), "services_growth", ["31"])
    segment = only(paths, "A").segments[0]
    assert not segment.is_band
    # 100 × 1.104^5 = 164.0006
    assert segment.low[-1] == pytest.approx(164.0006, abs=0.001)
    fig = tr.figure(paths, tr.indicator_meta(frame(growth("A", "31", 10.4)), "services_growth"), "vi", "Nguồn")
    assert all(trace.fill is None for trace in fig.data)
    assert fig.layout.separators == ",."


def test_two_rates_change_the_slope_in_2025():
    plan = frame(growth("T", "38", 8.9, period=(2021, 2025)),
                 growth("T", "38", 8.5, period=(2026, 2030), comparator="about"))
    path = only(tr.build_paths(plan, "services_growth", ["38"]), "T")
    assert [s.period for s in path.segments] == [(2021, 2025), (2026, 2030)]
    values = {y: v for s in path.segments for y, v in zip(s.years, s.low)}
    assert values[2025] / values[2024] == pytest.approx(1.089)
    assert values[2026] / values[2025] == pytest.approx(1.085)
    # 100 × 1.089^5 = 153.158; × 1.085^5 (= 1.503657) = 230.297
    assert values[2025] == pytest.approx(153.158, abs=0.001)
    assert values[2030] == pytest.approx(230.297, abs=0.001)
    # the equivalent single rate over 2021–2030 is the geometric mean: exp(ln(2.302969)/10) − 1 = 8.6998 %
    assert tr.average_rate([(2021, 2025, 8.9), (2026, 2030, 8.5)]) == pytest.approx(8.6998, abs=1e-4)


def test_periods_before_2021_are_not_drawn_and_a_gap_stops_the_path():
    plan = frame(growth("H", "31", 9.89, period=(2020, 2020)), growth("H", "31", 10.4, period=(2021, 2025)))
    path = only(tr.build_paths(plan, "services_growth", ["31"]), "H")
    assert path.base_year == 2020 and path.last_year == 2025
    gap = frame(growth("G", "1", 7, period=(2021, 2023)), growth("G", "1", 8, period=(2025, 2030)))
    path = only(tr.build_paths(gap, "services_growth", ["1"]), "G")
    assert path.issue == "gap" and path.last_year == 2023
    with pytest.raises(ValueError):
        tr.compound([(2021, 2023, 7), (2025, 2030, 8)])


def test_at_least_is_an_open_lower_bound():
    plan = frame(growth("HG", "93", 8.7, period=(2021, 2030), comparator="at_least"))
    paths = tr.build_paths(plan, "services_growth", ["93"])
    segment = only(paths, "HG").segments[0]
    assert segment.bound == "lower"
    fig = tr.figure(paths, tr.indicator_meta(plan, "services_growth"), "vi", "Nguồn")
    line = fig.data[0]
    assert line.line.dash == "dash" and line.marker.symbol == "triangle-up"
    table = tr.implied_table(paths, tr.indicator_meta(plan, "services_growth"), "vi")
    column = table.columns[1]
    assert table.loc[table["Năm"] == "2020", column].item() == "100,0"   # the base year is not a bound
    assert table.loc[table["Năm"] == "2030", column].item() == "≥ 230,3"


# ---------------------------------------------------------------- shares and levels

def test_share_path_42_28_to_43_4_is_0_224_points_a_year():
    # (43.4 − 42.28) / 5 = 1.12 / 5 = 0.224 percentage points a year
    assert tr.pp_per_year(2020, 42.28, 2025, 43.4) == pytest.approx(0.224)
    plan = frame(share("HP", "31", 42.28, 2020), share("HP", "31", 43.4, 2025))
    path = only(tr.build_paths(plan, "services_share_grdp", ["31"]), "HP")
    assert path.method == "linear"
    segment = path.segments[0]
    assert segment.step == pytest.approx((0.224, 0.224))
    assert segment.low == pytest.approx([42.28, 42.504, 42.728, 42.952, 43.176, 43.4])
    table = tr.summary_table([path], tr.indicator_meta(plan, "services_share_grdp"), "vi")
    assert "+0,224 điểm %/năm (2020–2025)" in table.iloc[0, 2]


def test_share_with_a_target_only_is_a_point_and_says_why():
    plan = frame(share("Q", "51", 29, 2025, high=30, comparator="range"))
    path = only(tr.build_paths(plan, "services_share_grdp", ["51"]), "Q")
    assert path.method == "points" and path.issue == "no_baseline" and not path.segments
    fig = tr.figure([path], tr.indicator_meta(plan, "services_share_grdp"), "en", "Source")
    assert list(fig.data[0].y) == [29, 30] and fig.data[0].meta["points_only"]


def test_two_values_for_the_same_year_are_a_conflict_not_a_path():
    plan = frame(share("L", "31", 15, 2020, 20, "range", "logistics_share_grdp"),
                 share("L", "31", 8, 2025, 10, "range", "logistics_share_grdp"),
                 share("L", "31", 20, 2025, 25, "range", "logistics_share_grdp"))
    path = only(tr.build_paths(plan, "logistics_share_grdp", ["31"]), "L")
    assert path.issue == "conflict" and not path.segments


def test_geometric_interpolation_between_two_levels():
    # 207.9 → 322.7 over 5 years: (322.7/207.9)^(1/5) = 1.552189^(0.2) = 1.091915, i.e. 9.19 %/year
    path = tr.geometric(2020, 207.9, 2025, 322.7)
    assert path[2020] == pytest.approx(207.9) and path[2025] == pytest.approx(322.7)
    ratios = [path[y + 1] / path[y] for y in range(2020, 2025)]
    assert ratios == pytest.approx([1.091915] * 5, abs=1e-6)
    assert path[2021] == pytest.approx(227.009, abs=0.001)
    assert tr.cagr(207.9, 322.7, 5) == pytest.approx(9.1915, abs=1e-4)
    plan = frame(level("F", "31", 207.9e6, 2020), level("F", "31", 322.7e6, 2025))
    assert only(tr.build_paths(plan, "freight_volume", ["31"]), "F").method == "geometric"


# ---------------------------------------------------------------- projection

def test_projection_only_on_request_dotted_and_never_national():
    plan = frame(growth("B", "60", 7, 7.5, comparator="range"),
                 row("N", "VN", "services_growth", "growth_rate", 7, 7.5, "range", 2025, (2021, 2025)))
    plain = tr.build_paths(plan, "services_growth", ["60"])
    assert all(not s.projection for p in plain for s in p.segments)
    projected = tr.build_paths(plan, "services_growth", ["60"], projection=True)
    extra = [s for s in only(projected, "B").segments if s.projection]
    assert len(extra) == 1 and extra[0].years == list(range(2025, 2031))
    # the same pace continued: 140.255 × 1.07^5 = 196.715; 143.563 × 1.075^5 = 206.103
    assert extra[0].low[-1] == pytest.approx(196.715, abs=0.001)
    assert extra[0].high[-1] == pytest.approx(206.103, abs=0.001)
    assert not any(s.projection for s in only(projected, "N").segments)
    numbers = tr.implied_numbers(projected)
    assert set(numbers.loc[numbers["status"] == "projection", "year"]) == set(range(2026, 2031))
    fig = tr.figure(projected, tr.indicator_meta(plan, "services_growth"), "vi", "Nguồn")
    dotted = [trace for trace in fig.data if trace.line.dash == "dot"]
    assert dotted and all(trace.meta.get("projection") or trace.meta.get("role") == "projection_legend"
                          for trace in dotted)
    assert any("dự phóng" in (trace.name or "") for trace in dotted)
    table = tr.implied_table(projected, tr.indicator_meta(plan, "services_growth"), "vi")
    assert table.iloc[-1, 1].endswith("†")


# ---------------------------------------------------------------- the whole economy implied by a sector

def test_implied_economy_growth_identity():
    # Hải Phòng: services 10.4 %/year 2021–2025, share 42.28 % → 43.4 %:
    # 1.104 × (42.28/43.4)^(1/5) = 1.104 × 0.994783 = 1.098240, i.e. 9.82 %/year
    implied = tr.implied_economy_growth(10.4, 42.28, 43.4, 5)
    assert implied == pytest.approx(9.8242, abs=1e-3)
    # identity check: services value added S = s·Y grows 1.104^5; Y must grow S1/S0 × s0/s1
    services_factor = 1.104 ** 5
    economy_factor = services_factor * 42.28 / 43.4
    assert (1 + implied / 100) ** 5 == pytest.approx(economy_factor)
    # a constant share means the economy grows as fast as the sector
    assert tr.implied_economy_growth(7, 40, 40, 10) == pytest.approx(7)
    # 283/QĐ-TTg: 7–7.5 %/year, share 41.5–42 % (2020) → 43–44 % (2025)
    low, high = tr.implied_economy_growth_range((7, 7.5), (41.5, 42), (43, 44), 5)
    assert low == pytest.approx((1.07 * (41.5 / 44) ** 0.2 - 1) * 100)
    assert high == pytest.approx((1.075 * (42 / 43) ** 0.2 - 1) * 100)
    assert (round(low, 2), round(high, 2)) == (5.76, 7.0)


def plan_with_economy(grdp: tuple[float, float] | None):
    rows = [growth("P", "31", 10.4, comparator="about"), share("P", "31", 42.28, 2020), share("P", "31", 43.4, 2025)]
    if grdp:
        rows.append(row("P", "31", "grdp_growth", "growth_rate", grdp[0], grdp[1], "range", 2025, (2021, 2025)))
    return frame(*rows)


def test_consistency_against_the_plans_own_grdp_target():
    agree = [c for c in tr.consistency_checks(plan_with_economy((9.5, 10))) if c.kind == "economy_growth"]
    assert [c.status for c in agree] == ["consistent"]
    assert agree[0].details["implied"] == pytest.approx((9.8242, 9.8242), abs=1e-3)
    disagree = [c for c in tr.consistency_checks(plan_with_economy((8, 8.5))) if c.kind == "economy_growth"]
    assert [c.status for c in disagree] == ["inconsistent"]
    silent = [c for c in tr.consistency_checks(plan_with_economy(None)) if c.kind == "economy_growth"]
    assert [c.status for c in silent] == ["no_reference"]
    labels = {"services_growth": {"vi": "Tăng trưởng dịch vụ", "en": "Services growth"},
              "services_share_grdp": {"vi": "Tỷ trọng dịch vụ", "en": "Services share"}}
    text = tr.checks_table(disagree, labels, "vi").iloc[0]
    assert "9,8%/năm" in text["Kết quả ngụ ý"] and "8–8,5%/năm" in text["Giải thích"]
    assert text["Kết luận"] == "✖ Không nhất quán"


def test_missing_baseline_share_is_said_plainly():
    plan = frame(growth("Q", "51", 8, 9, comparator="range"), share("Q", "51", 29, 2025, 30, "range"))
    checks = tr.consistency_checks(plan)
    assert [(c.kind, c.status) for c in checks] == [("economy_growth", "missing")]
    assert checks[0].details["missing_years"] == [2020]
    labels = {"services_growth": {"en": "Services growth"}, "services_share_grdp": {"en": "Services share"}}
    assert "no share for 2020" in tr.checks_table(checks, labels, "en").iloc[0]["Explanation"]


def test_falling_share_contradicts_faster_growth_clause():
    clause = "tiếp tục duy trì tốc độ tăng trưởng cao hơn tốc độ tăng trưởng chung của nền kinh tế, chiếm tỷ trọng khoảng 35%"
    plan = frame(share("H", "93", 38, 2030), share("H", "93", 35, 2050, citation=clause))
    checks = tr.consistency_checks(plan)
    assert [(c.kind, c.status) for c in checks] == [("share_direction", "inconsistent")]
    # (35/38)^(1/20) − 1 = −0.41 %/year relative to GRDP
    assert checks[0].details["relative"] == pytest.approx((-0.4103, -0.4103), abs=1e-4)


def test_levels_against_a_stated_growth_rate_spot_a_simple_average():
    # 207.9 → 322.7 is +55.22 % in 5 years: compound 9.19 %/year, but 55.22 / 5 = 11.04 "per year"
    plan = frame(level("F", "31", 207.9e6, 2020), level("F", "31", 322.7e6, 2025),
                 growth("F", "31", 11.04, indicator="freight_volume_growth"))
    checks = [c for c in tr.consistency_checks(plan) if c.kind == "level_growth"]
    assert [c.status for c in checks] == ["inconsistent"]
    assert checks[0].details["implied"] == pytest.approx((9.1915, 9.1915), abs=1e-3)
    assert checks[0].details["simple"] == pytest.approx(11.044, abs=1e-3)
    consistent = frame(level("G", "31", 100, 2020), level("G", "31", 100 * 1.0919 ** 5, 2025),
                       growth("G", "31", 9.19, indicator="freight_volume_growth"))
    assert [c.status for c in tr.consistency_checks(consistent)] == ["consistent"]


def test_level_target_without_base_gives_the_implied_base_year_value():
    # 109,600 / 1.126^5 = 109,600 / 1.810072 = 60,550.6
    plan = frame(level("R", "60", 109600, 2025, indicator="retail_sales"),
                 growth("R", "60", 12.6, indicator="retail_sales_growth"))
    (check,) = tr.consistency_checks(plan)
    assert check.status == "missing" and check.details["missing_year"] == 2020
    assert check.details["implied_level"] == pytest.approx((60550.6, 60550.6), abs=0.1)


# ---------------------------------------------------------------- numbers for the reader

def test_csv_holds_exactly_the_numbers_drawn():
    plan = frame(growth("A", "60", 7, 7.5, comparator="range"))
    paths = tr.build_paths(plan, "services_growth", ["60"])
    meta = tr.indicator_meta(plan, "services_growth")
    csv = tr.csv_frame(tr.implied_numbers(paths), meta, "vi")
    fig = tr.figure(paths, meta, "vi", "Nguồn")
    upper = next(trace for trace in fig.data if trace.fill == "tonexty")
    assert list(csv["Năm"]) == list(upper.x)
    assert list(csv["Cận trên"]) == pytest.approx(list(upper.y))
    assert csv["Tỉnh/thành phố"].eq("Tỉnh 60").all()


def test_relative_growth_from_a_share_change():
    # 50 % → 60 % over 20 years: (60/50)^(1/20) − 1 = 0.9158 %/year faster than the economy
    assert tr.relative_growth(50, 60, 20) == pytest.approx(0.9158, abs=1e-4)
    assert not math.isnan(tr.relative_growth(38, 35, 20))


# ---------------------------------------------------------------- computed once, shown for the selection

def test_checks_are_computed_for_every_plan_then_filtered_and_ordered_by_the_selection():
    rows = [growth("A", "31", 10.4, comparator="about"), share("A", "31", 42.28, 2020), share("A", "31", 43.4, 2025),
            growth("B", "51", 8, 9, comparator="range"), share("B", "51", 29, 2025, 30, "range"),
            growth("N", "VN", 7, 7.5, comparator="range"), share("N", "VN", 41.5, 2020, 42, "range"),
            share("N", "VN", 43, 2025, 44, "range")]
    plan = frame(*rows)
    every = tr.plan_checks(plan)
    assert {c.document_id for c in every} == {"A", "B", "N"}
    assert {(c.document_id, c.scope) for c in every} == {("A", "provincial"), ("B", "provincial"), ("N", "national")}
    # the selection's order, the nation last; nothing of the provinces left out
    assert [c.document_id for c in tr.select_checks(every, ["51", "31"])] == ["B", "A", "N"]
    assert [c.document_id for c in tr.select_checks(every, ("31",))] == ["A", "N"]
    assert [c.document_id for c in tr.select_checks(every, [])] == ["N"]
    assert [c.document_id for c in tr.select_checks(every, ["31"], national=False)] == ["A"]
    # the same checks as computing them for the selection only
    for provinces in (None, ["51", "31"], ["31"], []):
        assert tr.select_checks(every, provinces) == tr.consistency_checks(plan, provinces)


def test_shown_paths_keep_the_first_provincial_plans_and_every_national_one():
    plan = frame(growth("A", "31", 7), growth("B", "51", 8), growth("C", "60", 9), growth("N", "VN", 7, 7.5))
    paths = tr.build_paths(plan, "services_growth", ["60", "31", "51"])
    assert [p.document_id for p in paths] == ["C", "A", "B", "N"]
    assert [p.document_id for p in tr.shown_paths(paths, 2)] == ["C", "A", "N"]
    assert [p.document_id for p in tr.shown_paths(paths, 5)] == ["C", "A", "B", "N"]


def test_a_hedged_range_keeps_its_about_in_the_stated_figures():
    """'khoảng 7–8%/năm' (a range the warehouse flags approximate) is stated with its 'khoảng' beside the path,
    in the points-only hover and the checks, like every other table and chart (formatting.value_label)."""
    hedged = {**growth("A", "60", 7, 8, comparator="range"), "approximate": True}
    plain = growth("B", "51", 7, 7.5, comparator="range")
    paths = tr.build_paths(frame(hedged, plain), "services_growth", ["60", "51"])
    meta = {"symbol_vi": "%/năm", "symbol_en": "%/year"}
    assert tr.stated_text(only(paths, "A"), meta, "vi") == "khoảng 7–8%/năm (2021–2025)"
    assert tr.stated_text(only(paths, "A"), meta, "en") == "about 7–8%/year (2021–2025)"
    assert tr.stated_text(only(paths, "B"), meta, "vi") == "7–7,5%/năm (2021–2025)"


def test_csv_qualifier_keeps_about_for_a_hedged_range():
    """The trajectory CSV's qualifier column dropped 'khoảng' from a hedged range (7–8 %/năm of 531/QĐ-TTg)."""
    hedged = {**growth("A", "60", 7, 8, comparator="range"), "approximate": True}
    bound = {**growth("B", "51", 8.7, comparator="at_least"), "approximate": True}
    paths = tr.build_paths(frame(hedged, bound), "services_growth", ["60", "51"])
    meta = tr.indicator_meta(frame(hedged, bound), "services_growth")
    csv = tr.csv_frame(tr.implied_numbers(paths), meta, "vi")
    from dashboard_lib.i18n import t
    by_plan = csv.groupby(t("col.document", "vi"))[t("trajectory.col.qualifier", "vi")].agg(lambda s: set(s) - {""})
    assert by_plan["A/KH"] == {"khoảng"}
    assert by_plan["B/KH"] == {"ít nhất khoảng"}
