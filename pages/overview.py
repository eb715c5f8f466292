"""Tổng quan / Overview: what the dashboard is, each province's headline services targets beside the
national benchmark, a chart comparing provinces with the national targets, what changed since the
last data build, the plans loaded, counts and the national benchmarks."""
from __future__ import annotations

import streamlit as st

from dashboard_lib import charts, export_ui, data, formatting, page, state, tables, widgets
from dashboard_lib.i18n import t
from dashboard_lib.widgets import escape_markdown as md

lang, version = page.context()
problems: list[str] = []

st.title(t("app.title", lang))
st.markdown(f"**{t('app.tagline', lang)}**")
st.markdown(t("home.intro", lang))

documents = data.documents(version)
targets = data.targets(version)
provincial = documents[documents["scope"] == "provincial"]
info = data.build_info(version)
built_on = formatting.date_text(info["built_at"][:10], lang)

columns = st.columns(4)
columns[0].metric(t("home.metric.plans", lang), len(provincial))
columns[1].metric(t("home.metric.values", lang), int(provincial["n_values"].sum()))
columns[2].metric(t("home.metric.indicators", lang), targets.loc[targets["scope"] == "provincial", "indicator"].nunique())
verified = targets["citation_verified"].fillna(False).astype(bool)
if info["citations_checked"]:
    columns[3].metric(t("home.metric.verified", lang),
                      f"{int(verified.sum())}/{int((targets['scope'] == 'provincial').sum())}")
else:  # no source texts configured for this build: say so rather than show 0
    columns[3].metric(t("home.metric.verified", lang), "–", help=t("home.metric.verified.unchecked", lang))

# ---------------------------------------------------------------- headline cards
headline = data.headline_targets(version)
rows = tables.headline_rows(headline, lang)
st.subheader(t("overview.cards", lang))
st.caption(t("overview.cards.intro", lang))
if rows.empty:
    st.info(t("overview.cards.empty", lang))
else:
    plan_of = provincial.set_index("province_code")
    provinces = list(dict.fromkeys(rows["province_code"]))
    per_row = 3
    for start in range(0, len(provinces), per_row):
        cells = st.columns(per_row)
        for cell, code in zip(cells, provinces[start:start + per_row]):
            mine = rows[rows["province_code"] == code]
            with cell.container(border=True):
                st.markdown(f"##### {md(mine['province'].iloc[0])}")
                plans = plan_of.loc[[code]] if code in plan_of.index else plan_of.iloc[0:0]
                for plan in plans.itertuples():
                    st.caption(md(t("overview.card.plan", lang, document=plan.document_number,
                                    implements=plan.implements_number or "–")))
                for indicator in data.HEADLINE_INDICATORS:
                    values = mine[mine["indicator"] == indicator]
                    label = headline.loc[headline["indicator"] == indicator, f"indicator_label_{lang}"]
                    st.markdown(f"**{md(label.iloc[0] if len(label) else indicator)}**")  # name from the data
                    if values.empty:
                        st.caption(t("overview.card.none", lang))
                    for value in values.itertuples():
                        st.markdown(f":blue-background[**{md(value.value_text)}**] · {md(value.period)}")
                        if value.national_text:
                            st.caption(md(t("overview.card.national", lang, value=value.national_text,
                                            period=value.national_period, document=value.national_document,
                                            relation=t(f"tables.relation.{value.relation}", lang))))
                        else:
                            st.caption(t("overview.card.no_national", lang))
    widgets.csv_download(tables.headline_csv(rows, lang), "dich-vu-2030-headline-targets", lang, key="overview_cards_csv")

# ---------------------------------------------------------------- chart: provinces against the national line
st.subheader(t("overview.chart", lang))
first_run = state.seed("overview_indicator", state.url_value("indicator", data.HEADLINE_INDICATORS,
                                                               data.HEADLINE_INDICATORS[0], problems))
if not first_run:
    problems.clear()
label_of = dict(zip(headline["indicator"], headline[f"indicator_label_{lang}"]))
indicator = st.segmented_control(t("overview.chart.indicator", lang), data.HEADLINE_INDICATORS,
                                 format_func=lambda key: label_of.get(key, key), key="overview_indicator",
                                 required=True)
indicator = indicator or data.HEADLINE_INDICATORS[0]
state.sync_url("indicator", indicator, data.HEADLINE_INDICATORS[0])
widgets.notice_invalid_url(problems, lang)

selection = headline[headline["indicator"] == indicator]
if selection.empty:
    st.info(t("charts.empty", lang))
else:
    plot = charts.target_ranges_data(selection, lang)
    figure = charts.target_ranges(selection, lang, built_on=built_on,
                                  subtitle=t("overview.chart.subtitle", lang, unit=plot["unit"].iloc[0]))
    st.plotly_chart(figure, key="overview_chart", config={"displaylogo": False})
    widgets.csv_download(tables.ranges_csv(plot), f"dich-vu-2030-{indicator}", lang, key="overview_chart_csv")
    export_ui.chart_export(figure, key="overview_chart", lang=lang, source=plot["document_number"],
                           data_frame=plot, unit=plot["unit"].iloc[0])
    st.caption(t("overview.chart.note", lang))

# ---------------------------------------------------------------- what changed since the last build
st.subheader(t("overview.changes", lang))
changes = data.build_changes(version)
built_at = info["built_at"].replace("T", " ")[:16]
if not bool(info.get("had_previous_build", False)):
    st.info(t("overview.changes.first", lang, built_at=built_at))
elif changes.empty:
    st.success(t("overview.changes.none", lang, built_at=built_at))
else:
    counts = changes["change"].value_counts()
    st.markdown(t("overview.changes.summary", lang, built_at=built_at, added=int(counts.get("added", 0)),
                  changed=int(counts.get("changed", 0)), removed=int(counts.get("removed", 0))))
    table = tables.changes_table(changes, lang)
    st.dataframe(table, hide_index=True, width="stretch")
    widgets.csv_download(table, "dich-vu-2030-changes", lang, key="overview_changes_csv")

# ---------------------------------------------------------------- plans, counts, national benchmarks
st.subheader(t("home.plans", lang))
st.dataframe(tables.plans_table(provincial, lang), hide_index=True, width="stretch")

st.subheader(t("home.counts", lang))
st.caption(t("home.counts.caption", lang))
st.dataframe(tables.counts_by_province_and_sector(targets[targets["scope"] == "provincial"], data.sectors(version), lang),
             width="stretch")

st.subheader(t("home.benchmarks", lang))
st.dataframe(tables.benchmarks_table(targets[targets["scope"] == "national"], lang), hide_index=True, width="stretch")
st.caption(t("home.benchmarks.note", lang))

st.caption(t("home.build", lang, built_at=built_at, n_documents=info["n_documents"]))
