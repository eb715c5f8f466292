"""Plans and sources page: every plan, its targets, the citation search and links to each clause.

Expected rows come from the curated CSV files, not typed in."""
from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard_lib import formatting
from dashboard_lib.i18n import t
from dashboard_lib.widgets import t_markdown

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
PAGE = "pages/plans.py"


def curated_targets() -> pd.DataFrame:
    frames = [pd.read_csv(path, dtype={"province_code": str}) for path in sorted((DATA / "targets").glob("*.csv"))]
    return pd.concat(frames, ignore_index=True)


def documents() -> pd.DataFrame:
    return pd.read_csv(DATA / "documents.csv", dtype={"province_code": str})


def indicator_labels(lang: str) -> dict:
    frame = pd.read_csv(DATA / "indicators.csv")
    return dict(zip(frame["indicator_key"], frame[f"label_{lang}"]))


def strip_marks(text: str) -> str:
    """An independent diacritic fold for the expectations: drop combining marks, đ → d."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return " ".join("".join(c for c in text if unicodedata.category(c) != "Mn").split())


def open_page(lang: str = "vi", **params: str) -> AppTest:
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    for name in [n for n in at.query_params if n != "lang"]:
        del at.query_params[name]
    for name, value in params.items():
        at.query_params[name] = value
    at.switch_page(PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def targets_table(at: AppTest) -> pd.DataFrame:
    frames = [d.value for d in at.dataframe if "ID" in d.value.columns]
    assert frames, "no targets table"
    return frames[0]


def page_text(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption]).replace("\\", "")


# ---------------------------------------------------------------- default view

@pytest.mark.parametrize("lang", ["vi", "en"])
def test_default_view_lists_every_plan_and_every_target(app_env, lang):
    at = open_page(lang)
    plans = at.dataframe[0].value
    assert sorted(plans[t("col.document", lang)]) == sorted(documents()["document_number"])
    implements = dict(zip(plans[t("col.document", lang)], plans[t("col.implements", lang)]))
    numbers = documents().set_index("document_id")["document_number"]
    for plan in documents().itertuples():
        expected = numbers[plan.implements] if isinstance(plan.implements, str) else ""
        assert implements[plan.document_number] == expected
    shown = targets_table(at)
    assert sorted(shown["ID"]) == sorted(curated_targets()["target_id"])
    # Each target carries its verbatim clause and a link that opens this page on it.
    citations = dict(zip(curated_targets()["target_id"], curated_targets()["citation"]))
    by_id = shown.set_index("ID")
    no_clause = t("source.none", lang).rstrip(".")  # a value read from a listed source says where, never 'None'
    for target_id, citation in citations.items():
        shown_citation = by_id.loc[target_id, t("col.citation", lang)]
        if isinstance(citation, str):
            assert shown_citation == citation
        else:
            assert shown_citation.startswith(no_clause), shown_citation
            assert by_id.loc[target_id, t("col.source", lang)].startswith(
                (t("tier.official_report", lang), t("tier.press", lang)))
        assert by_id.loc[target_id, t("plans.col.link", lang)] == f"?target={target_id}&lang={lang}"


# ---------------------------------------------------------------- one plan

def test_choosing_a_plan_shows_its_metadata_and_only_its_targets(app_env):
    plan = documents()[documents()["scope"] == "provincial"].iloc[0]
    at = open_page("vi")
    at.selectbox(key="plans_doc").set_value(plan["document_id"]).run()
    assert not at.exception
    expected = curated_targets()
    expected = expected[expected["document_id"] == plan["document_id"]]
    assert sorted(targets_table(at)["ID"]) == sorted(expected["target_id"])
    text = page_text(at)
    assert plan["title_vi"] in text
    national = documents().set_index("document_id").loc[plan["implements"]]
    assert national["document_number"] in text
    assert at.query_params["doc"] == plan["document_id"]


def test_open_the_national_decision_from_a_plan(app_env):
    plan = documents()[documents()["scope"] == "provincial"].iloc[0]
    at = open_page("en", doc=plan["document_id"])
    at.button(key="plans_open_national").click().run()
    assert at.selectbox(key="plans_doc").value == plan["implements"]
    followers = documents()[documents()["implements"] == plan["implements"]]
    text = page_text(at)
    for number in followers["document_number"]:
        assert number in text


# ---------------------------------------------------------------- search

def _expected_search(needle: str, lang: str, fold: bool) -> set[str]:
    frame = curated_targets()
    labels = indicator_labels(lang)
    found = set()
    for row in frame.itertuples():
        haystack = f"{row.citation} \n {labels[row.indicator_key]} \n {row.target_id}"
        if fold:
            hit = strip_marks(needle) in strip_marks(haystack)
        else:
            hit = " ".join(needle.lower().split()) in " ".join(unicodedata.normalize("NFC", haystack).lower().split())
        if hit:
            found.add(row.target_id)
    return found


def test_search_ignores_case_and_diacritics_by_default(app_env):
    at = open_page("vi")
    at.text_input(key="plans_query").input("DU LICH").run()
    expected = _expected_search("du lich", "vi", fold=True)
    assert expected, "the search term should match something in the data"
    assert set(targets_table(at)["ID"]) == expected
    assert at.query_params["q"] == "DU LICH"


def test_search_with_diacritics_when_folding_is_off(app_env):
    at = open_page("vi", q="du lich", fold="0")
    assert at.toggle(key="plans_fold").value is False
    plain = _expected_search("du lich", "vi", fold=False)
    if plain:
        assert set(targets_table(at)["ID"]) == plain
    else:
        assert any(t_markdown("plans.search.none", "vi", query="du lich") == info.value for info in at.info)
    at.text_input(key="plans_query").input("du lịch").run()
    assert set(targets_table(at)["ID"]) == _expected_search("du lịch", "vi", fold=False)


def test_search_without_hits_says_so(app_env):
    at = open_page("en", q="zzzz-no-such-text")
    assert any(t_markdown("plans.search.none", "en", query="zzzz-no-such-text") == info.value for info in at.info)


# ---------------------------------------------------------------- links to a clause

@pytest.mark.parametrize("lang", ["vi", "en"])
def test_target_link_opens_the_page_on_its_clause(app_env, lang):
    row = curated_targets().iloc[len(curated_targets()) // 2]
    at = open_page(lang, target=row["target_id"])
    text = page_text(at)
    assert t("plans.clause.heading", lang, id=row["target_id"]) in text
    assert row["citation"] in text
    assert t("plans.clause.where", lang, document=documents().set_index("document_id").loc[row["document_id"], "document_number"],
             section=row["section"]) in text
    assert at.selectbox(key="plans_doc").value == row["document_id"]
    assert not at.info or all(t("state.invalid_url", lang) not in info.value for info in at.info)


def test_selecting_a_row_opens_its_clause_and_updates_the_link(app_env):
    at = open_page("vi")
    frame = targets_table(at)
    chosen = frame.iloc[3]["ID"]
    # AppTest cannot click a row; the selection state is what a click would set.
    at.session_state["plans_table"] = {"selection": {"rows": [3], "columns": [], "cells": []}}
    at.run()
    assert at.query_params["target"] == chosen
    citation = curated_targets().set_index("target_id").loc[chosen, "citation"]
    assert citation in page_text(at)


def test_url_restores_plan_search_and_folding(app_env):
    frame = curated_targets()
    hits = _expected_search("2030", "en", fold=True)
    plan_id = sorted(frame.loc[frame["target_id"].isin(hits) & (frame["province_code"] != "VN"), "document_id"])[-1]
    at = open_page("en", doc=plan_id, q="2030", fold="1")
    assert at.selectbox(key="plans_doc").value == plan_id
    assert at.text_input(key="plans_query").value == "2030"
    expected = {i for i in hits if i in set(frame.loc[frame["document_id"] == plan_id, "target_id"])}
    assert expected
    assert set(targets_table(at)["ID"]) == expected


def test_invalid_url_parameters_fall_back_with_a_notice(app_env):
    at = open_page("vi", target="NOPE-000", doc="NOT-A-PLAN", fold="perhaps")
    notice = " ".join(info.value for info in at.info)
    assert t("state.invalid_url", "vi") in notice
    for name in ("target", "doc", "fold"):
        assert name in notice
    assert at.selectbox(key="plans_doc").value == "all"
    assert "target" not in at.query_params
    assert sorted(targets_table(at)["ID"]) == sorted(curated_targets()["target_id"])


# ---------------------------------------------------------------- pure helpers

@pytest.mark.parametrize("text, fold, expected", [
    ("Du LỊCH  biển", True, "du lich bien"),
    ("Điện tử", True, "dien tu"),
    ("Điện tử", False, "điện tử"),
    ("Khánh Hòa", True, "khanh hoa"),
])
def test_search_key(text, fold, expected):
    assert formatting.search_key(text, fold) == expected


def test_search_key_matches_decomposed_input():
    decomposed = unicodedata.normalize("NFD", "du lịch")
    assert formatting.search_key(decomposed, False) == formatting.search_key("du lịch", False)


# ---------------------------------------------------------------- long tables (the row cap)

def _captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def _downloads(at: AppTest) -> list[str]:
    """Keys of the page's download buttons."""
    return [b.proto.id.rsplit("-", 1)[-1] for b in at.get("download_button")]


