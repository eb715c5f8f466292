"""The "Add a plan" page's building blocks: the editor gate, the upload, the highlighted document, the review
table, the document form and the save step. The writing itself is etl.plan_intake (no Streamlit there).

Only editors may write: the page is offered when an editor password is configured (Streamlit secret
``editor_password`` or environment variable ``DV2030_EDITOR_PASSWORD``) and this session has entered it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from etl import config, plan_intake
from etl.curated import Issue
from etl.extract import MAX_BYTES, DocumentError, Extraction, extract_document

from . import data, formatting
from .editor import (  # noqa: F401 — the gate, re-exported for the page and tests
    MAX_SIGN_IN_ATTEMPTS, SECRET_ENV, SECRET_NAME, client_address, editor_configured, editor_enabled, editor_secret,
    sign_in, sign_out, wait_seconds)
from .i18n import t
from .widgets import escape_markdown as md, strip_bidi

ACCEPTED_EXTENSIONS = (".txt", ".html", ".htm", ".docx", ".pdf")
MAX_MB = MAX_BYTES // (1024 * 1024)
MAX_RENDERED_CHARS = 300_000
COMPACT_FROM_CHARS = 8_000  # longer documents open on the lines with candidates only
SHORT_DOCUMENT_CHARS = 2_500  # shorter ones are shown whole, without a scroll box
ERROR_CODES = ("unsupported_type", "wrong_type", "not_pdf", "not_docx", "too_large", "empty", "binary", "encoding",
               "no_text", "damaged", "encrypted", "too_many_pages", "missing_library", "unreadable")

# Okabe–Ito orange for accepted values, grey for rejected ones, sky blue for the citation around them;
# without colour they differ by a solid underline, a strike-through and a dotted underline.
_STYLE_ACCEPTED = ("background:rgba(230,159,0,0.32);border-bottom:2px solid #B36B00;font-weight:600;"
                   "border-radius:2px;padding:0 1px")
_STYLE_REJECTED = ("background:rgba(120,120,120,0.16);text-decoration:line-through;color:#555;"
                   "border-radius:2px;padding:0 1px")
_STYLE_CITATION = "background:rgba(86,180,233,0.13);border-bottom:1px dotted #0072B2"
_STYLE_BADGE = ("font-size:0.68em;font-weight:700;color:#fff;background:#0072B2;border-radius:7px;"
                "padding:0 4px;margin-left:2px;vertical-align:super;line-height:1")
_STYLE_BADGE_REJECTED = _STYLE_BADGE.replace("#0072B2", "#777")
_STYLE_GAP = "color:#999;text-align:center;letter-spacing:4px;padding:2px 0"
_STYLE_DOCUMENT = ("white-space:pre-wrap;font-family:'Source Serif Pro',Georgia,serif;font-size:15px;"
                   "line-height:1.6;color:#222;padding:4px 8px")


# ---------------------------------------------------------------- the editor gate (editor.py) and its forms

def _submit_password(key: str) -> None:
    password = st.session_state.get(key) or ""
    st.session_state[key] = ""  # the password never stays in the session
    st.session_state[f"{key}_failed"] = not sign_in(password, client_address())


def sign_in_form(lang: str, key: str = "add_password") -> None:
    """Password box. The check runs in the submit callback, before the script, so the same run already
    sees the signed-in session (and dashboard.py offers the page); the typed password is then cleared.
    After too many wrong passwords (on the server, or from this address) it says how long to wait instead."""
    wait = wait_seconds(client_address())
    if wait > 0:
        st.error(t("add.sign_in.locked", lang, minutes=max(1, -(-int(wait) // 60))))
        return
    with st.form(f"{key}_form", border=False):
        st.text_input(t("add.sign_in.password", lang), type="password", key=key, autocomplete="current-password")
        st.form_submit_button(t("add.sign_in.submit", lang), icon=":material/login:", on_click=_submit_password,
                              args=(key,))
    if st.session_state.get(f"{key}_failed"):
        st.error(t("add.sign_in.wrong", lang))


def editor_sidebar(lang: str) -> None:
    """For dashboard.py: an editor sign-in (or sign-out) box in the sidebar, shown only when configured."""
    if not editor_configured():
        return
    with st.sidebar:
        if editor_enabled():
            st.caption(t("add.sidebar.signed_in", lang))
            if st.button(t("add.sign_out", lang), key="add_sign_out", icon=":material/logout:"):
                sign_out()
                st.rerun()
        else:
            with st.expander(t("add.sign_in.title", lang), icon=":material/edit_document:"):
                sign_in_form(lang, key="add_sidebar_password")


# ---------------------------------------------------------------- reference data

@dataclass
class References:
    provinces: pd.DataFrame
    sectors: pd.DataFrame
    units: pd.DataFrame
    indicators: pd.DataFrame
    documents: pd.DataFrame

    @classmethod
    def load(cls, data_dir: Path | None = None) -> "References":
        data_dir = data_dir or config.data_dir()
        read = lambda name: plan_intake.read_table(data_dir, name)  # noqa: E731
        return cls(read("provinces.csv"), read("sectors.csv"), read("units.csv"), read("indicators.csv"),
                   read("documents.csv"))


# ---------------------------------------------------------------- upload

@dataclass
class Loaded:
    digest: str
    name: str           # shown to the user only (escaped, direction controls removed); never used as a path
    size: int
    extraction: Extraction


class UploadError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code if code in ERROR_CODES else "unreadable"


def extension(name: str) -> str:
    """The lower-case extension of an uploaded file's name (the only part of the name that is used)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return ("." + base.rsplit(".", 1)[-1].lower()) if "." in base.strip(".") else ""


