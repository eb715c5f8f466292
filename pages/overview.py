"""Tổng quan / Overview: what the dashboard is, each province's headline services targets beside the
national benchmark, a chart comparing provinces with the national targets, what changed since the
last data build, the plans loaded, counts and the national benchmarks."""
from __future__ import annotations

import streamlit as st

from dashboard_lib import data, export_ui, page, state, widgets
from dashboard_lib import overview as overview_lib
from dashboard_lib.i18n import t

lang, version = page.context()
problems: list[str] = []

st.title(t("app.title", lang))
st.markdown(f"**{t('app.tagline', lang)}**")
st.markdown(t("home.intro", lang))

summary = overview_lib.overview_summary(version)
info = data.build_info(version)

columns = st.columns(4)
columns[0].metric(t("home.metric.plans", lang), summary["n_plans"])
columns[1].metric(t("home.metric.values", lang), summary["n_values"])
columns[2].metric(t("home.metric.indicators", lang), summary["n_indicators"])
if info["citations_checked"]:
    columns[3].metric(t("home.metric.verified", lang), f"{summary['n_verified']}/{summary['n_provincial_values']}")
else:  # no source texts configured for this build: say so rather than show 0
    columns[3].metric(t("home.metric.verified", lang), "–", help=t("home.metric.verified.unchecked", lang))

# ---------------------------------------------------------------- the 34 provinces today: 2026–2030 growth targets
st.subheader(t("overview.present", lang))
st.caption(t("overview.present.intro", lang))
present_labels = {key: t(f"overview.present.indicator.{key}", lang) for key in overview_lib.PRESENT_INDICATORS}
state.seed("overview_present", state.url_value("present", overview_lib.PRESENT_INDICATORS,
                                              overview_lib.PRESENT_INDICATORS[0], problems))
present_indicator = st.segmented_control(t("overview.chart.indicator", lang), overview_lib.PRESENT_INDICATORS,
                                         format_func=present_labels.get, key="overview_present", required=True)
present_indicator = present_indicator or overview_lib.PRESENT_INDICATORS[0]
state.sync_url("present", present_indicator, overview_lib.PRESENT_INDICATORS[0])
present = overview_lib.present_chart(version, lang, present_indicator)  # shared by every session: never modified
if present is None:
    st.info(t("charts.empty", lang))
else:
    st.plotly_chart(present.figure, key="overview_present_chart", config={"displaylogo": False})
    export_ui.chart_export(present.figure, key="overview_present_chart", lang=lang, source=present.documents,
                           data_frame=present.table, unit=present.unit,
                           filters={t("overview.chart.indicator", lang): present_labels[present_indicator]})
    present_table, gap_names = overview_lib.present_growth_table(version, lang)
    with st.expander(t("overview.present.table", lang)):
        st.dataframe(present_table, hide_index=True, width="stretch", column_config=widgets.fitted_columns(
            present_table, lang, {t(key, lang): st.column_config.LinkColumn(
                t(key, lang), display_text=t("progress.col.source.link", lang))
                for key in ("overview.present.col.source", "overview.present.col.result_source")}))
        widgets.csv_download(present_table, "dich-vu-2030-grdp-2026-2030", lang, key="overview_present_csv")
    if gap_names:
        st.caption(widgets.t_markdown("overview.present.gaps", lang, names=", ".join(gap_names)))

# ---------------------------------------------------------------- headline cards (one element for all)
cards, cards_csv, label_of = overview_lib.overview_cards(version, lang)
st.subheader(t("overview.cards", lang))
st.caption(t("overview.cards.intro", lang))
if cards is None:
    st.info(t("overview.cards.empty", lang))
else:
    widgets.html_block(cards)
    widgets.csv_download(cards_csv, "dich-vu-2030-headline-targets", lang, key="overview_cards_csv")

# ---------------------------------------------------------------- chart: provinces against the national line
st.subheader(t("overview.chart", lang))
first_run = state.seed("overview_indicator", state.url_value("indicator", data.HEADLINE_INDICATORS,
                                                               data.HEADLINE_INDICATORS[0], problems))
if not first_run:
    problems.clear()
indicator = st.segmented_control(t("overview.chart.indicator", lang), data.HEADLINE_INDICATORS,
                                 format_func=lambda key: widgets.escape_markdown(label_of.get(key, key)), key="overview_indicator",
                                 required=True)
indicator = indicator or data.HEADLINE_INDICATORS[0]
state.sync_url("indicator", indicator, data.HEADLINE_INDICATORS[0])
widgets.notice_invalid_url(problems, lang)

chart = overview_lib.overview_chart(version, lang, indicator)  # shared by every session: never modified
if chart is None:
    st.info(t("charts.empty", lang))
else:
    st.plotly_chart(chart.figure, key="overview_chart", config={"displaylogo": False})
    widgets.csv_download(chart.csv, f"dich-vu-2030-{indicator}", lang, key="overview_chart_csv")
    export_ui.chart_export(chart.figure, key="overview_chart", lang=lang, source=chart.documents,
                           data_frame=chart.table, unit=chart.unit,
                           filters={t("overview.chart.indicator", lang): label_of.get(indicator, indicator)})
    st.caption(t("overview.chart.note", lang))

# ---------------------------------------------------------------- what changed since the last build
st.subheader(t("overview.changes", lang))
built_at = info["built_at"].replace("T", " ")[:16]
if not bool(info.get("had_previous_build", False)):
    st.info(t("overview.changes.first", lang, built_at=built_at))
else:
    counts, table = overview_lib.overview_changes(version, lang)
    if table.num_rows == 0:
        st.success(t("overview.changes.none", lang, built_at=built_at))
    else:
        st.markdown(t("overview.changes.summary", lang, built_at=built_at, added=counts.get("added", 0),
                      changed=counts.get("changed", 0), removed=counts.get("removed", 0)))
        st.dataframe(table, hide_index=True, width="stretch", height=widgets.rows_height(table.num_rows),
                     column_config=widgets.fitted_columns(table, lang))
        widgets.csv_download(table, "dich-vu-2030-changes", lang, key="overview_changes_csv")

# ---------------------------------------------------------------- plans, counts, national benchmarks
plans, counts, benchmarks = overview_lib.overview_tables(version, lang)
st.subheader(t("home.plans", lang))
st.dataframe(plans, hide_index=True, width="stretch", height=widgets.rows_height(plans.num_rows),
             column_config=widgets.fitted_columns(plans, lang))

st.subheader(t("home.counts", lang))
st.caption(t("home.counts.caption", lang))
widgets.html_block(counts)

st.subheader(t("home.benchmarks", lang))
st.dataframe(benchmarks, hide_index=True, width="stretch", height=widgets.rows_height(benchmarks.num_rows),
             column_config=widgets.fitted_columns(benchmarks, lang))
st.caption(t("home.benchmarks.note", lang))

st.caption(t("home.build", lang, built_at=built_at, n_documents=info["n_documents"]))