def test_real_data_tables_are_shown_whole_without_a_note(app_env):
    at = open_page("en")
    assert len(at.dataframe[0].value) == len(documents())
    assert len(targets_table(at)) == len(curated_targets())
    assert not any("Showing" in c for c in _captions(at))
    assert _downloads(at) == ["data_package_zip", "plans_csv"]  # the plans list needs none: it is all there


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_whole_dataset_downloads_in_one_click(app_env, lang):
    """At the top of the page, one button gives the data package of the warehouse the page shows: the same zip as
    `python -m etl export-data`, built once per warehouse version."""
    import io
    import zipfile

    from dashboard_lib import data, data_package_ui
    from etl import data_package
    at = open_page(lang)
    assert _downloads(at)[0] == "data_package_zip"
    button = at.get("download_button")[0]
    assert button.proto.label == t("datapkg.button", lang)
    assert button.proto.help == t("datapkg.help", lang, date=data.built_on_text(data.current_version(), lang))
    assert {"vi": "Tải toàn bộ dữ liệu (CSV + Parquet)", "en": "Download the whole dataset (CSV + Parquet)"}[lang] \
        == button.proto.label

    version = data.current_version()
    zipped = data_package_ui.package_zip(version)
    assert data_package_ui.package_zip(version) is zipped  # built once, then shared
    assert zipped == data_package.export_zip(app_env)
    assert data_package_ui.file_name(version) == f"dich-vu-2030-data-{data.build_date(version)}.zip"
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        names = archive.namelist()
    assert f"{data_package.ZIP_FOLDER}/datapackage.json" in names
    assert f"{data_package.ZIP_FOLDER}/csv/v_targets.csv" in names
    assert f"{data_package.ZIP_FOLDER}/parquet/v_targets.parquet" in names