def read_upload(name: str, content: bytes) -> Loaded:
    """Check and parse an upload in memory. Raises UploadError with a code for add.error.<code>."""
    ext = extension(name)
    if ext not in ACCEPTED_EXTENSIONS:
        raise UploadError("unsupported_type")
    if len(content) > MAX_BYTES:
        raise UploadError("too_large")
    try:
        extraction = extract_document(content, f"upload{ext}")  # a fixed name: only its extension is read
    except DocumentError as err:
        raise UploadError(err.code) from err
    except Exception as err:  # noqa: BLE001 - a parser crash on hostile input is an unreadable file
        raise UploadError("damaged") from err
    return Loaded(hashlib.sha256(content).hexdigest(), name, len(content), extraction)


def error_text(code: str, lang: str) -> str:
    return t(f"add.error.{code if code in ERROR_CODES else 'unreadable'}", lang, mb=MAX_MB)


def upload_step(lang: str) -> Loaded | None:
    """The uploader; returns the parsed document or None (after showing why)."""
    generation = st.session_state.setdefault("add_generation", 0)
    uploaded = st.file_uploader(t("add.upload.label", lang, mb=MAX_MB), key=f"add_upload_{generation}",
                                help=t("add.upload.help", lang), max_upload_size=MAX_MB)
    if uploaded is None:
        st.session_state.pop("add_loaded", None)
        st.info(t("add.upload.none", lang))
        return None
    loaded = st.session_state.get("add_loaded")
    if not isinstance(loaded, Loaded) or loaded.size != uploaded.size or loaded.name != uploaded.name \
            or loaded.digest != hashlib.sha256(uploaded.getvalue()).hexdigest():
        st.session_state.pop("add_loaded", None)
        try:
            if uploaded.size > MAX_BYTES:
                raise UploadError("too_large")
            with st.spinner(t("add.upload.reading", lang)):
                loaded = read_upload(uploaded.name, uploaded.getvalue())
        except UploadError as err:
            st.error(f"**{t('add.error.title', lang)}** {error_text(err.code, lang)}", icon=":material/block:")
            return None
        st.session_state["add_loaded"] = loaded
        st.session_state.pop("add_result", None)
    st.success(t("add.upload.loaded", lang, name=md(loaded.name), size=file_size(loaded.size, lang),
                 chars=formatting.number(len(loaded.extraction.text), lang),
                 n=len(loaded.extraction.candidates)), icon=":material/task:")
    return loaded


