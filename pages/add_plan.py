"""Thêm kế hoạch / Add a plan (editors only): upload a plan, review the proposed targets against the
highlighted text, fill in the document's details and save them into the data files (etl.plan_intake)."""
from __future__ import annotations

import streamlit as st

from dashboard_lib import add_plan as ui, page, widgets
from dashboard_lib.i18n import t
from dashboard_lib.widgets import escape_markdown as md

lang, _version = page.context()
st.title(t("add.title", lang))
widgets.notice_invalid_url([], lang)  # the page has no link parameters of its own; `lang` may still be wrong

if not ui.editor_configured():
    st.error(t("add.refused.no_secret", lang), icon=":material/lock:")
    st.stop()
if not ui.editor_enabled():
    st.warning(t("add.refused.sign_in", lang), icon=":material/lock:")
    ui.sign_in_form(lang)
    st.stop()

st.markdown(t("add.intro", lang))

# ---------------------------------------------------------------- 1. upload
st.subheader(t("add.step.upload", lang))
loaded = ui.upload_step(lang)
if loaded is None:
    st.stop()
refs = ui.References.load()

# ---------------------------------------------------------------- 2. review (document above, table below)
st.subheader(t("add.step.review", lang))
if not loaded.extraction.candidates:
    st.warning(t("add.review.none", lang), icon=":material/search_off:")
    st.stop()
st.caption(t("add.review.caption", lang) + " " + t("add.review.numbers", lang))
document_box = st.container()
review = ui.review_editor(loaded, refs, lang)
accepted = int(review["accept"].fillna(False).astype(bool).sum())
st.caption(t("add.review.counts", lang, accepted=accepted, total=len(review)))
with document_box:
    title, switch = st.columns([2, 1], vertical_alignment="center")
    title.markdown(f"**{t('add.review.document', lang)}**")
    compact = switch.toggle(t("add.review.only_candidates", lang), key=f"add_compact_{loaded.digest[:16]}",
                            value=len(loaded.extraction.text) > ui.COMPACT_FROM_CHARS)
    st.html(ui.legend_html(lang))
    with st.container(height=460 if len(loaded.extraction.text) > ui.SHORT_DOCUMENT_CHARS else "content",
                      border=True):
        st.html(ui.highlight_html(loaded.extraction.text, ui.with_offsets(review, loaded), lang, refs,
                                  compact=compact))
    if len(loaded.extraction.text) > ui.MAX_RENDERED_CHARS:
        st.caption(t("add.review.truncated", lang, shown=ui.MAX_RENDERED_CHARS, total=len(loaded.extraction.text)))

# ---------------------------------------------------------------- 3. document details
st.subheader(t("add.step.metadata", lang))
st.caption(t("add.meta.caption", lang))
stored = st.session_state.get("add_result")
saved = bool(stored and stored["result"].ok and stored["digest"] == loaded.digest)
document = ui.document_form(loaded, refs, lang, saved_id=stored["result"].document_id if saved else None)

# ---------------------------------------------------------------- 4. save
st.subheader(t("add.step.save", lang))
st.caption(t("add.save.caption", lang, document_id=md(document["document_id"] or "…")))
buttons = st.container(horizontal=True)
if buttons.button(t("add.save.button", lang, n=accepted), key="add_save", type="primary", icon=":material/save:",
                  disabled=saved or accepted == 0):
    with st.spinner(t("add.save.running", lang)):
        result, numbers = ui.save(loaded, document, review)
    stored = {"result": result, "numbers": numbers, "digest": loaded.digest}
    st.session_state["add_result"] = stored
    st.rerun()  # the saved state disables the button; the next run reads the rebuilt warehouse
buttons.button(t("add.again", lang), key="add_again", on_click=ui.reset, icon=":material/restart_alt:")
if accepted == 0:
    st.info(t("add.save.nothing", lang))
if stored and stored["digest"] == loaded.digest:
    ui.show_result(stored, lang)
