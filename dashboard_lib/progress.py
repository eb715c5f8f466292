"""Were the targets met? Progress verdicts as small pure functions: no Streamlit, no Plotly, no warehouse.

The ETL publishes the verdicts in the warehouse and the data package; the pages only draw them. The method is the
one the methods page states (docs/methods.md):

* A **closed** target (its year or period is over and the result is known) is `met`, `met_within_range` or
  `not_met`. A growth target over a period is judged on the geometric mean of the annual rates achieved; a share or
  a level on the value of the target year.
* An **open** target is judged by the progress ratio of Open SDG and Statistics Canada,
  R = observed annual growth / annual growth required from the base year to reach the target, classed
  `on_track` (R >= 0.95), `acceleration_needed` (0.60 <= R < 0.95), `limited_progress` (0 <= R < 0.60) or
  `moving_away` (R < 0); `target_achieved` when the latest value already meets it; `not_assessable` with fewer than
  two observations or no baseline. For a growth-rate target the observed annual growth is the geometric mean of the
  rates so far and the required one is the target rate itself; the average still required in the remaining years
  is reported beside it.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Open SDG's quantitative thresholds (sdg-build ProgressMeasure, method 2), as Statistics Canada publishes them.
ON_TRACK = 0.95
ACCELERATION_NEEDED = 0.60
LIMITED_PROGRESS = 0.0

CLOSED_STATUSES = ("met", "met_within_range", "not_met")
OPEN_STATUSES = ("target_achieved", "on_track", "acceleration_needed", "limited_progress", "moving_away")
STATUSES = (*CLOSED_STATUSES, *OPEN_STATUSES, "not_assessable")
VINTAGE_ORDER = ("estimate", "preliminary", "official", "revised")
METHOD_NAME = "Open SDG progress measure (Statistics Canada), geometric mean for closed growth targets"


@dataclass(frozen=True)
class Target:
    """What a plan promised: `low`..`high` (equal for one value) with its comparator, for `target_year` or, for a
    growth rate, for each year of `period_start`..`period_end`."""
    low: float
    high: float
    comparator: str  # exact, about, at_least, at_most, range
    is_rate: bool  # a growth rate per year (percent), judged on the compound average
    higher_is_better: bool = True
    target_year: int | None = None
    period_start: int | None = None
    period_end: int | None = None

    @property
    def direction(self) -> int:
        """+1 when more is better, -1 when less is: an 'at most' target points down whatever the indicator."""
        if self.comparator == "at_least":
            return 1
        if self.comparator == "at_most":
            return -1
        return 1 if self.higher_is_better else -1

    @property
    def goal(self) -> float:
        """The value that must be reached: the near end of a range (its low end when more is better)."""
        return self.low if self.direction > 0 else self.high


@dataclass(frozen=True)
class Observation:
    """An achieved value: for `year`, or a rate averaged over `period_start`..`year` (a stated period result)."""
    year: int
    value: float
    vintage: str = "official"
    period_start: int | None = None
    previous_value: float | None = None  # what the release before this one said, when this one revised it


@dataclass(frozen=True)
class Verdict:
    status: str
    closed: bool
    ratio: float | None = None  # the progress ratio R (open targets)
    achieved: float | None = None  # the value judged: a level, a share, or an average rate
    margin: float | None = None  # achieved minus the goal, signed so that positive is better
    required_remaining: float | None = None  # average rate still needed in the remaining years (rate targets)
    base_year: int | None = None
    base_value: float | None = None
    current_year: int | None = None
    basis: str = ""  # annual_rates, period_average, year_value, progress_ratio, or why it is not assessable
    vintages: tuple[str, ...] = field(default_factory=tuple)
    flipped_from: str | None = None  # the status before the latest revision, when the revision changed it
    years_missing: tuple[int, ...] = ()  # years of a rate target's period with no published rate (never filled in)
    used: tuple[Observation, ...] = ()  # the achieved values the verdict rests on (base first), for the citation


# ---------------------------------------------------------------- the maths

def compound_average(rates_pct: Sequence[float]) -> float:
    """Geometric mean of annual growth rates in percent: (prod(1 + g/100))^(1/n) - 1, in percent."""
    if not rates_pct:
        raise ValueError("no rates to average")
    product = math.prod(1 + g / 100 for g in rates_pct)
    return (product ** (1 / len(rates_pct)) - 1) * 100


def cagr(current: float, base: float, current_year: int, base_year: int) -> float:
    """Compound annual growth rate (a fraction) from `base` in `base_year` to `current` in `current_year`."""
    if current_year <= base_year:
        raise ValueError("the current year must follow the base year")
    if base == 0 or (base > 0) != (current > 0):
        raise ValueError("base and current values must be non-zero and of the same sign")
    return (current / base) ** (1 / (current_year - base_year)) - 1


def required_remaining_rate(target_rate: float, rates_so_far: Sequence[float], years_in_period: int) -> float:
    """The average rate (percent) the remaining years need for the whole period to average `target_rate`."""
    remaining = years_in_period - len(rates_so_far)
    if remaining <= 0:
        raise ValueError("no year of the period remains")
    needed = (1 + target_rate / 100) ** years_in_period / math.prod(1 + g / 100 for g in rates_so_far)
    return (needed ** (1 / remaining) - 1) * 100


def classify_ratio(ratio: float) -> str:
    if ratio >= ON_TRACK:
        return "on_track"
    if ratio >= ACCELERATION_NEEDED:
        return "acceleration_needed"
    if ratio >= LIMITED_PROGRESS:
        return "limited_progress"
    return "moving_away"


def closed_status(target: Target, achieved: float) -> tuple[str, float]:
    """met / met_within_range / not_met for an achieved value, and the margin to the goal (positive is better)."""
    margin = (achieved - target.goal) * target.direction
    if target.comparator == "range" and target.low <= achieved <= target.high:
        return "met_within_range", margin
    return ("met" if margin >= 0 else "not_met"), margin


def progress_ratio(target: Target, base_year: int, base_value: float, current_year: int,
                   current_value: float) -> float:
    """Open SDG's R for a level or share: observed CAGR over required CAGR, signed so that positive is progress."""
    observed = cagr(current_value, base_value, current_year, base_year)
    required = cagr(target.goal, base_value, target.target_year, base_year)
    if required == 0:
        return math.inf if observed * target.direction >= 0 else -math.inf
    sign = -1 if base_value < 0 else 1
    return sign * target.direction * observed / abs(required)