def file_size(size: int, lang: str) -> str:
    if size < 1024 * 1024:
        return f"{formatting.number(size / 1024, lang, 1)} KB"
    return f"{formatting.number(size / (1024 * 1024), lang, 1)} MB"


# ---------------------------------------------------------------- the highlighted document

def _value_tooltip(row: pd.Series, refs: References | None, lang: str) -> str:
    unit = str(row.get("unit_key") or "")
    if refs is not None:
        match = refs.units.loc[refs.units["unit_key"] == unit, f"symbol_{lang}"]
        unit = match.iloc[0] if len(match) else unit
    low, high = row.get("value_low"), row.get("value_high")
    comparator = row.get("comparator") if row.get("comparator") in plan_intake.COMPARATORS else "exact"
    try:
        # Not in the warehouse yet: hedged by the rule the build applies (etl.warehouse.approximate_flags).
        approximate = formatting.is_approximate(comparator, float(low), row.get("citation"))
        value = formatting.value_label(float(low), float(high), comparator, unit, lang, approximate)
    except (TypeError, ValueError):
        value = ""
    year = row.get("target_year")
    parts = [f"#{int(row['n'])}", value] + ([str(int(year))] if pd.notna(year) else [])
    return " · ".join(p for p in parts if p)


def highlight_html(text: str, review: pd.DataFrame, lang: str, refs: References | None = None,
                   limit: int = MAX_RENDERED_CHARS, compact: bool = False) -> str:
    """The document as HTML: its text escaped first, then each candidate's value and citation wrapped.

    `review` needs the columns n, accept, start, end, cite_start, cite_end (offsets into `text`). With
    `compact`, only the lines holding a citation are shown, gaps marked with an ellipsis line."""
    text = text[:limit]
    size = len(text)
    spans = []
    for _, row in review.iterrows():
        try:
            start, end = int(row["start"]), int(row["end"])
            cite_start, cite_end = int(row["cite_start"]), int(row["cite_end"])
        except (TypeError, ValueError):
            continue
        if not 0 <= start < end <= size:
            continue
        spans.append({"n": int(row["n"]), "accept": bool(row["accept"]), "start": start, "end": end,
                      "cite_start": max(0, min(cite_start, start)), "cite_end": min(size, max(cite_end, end)),
                      "title": _value_tooltip(row, refs, lang)})
    if not compact:
        return f'<div style="{_STYLE_DOCUMENT}">{_render(text, spans, 0, size)}</div>'
    ranges: list[list[int]] = []
    for s in sorted(spans, key=lambda s: s["cite_start"]):
        a = text.rfind("\n", 0, s["cite_start"]) + 1
        b = text.find("\n", s["cite_end"])
        b = size if b < 0 else b
        if ranges and a <= ranges[-1][1] + 1:
            ranges[-1][1] = max(ranges[-1][1], b)
        else:
            ranges.append([a, b])
    gap = f'<div style="{_STYLE_GAP}">⋯</div>'
    parts = [f"<div>{_render(text, spans, a, b)}</div>" for a, b in ranges]
    body = gap.join(parts)
    if ranges and ranges[0][0] > 0:
        body = gap + body
    if ranges and ranges[-1][1] < size:
        body = body + gap
    return f'<div style="{_STYLE_DOCUMENT}">{body}</div>'


def _render(text: str, spans: list[dict], lo: int, hi: int) -> str:
    """text[lo:hi] escaped, with the spans' values and citations wrapped (badges after each value)."""
    cuts = sorted({lo, hi, *(s[k] for s in spans for k in ("start", "end", "cite_start", "cite_end")
                             if lo < s[k] < hi)})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        piece = html.escape(strip_bidi(text[a:b]), quote=True)  # a right-to-left override would reorder the rest
        values = [s for s in spans if s["start"] <= a and b <= s["end"]]
        cited = any(s["cite_start"] <= a and b <= s["cite_end"] for s in spans)
        if values:
            accepted = any(s["accept"] for s in values)
            title = html.escape(" | ".join(s["title"] for s in values), quote=True)
            piece = (f'<span style="{_STYLE_ACCEPTED if accepted else _STYLE_REJECTED}" title="{title}">'
                     f"{piece}</span>")
        elif cited:
            piece = f'<span style="{_STYLE_CITATION}">{piece}</span>'
        out.append(piece)
        for s in spans:
            if s["end"] == b:
                style = _STYLE_BADGE if s["accept"] else _STYLE_BADGE_REJECTED
                out.append(f'<span style="{style}">{s["n"]}</span>')
    return "".join(out)


