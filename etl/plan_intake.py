"""Adding a new plan to the curated data files, safely (no Streamlit here).

The "Add a plan" page extracts candidate targets from an uploaded document (etl.extract), lets an editor
review them and fill the document's metadata, then calls :func:`add_plan`, which

1. refuses a malformed or already used document_id (it becomes a file name, so only ``A-Z a-z 0-9 -``);
2. copies the curated CSV files into a private temporary folder, appends the document row to the copy's
   documents.csv and writes the copy's ``targets/<document_id>.csv``;
3. validates the copy exactly as a build validates the real data (:func:`etl.warehouse.validate`), with
   the citations checked against the uploaded text: stored as the document's ``source_file`` in the
   sources folder when one is configured and writable (the copy is then validated against an overlay
   folder holding the existing sources and the new text), otherwise checked against the text in memory;
4. only when there is no error: writes the source text, replaces data/documents.csv and moves the new
   targets file into data/targets/ (each written to a temporary file in the destination folder and
   swapped in with ``os.replace``), then rebuilds the warehouse. A failed build rolls the files back.

Nothing in the data folder changes when any step before 4 fails. One intake runs at a time per data folder.
"""
from __future__ import annotations

import contextlib
import csv
import datetime as dt
import difflib
import hashlib
import io
import math
import os
import re
import shutil
import stat
import tempfile
import unicodedata
from decimal import Decimal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from . import config
from . import warehouse as wh
from .citations import fold, verify_citations
from .curated import COMPARATORS, KINDS, SPEC_BY_TABLE, YEAR_BASES, Issue
from .locks import LockBusy, file_lock

DOCUMENT_COLUMNS = list(SPEC_BY_TABLE["documents"].columns)
TARGET_COLUMNS = list(SPEC_BY_TABLE["targets"].columns)
# The document types the curated schema knows, with their Vietnamese names as written in the plans.
DOCUMENT_TYPES = {"plan": "Kế hoạch", "action_programme": "Chương trình hành động", "decision": "Quyết định"}
DOCUMENT_ID_RE = re.compile(r"[A-Z0-9]{2,6}(?:-[A-Za-z0-9]{1,12}){1,3}")
MAX_DOCUMENT_ID = 40
MAX_TARGETS = 2000
DOCUMENTS_FILE = "documents.csv"
TARGETS_DIR = "targets"
# The review table the page edits: one row per candidate, in the extractor's order.
REVIEW_COLUMNS = ["n", "accept", "matched_text", "indicator_key", "value_low", "value_high", "unit_key",
                  "comparator", "target_year", "period_start", "period_end", "kind", "sector_key", "year_basis",
                  "citation", "section", "note", "check", "confidence"]
HINTS = ("unknown_indicator", "unit_mismatch", "no_year", "low_confidence")
LOW_CONFIDENCE = 0.6


@dataclass
class IntakeResult:
    """What :func:`add_plan` did. ``code``: saved, invalid_id, duplicate_id, no_targets, too_many, invalid,
    build_failed, write_failed or busy (another editor was saving: nothing written, try again); ``issues`` name the
    file, row (header = row 1) and field. A saved result carries the addition for the repository: ``files`` (the
    new targets file and the document's row, as CSV) and ``patch`` (a git patch of data/)."""
    ok: bool
    code: str
    document_id: str
    issues: list[Issue] = field(default_factory=list)
    n_targets: int = 0
    targets_file: Path | None = None
    source_file: str | None = None
    citations: str = "unchecked"      # source_file | memory | unchecked
    warehouse: Path | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    patch: str = ""

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity != "error"]

    @property
    def main_errors(self) -> list[Issue]:
        """The errors without the echo of a rejected document row ("unknown document" on every target row)."""
        errors = self.errors
        if any(i.file.endswith(DOCUMENTS_FILE) for i in errors):
            echo = f"unknown document '{self.document_id}'"
            errors = [i for i in errors if not (i.field == "document_id" and i.message.startswith(echo))]
        return errors


# ---------------------------------------------------------------- reference data for the review form

def read_table(data_dir: Path, name: str) -> pd.DataFrame:
    """A curated CSV as text columns (codes such as '01' keep their zeros)."""
    return pd.read_csv(data_dir / name, dtype=str, keep_default_na=False)


def existing_document_ids(data_dir: Path) -> set[str]:
    ids = set(read_table(data_dir, DOCUMENTS_FILE)["document_id"])
    return ids | {p.stem for p in (data_dir / TARGETS_DIR).glob("*.csv")}


