"""The whole dataset in one click: every table of the warehouse as CSV and Parquet with its data dictionary, the data
package `python -m etl export-data` writes (etl/data_package.py).

The zip is built on the first click after a new warehouse version, then handed to every session as the same bytes
(a shared result per version): a build takes a second or two, a later click costs nothing."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from etl import data_package

from . import data
from .data import WarehouseVersion
from .i18n import t


@data.shared(max_entries=2)
def package_zip(version: WarehouseVersion) -> bytes:
    """The data package of this warehouse version, zipped (the same bytes for the same warehouse)."""
    return data_package.export_zip(Path(version.path))


def file_name(version: WarehouseVersion) -> str:
    return f"dich-vu-2030-data-{data.build_date(version) or 'build'}.zip"


def download_button(version: WarehouseVersion, lang: str) -> None:
    """'Download the whole dataset (CSV + Parquet)': the zip is written when clicked (Streamlit's deferred
    download), not on every run of the page."""
    st.download_button(t("datapkg.button", lang), lambda: package_zip(version), file_name=file_name(version),
                       mime="application/zip", key="data_package_zip", icon=":material/folder_zip:",
                       help=t("datapkg.help", lang, date=data.built_on_text(version, lang)))
