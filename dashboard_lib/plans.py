"""Văn bản / Plans and sources: the plans list, one plan's card, the targets with their clauses and the search.

What the page shows is computed once per (warehouse version, language, selection) and cached; a table shows at
most LIST_LIMIT rows (its CSV download, built when clicked, holds them all). So a rerun costs the same with 7
plans and 177 values or 520 plans and 17,700 values. The Streamlit parts (`clause_card`, the cached functions)
are marked as such.
"""
from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st

from . import data, formatting, tables
from .i18n import label_column, t
from .widgets import LIST_LIMIT
from .widgets import escape_markdown as md

ALL = "all"


# ---------------------------------------------------------------- the plans

@dataclass(frozen=True)
class Documents:
    """The plans as the page lists them (shared by every session: read-only)."""
    ids: tuple[str, ...]  # national decisions first, then provinces A–Z (diacritics ignored), then issue date
    labels: Mapping[str, str]  # 'Quảng Ngãi — 1731/QĐ-UBND'
    table: pa.Table  # `tables.documents_full_table`, first `limit` rows
    total: int


def _ordered_documents(version, lang: str) -> pd.DataFrame:
    documents = data.documents(version)
    names = [formatting.search_key(n, True) for n in documents[label_column("province_name", lang)]]
    return documents.assign(_national=documents["scope"] != "national", _name=names) \
        .sort_values(["_national", "_name", "issue_date"]).drop(columns=["_national", "_name"])


@st.cache_data(show_spinner=False, max_entries=8)
def _order(version, lang: str) -> tuple[list[str], dict[str, str]]:
    """The plans' ids in page order, and their labels (Streamlit cache)."""
    ordered = _ordered_documents(version, lang)
    return list(ordered["document_id"]), {
        d: f"{n} — {number}" for d, n, number in
        zip(ordered["document_id"], ordered[label_column("province_name", lang)], ordered["document_number"])}


@data.shared(max_entries=8)
def documents(version, lang: str, limit: int = LIST_LIMIT) -> Documents:
    """The plans in page order with their labels, and the plans table up to `limit` rows."""
    ids, labels = _order(version, lang)
    ordered = _ordered_documents(version, lang)
    return Documents(ids=tuple(ids), labels=MappingProxyType(dict(labels)),
                     table=data.arrow(tables.documents_full_table(ordered.iloc[:limit], lang)), total=len(ordered))


def documents_csv(version, lang: str) -> pd.DataFrame:
    """Every plan, as the plans table shows them (its CSV download)."""
    return tables.documents_full_table(_ordered_documents(version, lang), lang)


@dataclass
class PlanCard:
    """One plan's metadata, as text for the page (data text already escaped for Markdown)."""
    title: str
    lines: list[list[str]]  # three columns of lines
    implements: str | None  # the national decision it implements: text, and the decision's id and number
    implements_id: str | None
    implements_number: str | None
    followers: str | None
    note: str | None


@st.cache_data(show_spinner=False, max_entries=64)
def plan_card(version, lang: str, doc: str) -> PlanCard:
    """The card of one plan (Streamlit cache)."""
    everything = data.documents(version)
    by_id = everything.set_index("document_id")
    plan = by_id.loc[doc]
    labels = _order(version, lang)[1]
    doc_type = plan["document_type_vi"] if lang == "vi" else formatting.document_type_text(plan["document_type_key"], lang)
    signer = plan["signer"] if isinstance(plan["signer"], str) and plan["signer"] else t("plans.meta.unknown", lang)
    signer_title = plan["signer_title_vi"] if isinstance(plan["signer_title_vi"], str) else ""
    vision = f", {t('plans.meta.vision', lang, year=int(plan['vision_year']))}" if pd.notna(plan["vision_year"]) else ""
    verified = _targets(version, lang)
    verified = verified.loc[verified["document_id"] == doc, "citation_verified"]
    checked = verified.dropna()
    lines = [
        [md(t("plans.meta.number", lang, number=plan["document_number"], type=doc_type)),
         md(t("plans.meta.issued", lang, date=formatting.date_text(plan["issue_date"], lang), issuer=plan["issuer_vi"]))],
        [md(t("plans.meta.signer", lang, signer=signer, title=signer_title).rstrip(" ,")),
         md(t("plans.meta.horizon", lang, start=int(plan["horizon_start"]), end=int(plan["horizon_end"])) + vision)],
        [md(t("plans.meta.counts", lang, targets=int(plan["n_targets"]), values=int(plan["n_values"]))),
         md(t("plans.meta.verified", lang, verified=int(checked.astype(bool).sum()), total=len(verified))
            if len(checked) else t("plans.meta.not_verified", lang))],
    ]
    implements = implements_id = implements_number = None
    if isinstance(plan["implements"], str) and plan["implements"] in by_id.index:
        national = by_id.loc[plan["implements"]]
        implements_id, implements_number = plan["implements"], national["document_number"]
        implements = md(t("plans.meta.implements", lang, number=national["document_number"],
                          title=national[label_column("title", lang)]))
    followers = everything.loc[everything["implements"] == doc, "document_id"]
    return PlanCard(
        title=md(plan[label_column("title", lang)]), lines=lines, implements=implements, implements_id=implements_id,
        implements_number=implements_number,
        followers=md(t("plans.meta.followers", lang, plans=", ".join(labels[d] for d in followers)))
        if len(followers) else None,
        note=md(t("plans.clause.note", lang, note=plan["note"])) if isinstance(plan["note"], str) and plan["note"]
        else None)


