"""Nhiệm vụ & phân công / Tasks: who must do what, by when, in each plan."""
from __future__ import annotations

import functools

import streamlit as st

from dashboard_lib import data, export_ui, page, state, widgets
from dashboard_lib import tasks as lib
from dashboard_lib.i18n import t

lang, version = page.context()

st.title(t("tasks.title", lang))
st.markdown(t("tasks.intro", lang))

tasks, links, agencies = lib.load(version)
sectors = data.sectors(version)
if tasks.empty:
    st.info(t("tasks.none_loaded", lang))
    st.stop()

filters, problems = lib.filter_widgets(tasks, links, agencies, sectors, lang)
widgets.notice_invalid_url(problems, lang)
built_on = str(data.build_info(version)["built_at"])[:10]

selection = lib.filter_tasks(tasks, links, agencies, filters, with_cell=False)
if selection.empty:
    st.info(t("tasks.empty", lang))
    st.stop()

counts = lib.matrix_counts(selection, links, agencies, sectors, filters, lang)
if filters.cell is not None and counts[(counts["agency_key"] == filters.cell[0])
                                      & (counts["sector"] == filters.cell[1])].empty:
    st.info(t("tasks.cell.gone", lang))
    filters.cell = None
    state.set_url("cell", None)
shown = lib.filter_tasks(tasks, links, agencies, filters)

metrics = st.columns(4)
metrics[0].metric(t("tasks.metric.tasks", lang), len(shown))
metrics[1].metric(t("tasks.metric.plans", lang), shown["document_id"].nunique())
metrics[2].metric(t("tasks.metric.reporting", lang), int(shown["is_reporting"].fillna(False).sum()))
metrics[3].metric(t("tasks.metric.deadlines", lang), int((shown["timing_kind"] == "annual_date").sum()))

source = widgets.source_line(list(selection["document_number"]), built_on, lang)
if counts.empty:
    st.info(t("tasks.matrix.empty", lang))
else:
    key = lib.matrix_key()
    st.plotly_chart(lib.matrix_figure(counts, filters, lang, source), key=key, on_select=functools.partial(
        lib.on_matrix_select, key), selection_mode="points", config={"displayModeBar": False})
    st.caption(t("tasks.matrix.subtitle", lang) + " " + t("tasks.matrix.caption", lang))
    matrix = lib.matrix_export(counts, filters, lang)
    widgets.csv_download(matrix, "nhiem-vu-ma-tran", lang, "tasks_matrix_csv")
    export_ui.chart_export(lib.matrix_figure(counts, filters, lang, source), key="tasks_matrix", lang=lang,
                           source=selection["document_number"], data_frame=matrix)

if filters.cell is not None:
    agency_label = dict(zip(counts["agency_key"], counts["agency_label"]))
    sector_label = dict(zip(counts["sector"], counts["sector_label"]))
    columns = st.columns([4, 1])
    columns[0].info(t("tasks.cell.selected", lang, agency=agency_label[filters.cell[0]],
                      sector=sector_label[filters.cell[1]], n=len(shown)))
    columns[1].button(t("tasks.cell.clear", lang), on_click=lib.clear_cell, icon=":material/close:")

st.subheader(t("tasks.deadlines.title", lang))
deadlines = lib.deadline_table(shown, lang)
if deadlines.empty:
    st.caption(t("tasks.deadlines.empty", lang))
else:
    st.dataframe(deadlines, hide_index=True, width="stretch", key="tasks_deadlines",
                 height=lib.table_height(len(deadlines)))
    widgets.csv_download(deadlines, "nhiem-vu-han-bao-cao", lang, "tasks_deadlines_csv")

st.subheader(t("tasks.list.title", lang, n=len(shown)))
st.caption(t("tasks.list.caption", lang))
table = lib.task_table(shown, lang)
picked = st.dataframe(lib.highlight_deadlines(table, shown), hide_index=True, width="stretch",
                      row_height=lib.LIST_ROW_HEIGHT, height=lib.table_height(len(shown), lib.LIST_ROW_HEIGHT, 760),
                      key="tasks_list", column_config=lib.list_column_config(lang), on_select="rerun",
                      selection_mode="single-row")
widgets.csv_download(lib.list_export(shown, lang), "nhiem-vu", lang, "tasks_list_csv")
st.caption(widgets.source_line(list(shown["document_number"]), built_on, lang))
rows = picked.selection.rows if picked is not None else []
if rows and rows[0] < len(shown):
    lib.task_card(shown.iloc[rows[0]], lang)
else:
    st.caption(t("tasks.card.hint", lang))