def legend_html(lang: str) -> str:
    items = [(_STYLE_ACCEPTED, t("add.legend.accepted", lang)), (_STYLE_REJECTED, t("add.legend.rejected", lang)),
             (_STYLE_CITATION, t("add.legend.citation", lang))]
    cells = [f'<span style="{style}">{html.escape(label)}</span>' for style, label in items]
    cells.append(f'<span style="{_STYLE_BADGE}">3</span> {html.escape(t("add.legend.number", lang))}')
    return ('<div style="font-size:13px;color:#444;display:flex;gap:18px;flex-wrap:wrap;margin:2px 0 6px">'
            + "".join(f"<span>{c}</span>" for c in cells) + "</div>")


# ---------------------------------------------------------------- review table

def _labels(frame: pd.DataFrame, key: str, lang: str, label: str = "label") -> dict[str, str]:
    return dict(zip(frame[key], frame[f"{label}_{lang}"]))


def review_editor(loaded: Loaded, refs: References, lang: str) -> pd.DataFrame:
    """The editable review table (one row per candidate); returns it with the reviewer's edits."""
    base = plan_intake.review_frame(loaded.extraction, refs.indicators)
    hints = base["check"].map(lambda codes: "; ".join(t(f"add.hint.{c}", lang) for c in codes.split(";") if c))
    shown = base.assign(check=hints)
    indicator_labels = _labels(refs.indicators, "indicator_key", lang)
    unit_labels = {k: (s or lab) for k, s, lab in zip(refs.units["unit_key"], refs.units[f"symbol_{lang}"],
                                                    refs.units[f"label_{lang}"])}
    sector_labels = _labels(refs.sectors, "sector_key", lang)
    indicators = list(dict.fromkeys([*refs.indicators["indicator_key"], *base["indicator_key"]]))
    units = list(dict.fromkeys([*refs.units["unit_key"], *base["unit_key"]]))
    sectors = list(dict.fromkeys([*refs.sectors["sector_key"], *base["sector_key"]]))

    def unknown(key: str) -> str:
        return f"⚠ {key}"

    year = dict(min_value=1990, max_value=2100, step=1, format="%d")
    config_ = {
        "n": st.column_config.NumberColumn(t("add.col.n", lang), disabled=True, width=40, pinned=True),
        "accept": st.column_config.CheckboxColumn(t("add.col.accept", lang), width=72, pinned=True),
        "matched_text": st.column_config.TextColumn(t("add.col.matched_text", lang), disabled=True, width=235),
        "indicator_key": st.column_config.SelectboxColumn(
            t("col.indicator", lang), options=indicators, width=300, required=True,
            format_func=lambda k: indicator_labels.get(k) or unknown(k)),
        "value_low": st.column_config.NumberColumn(t("add.col.value_low", lang), width=110, required=True),
        "value_high": st.column_config.NumberColumn(t("add.col.value_high", lang), width=110, required=True),
        "unit_key": st.column_config.SelectboxColumn(t("col.unit", lang), options=units, width="small", required=True,
                                                     format_func=lambda k: unit_labels.get(k) or unknown(k)),
        "comparator": st.column_config.SelectboxColumn(
            t("add.col.comparator", lang), options=list(plan_intake.COMPARATORS), width="small", required=True,
            format_func=lambda k: t(f"add.comparator.{k}", lang) if k in plan_intake.COMPARATORS else unknown(k)),
        "target_year": st.column_config.NumberColumn(t("add.col.target_year", lang), width=100, **year),
        "period_start": st.column_config.NumberColumn(t("add.col.period_start", lang), width="small", **year),
        "period_end": st.column_config.NumberColumn(t("add.col.period_end", lang), width="small", **year),
        "kind": st.column_config.SelectboxColumn(
            t("col.kind", lang), options=list(plan_intake.KINDS), width="small", required=True,
            format_func=lambda k: t(f"kind.{k}", lang) if k in plan_intake.KINDS else unknown(k)),
        "sector_key": st.column_config.SelectboxColumn(t("col.sector", lang), options=sectors, width="medium",
                                                       required=True,
                                                       format_func=lambda k: sector_labels.get(k) or unknown(k)),
        "year_basis": st.column_config.SelectboxColumn(
            t("add.col.year_basis", lang), options=list(plan_intake.YEAR_BASES), width="small", required=True,
            format_func=lambda k: t(f"add.year_basis.{k}", lang) if k in plan_intake.YEAR_BASES else unknown(k)),
        "citation": st.column_config.TextColumn(t("col.citation", lang), width="large", max_chars=400),
        "section": st.column_config.TextColumn(t("col.section", lang), width="small"),
        "note": st.column_config.TextColumn(t("add.col.note", lang), width="medium"),
        "check": st.column_config.TextColumn(t("add.col.check", lang), disabled=True, width="medium"),
        "confidence": None,
    }
    edited = st.data_editor(shown, column_config=config_, hide_index=True, num_rows="fixed", width="stretch",
                            key=f"add_review_{loaded.digest[:16]}", height=min(38 + 35 * len(shown), 460))
    return edited.assign(check=base["check"])


