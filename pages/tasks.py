"""Nhiệm vụ & phân công / Tasks: who must do what, by when, in each plan."""
from __future__ import annotations

import functools

import streamlit as st

from dashboard_lib import data, export_ui, formatting, page, state, widgets
from dashboard_lib import tasks as lib
from dashboard_lib.i18n import t

lang, version = page.context()

st.title(t("tasks.title", lang))
st.markdown(t("tasks.intro", lang))

if lib.tables(version).tasks.empty:
    st.info(t("tasks.none_loaded", lang))
    st.stop()

task_options = lib.options(version, lang)
filters, problems = lib.filter_widgets(task_options, lang)
widgets.notice_invalid_url(problems, lang)
built_on = data.built_on_text(version, lang)

view = lib.view(version, lang, filters.key(), widgets.LIST_LIMIT)
if view.n_selection == 0:
    st.info(t("tasks.empty", lang))
    st.stop()
if view.cell_cleared:
    st.info(t("tasks.cell.gone", lang))
    filters.cell = None
    state.set_url("cell", None)
key = filters.key()  # the selection shown (a cleared cell is out of it): what the CSV downloads hold

metrics = st.columns(4)
for column, label, value in zip(metrics, ("tasks.metric.tasks", "tasks.metric.plans", "tasks.metric.reporting",
                                          "tasks.metric.deadlines"),
                                (view.n_tasks, view.n_plans, view.n_reporting, view.n_annual)):
    column.metric(t(label, lang), formatting.number(value, lang, 0))

if view.counts.num_rows == 0:
    st.info(t("tasks.matrix.empty", lang))
else:
    chart_key = lib.matrix_key()
    figure = lib.matrix_chart(version, lang, key)  # shared by every session: never modified
    with st.container(key="tasks_matrix_box"):
        widgets.scroll_box("tasks_matrix_box", lib.matrix_min_width(figure))
        st.plotly_chart(figure, key=chart_key, on_select=functools.partial(lib.on_matrix_select, chart_key),
                        selection_mode="points", config={"displayModeBar": False})
    st.caption(t("tasks.matrix.subtitle", lang) + " " + t("tasks.matrix.caption", lang))
    widgets.csv_download(view.matrix, "nhiem-vu-ma-tran", lang, "tasks_matrix_csv")
    export_ui.chart_export(figure, key="tasks_matrix", lang=lang, source=view.selection_documents,
                           data_frame=view.matrix, filters=lib.filter_summary(filters, task_options, lang))

if filters.cell is not None:
    columns = st.columns([4, 1])
    columns[0].info(widgets.t_markdown("tasks.cell.selected", lang, agency=view.agency_labels[filters.cell[0]],
                      sector=view.sector_labels[filters.cell[1]], n=formatting.number(view.n_tasks, lang, 0)))
    columns[1].button(t("tasks.cell.clear", lang), on_click=lib.clear_cell, icon=":material/close:")

st.subheader(t("tasks.deadlines.title", lang))
if view.deadlines.num_rows == 0:
    st.caption(t("tasks.deadlines.empty", lang))
else:
    st.dataframe(view.deadlines, hide_index=True, width="stretch", key="tasks_deadlines",
                 height=lib.table_height(len(view.deadlines)), column_config=widgets.fitted_columns(view.deadlines, lang))
    note = widgets.capped_note(len(view.deadlines), view.n_deadlines, "tasks.table.capped", lang)
    if note:
        st.caption(note)
    widgets.csv_download(functools.partial(lib.deadlines_csv, version, lang, key), "nhiem-vu-han-bao-cao", lang,
                     "tasks_deadlines_csv")

st.subheader(t("tasks.list.title", lang, n=formatting.number(view.n_tasks, lang, 0)))
st.caption(t("tasks.list.caption", lang))
picked = st.dataframe(view.table, hide_index=True, width="stretch",
                      row_height=lib.LIST_ROW_HEIGHT,
                      height=lib.table_height(len(view.table), lib.LIST_ROW_HEIGHT, 760),
                      key="tasks_list", column_config=widgets.fitted_columns(view.table, lang, lib.list_column_config(lang)),
                      on_select="rerun",
                      selection_mode="single-row")
note = widgets.capped_note(len(view.table), view.n_tasks, "tasks.table.capped", lang)
if note:
    st.caption(note)
widgets.csv_download(functools.partial(lib.list_csv, version, lang, key), "nhiem-vu", lang, "tasks_list_csv")
st.caption(widgets.escape_markdown(widgets.source_line(view.documents, built_on, lang)))
rows = picked.selection.rows if picked is not None else []
chosen = lib.task(version, view.task_ids[rows[0]]) if rows and rows[0] < len(view.task_ids) else None
if chosen is not None:
    lib.task_card(chosen, lang)
else:
    st.caption(t("tasks.card.hint", lang))