# ---------------------------------------------------------------- the targets and the search

@st.cache_resource(show_spinner=False, max_entries=4)
def _targets(version, lang: str) -> pd.DataFrame:
    """Every value in page order (plans in `documents` order, then target id). Shared, never modified."""
    frame = data.targets(version)
    order = {d: i for i, d in enumerate(_order(version, lang)[0])}
    return frame.assign(_order=frame["document_id"].map(order)).sort_values(["_order", "target_id"]) \
        .drop(columns="_order").reset_index(drop=True)


@st.cache_resource(show_spinner=False, max_entries=8)
def _haystack(version, lang: str, fold: bool) -> pd.Series:
    """What the search looks in, per value: its clause, indicator name and id (`formatting.search_key`).

    Worked out once per (warehouse version, language, folding): 0.5 s for 17,700 values, 5 ms for the real 177."""
    frame = _targets(version, lang)
    texts = (frame["citation"].fillna("") + " \n " + frame[label_column("indicator_label", lang)].fillna("")
             + " \n " + frame["target_id"])
    return pd.Series([formatting.search_key(text, fold) for text in texts], index=frame.index, dtype="str")


def _rows(version, lang: str, doc: str, query: str, fold: bool) -> np.ndarray:
    """Positions (in `_targets` order) of the values of a plan (or all) whose text holds the search."""
    frame = _targets(version, lang)
    keep = np.ones(len(frame), dtype=bool) if doc == ALL else (frame["document_id"] == doc).to_numpy()
    needle = formatting.search_key(query, fold)
    if needle:
        keep = keep & _haystack(version, lang, fold).str.contains(needle, regex=False).to_numpy(dtype=bool)
    return np.flatnonzero(keep)


@dataclass(frozen=True)
class Targets:
    """The values of a plan (or all) matching a search, as the page shows them (shared: read-only)."""
    searching: bool  # the search text has something to look for
    total: int  # values matching
    table: pa.Table  # `tables.plan_targets_table`, first `limit` of them
    ids: tuple[str, ...]  # target of each row of `table`


@data.shared(max_entries=64)
def targets(version, lang: str, doc: str, query: str, fold: bool, limit: int = LIST_LIMIT) -> Targets:
    """The values of a plan (or all) matching a search, as the page's table of `limit` rows."""
    rows = _rows(version, lang, doc, query, fold)
    head = _targets(version, lang).iloc[rows[:limit]]
    return Targets(searching=bool(formatting.search_key(query, fold)), total=len(rows),
                   table=data.arrow(tables.plan_targets_table(head, lang)), ids=tuple(head["target_id"]))


def targets_csv(version, lang: str, doc: str, query: str, fold: bool) -> pd.DataFrame:
    """Every value matching, as the table shows them without its link column (the CSV download)."""
    frame = _targets(version, lang).iloc[_rows(version, lang, doc, query, fold)]
    return tables.plan_targets_table(frame, lang).drop(columns=[t("plans.col.link", lang)])


def target(version, target_id: str | None) -> pd.Series | None:
    """One value with all its fields (None for an unknown id)."""
    if target_id is None:
        return None
    found = data.target(version, target_id)
    return None if found.empty else found.iloc[0]


# ---------------------------------------------------------------- a clause (Streamlit)

def clause_card(row: pd.Series, key: str, closable: bool, lang: str) -> bool:
    """A target with its document, section and verbatim clause, and links onward. Returns True when the
    reader closed it (its button)."""
    with st.container(border=True):
        st.markdown(f"**{md(t('plans.clause.heading', lang, id=row['target_id']))}**")
        left, right = st.columns([3, 2])
        with left:
            st.markdown(f"#### {md(formatting.stated_value(row, lang))}")
            st.markdown(md(f"{row[label_column('indicator_label', lang)]} — {row[label_column('province_name', lang)]}"))
            st.caption(md(t("plans.clause.meta", lang, kind=t(f"kind.{row['kind']}", lang),
                            period=formatting.year_text(row["target_year"], row["period_start"], row["period_end"]),
                            sector=row[label_column("sector_label", lang)])))
        with right:
            section = formatting.section_text(row["section"])
            st.markdown(md(t("plans.clause.where", lang, document=row["document_number"], section=section)
                           if section else row["document_number"]))
            st.caption(md(tables.verified_text(row["citation_verified"], lang)))
        if formatting.source_note(row, lang):  # no verbatim clause: where the value was read, never '> None'
            st.caption(md(formatting.source_note(row, lang)))
        else:
            st.markdown(f"> {md(row['citation'])}")
        if isinstance(row["note"], str) and row["note"]:
            st.caption(md(t("plans.clause.note", lang, note=row["note"])))
        links = st.columns([2, 2, 1])
        links[0].page_link("pages/sector_targets.py", label=t("plans.clause.open_sector", lang),
                           icon=":material/bar_chart:",
                           query_params={"indicator": row["indicator"], "sector": row["sector"], "lang": lang})
        # the ID is data: percent-encoded, it cannot end the link's address and add Markdown of its own
        links[1].markdown(f"[{md(t('plans.clause.permalink', lang))}](?target={quote(str(row['target_id']), safe='')}"
                          f"&lang={lang})")
        return bool(closable and links[2].button(t("plans.clause.close", lang), key=f"{key}_close",
                                                 icon=":material/close:"))