def _norm(text: object) -> str:
    return unicodedata.normalize("NFC", str(text)).strip()


def match_province(name: str | None, provinces: pd.DataFrame) -> str | None:
    """Province code of a name as written in a letterhead ('Bắc Giang', 'BẮC GIANG'), else None."""
    if not name:
        return None
    wanted = _norm(name).casefold()
    for column in ("name_vi", "name_ascii", "name_en"):
        hits = provinces.loc[provinces[column].map(lambda s: _norm(s).casefold()) == wanted, "province_code"]
        if len(hits):
            return str(hits.iloc[0])
    return None


def abbreviation(name_ascii: str) -> str:
    """A three-letter tag for document ids: Hau Giang → HGI, Quang Ngai → QNG, Ho Chi Minh → HCM."""
    words = [w for w in re.split(r"[^A-Za-z]+", name_ascii) if w]
    if not words:
        return "XX"
    if len(words) == 1:
        tag = words[0][:3]
    elif len(words) == 2:
        tag = words[0][0] + words[1][:2]
    else:
        tag = "".join(w[0] for w in words[:3])
    return tag.upper()


def suggest_document_id(province_code: str | None, document_number: str | None, year: int | None,
                        provinces: pd.DataFrame, existing: Iterable[str] = ()) -> str:
    """'<province tag>-<number>-<year>' like the curated ids (HGI-02-2024), unique among `existing`."""
    row = provinces.loc[provinces["province_code"] == province_code]
    tag = abbreviation(row["name_ascii"].iloc[0]) if len(row) else "XX"
    number = re.match(r"\s*([0-9A-Za-z]+)", document_number or "")
    parts = [tag, number.group(1) if number else "0", str(year) if year else str(dt.date.today().year)]
    base = "-".join(parts)
    existing = set(existing)
    candidate, n = base, 2
    while candidate in existing:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def sentence_case(title: str, proper_names: Iterable[str] = ()) -> str:
    """An all-caps title as the curated titles are written: first letter capital, names restored."""
    title = " ".join(_norm(title).split())
    if not title or sum(c.isupper() for c in title) < 0.8 * sum(c.isalpha() for c in title):
        return title  # not all caps: keep as written
    text = title.lower()
    text = text[:1].upper() + text[1:]
    for name in sorted({_norm(n) for n in proper_names if n}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name.lower())}(?!\w)", name, text)
    return text


_LETTERHEAD = re.compile(r"^(?:ỦY|UỶ) BAN NHÂN DÂN|^CỘNG HÒA|^CỘNG HOÀ|^CHỦ TỊCH", re.I)
_TYPE_LINE = re.compile(r"(KẾ HOẠCH|CHƯƠNG TRÌNH HÀNH ĐỘNG|CHƯƠNG TRÌNH|ĐỀ ÁN)\s*:?")
_NOT_SUBJECT = re.compile(r"(?:Căn cứ|Thực hiện (?:Quyết định|Nghị quyết|Chỉ thị|Công văn)|Điều \d|[IVX]+\.|\d+\."
                          r"|\(Ban hành)", re.I)


def guess_title(text: str, extracted: str | None, proper_names: Iterable[str] = ()) -> str:
    """The document's title in the curated style. Plans often print their type alone on a line
    ('KẾ HOẠCH', 'CHƯƠNG TRÌNH HÀNH ĐỘNG') with the subject on the next line: both are joined."""
    lines = [line.strip() for line in text.split("\n")[:80]]
    for i, line in enumerate(lines):
        match = _TYPE_LINE.fullmatch(line)
        if not match:
            continue
        subject = next((nxt for nxt in lines[i + 1:i + 4] if nxt), "")
        if 10 <= len(subject) <= 300 and not _NOT_SUBJECT.match(subject) and not _LETTERHEAD.match(subject):
            kind = match.group(1).capitalize()
            if sum(c.isupper() for c in subject) >= 0.8 * sum(c.isalpha() for c in subject):
                return sentence_case(f"{match.group(1)} {subject}", proper_names)
            return f"{kind} {subject[:1].lower()}{subject[1:]}"
    title = " ".join((extracted or "").split())
    if not title or _LETTERHEAD.match(title):
        return ""
    title = re.sub(r"\s+(?:ỦY|UỶ) BAN NHÂN DÂN\b.*$", "", title)
    return sentence_case(title, proper_names)


