"""Văn bản / Plans and sources: every plan with its metadata and the national decision it implements,
all its targets, a search over the verbatim citations, and a link to each target's clause.

URL: doc (a document id or absent for all), q (search text), fold (1 = ignore diacritics, default),
target (a target id: the page opens on that clause).
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard_lib import formatting, page, state, tables, widgets
from dashboard_lib import data
from dashboard_lib.i18n import label_column, t
from dashboard_lib.widgets import escape_markdown as md

lang, version = page.context()
problems: list[str] = []
ALL = "all"

st.title(t("nav.plans", lang))
st.caption(t("plans.intro", lang))

documents = data.documents(version)
targets = data.targets(version)
documents = documents.assign(_national=documents["scope"] != "national",
                             _name=[formatting.search_key(n, True) for n in documents[label_column("province_name", lang)]]
                             ).sort_values(["_national", "_name", "issue_date"]).drop(columns=["_national", "_name"])
doc_ids = documents["document_id"].tolist()
doc_label = {r.document_id: f"{getattr(r, label_column('province_name', lang))} — {r.document_number}"
             for r in documents.itertuples()}
by_id = documents.set_index("document_id")

# ---------------------------------------------------------------- the linked target (?target=ID)
url_target = st.query_params.get("target")
linked = None
if url_target is not None:
    found = targets[targets["target_id"] == url_target]
    if found.empty:
        problems.append("target")
        state.set_url("target", None)
    else:
        linked = found.iloc[0]

fresh = "plans_doc" not in st.session_state
if fresh:
    default_doc = linked["document_id"] if linked is not None else ALL
    state.seed("plans_doc", state.url_value("doc", [ALL, *doc_ids], default_doc, problems))
    state.seed("plans_query", state.url_text("q", problems))
    state.seed("plans_fold", state.url_flag("fold", True, problems))
    st.session_state["plans_selected"] = None  # a row chosen on an earlier visit is not this link's target
widgets.notice_invalid_url(problems, lang)
top_slot = st.container()


def show_clause(row: pd.Series, key: str, closable: bool) -> None:
    """A target with its document, section and verbatim clause, and links onward."""
    unit = row[label_column("unit_symbol", lang)] or ""
    approximate = formatting.is_approximate(row["comparator"], row["value_low"], row["citation"])
    with st.container(border=True):
        st.markdown(f"**{md(t('plans.clause.heading', lang, id=row['target_id']))}**")
        left, right = st.columns([3, 2])
        with left:
            st.markdown(f"#### {md(formatting.value_label(row['value_low'], row['value_high'], row['comparator'], unit, lang, approximate))}")
            st.markdown(md(f"{row[label_column('indicator_label', lang)]} — {row[label_column('province_name', lang)]}"))
            st.caption(md(t("plans.clause.meta", lang, kind=t(f"kind.{row['kind']}", lang),
                            period=formatting.year_text(row["target_year"], row["period_start"], row["period_end"]),
                            sector=row[label_column("sector_label", lang)])))
        with right:
            st.markdown(md(t("plans.clause.where", lang, document=row["document_number"], section=row["section"])))
            st.caption(md(tables.verified_text(row["citation_verified"], lang)))
        st.markdown(f"> {md(row['citation'])}")
        if isinstance(row["note"], str) and row["note"]:
            st.caption(md(t("plans.clause.note", lang, note=row["note"])))
        links = st.columns([2, 2, 1])
        links[0].page_link("pages/sector_targets.py", label=t("plans.clause.open_sector", lang),
                           icon=":material/bar_chart:",
                           query_params={"indicator": row["indicator"], "sector": row["sector"], "lang": lang})
        links[1].markdown(f"[{md(t('plans.clause.permalink', lang))}](?target={row['target_id']}&lang={lang})")
        if closable and links[2].button(t("plans.clause.close", lang), key=f"{key}_close", icon=":material/close:"):
            state.set_url("target", None)
            st.session_state.pop("plans_table", None)
            st.rerun()


# ---------------------------------------------------------------- every plan
st.subheader(t("plans.all", lang))
st.dataframe(tables.documents_full_table(documents, lang), hide_index=True, width="stretch",
             column_config={t("plans.col.title", lang): st.column_config.TextColumn(width="large")})
st.caption(t("plans.all.caption", lang))

# ---------------------------------------------------------------- one plan, its targets, the search
st.subheader(t("plans.targets", lang))
filters = st.columns([2, 2, 1], vertical_alignment="bottom")
doc = filters[0].selectbox(t("plans.filter.doc", lang), [ALL, *doc_ids], key="plans_doc",
                           format_func=lambda d: t("plans.filter.all_docs", lang) if d == ALL else doc_label[d])
query = filters[1].text_input(t("plans.filter.search", lang), key="plans_query", max_chars=200,
                              placeholder=t("plans.filter.search.placeholder", lang))
fold = filters[2].toggle(t("plans.filter.fold", lang), key="plans_fold", help=t("plans.filter.fold.help", lang))
state.sync_url("doc", doc, ALL)
state.sync_url("q", query.strip() or None)
state.sync_url("fold", "1" if fold else "0", "1")


def open_document(document_id: str) -> None:
    st.session_state["plans_doc"] = document_id


if doc != ALL:
    plan = by_id.loc[doc]
    with st.container(border=True):
        st.markdown(f"**{md(plan[label_column('title', lang)])}**")
        cells = st.columns(3)
        cells[0].markdown(md(t("plans.meta.number", lang, number=plan["document_number"],
                              type=plan["document_type_vi"] if lang == "vi" else t(f"plans.type.{plan['document_type_key']}", lang))))
        cells[0].markdown(md(t("plans.meta.issued", lang, date=formatting.date_text(plan["issue_date"], lang),
                              issuer=plan["issuer_vi"])))
        signer = plan["signer"] if isinstance(plan["signer"], str) and plan["signer"] else t("plans.meta.unknown", lang)
        signer_title = plan["signer_title_vi"] if isinstance(plan["signer_title_vi"], str) else ""
        cells[1].markdown(md(t("plans.meta.signer", lang, signer=signer, title=signer_title).rstrip(" ,")))
        vision = f", {t('plans.meta.vision', lang, year=int(plan['vision_year']))}" if pd.notna(plan["vision_year"]) else ""
        cells[1].markdown(md(t("plans.meta.horizon", lang, start=int(plan["horizon_start"]), end=int(plan["horizon_end"])) + vision))
        mine = targets[targets["document_id"] == doc]
        checked = mine["citation_verified"].dropna()
        cells[2].markdown(md(t("plans.meta.counts", lang, targets=int(plan["n_targets"]), values=int(plan["n_values"]))))
        cells[2].markdown(md(t("plans.meta.verified", lang, verified=int(checked.astype(bool).sum()), total=len(mine))
                             if len(checked) else t("plans.meta.not_verified", lang)))
        if isinstance(plan["implements"], str) and plan["implements"] in by_id.index:
            national = by_id.loc[plan["implements"]]
            st.markdown(md(t("plans.meta.implements", lang, number=national["document_number"],
                             title=national[label_column("title", lang)])))
            st.button(t("plans.meta.open", lang, number=national["document_number"]), key="plans_open_national",
                      on_click=open_document, args=(plan["implements"],), icon=":material/arrow_forward:")
        followers = documents[documents["implements"] == doc]
        if not followers.empty:
            st.markdown(md(t("plans.meta.followers", lang, plans=", ".join(doc_label[d] for d in followers["document_id"]))))
        if isinstance(plan["note"], str) and plan["note"]:
            st.caption(md(t("plans.clause.note", lang, note=plan["note"])))

scope = targets if doc == ALL else targets[targets["document_id"] == doc]
needle = formatting.search_key(query, fold)
if needle:
    haystack = (scope["citation"].fillna("") + " \n " + scope[label_column("indicator_label", lang)].fillna("")
                + " \n " + scope["target_id"])
    scope = scope[[needle in formatting.search_key(text, fold) for text in haystack]]
order = {d: i for i, d in enumerate(doc_ids)}
scope = scope.assign(_order=scope["document_id"].map(order)).sort_values(["_order", "target_id"]) \
    .drop(columns="_order").reset_index(drop=True)

if scope.empty:
    st.info(t("plans.search.none", lang, query=query.strip()) if needle else t("plans.targets.none", lang))
    selected = None
else:
    st.caption(t("plans.search.count", lang, n=len(scope)) if needle else t("plans.targets.count", lang, n=len(scope)))
    table = tables.plan_targets_table(scope, lang)
    link_column = t("plans.col.link", lang)
    event = st.dataframe(
        table, hide_index=True, width="stretch", height=min(36 + 35 * len(table), 460), key="plans_table",
        on_select="rerun", selection_mode="single-row",
        column_config={t("col.citation", lang): st.column_config.TextColumn(width="large"),
                       t("col.indicator", lang): st.column_config.TextColumn(width="large"),
                       link_column: st.column_config.LinkColumn(display_text=t("plans.link.text", lang))})
    rows = [r for r in (event.selection.rows if event is not None else []) if 0 <= r < len(scope)]
    selected = scope.iloc[rows[0]] if rows else None
    widgets.csv_download(table.drop(columns=[link_column]), "dich-vu-2030-targets" if doc == ALL else f"dich-vu-2030-{doc}",
                         lang, key="plans_csv")

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
