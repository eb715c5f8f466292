"""Mục tiêu theo lĩnh vực / Sector targets: one indicator at a time, compared across provinces.

Filters (all in the URL): sector, province, indicator, kind, year, national; the chart/table tab is `view`.
"""
from __future__ import annotations

import streamlit as st

from dashboard_lib import data, export_ui, page, state, widgets
from dashboard_lib import sector_targets as sector_targets_lib
from dashboard_lib.i18n import t

lang, version = page.context()
problems: list[str] = []
KINDS = ("target", "baseline", "project_scale")
VIEWS = ("chart", "table")
DEFAULT_SECTORS = ["services"]
DEFAULT_INDICATOR = "services_growth"

st.title(t("nav.sector_targets", lang))
st.caption(t("sector.intro", lang))

choices = sector_targets_lib.sector_choices(version, lang)  # cached per (warehouse, language)
names = choices["names"]
sector_labels = choices["sector_labels"]
sector_options = choices["sector_options"]
province_options = choices["province_options"]
indicator_labels = choices["indicator_labels"]

# A fresh page (new link, or back from another page) reads its filters from the URL, once.
fresh = "sector_sectors" not in st.session_state
if fresh:
    state.seed("sector_sectors", state.url_values("sector", sector_options, DEFAULT_SECTORS, problems))
    state.seed("sector_provinces", state.url_values("province", province_options, province_options, problems))
    state.seed("sector_kinds", state.url_values("kind", KINDS, list(KINDS), problems))
    state.seed("sector_national", state.url_flag("national", True, problems))

top = st.columns([1, 1])
chosen_sectors = top[0].multiselect(t("sector.filter.sector", lang), sector_options, key="sector_sectors",
                                    format_func=sector_labels.get, placeholder=t("sector.filter.placeholder", lang))
chosen_provinces = top[1].multiselect(t("sector.filter.province", lang), province_options, key="sector_provinces",
                                      format_func=names.get, placeholder=t("sector.filter.placeholder", lang))
state.sync_url("sector", chosen_sectors, DEFAULT_SECTORS)
state.sync_url("province", chosen_provinces, province_options)

# Indicators of the chosen sectors that some chosen province states, most widely stated first.
pool = sector_targets_lib.sector_pool(version, lang, tuple(chosen_sectors), tuple(chosen_provinces))
spread = dict(pool["options"])
indicator_options = list(spread)
default_indicator = DEFAULT_INDICATOR if DEFAULT_INDICATOR in indicator_options else \
    (indicator_options[0] if indicator_options else None)
if fresh:
    state.seed("sector_indicator", state.url_value("indicator", indicator_options, default_indicator, problems))
state.keep_valid("sector_indicator", indicator_options, default_indicator)

middle = st.columns([2, 1], vertical_alignment="bottom")
indicator = middle[0].selectbox(
    t("sector.filter.indicator", lang), indicator_options, key="sector_indicator",
    format_func=lambda k: t("sector.indicator.option", lang, label=indicator_labels[k], n=int(spread[k])),
    placeholder=t("sector.filter.none", lang))
state.sync_url("indicator", indicator, DEFAULT_INDICATOR)  # explicit unless the page default

has_national = indicator in choices["national_indicators"]
with middle[1]:
    compare = st.toggle(t("sector.filter.national", lang), key="sector_national", disabled=not has_national,
                        help=None if has_national else t("sector.no_national", lang))
state.sync_url("national", "1" if compare else "0", "1")
compare = compare and has_national

bottom = st.columns([1, 1])
chosen_kinds = bottom[0].pills(t("sector.filter.kind", lang), KINDS, selection_mode="multi", key="sector_kinds",
                               format_func=lambda k: t(f"kind.{k}", lang))
state.sync_url("kind", chosen_kinds, list(KINDS))

# Source tiers: an analyst can keep only values read in a plan's own text, or leave the press out.
if fresh:
    state.seed("sector_tiers", state.url_values("tier", data.SOURCE_TIERS, list(data.SOURCE_TIERS), problems))
chosen_tiers = st.pills(t("sector.filter.tier", lang), data.SOURCE_TIERS, selection_mode="multi", key="sector_tiers",
                        format_func=lambda k: t(f"tier.{k}", lang), help=t("sector.filter.tier.help", lang))