def with_offsets(review: pd.DataFrame, loaded: Loaded) -> pd.DataFrame:
    offsets = loaded.extraction.frame()[["start", "end", "cite_start", "cite_end"]].reset_index(drop=True)
    return pd.concat([review.reset_index(drop=True), offsets], axis=1)


# ---------------------------------------------------------------- document form

_FIELDS = ("document_id", "province_code", "document_number", "document_type_key", "issue_date", "title_vi",
           "title_en", "issuer_vi", "signer", "signer_title_vi", "implements", "horizon_start", "horizon_end",
           "vision_year", "note")


def _key(name: str) -> str:
    return f"add_meta_{name}"


def seed_document_form(loaded: Loaded, refs: References) -> None:
    """Prefill the form from the document once per upload (later reruns keep the editor's changes)."""
    if st.session_state.get("add_meta_digest") == loaded.digest:
        return
    defaults = plan_intake.document_defaults(loaded.extraction, refs.provinces, refs.documents)
    for name in _FIELDS:
        value = defaults.get(name)
        if name in ("province_code", "implements"):
            value = value or None
        st.session_state[_key(name)] = value if value is not None or name in (
            "issue_date", "horizon_start", "horizon_end", "vision_year", "province_code", "implements") else ""
    st.session_state["add_meta_digest"] = loaded.digest


def _suggest_id(refs: References) -> None:
    date = st.session_state.get(_key("issue_date"))
    st.session_state[_key("document_id")] = plan_intake.suggest_document_id(
        st.session_state.get(_key("province_code")), st.session_state.get(_key("document_number")),
        date.year if date else None, refs.provinces, plan_intake.existing_document_ids(config.data_dir()))


def _province_changed(refs: References) -> None:
    code = st.session_state.get(_key("province_code"))
    st.session_state[_key("issuer_vi")] = plan_intake.issuer_for(code, refs.provinces)
    _suggest_id(refs)