# ---------------------------------------------------------------- judging one target

def assess(target: Target, observations: Iterable[Observation], *, base: Observation | None = None) -> Verdict:
    """The verdict on `target` given the achieved values (newest vintage per year; previous values on revisions)."""
    observations = sorted(observations, key=lambda o: (o.year, o.period_start or o.year))
    verdict = _assess(target, observations, base)
    revised = [o for o in observations if o.previous_value is not None]
    if revised and verdict.status != "not_assessable":
        before = [Observation(o.year, o.previous_value, "previous", o.period_start) if o.previous_value is not None
                  else o for o in observations]
        base_before = base if base is None or base.previous_value is None else \
            Observation(base.year, base.previous_value, "previous", base.period_start)
        earlier = _assess(target, before, base_before)
        if earlier.status != verdict.status:
            verdict = _replace(verdict, flipped_from=earlier.status)
    return verdict


def _replace(verdict: Verdict, **changes) -> Verdict:
    from dataclasses import replace
    return replace(verdict, **changes)


def _assess(target: Target, observations: list[Observation], base: Observation | None) -> Verdict:
    if target.is_rate:
        return _assess_rate(target, observations)
    return _assess_level(target, observations, base)


def _assess_rate(target: Target, observations: list[Observation]) -> Verdict:
    start, end = target.period_start, target.period_end
    if start is None or end is None:
        return Verdict("not_assessable", False, basis="no_period")
    annual = {o.year: o for o in observations if o.period_start in (None, o.year) and start <= o.year <= end}
    stated = [o for o in observations if o.period_start == start and o.year == end]
    years = list(range(start, end + 1))
    if all(y in annual for y in years):  # the whole period, year by year
        used = [annual[y] for y in years]
        achieved = compound_average([o.value for o in used])
        status, margin = closed_status(target, achieved)
        return Verdict(status, True, achieved=achieved, margin=margin, current_year=end, basis="annual_rates",
                       vintages=tuple(o.vintage for o in used), used=tuple(used))
    if stated:  # the period's average as reported (e.g. to the congress)
        result = stated[-1]
        status, margin = closed_status(target, result.value)
        return Verdict(status, True, achieved=result.value, margin=margin, current_year=end,
                       basis="period_average", vintages=(result.vintage,), used=(result,))
    so_far = []
    for year in years:  # the consecutive years from the start of the period that are known
        if year not in annual:
            break
        so_far.append(annual[year])
    if not so_far:
        return Verdict("not_assessable", False, basis="no_observation")
    achieved = compound_average([o.value for o in so_far])
    remaining = required_remaining_rate(target.goal, [o.value for o in so_far], len(years))
    ratio = achieved / target.goal if target.goal else None
    status = classify_ratio(ratio * target.direction) if ratio is not None else "not_assessable"
    _, margin = closed_status(target, achieved)
    missing = tuple(y for y in years if y not in annual)
    return Verdict(status, False, ratio=ratio, achieved=achieved, margin=margin, required_remaining=remaining,
                   current_year=so_far[-1].year, basis="progress_ratio", vintages=tuple(o.vintage for o in so_far),
                   years_missing=missing, used=tuple(so_far))