def issuer_for(province_code: str | None, provinces: pd.DataFrame) -> str:
    row = provinces.loc[provinces["province_code"] == province_code]
    if not len(row):
        return ""
    kind = "thành phố" if row["province_type"].iloc[0] == "city" else "tỉnh"
    return f"Ủy ban nhân dân {kind} {row['name_vi'].iloc[0]}"


def document_type_key(document_type_vi: str | None, document_number: str | None) -> str:
    """The curated document_type_key from the extractor's guess ('Kế hoạch' → plan)."""
    by_name = {v.casefold(): k for k, v in DOCUMENT_TYPES.items()}
    if document_type_vi and document_type_vi.casefold() in by_name:
        return by_name[document_type_vi.casefold()]
    number = (document_number or "").upper()
    if "/CTR-" in number:
        return "action_programme"
    if "/KH-" in number:
        return "plan"
    return "decision"


def implemented_document(text: str, documents: pd.DataFrame) -> str:
    """The national document a plan implements: the one whose number the plan's text cites most."""
    national = documents[documents["scope"] == "national"]
    counts = {row.document_id: fold(text).count(_norm(row.document_number)) for row in national.itertuples()}
    counts = {k: v for k, v in counts.items() if v}
    return max(counts, key=counts.get) if counts else ""


def document_defaults(extraction, provinces: pd.DataFrame, documents: pd.DataFrame) -> dict:
    """The document row prefilled from the extractor's guesses (every field stays editable)."""
    info = extraction.info
    code = match_province(info.province_name, provinces) or ""
    number = info.document_number or ""
    type_key = document_type_key(info.document_type_vi, number)
    names = list(provinces["name_vi"]) + ["Việt Nam", "Ủy ban nhân dân"]
    year = info.issue_date.year if info.issue_date else None
    return {
        "document_id": suggest_document_id(code, number, year, provinces, set(documents["document_id"])),
        "scope": "provincial", "province_code": code, "document_number": number,
        "document_type_key": type_key, "document_type_vi": DOCUMENT_TYPES[type_key],
        "title_vi": guess_title(extraction.text, info.title, names), "title_en": "",
        "issue_date": info.issue_date, "issuer_vi": issuer_for(code, provinces), "signer": "",
        "signer_title_vi": "", "implements": implemented_document(extraction.text, documents),
        "horizon_start": info.horizon_start, "horizon_end": info.horizon_end, "vision_year": info.vision_year,
        "source_file": "", "note": "",
    }


# ---------------------------------------------------------------- the review table

def review_hints(row: dict, indicator_units: dict[str, str]) -> list[str]:
    """Why a candidate needs a closer look before it is accepted (codes of HINTS)."""
    hints = []
    indicator = row.get("indicator_key") or ""
    if indicator not in indicator_units:
        hints.append("unknown_indicator")
    elif indicator_units[indicator] != row.get("unit_key"):
        hints.append("unit_mismatch")
    if _blank(row.get("target_year")):
        hints.append("no_year")
    confidence = row.get("confidence")
    if not _blank(confidence) and float(confidence) < LOW_CONFIDENCE:
        hints.append("low_confidence")
    return hints


def review_frame(extraction, indicators: pd.DataFrame) -> pd.DataFrame:
    """One editable row per candidate; 'accept' is preset for candidates without hints."""
    units = dict(zip(indicators["indicator_key"], indicators["unit_key"]))
    rows = []
    for n, c in enumerate(extraction.candidates, start=1):
        row = {"n": n, "matched_text": c.matched_text, "indicator_key": c.indicator, "value_low": c.value_low,
               "value_high": c.value_high, "unit_key": c.unit, "comparator": c.comparator,
               "target_year": c.target_year, "period_start": c.period_start, "period_end": c.period_end,
               "kind": c.kind, "sector_key": c.sector, "year_basis": c.year_basis, "citation": c.citation,
               "section": c.section, "note": c.note, "confidence": c.confidence}
        hints = review_hints(row, units)
        row["accept"] = not hints
        row["check"] = ";".join(hints)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=REVIEW_COLUMNS)
    for column in ("n", "target_year", "period_start", "period_end"):
        frame[column] = frame[column].astype("Int64")
    for column in ("value_low", "value_high", "confidence"):
        frame[column] = frame[column].astype("Float64")
    frame["accept"] = frame["accept"].astype(bool)
    for column in ("matched_text", "indicator_key", "unit_key", "comparator", "kind", "sector_key", "year_basis",
                   "citation", "section", "note", "check"):
        frame[column] = frame[column].astype(str)
    return frame