state.sync_url("tier", chosen_tiers, list(data.SOURCE_TIERS))
tiers = tuple(chosen_tiers) or data.SOURCE_TIERS  # none chosen means all, never an empty page

selected = (indicator, tuple(chosen_provinces), tuple(chosen_kinds))  # the selection before the year filter
year_options = sector_targets_lib.sector_years(version, *selected, compare, tiers)
if fresh:
    state.seed("sector_years", state.url_values("year", year_options, year_options, problems))
state.keep_valid("sector_years", year_options, year_options, multi=True)
chosen_years = bottom[1].pills(t("sector.filter.year", lang), year_options, selection_mode="multi", key="sector_years")
state.sync_url("year", chosen_years, year_options)
view = state.url_value("view", VIEWS, "chart", problems if fresh else [])
widgets.notice_invalid_url(problems, lang)

# ---------------------------------------------------------------- what to draw, or why there is nothing
view_data = sector_targets_lib.sector_view(version, lang, *selected, tuple(chosen_years), compare, tiers)
message = None
if not chosen_sectors:
    message = t("sector.empty.sector", lang)
elif not chosen_provinces:
    message = t("sector.empty.province", lang)
elif indicator is None:
    message = t("sector.empty.indicator", lang)
elif not chosen_kinds or not chosen_years or not view_data["has_provincial"]:
    message = t("sector.empty.rows", lang)

if message:
    st.info(message)
else:
    stating = choices["stating"].get(indicator, ())
    if len(stating) == 1:
        st.info(widgets.t_markdown("sector.single", lang, province=names[stating[0]]))
    shown = set(view_data["shown"])
    missing = [names[c] for c in chosen_provinces if c not in shown]
    if missing and len(stating) > 1:
        st.caption(widgets.t_markdown("sector.missing", lang, provinces=", ".join(missing)))
    if not has_national:
        st.caption(t("sector.no_national", lang))

    labels = {"chart": t("sector.tab.chart", lang), "table": t("sector.tab.table", lang)}
    tab_key = f"sector_view_{lang}"

    def _remember_view() -> None:
        chosen = {label: key for key, label in labels.items()}.get(st.session_state.get(tab_key), "chart")
        state.sync_url("view", chosen, "chart")

    chart_tab, table_tab = st.tabs([labels["chart"], labels["table"]], default=labels[view], key=tab_key,
                                   on_change=_remember_view)
    stem = f"dich-vu-2030-{indicator}"
    with chart_tab:
        chart = view_data["chart"]  # shared by every session that makes the same selection: never modified
        st.plotly_chart(chart.figure, key="sector_chart", config={"displaylogo": False})
        widgets.csv_download(chart.csv, stem, lang, key="sector_chart_csv")
        export_ui.chart_export(chart.figure, key="sector_chart", lang=lang, source=chart.documents,
                               data_frame=chart.table, unit=chart.unit, filters={
            t("sector.filter.sector", lang): export_ui.chosen_text(chosen_sectors, sector_options,
                                                                   sector_labels.get, lang),
            t("sector.filter.province", lang): export_ui.chosen_text(chosen_provinces, province_options,
                                                                     names.get, lang),
            t("sector.filter.indicator", lang): indicator_labels[indicator],
            t("sector.filter.national", lang): export_ui.flag_text(compare, lang),
            t("sector.filter.kind", lang): export_ui.chosen_text(chosen_kinds, KINDS,
                                                                 lambda k: t(f"kind.{k}", lang), lang),
            t("sector.filter.year", lang): export_ui.chosen_text(chosen_years, year_options, str, lang)})
        st.caption(t("sector.hover_hint", lang))
    with table_tab:
        table = view_data["table"]
        st.dataframe(table, hide_index=True, width="stretch", height=widgets.rows_height(len(table)),
                     column_config=widgets.fitted_columns(table, lang))
        st.caption(widgets.escape_markdown(view_data["source"]))
        widgets.csv_download(table, f"{stem}-table", lang, key="sector_table_csv")

# ---------------------------------------------------------------- what else the chosen sectors hold
if chosen_sectors and chosen_provinces and pool["catalogue"] is not None:
    with st.expander(t("sector.catalogue", lang)):
        st.dataframe(pool["catalogue"], hide_index=True, width="stretch",
                     column_config=widgets.fitted_columns(pool["catalogue"], lang))