def document_form(loaded: Loaded, refs: References, lang: str, saved_id: str | None = None) -> dict:
    """The document's metadata, prefilled from the extractor's guesses; returns a documents.csv row.
    `saved_id`: the document this upload was just saved as (its ID is then expected to exist)."""
    seed_document_form(loaded, refs)
    provincial = refs.provinces.sort_values("name_ascii")
    names = dict(zip(provincial["province_code"], provincial[f"name_{lang}"]))
    national = refs.documents[refs.documents["scope"] == "national"]
    national_labels = {row.document_id: f"{row.document_number} — {row.title_vi if lang == 'vi' else row.title_en}"
                       for row in national.itertuples()}
    year = dict(min_value=1990, max_value=2100, step=1, format="%d")
    choose = t("add.meta.choose", lang)
    with st.container(border=True):
        c1, c2, c3 = st.columns(3)
        with c1:
            id_box, id_button = st.columns([5, 1], vertical_alignment="bottom")
            id_box.text_input(t("add.meta.document_id", lang), key=_key("document_id"), max_chars=40,
                              help=t("add.meta.document_id.help", lang))
            id_button.button("", key="add_suggest_id", on_click=_suggest_id, args=(refs,),
                             icon=":material/autorenew:", help=t("add.meta.suggest", lang), width="stretch")
        c2.selectbox(t("col.province", lang), list(names), key=_key("province_code"), format_func=names.get,
                     placeholder=choose, on_change=_province_changed, args=(refs,))
        c3.text_input(t("add.meta.document_number", lang), key=_key("document_number"), max_chars=40)
        document_id = (st.session_state.get(_key("document_id")) or "").strip()
        if document_id and not plan_intake.DOCUMENT_ID_RE.fullmatch(document_id):
            st.warning(t("add.meta.id_invalid", lang), icon=":material/warning:")
        elif document_id != saved_id and document_id in plan_intake.existing_document_ids(config.data_dir()):
            st.warning(t("add.meta.id_exists", lang, document_id=md(document_id)), icon=":material/warning:")
        c1, c2, c3 = st.columns(3)
        c1.selectbox(t("col.document_type", lang), list(plan_intake.DOCUMENT_TYPES), key=_key("document_type_key"),
                     format_func=lambda k: t(f"add.doctype.{k}", lang))
        c2.date_input(t("col.issue_date", lang), key=_key("issue_date"), min_value=dt.date(1990, 1, 1),
                      max_value=dt.date(2100, 12, 31), format="DD/MM/YYYY")
        c3.selectbox(t("add.meta.implements", lang), list(national_labels), key=_key("implements"),
                     format_func=national_labels.get, placeholder=t("add.meta.implements.none", lang))
        c1, c2 = st.columns(2)
        c1.text_area(t("add.meta.title_vi", lang), key=_key("title_vi"), height=80, max_chars=400)
        c2.text_area(t("add.meta.title_en", lang), key=_key("title_en"), height=80, max_chars=400,
                     placeholder=t("add.meta.title_en.placeholder", lang))
        c1, c2, c3 = st.columns(3)
        c1.text_input(t("add.meta.issuer", lang), key=_key("issuer_vi"), max_chars=200)
        c2.text_input(t("col.signer", lang), key=_key("signer"), max_chars=100)
        c3.text_input(t("add.meta.signer_title", lang), key=_key("signer_title_vi"), max_chars=100)
        c1, c2, c3, c4 = st.columns([1, 1, 1, 3])
        c1.number_input(t("add.meta.horizon_start", lang), key=_key("horizon_start"), **year)
        c2.number_input(t("add.meta.horizon_end", lang), key=_key("horizon_end"), **year)
        c3.number_input(t("add.meta.vision_year", lang), key=_key("vision_year"), **year)
        c4.text_input(t("add.meta.note", lang), key=_key("note"), max_chars=400)
    row = {name: st.session_state.get(_key(name)) for name in _FIELDS}
    row["document_id"] = (row["document_id"] or "").strip()
    row["province_code"] = row["province_code"] or ""
    row["implements"] = row["implements"] or ""
    row["scope"] = "provincial"
    row["document_type_vi"] = plan_intake.DOCUMENT_TYPES.get(row["document_type_key"], "")
    row["source_file"] = ""
    return row


# ---------------------------------------------------------------- save