def _blank(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def cell(value: object) -> str:
    """A value as the curated CSV writes it: numbers with a decimal dot and no exponent, blanks empty."""
    if _blank(value):
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) or type(value).__name__.startswith(("float", "Float")):
        number = float(value)
        if not math.isfinite(number):
            return str(number)  # refused by validation as "not a number"
        if number.is_integer():
            return str(int(number))
        text = format(number, ".12g")  # drops float noise such as 7.300000000000001
        return format(Decimal(text), "f") if "e" in text else text
    if isinstance(value, int) or type(value).__name__.startswith(("int", "Int")):
        return str(int(value))
    return " ".join(_norm(value).split()) if "\n" in str(value) else _norm(value)


def target_rows(review: pd.DataFrame, document_id: str, province_code: str) -> list[dict]:
    """The accepted review rows as rows of data/targets/<document_id>.csv, numbered 001, 002, …"""
    rows = []
    accepted = review[review["accept"].fillna(False).astype(bool)]
    for n, (_, row) in enumerate(accepted.iterrows(), start=1):
        rows.append({
            "target_id": f"{document_id}-{n:03d}", "document_id": document_id, "province_code": province_code,
            **{column: row.get(column) for column in ("sector_key", "indicator_key", "kind", "comparator",
                                                         "value_low", "value_high", "unit_key", "period_start",
                                                         "period_end", "target_year", "year_basis", "section",
                                                         "citation", "note")}})
    return rows


# ---------------------------------------------------------------- writing safely

def _csv_text(header: list[str], rows: list[dict], lineterminator: str = "\n") -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator=lineterminator, extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: cell(row.get(column)) for column in header})
    return buffer.getvalue()


def _append_row(existing: bytes, header: list[str], row: dict) -> bytes:
    """documents.csv with one more row, every existing byte kept (line endings follow the file)."""
    newline = "\r\n" if b"\r\n" in existing else "\n"
    body = existing if not existing or existing.endswith(b"\n") else existing + newline.encode()
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerow([cell(row.get(column)) for column in header])
    return body + buffer.getvalue().encode("utf-8")


