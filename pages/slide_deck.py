"""Bộ trình chiếu / Slide deck: the charts collected from the pages, in order, as PowerPoint or PDF."""
from __future__ import annotations

import streamlit as st

from dashboard_lib import export, export_ui, page, widgets
from dashboard_lib.i18n import t

lang, _version = page.context()

st.title(t("deck.title", lang))
widgets.notice_invalid_url([], lang)  # the page has no link parameters of its own; `lang` may still be wrong
st.markdown(t("deck.intro", lang))

deck = export_ui.deck_items()
if not deck:
    st.info(t("deck.empty", lang), icon=":material/slideshow:")
else:
    deck_title = st.text_input(t("deck.title_input", lang), value=t("deck.default_title", lang), max_chars=150,
                               key=f"deck_title_{lang}")
    st.caption(t("deck.summary", lang, n=len(deck)))
    missing = export.missing_packages()
    if missing:
        st.warning(export_ui.unavailable_text(missing, lang))

    for index, item in enumerate(deck):
        with st.container(border=True):
            picture, text, buttons = st.columns([2, 5, 1], vertical_alignment="center")
            with picture:
                image = export_ui.thumbnail(item, lang)
                if image is not None:
                    st.image(image, width="stretch")
                else:
                    st.caption(t("deck.no_thumbnail", lang))
            with text:
                st.markdown(f"**{t('deck.slide_no', lang, n=index + 2)} · {widgets.escape_markdown(item['title'])}**")
                if item.get("subtitle"):
                    st.caption(widgets.escape_markdown(item["subtitle"]))
                if item.get("source"):
                    st.caption(widgets.escape_markdown(export.source_text(item["source"], lang)))
                if item.get("lang") and item["lang"] != lang:
                    st.caption(t("deck.other_language", lang))
            with buttons:
                st.button(t("deck.up", lang), key=f"deck-up-{item['id']}", icon=":material/arrow_upward:",
                          on_click=export_ui.deck_move, args=(index, -1), disabled=index == 0, width="stretch")
                st.button(t("deck.down", lang), key=f"deck-down-{item['id']}", icon=":material/arrow_downward:",
                          on_click=export_ui.deck_move, args=(index, 1), disabled=index == len(deck) - 1,
                          width="stretch")
                st.button(t("deck.remove", lang), key=f"deck-remove-{item['id']}", icon=":material/delete:",
                          on_click=export_ui.deck_remove, args=(index,), width="stretch")

    st.caption(t("deck.structure", lang, n=len(deck) + 2))
    items = [dict(item) for item in deck]
    built_on = export_ui.build_date()
    stem = export.slug(deck_title or t("deck.default_title", lang))
    columns = st.columns(3)
    columns[0].download_button(
        t("deck.download_pptx", lang), data=lambda: export.build_deck(items, lang, built_on, title=deck_title),
        file_name=f"{stem}.pptx", mime=export.MIME["pptx"], key="deck-download-pptx", on_click="ignore",
        type="primary", icon=":material/slideshow:", disabled=export.chromium_path() is None, width="stretch")
    columns[1].download_button(
        t("deck.download_pdf", lang), data=lambda: export.build_deck_pdf(items, lang, built_on, title=deck_title),
        file_name=f"{stem}.pdf", mime=export.MIME["pdf"], key="deck-download-pdf", on_click="ignore",
        icon=":material/picture_as_pdf:", disabled=export.chromium_path() is None, width="stretch")
    columns[2].button(t("deck.clear", lang), key="deck-clear", on_click=export_ui.deck_clear,
                      icon=":material/delete_sweep:", width="stretch")