def test_long_tables_show_part_with_a_note_and_a_complete_csv(app_env, monkeypatch):
    """Tables stop at LIST_LIMIT rows and say so; the counts and the CSV downloads cover every row."""
    from dashboard_lib import data
    from dashboard_lib import plans as lib
    from dashboard_lib import widgets
    monkeypatch.setattr(widgets, "LIST_LIMIT", 3)
    total, n_docs = len(curated_targets()), len(documents())
    at = open_page("en")
    shown = targets_table(at)
    assert len(shown) == 3 and len(at.dataframe[0].value) == 3
    captions = _captions(at)
    assert t("plans.targets.count", "en", n=total) in captions
    assert t("plans.targets.capped", "en", shown="3", total=formatting.number(total, "en", 0)) in captions
    assert any(t("plans.all.capped", "en", shown="3", total=str(n_docs)) in c for c in captions)
    assert _downloads(at) == ["data_package_zip", "plans_documents_csv", "plans_csv"]

    version = data.current_version()
    full = lib.targets_csv(version, "en", "all", "", True)  # what the CSV download writes when clicked
    assert sorted(full["ID"]) == sorted(curated_targets()["target_id"])
    assert list(full["ID"][:3]) == list(shown["ID"])
    assert t("plans.col.link", "en") not in full.columns
    assert sorted(lib.documents_csv(version, "en")[t("col.document", "en")]) == sorted(documents()["document_number"])

    # A search counts every match and its CSV holds them all; a row of the short table opens its clause.
    at.text_input(key="plans_query").input("2030").run()
    hits = _expected_search("2030", "en", fold=True)
    assert len(hits) > 3
    assert t("plans.search.count", "en", n=len(hits)) in _captions(at)
    assert set(lib.targets_csv(version, "en", "all", "2030", True)["ID"]) == hits
    chosen = targets_table(at).iloc[2]["ID"]
    at.session_state["plans_table"] = {"selection": {"rows": [2], "columns": [], "cells": []}}
    at.run()
    assert at.query_params["target"] == chosen
    assert t("plans.clause.heading", "en", id=chosen) in page_text(at)


def test_every_document_type_has_its_english_name_on_every_page(app_env):
    """The plans page failed in English ('plans.type.government_resolution' missing) once resolutions were
    loaded, while the overview and the exports wrote the key in words ('Party resolution'): one translation of
    each type, from translations.csv, everywhere."""
    from dashboard_lib.i18n import table
    keys = set(documents()["document_type_key"])
    assert {f"plans.type.{k}" for k in keys} <= set(table())
    at = open_page("en")
    assert not at.exception
    shown = {v for d in at.dataframe if t("col.document_type", "en") in d.value.columns
             for v in d.value[t("col.document_type", "en")]}
    assert shown and shown <= {t(f"plans.type.{k}", "en") for k in keys}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_target_list_always_shows_each_value_its_source_tier(app_env, lang):
    """Columns are hidden to fit a 1440 px screen; a value's source tier is never one of them, and it names the tier
    of every row (primary text, official report, press)."""
    import json
    at = open_page(lang)
    listed = next(d for d in at.dataframe if t("col.value", lang) in d.value.columns)
    columns = json.loads(listed.proto.columns)
    tier = t("col.tier", lang)
    assert not columns.get(tier, {}).get("hidden"), columns.get(tier)
    assert set(listed.value[tier]) == {t(f"tier.{k}", lang) for k in ("primary_text", "official_report", "press")}
    assert columns[t("col.value", lang)]["width"] and not columns[t("col.value", lang)].get("hidden")
