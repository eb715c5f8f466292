"""Export menu under a chart, and the basket of the slide deck (Streamlit side of export.py).

A page adds one call under each chart:

    export_ui.export_controls(fig, key="sector-bars", title=title, subtitle=selection_text, unit=unit,
                              source=frame["document_number"], data_frame=frame, sources_frame=None,
                              filters={t("sector.filter.province", lang): names}, lang=lang)

Nothing is built until the user asks: the menu's buttons exist only while it is open, the files are produced
by deferred downloads (the callable runs when the button is clicked), and the figure is copied into the basket
only when "Add to slide deck" is clicked.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from . import data, export, widgets
from .i18n import t

DECK_PAGE = "pages/slide_deck.py"
Table = pd.DataFrame | pa.Table  # the data behind a chart: shared results hold Arrow tables
THUMB_WIDTH = 480


def chosen_text(chosen: Sequence | None, options: Sequence, label, lang: str) -> str:
    """A multi-choice filter as the workbook's read-me states it: the chosen labels, or 'all' when nothing narrows
    the selection (every option chosen, or none where an empty choice means all)."""
    chosen = list(chosen or [])
    if not chosen or set(chosen) >= set(options):
        return t("export.filter.all", lang)
    return ", ".join(str(label(c)) for c in chosen)


def flag_text(value: bool, lang: str) -> str:
    return t("export.filter.yes" if value else "export.filter.no", lang)


def _build_date() -> object:
    """The data build date of the warehouse being shown."""
    version = st.session_state.get("warehouse_version")
    return None if version is None else data.build_info(version).get("built_at")


@functools.lru_cache(maxsize=256)
def _plan_labels(version: data.WarehouseVersion, numbers: tuple[str, ...], lang: str) -> tuple[str, ...]:
    # A plain in-process memo (keyed by the warehouse version, so a rebuild never reuses it): a hit costs 0.15 ms
    # where Streamlit's cache hashing a chart's hundred-odd plan numbers on every rerun cost 1 ms.
    columns = ["document_number", "document_type_vi", "document_type_key", f"province_name_{lang}"]
    return tuple(export.plan_labels(list(numbers), data.documents(version)[columns], lang))  # the columns it reads


def plans_for(source: Sequence[str] | pd.Series | str | None, lang: str) -> list[str]:
    """Document numbers (what pages have in their frames) → 'Kế hoạch 117/KH-UBND — Hải Phòng'."""
    if source is None:
        return []
    if isinstance(source, str):
        source = [source]
    version = st.session_state.get("warehouse_version")
    if version is None:
        return export.plan_labels(list(source), None, lang)
    numbers = tuple(dict.fromkeys(str(n) for n in source if n is not None and str(n) != ""))
    return list(_plan_labels(version, numbers, lang))


def _add_to_deck(fig: go.Figure, title: str, subtitle: str | None, unit: str, plans: list[str], lang: str,
                 page: str) -> None:
    deck = st.session_state.setdefault(export.DECK_KEY, [])
    item = export.deck_item(fig, title=title, subtitle=subtitle, unit=unit, source=plans, lang=lang, page=page)
    if any(existing["id"] == item["id"] for existing in deck):
        st.toast(t("export.deck.already", lang), icon=":material/info:")
    elif len(deck) >= export.DECK_LIMIT:
        st.toast(t("export.deck.full", lang, limit=export.DECK_LIMIT), icon=":material/warning:")
    else:
        deck.append(item)
        st.toast(t("export.deck.added", lang, n=len(deck)), icon=":material/slideshow:")


def export_controls(fig: go.Figure, *, key: str, title: str | None, subtitle: str | None = None, unit: str = "",
                    source: Sequence[str] | pd.Series | str | None = None, data_frame: Table | None = None,
                    sources_frame: Table | None = None, filters: Mapping[str, object], lang: str) -> None:
    """One call under a chart: a menu with PNG (slide / print), SVG, PDF, XLSX and 'Add to slide deck'.

    `title`: None for the figure's own (read only when the menu is open);
    `source`: the document numbers of the plans behind the chart (e.g. frame["document_number"]);
    `subtitle`: the selection in words (None keeps the chart's own subtitle); `unit`: the unit symbol;
    `filters`: {label: value(s)} of the selection behind the chart, for the workbook's read-me sheet (required, so
    that no page forgets it: `{}` states an unfiltered view); `data_frame`: the data behind the
    chart (the XLSX data sheet; no XLSX button when None); `sources_frame`: document_number / section /
    citation for every data row (taken from `data_frame`'s columns when None). `fig` is kept, not copied:
    pass a figure the page no longer changes after this call.
    """
    # The menu's content is built only while it is open: six buttons under every chart, with their plan labels and
    # file names, cost more on each rerun than the rest of a small page. Opening it reruns the page once; its state
    # is st.session_state[f"{key}-export-menu"].
    menu = st.popover(t("export.menu", lang), icon=":material/ios_share:", key=f"{key}-export-menu",
                      on_change="rerun")
    if menu.open:
        with menu:
            _menu_content(fig, key=key, title=title, subtitle=subtitle, unit=unit, source=source,
                          data_frame=data_frame, sources_frame=sources_frame, filters=filters, lang=lang)


def _menu_content(fig: go.Figure, *, key: str, title: str | None, subtitle: str | None, unit: str,
                  source: Sequence[str] | pd.Series | str | None, data_frame: Table | None,
                  sources_frame: Table | None, filters: Mapping[str, object], lang: str) -> None:
    if title is None:
        title = export.plain_text(fig.layout.title.text)
    build_date = _build_date()
    plans = plans_for(source, lang)
    stem = export.slug(title)
    # The figure is not copied (a copy cost more than the rest of a page at a few hundred values): pages pass a
    # figure they no longer change — the cached ones are shared and never modified — and every export dresses
    # a copy of it (export.figure_for_export), so the page's object is never changed either.
    figure = fig
    dressing = dict(title=title, subtitle=subtitle, unit=unit, source=plans, build_date=build_date, lang=lang)

    def rendered(fmt: str, size: str):
        return lambda: export.export_dressed(figure, fmt, size=size, **dressing)

    missing = export.missing_packages()
    available = "chromium" not in missing
    if missing:  # say what the server lacks rather than fail on a click
        st.caption(unavailable_text(missing, lang))
    choices = [("png", "presentation", "export.png_presentation"), ("png", "print", "export.png_print"),
               ("svg", "presentation", "export.svg"), ("pdf", "print", "export.pdf")]
    for fmt, size, label in choices:
        suffix = "" if size == "presentation" or fmt != "png" else "-a4-300dpi"
        st.download_button(t(label, lang), data=rendered(fmt, size), file_name=f"{stem}{suffix}.{fmt}",
                           mime=export.MIME[fmt], key=f"{key}-export-{fmt}-{size}", on_click="ignore",
                           disabled=not available, icon=":material/image:", width="stretch")
    if data_frame is not None:
        frame, sources = widgets.snapshot(data_frame), widgets.snapshot(sources_frame)
        filters_copy = dict(filters)
        st.download_button(
            t("export.xlsx", lang),
            data=lambda: export.build_workbook(widgets.as_frame(frame), widgets.as_frame(sources), filters_copy,
                                               build_date, lang, title=title),
            file_name=f"{stem}.xlsx", mime=export.MIME["xlsx"], key=f"{key}-export-xlsx", on_click="ignore",
            icon=":material/table_view:", width="stretch")
    st.divider()
    st.button(t("export.add_to_deck", lang), key=f"{key}-export-deck", icon=":material/add_to_photos:",
              on_click=_add_to_deck, args=(figure, title, subtitle, unit, plans, lang, key), width="stretch")
    count = len(st.session_state.get(export.DECK_KEY, []))
    st.caption(t("export.deck.count", lang, n=count))


def unavailable_text(missing: Sequence[str], lang: str) -> str:
    """What figure export lacks on this server and how an administrator installs it."""
    packages = " ".join(missing)
    key = "export.unavailable" if "chromium" in missing else "export.font_missing"
    return t(key, lang, packages=packages)


def chart_export(fig: go.Figure, *, key: str, lang: str, source: Sequence[str] | pd.Series | str | None = None,
                 data_frame: Table | None = None, filters: Mapping[str, object], unit: str = "") -> None:
    """export_controls for a chart that carries its own title and subtitle (the pages' charts do)."""
    export_controls(fig, key=key, title=None, subtitle=None, unit=unit, source=source, data_frame=data_frame,
                    filters=filters, lang=lang)


# ---------------------------------------------------------------- the basket, for pages/slide_deck.py

def deck_items() -> list[dict]:
    return st.session_state.setdefault(export.DECK_KEY, [])


def deck_move(index: int, step: int) -> None:
    deck = deck_items()
    target = index + step
    if 0 <= index < len(deck) and 0 <= target < len(deck):
        deck[index], deck[target] = deck[target], deck[index]


def deck_remove(index: int) -> None:
    deck = deck_items()
    if 0 <= index < len(deck):
        del deck[index]


def deck_clear() -> None:
    st.session_state[export.DECK_KEY] = []


def build_date() -> object:
    return _build_date()


def thumbnail(item: Mapping, lang: str) -> bytes | None:
    """A small PNG of the slide image (rendering it also warms the cache for the deck download)."""
    cache = st.session_state.setdefault("deck_thumbnails", {})
    key = (item["id"], lang)
    if key in cache:
        return cache[key]
    if export.chromium_path() is None:
        return None
    try:
        png = export.export_dressed(item["figure"], "png", title="", subtitle=item.get("subtitle", ""),
                                    unit=item.get("unit", ""), source=item.get("source"),
                                    build_date=build_date(), lang=lang, size="presentation")
    except export.ExportUnavailable:
        return None
    import io

    from PIL import Image
    image = Image.open(io.BytesIO(png))
    image.thumbnail((THUMB_WIDTH, THUMB_WIDTH))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    cache[key] = out.getvalue()
    return cache[key]
