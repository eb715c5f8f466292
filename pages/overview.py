"""Tổng quan / Overview: what the dashboard is, the plans loaded, counts, national benchmarks."""
from __future__ import annotations

import streamlit as st

from dashboard_lib import data, tables
from dashboard_lib.i18n import t

lang = st.session_state["lang"]
version = st.session_state["warehouse_version"]

st.title(t("app.title", lang))
st.markdown(f"**{t('app.tagline', lang)}**")
st.markdown(t("home.intro", lang))

documents = data.documents(version)
targets = data.targets(version)
provincial = documents[documents["scope"] == "provincial"]

columns = st.columns(4)
columns[0].metric(t("home.metric.plans", lang), len(provincial))
columns[1].metric(t("home.metric.values", lang), int(provincial["n_values"].sum()))
columns[2].metric(t("home.metric.indicators", lang), targets.loc[targets["scope"] == "provincial", "indicator"].nunique())
verified = targets["citation_verified"].fillna(False).astype(bool)
columns[3].metric(t("home.metric.verified", lang), f"{int(verified.sum())}/{int((targets['scope'] == 'provincial').sum())}")

st.subheader(t("home.plans", lang))
st.dataframe(tables.plans_table(provincial, lang), hide_index=True, width="stretch")

st.subheader(t("home.counts", lang))
st.caption(t("home.counts.caption", lang))
st.dataframe(tables.counts_by_province_and_sector(targets[targets["scope"] == "provincial"], data.sectors(version), lang),
             width="stretch")

st.subheader(t("home.benchmarks", lang))
st.dataframe(tables.benchmarks_table(targets[targets["scope"] == "national"], lang), hide_index=True, width="stretch")
st.caption(t("home.benchmarks.note", lang))

info = data.build_info(version)
st.caption(t("home.build", lang, built_at=info["built_at"].replace("T", " ")[:16], n_documents=info["n_documents"]))