def save(loaded: Loaded, document: dict, review: pd.DataFrame) -> tuple[plan_intake.IntakeResult, list[int]]:
    """Write the plan (through etl.plan_intake); returns the result and the review numbers of the saved rows."""
    accepted = review[review["accept"].fillna(False).astype(bool)]
    rows = plan_intake.target_rows(accepted, document["document_id"], document["province_code"])
    result = plan_intake.add_plan(config.data_dir(), document, rows, loaded.extraction.text, config.sources_dir(),
                                  warehouse=config.warehouse_path())
    if result.ok:  # every page of this session reads the rebuilt warehouse from now on
        st.session_state["warehouse_version"] = data.current_version()
    return result, [int(n) for n in accepted["n"]]


def issues_table(issues: list[Issue], result: plan_intake.IntakeResult, numbers: list[int], lang: str) -> pd.DataFrame:
    """Validation problems with where they are: the review row (#) for target rows, else file/row/field."""
    targets_file = f"{plan_intake.TARGETS_DIR}/{result.document_id}.csv"
    rows = []
    for issue in issues:
        where = issue.file
        if issue.file == targets_file and issue.row and 2 <= issue.row < 2 + len(numbers):
            where = t("add.issues.candidate", lang, n=numbers[issue.row - 2])
        elif issue.file.endswith(plan_intake.DOCUMENTS_FILE) and issue.row and \
                issue.row == len(plan_intake.read_table(config.data_dir(), plan_intake.DOCUMENTS_FILE)) + 2:
            where = t("add.issues.metadata", lang)
        rows.append({t("add.issues.where", lang): where, t("add.issues.file", lang): issue.file,
                     t("add.issues.row", lang): issue.row, t("add.issues.field", lang): issue.field or "",
                     t("add.issues.message", lang): issue.message})
    frame = pd.DataFrame(rows, columns=[t(f"add.issues.{c}", lang) for c in ("where", "file", "row", "field",
                                                                             "message")])
    frame[t("add.issues.row", lang)] = frame[t("add.issues.row", lang)].astype("Int64")
    return frame


def show_result(stored: dict, lang: str) -> None:
    result: plan_intake.IntakeResult = stored["result"]
    if result.ok:
        st.success(t("add.result.saved", lang, document_id=md(result.document_id), n=result.n_targets),
                   icon=":material/check_circle:")
        st.caption(t(f"add.result.citations.{result.citations}", lang, source_file=md(result.source_file or "")))
        repository_downloads(result, lang)
        return
    st.error(t(f"add.result.{result.code}", lang, document_id=md(result.document_id)), icon=":material/error:")
    if result.errors and result.code != "busy":  # busy: nothing is wrong with the data, the message says it all
        st.dataframe(issues_table(result.main_errors, result, stored["numbers"], lang), hide_index=True,
                     width="stretch")
        st.caption(t("add.issues.note", lang))


def repository_downloads(result: plan_intake.IntakeResult, lang: str) -> None:
    """The saved plan for the repository: the curated data lives in git, so a maintainer brings the addition in
    (README, "Bringing editors' additions into the repository") as a git patch or as the CSV files."""
    if not result.patch:
        return
    with st.container(border=True):
        st.markdown(f"**{t('add.repo.heading', lang)}**")
        st.caption(t("add.repo.caption", lang, document_id=md(result.document_id)))
        buttons = st.container(horizontal=True)
        buttons.download_button(t("add.repo.patch", lang), result.patch.encode("utf-8"),
                                file_name=f"{result.document_id}.patch", mime="text/x-diff",
                                icon=":material/difference:", key="add_repo_patch", on_click="ignore")
        for path, content in result.files.items():
            name = path.rsplit("/", 1)[-1]
            label = "add.repo.targets" if path.startswith("data/targets/") else "add.repo.document"
            buttons.download_button(t(label, lang, name=name), content, file_name=name, mime="text/csv",
                                    icon=":material/download:", key=f"add_repo_{name}", on_click="ignore")


def reset() -> None:
    """Start over with an empty uploader (a new widget key) and a fresh form."""
    st.session_state["add_generation"] = st.session_state.get("add_generation", 0) + 1
    for key in [k for k in st.session_state if str(k).startswith(("add_meta_", "add_review_"))]:
        del st.session_state[key]
    for key in ("add_loaded", "add_result"):
        st.session_state.pop(key, None)
