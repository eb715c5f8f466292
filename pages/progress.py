"""Tiến độ / Progress: were the targets met, and are the 2030 targets on track? The verdicts are computed by the
ETL (dashboard_lib.progress) and published in the warehouse; this page filters, shows and explains them."""
from __future__ import annotations

import streamlit as st

from dashboard_lib import export_ui, page, state, widgets
from dashboard_lib import progress_view as lib
from dashboard_lib.i18n import t

lang, version = page.context()
problems: list[str] = []

st.title(t("progress.title", lang))
st.markdown(t("progress.intro", lang))

options = lib.choices(version, lang)
provinces, indicators = options["provinces"], options["indicators"]
if not provinces:
    st.info(t("progress.none", lang))
    st.stop()

default_indicators = [i for i in lib.DEFAULT_INDICATORS if i in indicators]
first = state.seed("progress_indicators", state.url_values("indicators", tuple(indicators), default_indicators,
                                                           problems))
state.seed("progress_provinces", state.url_values("provinces", tuple(provinces), [], problems))
state.seed("progress_statuses", state.url_values("status", lib.status_options(), [], problems))
state.seed("progress_tier", state.url_value("tier", lib.TIER_FILTERS, "all", problems))
state.seed("progress_assessable", state.url_flag("assessable", True, problems))
if not first:
    problems.clear()

columns = st.columns([2, 2, 2])
chosen_indicators = columns[0].multiselect(t("progress.filter.indicators", lang), list(indicators),
                                           format_func=lambda k: indicators.get(k, k), key="progress_indicators",
                                           placeholder=t("progress.filter.all", lang))
chosen_provinces = columns[1].multiselect(t("progress.filter.provinces", lang), list(provinces),
                                          format_func=lambda k: provinces.get(k, k), key="progress_provinces",
                                          placeholder=t("progress.filter.all", lang))
chosen_statuses = columns[2].multiselect(t("progress.filter.status", lang), list(lib.status_options()),
                                         format_func=lambda s: lib.status_text(s, lang), key="progress_statuses",
                                         placeholder=t("progress.filter.all", lang))
columns = st.columns([3, 2])
tier = columns[0].segmented_control(t("progress.filter.tier", lang), lib.TIER_FILTERS,
                                    format_func=lambda k: t(f"progress.tier_filter.{k}", lang), key="progress_tier")
tier = tier or "all"
assessable = columns[1].toggle(t("progress.filter.assessable", lang), key="progress_assessable")
state.sync_url("indicators", chosen_indicators, default_indicators)
state.sync_url("provinces", chosen_provinces, [])
state.sync_url("status", chosen_statuses, [])
state.sync_url("tier", tier, "all")
state.sync_url("assessable", "1" if assessable else "0", "1")
widgets.notice_invalid_url(problems, lang)

shown = lib.selection_view(version, lang, tuple(chosen_provinces), tuple(chosen_indicators),
                           tuple(chosen_statuses), tier, assessable)  # an empty filter means "all"
if shown is None:
    st.info(t("progress.empty", lang))
    st.stop()

if shown["chart"] is not None:
    st.plotly_chart(shown["chart"], key="progress_chart", config={"displaylogo": False})
    every = t("progress.filter.all", lang)
    export_ui.chart_export(shown["chart"], key="progress_chart", lang=lang, source=shown["documents"],
                           data_frame=shown["export"], filters={
                               t("progress.filter.indicators", lang): ", ".join(indicators[i] for i in chosen_indicators)
                               or every,
                               t("progress.filter.provinces", lang): ", ".join(provinces[p] for p in chosen_provinces)
                               or every,
                               t("progress.filter.status", lang): ", ".join(lib.status_text(s, lang)
                                                                            for s in chosen_statuses) or every,
                               t("progress.filter.tier", lang): t(f"progress.tier_filter.{tier}", lang)})
widgets.html_block(shown["markup"])
st.caption(t("progress.legend", lang))
widgets.csv_download(shown["table"], "dich-vu-2030-tien-do", lang, key="progress_csv")

st.subheader(t("progress.explain.title", lang))
labels = shown["labels"]
picked = st.selectbox(t("progress.explain.pick", lang), list(labels), format_func=labels.get, key="progress_pick")
if picked is not None:
    st.markdown(lib.explanation_of(version, lang, picked))
st.caption(t("progress.method_note", lang))