def _atomic_write(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write to a temporary file in the destination folder, flush it to disk, then rename it over `path`."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _file_mode(reference: Path) -> int:
    try:
        return stat.S_IMODE(reference.stat().st_mode)
    except OSError:
        return 0o644


INTAKE_LOCK = ".intake.lock"
_CONFIGURED = object()


def intake_lock(data_dir: Path, timeout: float | None = None):
    """One intake at a time per data folder, across processes and hosts: the lock file lives in the data folder
    itself (the shared folder every replica of a deployment mounts). Raises locks.LockBusy after `timeout`."""
    return file_lock(Path(data_dir) / INTAKE_LOCK, timeout=timeout)


def _copy_curated(data_dir: Path, into: Path) -> None:
    """The curated CSV files only (what validation reads), not the warehouse or caches."""
    for pattern in ("*.csv", "targets/*.csv", "tasks/*.csv"):
        for path in data_dir.glob(pattern):
            if path.name.startswith("."):
                continue
            destination = into / path.relative_to(data_dir)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
    (into / TARGETS_DIR).mkdir(exist_ok=True)


def sources_writable(sources_dir: Path | None) -> bool:
    return sources_dir is not None and sources_dir.is_dir() and os.access(sources_dir, os.W_OK | os.X_OK)


def _overlay_sources(documents: pd.DataFrame, sources_dir: Path, into: Path) -> None:
    """A folder showing the existing source texts (links) beside the new one, for validation."""
    for name in documents["source_file"]:
        if not name or "/" in name or "\\" in name or name.startswith("."):
            continue
        link = into / name
        if not link.exists():
            link.symlink_to(sources_dir / name)


def _clean_document_row(row: dict) -> tuple[dict, list[str]]:
    unknown = [k for k in row if k not in DOCUMENT_COLUMNS]
    clean = {column: row.get(column) for column in DOCUMENT_COLUMNS}
    if clean.get("document_type_key") in DOCUMENT_TYPES and _blank(clean.get("document_type_vi")):
        clean["document_type_vi"] = DOCUMENT_TYPES[clean["document_type_key"]]
    if _blank(clean.get("scope")):
        clean["scope"] = "provincial"
    return clean, unknown


def _git_blob(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _diff_lines(lines: Iterable[str]) -> str:
    """Diff lines joined; a line without its end gets git's 'No newline at end of file' marker."""
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def repository_patch(document_id: str, n_targets: int, old_documents: bytes, new_documents: bytes, targets_name: str,
                     targets_bytes: bytes) -> str:
    """A git patch adding the plan to a checkout of the repository: the new row of data/documents.csv and the new
    data/<targets_name>. Apply it from the repository root with `git apply --3way` (the index lines let git merge
    the documents row even when documents.csv gained other rows since)."""
    old_text, new_text = old_documents.decode("utf-8"), new_documents.decode("utf-8")
    targets_text = targets_bytes.decode("utf-8")
    documents = difflib.unified_diff(old_text.splitlines(keepends=True), new_text.splitlines(keepends=True),
                                     "a/data/documents.csv", "b/data/documents.csv", n=3)
    target_lines = targets_text.splitlines(keepends=True)
    path = f"data/{targets_name}"
    return (f"Add plan {document_id} ({n_targets} targets) from the dashboard's Add a plan page\n\n"
            f"Apply from the repository root:  git apply --3way {document_id}.patch\n"
            "then check and commit:  python -m etl check --sources <plan texts>  &&  git add data  &&  git commit\n"
            "---\n"
            "diff --git a/data/documents.csv b/data/documents.csv\n"
            f"index {_git_blob(old_documents)[:12]}..{_git_blob(new_documents)[:12]} 100644\n"
            + _diff_lines(documents)
            + f"diff --git a/{path} b/{path}\n"
            "new file mode 100644\n"
            f"index 000000000000..{_git_blob(targets_bytes)[:12]}\n"
            "--- /dev/null\n"
            f"+++ b/{path}\n"
            f"@@ -0,0 +1,{len(target_lines)} @@\n"
            + _diff_lines("+" + line for line in target_lines))


def add_plan(data_dir: Path, document_row: dict, target_rows: list[dict], source_text: str | None = None,
             sources_dir: Path | None = None, *, warehouse: Path | None = None, rebuild: bool = True,
             wait: float | None = _CONFIGURED,
             progress: Callable[[str], None] = lambda message: None) -> IntakeResult:
    """Validate a new plan on a copy of the data and, only if it is valid, write it and rebuild.

    `wait`: seconds to wait for another intake on the same data folder before answering "busy" (default:
    etl.config.intake_wait_seconds(); None waits as long as it takes).
    `document_row` holds the documents.csv columns, `target_rows` the targets columns (values may be
    numbers, dates or text). `source_text` is the cleaned text the citations were taken from.
    """
    data_dir = Path(data_dir)
    document, unknown = _clean_document_row(dict(document_row))
    document_id = cell(document.get("document_id"))
    document["document_id"] = document_id
    docs_name = f"data/{DOCUMENTS_FILE}"

    def refuse(code: str, message: str, field_name: str | None = "document_id", file: str = docs_name):
        return IntakeResult(False, code, document_id, [Issue(file, None, field_name, message)])

    if unknown:
        return refuse("invalid", f"unknown document fields: {', '.join(map(str, unknown))}", None)
    if not DOCUMENT_ID_RE.fullmatch(document_id) or len(document_id) > MAX_DOCUMENT_ID:
        return refuse("invalid_id", f"'{document_id}' is not a valid document_id: use capital letters, digits "
                                    "and hyphens, e.g. BGI-215-2022")
    if not target_rows:
        return refuse("no_targets", "no target row was accepted", None)
    if len(target_rows) > MAX_TARGETS:
        return refuse("too_many", f"{len(target_rows)} rows; at most {MAX_TARGETS} per document", None)

    targets_name = f"{TARGETS_DIR}/{document_id}.csv"
    store_source = source_text is not None and sources_writable(sources_dir)
    if wait is _CONFIGURED:
        wait = config.intake_wait_seconds()
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(intake_lock(data_dir, timeout=wait))
        except LockBusy:
            return refuse("busy", "another editor is saving a plan into the same data folder right now; nothing "
                                  "was written: try again in a moment", None)
        if document_id in existing_document_ids(data_dir):
            return refuse("duplicate_id", f"document_id '{document_id}' already exists (data/documents.csv "
                                          f"or data/{targets_name}); choose another one")
        source_name = f"{document_id}.txt" if store_source else ""
        if store_source:
            referenced = set(read_table(data_dir, DOCUMENTS_FILE)["source_file"])
            if source_name in referenced:
                return refuse("duplicate_id", f"source file '{source_name}' is already used by another document")
        document["source_file"] = source_name or document.get("source_file") or ""
        rows = [{column: row.get(column) for column in TARGET_COLUMNS} for row in target_rows]
        targets_bytes = _csv_text(TARGET_COLUMNS, rows).encode("utf-8")
        documents_path = data_dir / DOCUMENTS_FILE
        old_documents = documents_path.read_bytes()
        documents_bytes = _append_row(old_documents, DOCUMENT_COLUMNS, document)
        source_bytes = source_text.encode("utf-8") if store_source else b""

        progress("validating")
        with tempfile.TemporaryDirectory(prefix="dv2030-intake-") as scratch:
            copy = Path(scratch) / "data"
            _copy_curated(data_dir, copy)
            (copy / DOCUMENTS_FILE).write_bytes(documents_bytes)
            (copy / targets_name).write_bytes(targets_bytes)
            if store_source:
                overlay = Path(scratch) / "sources"
                overlay.mkdir()
                (overlay / source_name).write_bytes(source_bytes)
                _overlay_sources(read_table(data_dir, DOCUMENTS_FILE), sources_dir, overlay)
                result = wh.validate(copy, overlay)
                citations = "source_file"
            else:
                result = wh.validate(copy, sources_dir if sources_dir is not None and sources_dir.is_dir() else None)
                citations = "unchecked"
                if source_text is not None:
                    mine = result.tables["targets"]
                    mine = mine[mine["document_id"] == document_id]
                    verify_citations(mine, {document_id: fold(source_text)}, result.issues)
                    citations = "memory"
        issues = list(result.issues)
        if any(i.severity == "error" for i in issues):
            return IntakeResult(False, "invalid", document_id, issues, len(rows), citations=citations)

        progress("writing")
        targets_path = data_dir / targets_name
        source_path = sources_dir / source_name if store_source else None
        mode = _file_mode(documents_path)
        written: list[str] = []
        try:
            if source_path is not None:
                _atomic_write(source_path, source_bytes, 0o644)
                written.append("source")
            _atomic_write(documents_path, documents_bytes, mode)  # a document without targets is still valid
            written.append("documents")
            _atomic_write(targets_path, targets_bytes, mode)
            written.append("targets")
        except OSError as err:
            _rollback(written, documents_path, old_documents, mode, targets_path, source_path)
            return IntakeResult(False, "write_failed", document_id,
                                issues + [Issue(docs_name, None, None, f"could not write the data files: {err}")],
                                len(rows), citations=citations)

        outcome = IntakeResult(True, "saved", document_id, issues, len(rows), targets_path,
                               source_name or None, citations)
        outcome.files = {f"data/{targets_name}": targets_bytes,
                         f"data/documents-{document_id}.csv": _csv_text(DOCUMENT_COLUMNS, [document]).encode("utf-8")}
        outcome.patch = repository_patch(document_id, len(rows), old_documents, documents_bytes, targets_name,
                                         targets_bytes)
        if not rebuild:
            return outcome
        progress("building")
        warehouse = warehouse or config.warehouse_path()
        try:
            built = wh.build(data_dir, warehouse, sources_dir if sources_dir is not None and sources_dir.is_dir()
                          else None, progress=lambda message: None)
        except Exception as err:  # noqa: BLE001 - any failure must leave the data as it was
            built = None
            failure = Issue(str(warehouse), None, None, f"the warehouse build failed: {err}")
        if built is None or not built.ok:
            _rollback(written, documents_path, old_documents, mode, targets_path, source_path)
            problems = built.errors if built is not None else [failure]
            return IntakeResult(False, "build_failed", document_id, issues + problems, len(rows),
                                citations=citations)
        outcome.warehouse = built.warehouse
        return outcome


def _rollback(written: list[str], documents_path: Path, old_documents: bytes, mode: int, targets_path: Path,
              source_path: Path | None) -> None:
    if "targets" in written:
        targets_path.unlink(missing_ok=True)
    if "documents" in written:
        _atomic_write(documents_path, old_documents, mode)
    if "source" in written and source_path is not None:
        source_path.unlink(missing_ok=True)


__all__ = ["add_plan", "IntakeResult", "document_defaults", "review_frame", "review_hints", "target_rows",
           "suggest_document_id", "sentence_case", "match_province", "existing_document_ids", "read_table",
           "DOCUMENT_TYPES", "DOCUMENT_COLUMNS", "TARGET_COLUMNS", "REVIEW_COLUMNS", "HINTS", "COMPARATORS",
           "KINDS", "YEAR_BASES", "sources_writable", "cell", "guess_title", "issuer_for", "intake_lock",
           "repository_patch", "LockBusy"]