def _assess_level(target: Target, observations: list[Observation], base: Observation | None) -> Verdict:
    year = target.target_year
    if year is None:
        return Verdict("not_assessable", False, basis="no_year")
    yearly = {o.year: o for o in observations if o.period_start in (None, o.year)}
    if year in yearly:  # the target year is over and its value known
        result = yearly[year]
        status, margin = closed_status(target, result.value)
        return Verdict(status, True, achieved=result.value, margin=margin, current_year=year, basis="year_value",
                       vintages=(result.vintage,), used=(result,))
    earlier = [o for y, o in sorted(yearly.items()) if y < year]
    if base is None:
        candidates = [o for o in earlier if o is not earlier[-1]] if earlier else []
        base = candidates[0] if candidates else None
    if not earlier or base is None:
        return Verdict("not_assessable", False, basis="no_baseline" if earlier else "no_observation")
    current = earlier[-1]
    if current.year <= base.year:
        return Verdict("not_assessable", False, base_year=base.year, base_value=base.value, basis="one_observation")
    status, margin = closed_status(target, current.value)
    common = dict(achieved=current.value, margin=margin, base_year=base.year, base_value=base.value,
                  current_year=current.year, vintages=(base.vintage, current.vintage), used=(base, current))
    if status != "not_met":
        return Verdict("target_achieved", False, basis="progress_ratio", **common)
    try:
        ratio = progress_ratio(target, base.year, base.value, current.year, current.value)
    except ValueError:
        return Verdict("not_assessable", False, basis="invalid_values", **common)
    return Verdict(classify_ratio(ratio), False, ratio=ratio, basis="progress_ratio", **common)


def newest_first(vintages: Iterable[str]) -> list[str]:
    """Vintages from the latest kind of release to the earliest (revised, official, preliminary, estimate)."""
    return sorted(vintages, key=lambda v: VINTAGE_ORDER.index(v) if v in VINTAGE_ORDER else -1, reverse=True)


# ---------------------------------------------------------------- every target of the warehouse

PROGRESS_COLUMNS = ("target_id", "status", "closed", "ratio", "achieved", "margin", "required_remaining",
                    "base_year", "base_value", "current_year", "basis", "vintages", "flipped_from", "years_missing",
                    "n_observations", "achieved_ids", "considered_ids", "method")


def _int(value) -> int | None:
    return None if value is None or value != value else int(value)


def progress_rows(targets, achieved, horizons: dict[str, int | None]) -> list[dict]:
    """One verdict per target of `targets` (v_targets rows, kind 'target') from `achieved` (v_achieved rows), as
    plain dicts for the warehouse's `progress` table. Achieved values are matched on the same era, province key,
    indicator and unit: a merged province's figures never stand for its predecessor's. `horizons` maps a document
    to its first year: the year before it is the base year of a level target when a value for it is known."""
    by_series: dict[tuple, list[dict]] = {}
    for row in achieved:
        key = (row["province_era"], row["province_code"], row["indicator"], row["unit"])
        by_series.setdefault(key, []).append(row)
    out = []
    for t in targets:
        if t["kind"] != "target":
            continue
        series = by_series.get((t["province_era"], t["province_code"], t["indicator"], t["unit"]), [])
        latest = [r for r in series if r["is_latest"]]
        observations = [Observation(int(r["year"]), float(r["value"]), r["vintage"], _int(r["period_start"]),
                                    None if r["previous_value"] is None or r["previous_value"] != r["previous_value"]
                                    else float(r["previous_value"]))
                        for r in latest]
        is_rate = t["unit"] == "pct_per_year"
        if not is_rate:  # a level is judged on single years; period averages belong to rates
            observations = [o for o in observations if o.period_start in (None, o.year)]
        target = Target(float(t["value_low"]), float(t["value_high"]), t["comparator"], is_rate,
                        bool(t["higher_is_better"]) if t["higher_is_better"] is not None else True,
                        _int(t["target_year"]), _int(t["period_start"]), _int(t["period_end"]))
        base = None
        first_year = horizons.get(t["document_id"])
        if not is_rate and first_year:
            base = next((o for o in observations if o.year == first_year - 1), None)
        verdict = assess(target, observations, base=base)
        # One latest value per (year, period) of a series: how a verdict's observations are traced back to rows.
        row_of = {(int(r["year"]), _int(r["period_start"]) or int(r["year"])): r["achieved_id"] for r in latest}
        used = sorted(row_of[(o.year, o.period_start or o.year)] for o in verdict.used)
        considered = sorted(r["achieved_id"] for r in latest)  # sorted: a build is reproducible to the byte
        out.append({"target_id": t["target_id"], "status": verdict.status, "closed": verdict.closed,
                    "ratio": verdict.ratio, "achieved": verdict.achieved, "margin": verdict.margin,
                    "required_remaining": verdict.required_remaining, "base_year": verdict.base_year,
                    "base_value": verdict.base_value, "current_year": verdict.current_year, "basis": verdict.basis,
                    "vintages": ", ".join(dict.fromkeys(verdict.vintages)), "flipped_from": verdict.flipped_from,
                    "years_missing": ", ".join(map(str, verdict.years_missing)),
                    "n_observations": len(observations), "achieved_ids": ";".join(used),
                    "considered_ids": ";".join(considered), "method": METHOD_NAME})
    return out
