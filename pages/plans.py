"""Văn bản / Plans and sources: every plan with its metadata and the national decision it implements,
all its targets, a search over the verbatim citations, and a link to each target's clause.

URL: doc (a document id or absent for all), q (search text), fold (1 = ignore diacritics, default),
target (a target id: the page opens on that clause).
"""
from __future__ import annotations

import functools

import streamlit as st

from dashboard_lib import data_package_ui, formatting, page, state, widgets
from dashboard_lib import plans as lib
from dashboard_lib.i18n import t

lang, version = page.context()
problems: list[str] = []
ALL = lib.ALL

st.title(t("nav.plans", lang))
st.caption(t("plans.intro", lang))
data_package_ui.download_button(version, lang)  # the whole dataset, one click

documents = lib.documents(version, lang, widgets.LIST_LIMIT)

# ---------------------------------------------------------------- the linked target (?target=ID)
url_target = st.query_params.get("target")
linked = lib.target(version, url_target)
if url_target is not None and linked is None:
    problems.append("target")
    state.set_url("target", None)

fresh = "plans_doc" not in st.session_state
if fresh:
    default_doc = linked["document_id"] if linked is not None else ALL
    state.seed("plans_doc", state.url_value("doc", [ALL, *documents.ids], default_doc, problems))
    state.seed("plans_query", state.url_text("q", problems))
    state.seed("plans_fold", state.url_flag("fold", True, problems))
    st.session_state["plans_selected"] = None  # a row chosen on an earlier visit is not this link's target
widgets.notice_invalid_url(problems, lang)
top_slot = st.container()


def show_clause(row, key: str, closable: bool) -> None:
    if lib.clause_card(row, key, closable, lang):
        state.set_url("target", None)
        st.session_state.pop("plans_table", None)
        st.rerun()


# ---------------------------------------------------------------- every plan
st.subheader(t("plans.all", lang))
st.dataframe(documents.table, hide_index=True, width="stretch", column_config=widgets.fitted_columns(
    documents.table, lang))
note = widgets.capped_note(len(documents.table), documents.total, "plans.all.capped", lang)
st.caption(t("plans.all.caption", lang) + (f" {note}" if note else ""))
if note:
    widgets.csv_download(functools.partial(lib.documents_csv, version, lang), "dich-vu-2030-documents", lang,
                     "plans_documents_csv")

# ---------------------------------------------------------------- one plan, its targets, the search
st.subheader(t("plans.targets", lang))
filters = st.columns([2, 2, 1], vertical_alignment="bottom")
doc = filters[0].selectbox(t("plans.filter.doc", lang), [ALL, *documents.ids], key="plans_doc",
                           format_func=lambda d: t("plans.filter.all_docs", lang) if d == ALL else documents.labels[d])
query = filters[1].text_input(t("plans.filter.search", lang), key="plans_query", max_chars=200,
                              placeholder=t("plans.filter.search.placeholder", lang))
fold = filters[2].toggle(t("plans.filter.fold", lang), key="plans_fold", help=t("plans.filter.fold.help", lang))
state.sync_url("doc", doc, ALL)
state.sync_url("q", query.strip() or None)
state.sync_url("fold", "1" if fold else "0", "1")


def open_document(document_id: str) -> None:
    st.session_state["plans_doc"] = document_id


if doc != ALL:
    card = lib.plan_card(version, lang, doc)
    with st.container(border=True):
        st.markdown(f"**{card.title}**")
        for cell, lines in zip(st.columns(3), card.lines):
            for line in lines:
                cell.markdown(line)
        if card.implements is not None:
            st.markdown(card.implements)
            st.button(t("plans.meta.open", lang, number=card.implements_number), key="plans_open_national",
                      on_click=open_document, args=(card.implements_id,), icon=":material/arrow_forward:")
        if card.followers is not None:
            st.markdown(card.followers)
        if card.note is not None:
            st.caption(card.note)

found = lib.targets(version, lang, doc, query, fold, widgets.LIST_LIMIT)
if found.total == 0:
    st.info(widgets.t_markdown("plans.search.none", lang, query=query.strip()) if found.searching else t("plans.targets.none", lang))
    selected = None
else:
    st.caption(t("plans.search.count" if found.searching else "plans.targets.count", lang,
                 n=formatting.number(found.total, lang, 0)))
    event = st.dataframe(
        found.table, hide_index=True, width="stretch", height=min(36 + 35 * len(found.table), 460), key="plans_table",
        on_select="rerun", selection_mode="single-row",
        column_config=widgets.fitted_columns(found.table, lang, {
            # shown by the clause card (a row clicked) and kept in the CSV: the list fits a 1440 px screen with
            # its province, indicator and citation readable; the source tier stays: it is always visible
            # (the card has the clause's link, its section and where it was read); the clause itself is shown
            # when searching the citations, where the matching words are what the reader scans for
            **{t(key, lang): None for key in ("col.section", "plans.col.link", "col.source", "col.source_url",
                                                "col.kind", "col.sector", "plans.col.verified",
                                                *(() if found.searching else ("col.citation",)))}, "ID": None}))
    note = widgets.capped_note(len(found.table), found.total, "plans.targets.capped", lang)
    if note:
        st.caption(note)
    rows = [r for r in (event.selection.rows if event is not None else []) if 0 <= r < len(found.ids)]
    selected = lib.target(version, found.ids[rows[0]]) if rows else None
    widgets.csv_download(functools.partial(lib.targets_csv, version, lang, doc, query, fold),
                     "dich-vu-2030-targets" if doc == ALL else f"dich-vu-2030-{doc}", lang, "plans_csv")

previous = st.session_state.get("plans_selected")
if selected is not None:
    st.session_state["plans_selected"] = selected["target_id"]
    state.set_url("target", selected["target_id"])
    show_clause(selected, "selected", closable=False)
elif previous is not None:
    # The reader cleared the row selection: the clause closes and the link forgets it.
    st.session_state["plans_selected"] = None
    state.set_url("target", None)
    linked = None

if selected is None and linked is not None and st.query_params.get("target") == linked["target_id"]:
    with top_slot:
        show_clause(linked, "linked", closable=True)
