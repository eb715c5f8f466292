"""The curated data files: what each one must contain, reading them, and checking them.

Every problem is reported as an Issue naming the file, the spreadsheet row (the header is row 1)
and the field, and all problems are collected before anything is built.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.pandas import Check, Column, DataFrameSchema

TEXT, OPTIONAL_TEXT, INT, OPTIONAL_INT, NUMBER, OPTIONAL_NUMBER, BOOL, DATE, OPTIONAL_DATE = (
    "text", "text?", "int", "int?", "number", "number?", "bool", "date", "date?")

KINDS = ("target", "baseline", "project_scale")
COMPARATORS = ("exact", "about", "at_least", "at_most", "range")
YEAR_BASES = ("stated", "horizon", "context")
MEASURES = ("growth_rate", "share", "level", "count", "ratio", "rank", "index")
PROVINCE_TYPES = ("city", "province")
NATIONAL_CODE = "VN"
MAX_CITATION_CHARS = 200
MAX_ROWS_PER_FILE = 100_000  # far above any plan; a bigger file is a mistake (or an attack), not data
YEAR_RANGE = (1990, 2100)
AGENCY_TYPES = ("department", "bank_branch", "management_board", "district_committees", "office", "collective",
                "public_service_unit", "central_agency", "mass_organisation", "enterprise", "other")
TIMING_KINDS = ("recurring", "annual_date", "date", "year", "period", "conditional", "none")
# timing_value per timing_kind: (pattern, how to write it); kinds absent here take no value
TIMING_VALUE_FORMATS = {"annual_date": (r"(\d{2})-(\d{2})", "MM-DD, e.g. 12-15 for 15 December every year"),
                        "date": (r"(\d{4})-(\d{2})-(\d{2})", "YYYY-MM-DD, e.g. 2021-05-15"),
                        "year": (r"\d{4}", "YYYY, e.g. 2025"),
                        "period": (r"(\d{4})-(\d{4})", "YYYY-YYYY, e.g. 2021-2025")}
MAX_TASK_TITLE_CHARS = 80

# The source model. A value is read either in its document's own text (tier `primary_text`: the value names no
# source_id and carries the verbatim clause, verified when we hold the text) or in a source listed in
# sources.csv: an official report (government, Party, national news agency, the province's own portal or Party
# newspaper) or the press. For those we hold no text: the value carries a locator in our own words, never a
# copied sentence.
SOURCE_TIERS = ("primary_text", "official_report", "press")
LISTED_SOURCE_TIERS = ("official_report", "press")
SOURCE_REPORTS = ("adopted", "draft")
DOCUMENT_STATUSES = ("adopted", "draft")
# Provinces are keyed by the 63 units before 1 July 2025 (provinces.csv) or the 34 since (provinces_2025.csv).
PROVINCE_ERAS = ("63", "34")
MERGER_DATE = dt.date(2025, 7, 1)
VINTAGES = ("estimate", "preliminary", "official", "revised")  # in the order a statistics office publishes them
ACHIEVED_ERAS = ("national", *PROVINCE_ERAS)
ACHIEVED_COMPARATORS = ("exact", "about", "at_least", "at_most")
MAX_LOCATOR_CHARS = 200


@dataclass(frozen=True)
class Issue:
    file: str
    row: int | None  # spreadsheet row: the header is row 1
    field: str | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{self.severity.upper()}: {where}: {self.message}"


@dataclass
class FileSpec:
    """One curated table. `pattern` may be a glob: the table is then the union of its files."""
    table: str
    pattern: str
    columns: dict[str, str]
    key: list[str]
    allowed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    optional: bool = False  # a table whose files may be absent altogether
    keep_raw: tuple[str, ...] = ()  # columns whose text as written is kept as _raw_<column>
    # Columns a file may leave out of its header (read as empty): added to the model later, so files and
    # spreadsheets written before them stay valid.
    optional_columns: tuple[str, ...] = ()


SPECS: list[FileSpec] = [
    FileSpec("regions", "regions.csv",
             {"region_key": TEXT, "label_vi": TEXT, "label_en": TEXT, "sort_order": INT}, ["region_key"]),
    FileSpec("provinces_2025", "provinces_2025.csv",
             {"province_2025_code": TEXT, "name_vi": TEXT, "name_en": TEXT, "name_ascii": TEXT,
              "province_type": TEXT, "merged": BOOL},
             ["province_2025_code"], {"province_type": PROVINCE_TYPES}),
    FileSpec("provinces", "provinces.csv",
             {"province_code": TEXT, "iso_3166_2": TEXT, "name_vi": TEXT, "name_en": TEXT, "name_ascii": TEXT,
              "province_type": TEXT, "region_key": TEXT, "province_2025_code": TEXT, "note": OPTIONAL_TEXT},
             ["province_code"], {"province_type": PROVINCE_TYPES}),
    FileSpec("sectors", "sectors.csv",
             {"sector_key": TEXT, "label_vi": TEXT, "label_en": TEXT, "sort_order": INT,
              "description_en": OPTIONAL_TEXT}, ["sector_key"]),
    FileSpec("units", "units.csv",
             {"unit_key": TEXT, "label_vi": TEXT, "label_en": TEXT, "symbol_vi": OPTIONAL_TEXT,
              "symbol_en": OPTIONAL_TEXT, "decimals": INT}, ["unit_key"]),
    FileSpec("indicators", "indicators.csv",
             {"indicator_key": TEXT, "sector_key": TEXT, "label_vi": TEXT, "label_en": TEXT, "unit_key": TEXT,
              "measure": TEXT, "higher_is_better": OPTIONAL_TEXT},
             ["indicator_key"], {"measure": MEASURES, "higher_is_better": ("true", "false")}),
    FileSpec("documents", "documents.csv",
             {"document_id": TEXT, "scope": TEXT, "province_code": TEXT, "document_number": TEXT,
              "document_type_key": TEXT, "document_type_vi": TEXT, "title_vi": TEXT, "title_en": TEXT,
              "issue_date": DATE, "issuer_vi": TEXT, "signer": OPTIONAL_TEXT, "signer_title_vi": OPTIONAL_TEXT,
              "implements": OPTIONAL_TEXT, "horizon_start": INT, "horizon_end": INT, "vision_year": OPTIONAL_INT,
              "source_file": OPTIONAL_TEXT, "note": OPTIONAL_TEXT, "province_era": OPTIONAL_TEXT,
              "status": OPTIONAL_TEXT},
             ["document_id"], {"scope": ("national", "provincial"),
                               "document_type_key": ("decision", "action_programme", "plan", "party_resolution",
                                                     "government_resolution", "assembly_resolution"),
                               "province_era": PROVINCE_ERAS, "status": DOCUMENT_STATUSES},
             optional_columns=("province_era", "status")),
    FileSpec("sources", "sources.csv",
             {"source_id": TEXT, "tier": TEXT, "publisher": TEXT, "title": OPTIONAL_TEXT, "url": TEXT,
              "date_published": OPTIONAL_DATE, "date_accessed": OPTIONAL_DATE, "reports": TEXT, "note": OPTIONAL_TEXT},
             ["source_id"], {"tier": LISTED_SOURCE_TIERS, "reports": SOURCE_REPORTS}, optional=True),
    FileSpec("targets", "targets/*.csv",
             {"target_id": TEXT, "document_id": TEXT, "province_code": TEXT, "sector_key": TEXT,
              "indicator_key": TEXT, "kind": TEXT, "comparator": TEXT, "value_low": NUMBER, "value_high": NUMBER,
              "unit_key": TEXT, "period_start": OPTIONAL_INT, "period_end": OPTIONAL_INT, "target_year": INT,
              "year_basis": TEXT, "section": OPTIONAL_TEXT, "citation": OPTIONAL_TEXT, "note": OPTIONAL_TEXT,
              "source_id": OPTIONAL_TEXT, "locator": OPTIONAL_TEXT, "approximate": OPTIONAL_TEXT},
             ["target_id"], {"kind": KINDS, "comparator": COMPARATORS, "year_basis": YEAR_BASES,
                             "approximate": ("true", "false")},
             keep_raw=("value_low", "value_high"), optional_columns=("source_id", "locator", "approximate")),
    FileSpec("achieved", "achieved/*.csv",
             {"achieved_id": TEXT, "province_era": TEXT, "province_code": TEXT, "indicator_key": TEXT,
              "unit_key": TEXT, "comparator": TEXT, "value": NUMBER, "period_start": OPTIONAL_INT,
              "period_end": OPTIONAL_INT, "year": INT, "vintage": TEXT, "source_id": TEXT, "locator": TEXT,
              "note": OPTIONAL_TEXT},
             ["achieved_id"], {"province_era": ACHIEVED_ERAS, "comparator": ACHIEVED_COMPARATORS,
                               "vintage": VINTAGES}, optional=True, keep_raw=("value",)),
    # Reviewed gaps: a province with no adopted target for an indicator says so, with the searches made.
    FileSpec("coverage_gaps", "coverage_gaps.csv",
             {"province_2025_code": TEXT, "indicator_key": TEXT, "status": TEXT, "searches": TEXT,
              "reviewed_on": DATE, "note": OPTIONAL_TEXT},
             ["province_2025_code", "indicator_key"], {"status": ("not_found",)}, optional=True),
    FileSpec("agencies", "agencies.csv",
             {"agency_key": TEXT, "label_vi": TEXT, "label_en": TEXT, "agency_type": TEXT},
             ["agency_key"], {"agency_type": AGENCY_TYPES}, optional=True),
    FileSpec("tasks", "tasks/*.csv",
             {"task_id": TEXT, "document_id": TEXT, "province_code": TEXT, "sector_key": TEXT, "title_vi": TEXT,
              "title_en": TEXT, "lead_agency_text": OPTIONAL_TEXT, "lead_agency_keys": OPTIONAL_TEXT,
              "partner_agency_text": OPTIONAL_TEXT, "partner_agency_keys": OPTIONAL_TEXT,
              "timing_text": OPTIONAL_TEXT, "timing_kind": TEXT, "timing_value": OPTIONAL_TEXT, "is_reporting": BOOL,
              "section": TEXT, "citation": TEXT, "note": OPTIONAL_TEXT},
             ["task_id"], {"timing_kind": TIMING_KINDS}, optional=True),
]
SPEC_BY_TABLE = {spec.table: spec for spec in SPECS}

_PANDAS_TYPES = {TEXT: str, OPTIONAL_TEXT: str, INT: "Int64", OPTIONAL_INT: "Int64", NUMBER: "Float64",
                 OPTIONAL_NUMBER: "Float64", BOOL: "boolean", DATE: "datetime64[ns]", OPTIONAL_DATE: "datetime64[ns]"}


class CuratedData(dict):
    """Table name -> validated DataFrame, plus each row's origin for error messages.

    `known` holds every key as written in each table, including rows dropped for a bad cell, and is
    None for a table that failed to load: references to such rows are not reported again."""

    def __init__(self) -> None:
        super().__init__()
        self.known: dict[str, set[str] | None] = {}


# ---------------------------------------------------------------- reading

def _decode(path: Path, raw: bytes, issues: list[Issue]) -> str | None:
    name = _display(path)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        issues.append(Issue(name, None, None, "file is UTF-16; save it as 'CSV UTF-8'"))
        return None
    if raw.startswith(b"\xef\xbb\xbf"):  # Excel's "CSV UTF-8" writes a BOM: harmless, drop it
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        issues.append(Issue(name, line, None,
                            f"not valid UTF-8 (byte 0x{raw[err.start]:02x}); it looks like a legacy encoding "
                            "such as Windows-1258: save it as 'CSV UTF-8'"))
        return None
    if "\x00" in text:
        issues.append(Issue(name, None, None, "file contains NUL bytes: it is not a text CSV"))
        return None
    return text


def _display(path: Path) -> str:
    parts = path.parts
    return "/".join(parts[-2:]) if len(parts) >= 2 and parts[-2] in ("targets", "tasks", "achieved") else f"data/{path.name}" \
        if path.parent.name == "data" else str(path)


def read_csv_file(path: Path, spec: FileSpec, issues: list[Issue]) -> pd.DataFrame | None:
    """Read one CSV as text, check its header, and return the raw text columns (or None)."""
    name = _display(path)
    text = _decode(path, path.read_bytes(), issues)
    if text is None:
        return None
    if not text.strip():
        issues.append(Issue(name, None, None, "file is empty: it needs at least the header row"))
        return None
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) - 1 > MAX_ROWS_PER_FILE:
        issues.append(Issue(name, None, None, f"has {len(rows) - 1:,} rows; a curated file holds at most "
                                              f"{MAX_ROWS_PER_FILE:,} (split it by document)"))
        return None
    header = [cell.strip() for cell in rows[0]]
    expected = list(spec.columns)
    missing = [c for c in expected if c not in header and c not in spec.optional_columns]
    extra = [c for c in header if c not in expected]
    for column in missing:
        issues.append(Issue(name, 1, column, "required column is missing from the header"))
    for column in extra:
        issues.append(Issue(name, 1, column, f"unknown column (expected columns: {', '.join(expected)})"))
    if len(set(header)) != len(header):
        issues.append(Issue(name, 1, None, "a column name appears twice in the header"))
    width_ok = True
    for number, cells in enumerate(rows[1:], start=2):
        if cells and len(cells) != len(header):
            issues.append(Issue(name, number, None, f"has {len(cells)} fields but the header has {len(header)} "
                                                    "(an unquoted comma in a text?)"))
            width_ok = False
    if missing or extra or len(set(header)) != len(header) or not width_ok:
        return None
    positions = [header.index(column) if column in header else None for column in expected]
    records, numbers = [], []
    for number, cells in enumerate(rows[1:], start=2):  # spreadsheet row numbers: the header is row 1
        if not cells:
            continue
        record = []
        for column, position in zip(expected, positions):
            value = cells[position].strip() if position is not None else ""
            if not unicodedata.is_normalized("NFC", value):
                issues.append(Issue(name, number, column, "text was not NFC-normalised Unicode (e.g. decomposed "
                                                          "diacritics); normalised on load", "warning"))
                value = unicodedata.normalize("NFC", value)
            record.append(value)
        records.append(record)
        numbers.append(number)
    frame = pd.DataFrame(records, columns=expected, dtype=str) if records else \
        pd.DataFrame(columns=expected, dtype=str)
    frame["_file"] = name
    frame["_row"] = pd.Series(numbers, dtype="int64")
    for column in spec.keep_raw:  # text as written, for checks that typing would hide (1.200 vs 1200)
        frame[f"_raw_{column}"] = frame[column]
    return frame


# ---------------------------------------------------------------- type checks (pandera)

def _schema(spec: FileSpec) -> DataFrameSchema:
    columns = {}
    for column, kind in spec.columns.items():
        checks = []
        if column in spec.allowed:
            checks.append(Check.isin(list(spec.allowed[column]), name=f"allowed:{column}"))
        if kind in (INT, OPTIONAL_INT) and column.endswith(("year", "_start", "_end")):
            checks.append(Check.in_range(*YEAR_RANGE, name="year_range"))
        columns[column] = Column(_PANDAS_TYPES[kind], checks=checks, coerce=True,
                                 nullable=kind.endswith("?"))
    return DataFrameSchema(columns, strict=False)


def _friendly(kind: str, check: str, value: object, spec: FileSpec, column: str) -> str:
    text = str(value)
    if check.startswith(("allowed:", "isin")):
        return f"'{text}' is not allowed here (use one of: {', '.join(spec.allowed[column])})"
    if check.startswith(("year_range", "in_range")):
        return f"year {text} is implausible (expected {YEAR_RANGE[0]}–{YEAR_RANGE[1]})"
    if check == "not_nullable":
        return "is empty but required"
    if kind in (NUMBER, OPTIONAL_NUMBER):
        if "%" in text:
            return f"'{text}' is not a number: write the number alone (the unit is in unit_key), e.g. 8.7"
        if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?|-?\d+,\d+", text):
            return f"'{text}' uses Vietnamese separators: write numbers with a decimal dot and no thousands " \
                   "separator (8,7 → 8.7; 1.200.000 → 1200000)"
        return f"'{text}' is not a number"
    if kind in (INT, OPTIONAL_INT):
        return f"'{text}' is not a whole number"
    if kind == BOOL:
        return f"'{text}' is not true/false"
    if kind in (DATE, OPTIONAL_DATE):
        return f"'{text}' is not a date in the form YYYY-MM-DD"
    return f"'{text}' is invalid ({check})"


def typed_frame(frame: pd.DataFrame, spec: FileSpec, issues: list[Issue]) -> pd.DataFrame:
    """Coerce a raw text frame to the spec's types; problems become Issues. Bad cells become NA."""
    frame = frame.copy()
    for column, kind in spec.columns.items():
        frame[column] = frame[column].mask(frame[column] == "", None)
        if kind == BOOL:
            frame[column] = frame[column].map(
                lambda s: {"true": True, "false": False}.get(s.lower(), s) if isinstance(s, str) else s)
        if kind == DATE:
            frame[column] = frame[column].map(
                lambda s: s if not isinstance(s, str) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", s) else f"bad:{s}")
        if kind == OPTIONAL_DATE:
            frame[column] = frame[column].map(
                lambda s: s if not isinstance(s, str) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", s) else f"bad:{s}")
    try:
        return _schema(spec).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        seen: set[tuple[int, str]] = set()
        cases = err.failure_cases
        for case in cases.itertuples(index=False):
            column = case.column
            if column not in spec.columns or pd.isna(case.index):
                continue
            row = int(frame.loc[case.index, "_row"])
            if (row, column) in seen:
                continue
            seen.add((row, column))
            check = str(case.check)
            value = frame.loc[case.index, column]
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                check = "not_nullable"
            elif isinstance(value, str) and value.startswith("bad:"):
                value = value[4:]
            issues.append(Issue(frame.loc[case.index, "_file"], row, column,
                                _friendly(spec.columns[column], check, value, spec, column)))
        # Keep going with what parses so that cross-table checks still report everything at once.
        bad_rows = {idx for idx in cases["index"].dropna()}
        good = frame.drop(index=[i for i in bad_rows if i in frame.index])
        return _schema(spec).validate(good, lazy=False) if len(good) else good.iloc[0:0]


# ---------------------------------------------------------------- loading the whole dataset

def load_curated(data_dir: Path) -> tuple[CuratedData, list[Issue]]:
    issues: list[Issue] = []
    tables = CuratedData()
    for spec in SPECS:
        paths = sorted(data_dir.glob(spec.pattern))
        if not paths:
            if not spec.optional:
                issues.append(Issue(f"data/{spec.pattern}", None, None, "required file is missing"))
            tables[spec.table] = empty_table(spec)
            tables.known[spec.table] = None if not spec.optional else set()
            continue
        frames = [read_csv_file(p, spec, issues) for p in paths]
        loaded = [f for f in frames if f is not None]
        raw = pd.concat(loaded, ignore_index=True) if loaded else pd.DataFrame(
            columns=[*spec.columns, "_file", "_row"], dtype=str)
        tables.known[spec.table] = set(raw[spec.key[0]]) if len(loaded) == len(frames) else None
        tables[spec.table] = typed_frame(raw, spec, issues) if len(raw) else raw
        _check_keys(tables[spec.table], spec, issues)
    check_references(tables, issues)
    return tables, issues


def empty_table(spec: FileSpec) -> pd.DataFrame:
    """A table with no rows but its columns typed, so the warehouse and its views get the same column types."""
    columns = {column: pd.Series(dtype=_PANDAS_TYPES[kind]) for column, kind in spec.columns.items()}
    return pd.DataFrame({**columns, "_file": pd.Series(dtype=str), "_row": pd.Series(dtype="int64")})


def _check_keys(frame: pd.DataFrame, spec: FileSpec, issues: list[Issue]) -> None:
    if frame.empty:
        return
    duplicated = frame[frame.duplicated(spec.key, keep="first")]
    for _, row in duplicated.iterrows():
        first = frame[(frame[spec.key] == row[spec.key]).all(axis=1)].iloc[0]
        key = ", ".join(str(row[k]) for k in spec.key)
        issues.append(Issue(row["_file"], int(row["_row"]), spec.key[0],
                            f"duplicate id '{key}' (first used in {first['_file']}, row {int(first['_row'])})"))


def _unknown(frame: pd.DataFrame, column: str, known: set | None, what: str, where: str,
             issues: list[Issue]) -> None:
    if known is None or frame.empty:  # the referenced file itself failed to load and is already reported
        return
    values = frame[column]
    bad = frame[values.notna() & ~values.isin(list(known))]
    for row in bad[["_file", "_row", column]].itertuples(index=False):
        issues.append(Issue(row[0], int(row[1]), column, f"unknown {what} '{row[2]}' (see {where})"))


def _with(known: set[str] | None, *extra: str) -> set[str] | None:
    return None if known is None else known | set(extra)


def check_references(t: CuratedData, issues: list[Issue]) -> None:
    """Cross-table rules: foreign keys and the rules that span several columns.

    Rows are walked as plain dicts: this runs on every build, at up to 100× today's data."""
    known = t.known
    provinces = _with(known.get("provinces"), NATIONAL_CODE)
    _unknown(t["provinces"], "region_key", known.get("regions"), "region", "data/regions.csv", issues)
    _unknown(t["provinces"], "province_2025_code", known.get("provinces_2025"), "post-2025 province",
             "data/provinces_2025.csv", issues)
    _unknown(t["indicators"], "sector_key", known.get("sectors"), "sector", "data/sectors.csv", issues)
    _unknown(t["indicators"], "unit_key", known.get("units"), "unit", "data/units.csv", issues)
    _unknown(t["documents"], "implements", known.get("documents"), "document", "data/documents.csv", issues)
    fill_document_eras(t["documents"])
    documents = {d["document_id"]: d for d in t["documents"].to_dict("records")}
    for doc in documents.values():
        national = doc["scope"] == "national"
        if national != (doc["province_code"] == NATIONAL_CODE):
            issues.append(Issue(doc["_file"], int(doc["_row"]), "province_code",
                                f"a {doc['scope']} document must have province_code "
                                f"{'VN' if national else 'of its province'}"))
        elif not national:
            problem = province_key_problem(t, doc["province_era"], doc["province_code"])
            if problem:
                issues.append(Issue(doc["_file"], int(doc["_row"]), "province_code", problem))
            issue_date = doc["issue_date"]
            if doc["province_era"] == "63" and pd.notna(issue_date) and issue_date.date() >= MERGER_DATE:
                issues.append(Issue(doc["_file"], int(doc["_row"]), "province_era",
                                    f"a document issued on {issue_date.date().isoformat()}, after the merger of "
                                    "1 July 2025, is keyed to the 34 provinces: province_era must be 34 and "
                                    "province_code a code of data/provinces_2025.csv"))
        if pd.notna(doc["horizon_start"]) and pd.notna(doc["horizon_end"]) \
                and doc["horizon_start"] > doc["horizon_end"]:
            issues.append(Issue(doc["_file"], int(doc["_row"]), "horizon_end", "horizon_end is before horizon_start"))

    sources = check_sources(t, issues)
    targets = t["targets"]
    _unknown(targets, "document_id", known.get("documents"), "document", "data/documents.csv", issues)
    _unknown(targets, "sector_key", known.get("sectors"), "sector", "data/sectors.csv", issues)
    _unknown(targets, "unit_key", known.get("units"), "unit", "data/units.csv", issues)
    _unknown(targets, "indicator_key", known.get("indicators"), "indicator", "data/indicators.csv", issues)
    indicator_unit = dict(zip(t["indicators"]["indicator_key"], t["indicators"]["unit_key"]))
    whole_units = set(t["units"].loc[t["units"]["decimals"] == 0, "unit_key"]) if len(t["units"]) else set()
    for row in targets.to_dict("records"):
        def report(column: str, message: str) -> None:
            issues.append(Issue(row["_file"], int(row["_row"]), column, message))

        doc = documents.get(row["document_id"])
        if row["province_code"] != NATIONAL_CODE:  # a province of the document's era (63 before the merger, 34 since)
            problem = province_key_problem(t, doc["province_era"] if doc is not None else "63", row["province_code"])
            if problem:
                report("province_code", problem)
        if doc is not None:
            if row["province_code"] != doc["province_code"]:
                report("province_code", f"'{row['province_code']}' differs from the document's province "
                                        f"'{doc['province_code']}'")
            stem = Path(row["_file"]).stem
            if stem != row["document_id"]:
                report("document_id", f"row of document '{row['document_id']}' is in the file of '{stem}'")
        unit = indicator_unit.get(row["indicator_key"])
        if unit is not None and unit != row["unit_key"]:
            report("unit_key", f"unit '{row['unit_key']}' differs from the unit of indicator "
                               f"'{row['indicator_key']}' ('{unit}')")
        if row["unit_key"] in whole_units:
            for column in ("value_low", "value_high"):
                written = row.get(f"_raw_{column}")
                if isinstance(written, str) and re.fullmatch(r"\d{1,3}(\.\d{3})+", written):
                    report(column, f"'{written}' looks like Vietnamese thousands separators in a count of "
                                   f"{row['unit_key']}: write {written.replace('.', '')} (or a decimal "
                                   "value such as 1.25 only if the plan really states one)")
        low, high = row["value_low"], row["value_high"]
        if pd.notna(low) and pd.notna(high):
            if low > high:
                report("value_high", f"value_low {low:g} is greater than value_high {high:g}")
            elif row["comparator"] == "range" and low == high:
                report("comparator", "a range needs value_low < value_high")
            elif row["comparator"] != "range" and low != high:
                report("comparator", f"two different values need comparator 'range', not '{row['comparator']}'")
        start, end, year = row["period_start"], row["period_end"], row["target_year"]
        if row["unit_key"] == "pct_per_year" and (pd.isna(start) or pd.isna(end)):
            report("period_start", "a rate per year needs the period it applies to (period_start, period_end)")
        if pd.isna(start) != pd.isna(end):
            report("period_end", "give both period_start and period_end, or neither")
        if pd.notna(start) and pd.notna(end):
            if start > end:  # start == end is a one-year rate (growth during that year)
                report("period_end", f"period {start}–{end} ends before it starts")
            elif pd.notna(year) and not start <= year <= end:
                report("target_year", f"target_year {year} is outside the period {start}–{end}")
        if doc is not None and pd.notna(year) and row["kind"] == "target" and pd.notna(doc["horizon_start"]) \
                and year < int(doc["horizon_start"]) - 1:
            report("target_year", f"target year {year} is before the plan's base period "
                                  f"(starts {int(doc['horizon_start'])})")
        if isinstance(row["citation"], str) and len(row["citation"]) > MAX_CITATION_CHARS:
            report("citation", f"citation is {len(row['citation'])} characters; keep it under "
                               f"{MAX_CITATION_CHARS} (a short verbatim excerpt)")
        if row["year_basis"] == "horizon" and not (isinstance(row["note"], str) and row["note"].strip()):
            report("note", "year_basis 'horizon' needs a note saying the plan gives no year")
        check_value_source(row, doc, sources, report, known.get("sources"))
    check_tasks(t, issues)
    check_achieved(t, issues, sources, indicator_unit)
    gaps = t.get("coverage_gaps")
    if gaps is not None and not gaps.empty:
        _unknown(gaps, "province_2025_code", known.get("provinces_2025"), "post-2025 province",
                 "data/provinces_2025.csv", issues)
        _unknown(gaps, "indicator_key", known.get("indicators"), "indicator", "data/indicators.csv", issues)


def _key_list(value: object) -> list[str]:
    """'a;b' -> ['a', 'b'] (blank parts ignored, spaces trimmed)."""
    if not isinstance(value, str):
        return []
    return [part.strip() for part in value.split(";") if part.strip()]


def check_tasks(t: CuratedData, issues: list[Issue]) -> None:
    """Cross-table rules of the tasks: keys exist, timing is well formed, rows sit in their document's file."""
    tasks = t.get("tasks")
    if tasks is None:
        return
    if "citation_verified" not in tasks:  # set by warehouse.validate when the source texts are available
        tasks["citation_verified"] = pd.Series(pd.NA, index=tasks.index, dtype="boolean")
    if tasks.empty:
        return
    agencies = t.get("agencies")
    agency_keys = set(agencies["agency_key"]) if agencies is not None else set()
    if not agency_keys and not any(i.file == "data/agencies.csv" for i in issues):
        issues.append(Issue("data/agencies.csv", None, None,
                            "required file is missing: the tasks name agencies by key (agency_key, label_vi, "
                            "label_en, agency_type)"))
    _unknown(tasks, "document_id", t.known.get("documents"), "document", "data/documents.csv", issues)
    _unknown(tasks, "province_code", _with(t.known.get("provinces"), NATIONAL_CODE), "province code",
             "data/provinces.csv", issues)
    _unknown(tasks, "sector_key", t.known.get("sectors"), "sector", "data/sectors.csv", issues)
    documents = {d["document_id"]: d for d in t["documents"].to_dict("records")}

    for row in tasks.to_dict("records"):
        def report(column: str, message: str) -> None:
            issues.append(Issue(row["_file"], int(row["_row"]), column, message))

        doc = documents.get(row["document_id"])
        if doc is not None and row["province_code"] != doc["province_code"]:
            report("province_code", f"'{row['province_code']}' differs from the document's province "
                                    f"'{doc['province_code']}'")
        stem = Path(row["_file"]).stem
        if isinstance(row["document_id"], str) and stem != row["document_id"]:
            report("document_id", f"row of document '{row['document_id']}' is in the file of '{stem}' "
                                  f"(put it in tasks/{row['document_id']}.csv)")
        if isinstance(row["task_id"], str) and isinstance(row["document_id"], str) \
                and not re.fullmatch(re.escape(row["document_id"]) + r"-T\d{3,}", row["task_id"]):
            report("task_id", f"'{row['task_id']}' should be '{row['document_id']}-T' followed by a number "
                              f"(e.g. {row['document_id']}-T001)")
        for role in ("lead", "partner"):
            keys_column, text_column = f"{role}_agency_keys", f"{role}_agency_text"
            keys = _key_list(row[keys_column])
            if agency_keys:
                for key in keys:
                    if key not in agency_keys:
                        report(keys_column, f"unknown agency '{key}' (see data/agencies.csv; separate several "
                                            "keys with ';')")
            if len(set(keys)) != len(keys):
                report(keys_column, "an agency key is listed twice")
            if keys and not isinstance(row[text_column], str):
                report(text_column, f"{keys_column} is set but the agency name as written is empty")
            if isinstance(row[text_column], str) and not keys:
                report(keys_column, f"{text_column} names '{row[text_column]}' but no agency key is given")
        overlap = set(_key_list(row["lead_agency_keys"])) & set(_key_list(row["partner_agency_keys"]))
        if overlap:
            report("partner_agency_keys", f"{', '.join(sorted(overlap))} is both lead and partner")

        kind, value = row["timing_kind"], row["timing_value"]
        if isinstance(kind, str) and kind in TIMING_KINDS:
            form = TIMING_VALUE_FORMATS.get(kind)
            if form is None:
                if isinstance(value, str):
                    report("timing_value", f"timing_kind '{kind}' takes no timing_value (got '{value}')")
            elif not isinstance(value, str):
                report("timing_value", f"timing_kind '{kind}' needs a timing_value in the form {form[1]}")
            else:
                match = re.fullmatch(form[0], value)
                problem = None if match else f"'{value}' is not in the form {form[1]}"
                if match and kind in ("annual_date", "date"):
                    year = int(match.group(1)) if kind == "date" else 2000  # a leap year: 29 Feb is a valid day
                    month, day = (int(g) for g in match.groups()[-2:])
                    try:
                        dt.date(year, month, day)
                    except ValueError:
                        problem = f"'{value}' is not a real date ({form[1]})"
                if match and kind in ("date", "year", "period"):
                    years = [int(value[:4])] + ([int(match.group(2))] if kind == "period" else [])
                    if not all(YEAR_RANGE[0] <= y <= YEAR_RANGE[1] for y in years):
                        problem = f"year in '{value}' is implausible (expected {YEAR_RANGE[0]}–{YEAR_RANGE[1]})"
                    elif kind == "period" and years[0] > years[1]:
                        problem = f"period '{value}' ends before it starts"
                if problem:
                    report("timing_value", problem)
            if kind != "none" and not isinstance(row["timing_text"], str):
                report("timing_text", f"timing_kind '{kind}' needs the timing as written in the plan")

        citation = row["citation"]
        if isinstance(citation, str) and len(citation) > MAX_CITATION_CHARS:
            report("citation", f"citation is {len(citation)} characters; keep it under "
                               f"{MAX_CITATION_CHARS} (a short verbatim excerpt)")
        for column in ("title_vi", "title_en"):
            if isinstance(row[column], str) and len(row[column]) > MAX_TASK_TITLE_CHARS:
                report(column, f"title is {len(row[column])} characters; keep it under {MAX_TASK_TITLE_CHARS}")


# ---------------------------------------------------------------- provinces of two eras, sources, achieved values

def fill_document_eras(documents: pd.DataFrame) -> None:
    """A provincial document without province_era takes the era of its issue date (before 1 July 2025: the 63
    provinces; on or after: the 34); a national document has none."""
    if documents.empty:
        return
    inferred = documents["issue_date"].map(
        lambda d: None if pd.isna(d) else ("63" if d.date() < MERGER_DATE else "34"))
    era = documents["province_era"].where(documents["province_era"].notna(), inferred)
    documents["province_era"] = era.where(documents["scope"] == "provincial", None)


def province_key_problem(t: CuratedData, era: str | None, code: object) -> str | None:
    """Why `code` is not a province of `era` ('63' or '34'), or None when it is (or a reference failed to load)."""
    old, new = t.known.get("provinces"), t.known.get("provinces_2025")
    if era == "63":
        if old is not None and code not in old:
            return f"unknown province code '{code}' (see data/provinces.csv)"
    elif era == "34" and new is not None and code not in new:
        provinces = t["provinces"]
        match = provinces[provinces["province_code"] == code]
        if len(match):
            before = match.iloc[0]
            return (f"'{code}' ({before['name_vi']}) is a province code from before 1 July 2025; since then it is "
                    f"part of {before['province_2025_code']}: key values adopted since the merger to the 34 "
                    "provinces (data/provinces_2025.csv)")
        return f"unknown province code '{code}' (see data/provinces_2025.csv)"
    return None


def check_sources(t: CuratedData, issues: list[Issue]) -> dict[str, dict]:
    """sources.csv: every listed source has a web address and a publication date; returns them by id."""
    sources = {}
    for row in t["sources"].to_dict("records"):
        sources[row["source_id"]] = row
        url = row["url"]
        if isinstance(url, str) and not re.fullmatch(r"https?://[^\s]+", url):
            issues.append(Issue(row["_file"], int(row["_row"]), "url",
                                f"'{url}' is not a web address (http:// or https://)"))
    return sources


def check_value_source(row: dict, doc: dict | None, sources: dict[str, dict], report,
                       known_sources: set[str] | None = None) -> None:
    """Where a value was read: in its document's own text (no source_id: the verbatim clause and its section are
    required) or in a listed source (a locator in our own words, no copied sentence; never a draft as a target)."""
    source_id, citation, locator = row.get("source_id"), row.get("citation"), row.get("locator")
    if not isinstance(source_id, str):
        if not isinstance(citation, str):
            report("citation", "a value read in its document's own text needs the verbatim clause (citation); a "
                               "value read in a report or newspaper names its source in source_id instead")
        if not isinstance(row.get("section"), str):
            report("section", "is empty but required for a value read in its document's own text")
    else:
        source = sources.get(source_id)
        if source is None and source_id not in (known_sources or ()):
            report("source_id", f"unknown source '{source_id}' (see data/sources.csv)")
        elif source is not None and source["reports"] == "draft" and row["kind"] == "target":
            report("source_id", f"source '{source_id}' reports a draft: a value from a draft (before adoption) is "
                                "not a target")
        if isinstance(citation, str):
            report("citation", "a value read in a report or newspaper carries no copied sentence: leave citation "
                               "empty and say where the figure is in locator, in your own words")
        if not isinstance(locator, str):
            report("locator", "a value read in a listed source needs a locator: where on the page the figure is, "
                              "in your own words")
    if isinstance(locator, str) and len(locator) > MAX_LOCATOR_CHARS:
        report("locator", f"locator is {len(locator)} characters; keep it under {MAX_LOCATOR_CHARS}")
    if doc is not None and doc.get("status") == "draft" and row["kind"] == "target":
        report("kind", f"document '{doc['document_id']}' is a draft: its values are not targets")


def check_achieved(t: CuratedData, issues: list[Issue], sources: dict[str, dict],
                   indicator_unit: dict[str, str]) -> None:
    """achieved/*.csv: results as published, each with its vintage and source; never keyed across eras."""
    achieved = t.get("achieved")
    if achieved is None or achieved.empty:
        return
    _unknown(achieved, "indicator_key", t.known.get("indicators"), "indicator", "data/indicators.csv", issues)
    _unknown(achieved, "unit_key", t.known.get("units"), "unit", "data/units.csv", issues)
    for row in achieved.to_dict("records"):
        def report(column: str, message: str) -> None:
            issues.append(Issue(row["_file"], int(row["_row"]), column, message))

        era, code = row["province_era"], row["province_code"]
        if era == "national":
            if code != NATIONAL_CODE:
                report("province_code", f"a national value has province_code {NATIONAL_CODE}")
        else:
            problem = province_key_problem(t, era, code)
            if problem:
                report("province_code", problem)
        unit = indicator_unit.get(row["indicator_key"])
        if unit is not None and unit != row["unit_key"]:
            report("unit_key", f"unit '{row['unit_key']}' differs from the unit of indicator "
                               f"'{row['indicator_key']}' ('{unit}')")
        start, end, year = row["period_start"], row["period_end"], row["year"]
        if row["unit_key"] == "pct_per_year" and (pd.isna(start) or pd.isna(end)):
            report("period_start", "a rate per year needs the period it applies to (period_start, period_end; "
                                   "one year: both that year)")
        if pd.isna(start) != pd.isna(end):
            report("period_end", "give both period_start and period_end, or neither")
        elif pd.notna(start) and pd.notna(end) and pd.notna(year):
            if start > end:
                report("period_end", f"period {start}–{end} ends before it starts")
            elif year != end:
                report("year", f"the year of a result over {start}–{end} is its last year, {end}")
        if row["source_id"] not in sources and row["source_id"] not in (t.known.get("sources") or ()):
            report("source_id", f"unknown source '{row['source_id']}' (see data/sources.csv)")
        if isinstance(row["locator"], str) and len(row["locator"]) > MAX_LOCATOR_CHARS:
            report("locator", f"locator is {len(row['locator'])} characters; keep it under {MAX_LOCATOR_CHARS}")
