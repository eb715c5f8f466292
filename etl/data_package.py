"""The whole warehouse as an open data package, as analysts expect from open-data sites.

Every table and view that analysts need, each as CSV (UTF-8 with a byte-order mark, so that Excel shows the
Vietnamese text correctly) and as Parquet, with a Frictionless Data Package descriptor (`datapackage.json`,
profile tabular-data-package) that describes every column, and a README in Vietnamese and English.

The column descriptions live in one declarative file, `etl/data_dictionary.csv` (table, column, description_en,
description_vi; a blank column describes the table itself; table `*` describes a column that means the same in
every table that has it). The export fails, naming every gap, when a table or column of the warehouse has no
description, or when the dictionary describes one that no longer exists: the dictionary stays complete and true.

The zip is deterministic: the same warehouse gives the same bytes (files in a fixed order, rows in a fixed
order, the build time as every file's time).

No Streamlit here: `python -m etl export-data` and the dashboard's download button both call `export_zip`.
"""
from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import string
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .curated import SPEC_BY_TABLE

PACKAGE_NAME = "dich-vu-2030"
ZIP_FOLDER = "dich-vu-2030-data"  # the folder the zip unpacks into
DICTIONARY = Path(__file__).with_name("data_dictionary.csv")
README_TEMPLATE = Path(__file__).with_name("data_package_readme.md")
DICTIONARY_HEADER = ["table", "column", "description_en", "description_vi"]
ANY_TABLE = "*"

# Tables left out, by name prefix, and why (the README says so too). Every other table and view is exported, so a
# table added to the warehouse is exported, or the export fails until the dictionary describes it.
EXCLUDED_PREFIXES = {
    "map_": ("the map page's province outlines (simplified GeoJSON for drawing) and tile layout: drawing aids, not "
             "data; the outlines are Natural Earth's (public domain) and are best taken from there",
             "đường ranh giới tỉnh của trang bản đồ (GeoJSON đã giản lược để vẽ) và bố cục bản đồ ô: công cụ vẽ, không "
             "phải dữ liệu; ranh giới lấy từ Natural Earth (phạm vi công cộng), nên lấy trực tiếp từ đó"),
}

# DuckDB type -> Frictionless field type. Anything else fails loudly: add it here with care.
FIELD_TYPES = {"VARCHAR": "string", "BOOLEAN": "boolean", "DATE": "date", "DOUBLE": "number", "FLOAT": "number",
               "BIGINT": "integer", "INTEGER": "integer", "SMALLINT": "integer", "TINYINT": "integer",
               "HUGEINT": "integer", "UBIGINT": "integer", "UINTEGER": "integer", "USMALLINT": "integer",
               "UTINYINT": "integer", "TIMESTAMP": "datetime", "TIMESTAMP_NS": "datetime",
               "TIMESTAMP WITH TIME ZONE": "datetime"}

# Keys of the views (a view's rows are unique on these); the curated tables take theirs from etl/curated.py.
VIEW_KEYS = {
    "v_targets": ["target_id"], "v_value_sources": ["target_id"], "v_achieved": ["achieved_id"],
    "v_documents": ["document_id"], "v_provinces": ["province_code"], "v_tasks": ["task_id"],
    "v_province_keys": ["province_era", "province_code_curated"],
    "v_task_agencies": ["task_id", "role", "position"],
}

# Where a value was read: the three source tiers (sources.tier, v_targets.source_tier, v_achieved.source_tier).
SOURCE_TIERS = {
    "primary_text": ("the document's own text: the project holds it, and the clause is quoted verbatim and checked "
                     "against it",
                     "văn bản gốc: dự án lưu giữ văn bản, điều khoản được trích nguyên văn và đối chiếu tự động"),
    "official_report": ("an official report of the adopted figure: a government, Party or national news agency "
                        "page, or the province's own portal or Party newspaper; the project does not hold its text",
                        "báo cáo chính thức về con số đã thông qua: trang của Chính phủ, của Đảng, Thông tấn xã "
                        "Việt Nam, cổng thông tin hoặc báo Đảng của tỉnh; dự án không lưu văn bản"),
    "press": ("another newspaper reporting the figure; the project does not hold its text",
              "báo chí khác đưa tin về con số; dự án không lưu văn bản"),
}

LICENSES = [
    {"name": "MIT", "path": "https://opensource.org/licenses/MIT",
     "title": "Code: the Dịch vụ 2030 pipeline and dashboard that build this package are under the MIT licence"},
    {"path": "README.md",
     "title": "Data: facts and figures from public sources. Vietnamese legal documents are not subject to copyright "
              "(Law on Intellectual Property, Art. 15); the package quotes short clauses of them verbatim. From "
              "news and official web pages it holds only the figures, the page's address and date and a locator in "
              "the project's own words, no copied sentences. Name the source given on each row when you reuse a "
              "value."},
]


class DataDictionaryError(ValueError):
    """The dictionary does not describe the warehouse exactly: every problem, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) with the data dictionary (every exported table and column "
                         "is described, nothing else):\n"
                         + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Description:
    en: str
    vi: str
    row: int  # spreadsheet row in the dictionary (the header is row 1)


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    field_type: str | None  # None: a type the package cannot describe (the export fails)


@dataclass(frozen=True)
class Table:
    name: str
    kind: str  # "table" or "view"
    columns: tuple[Column, ...]
    rows: int

    @property
    def key(self) -> list[str]:
        spec = SPEC_BY_TABLE.get(self.name)
        return list(spec.key) if spec is not None else list(VIEW_KEYS.get(self.name, []))


def _display(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return path.relative_to(Path(__file__).resolve().parent.parent).as_posix()
    return str(path)


# ---------------------------------------------------------------- the dictionary

def load_dictionary(path: Path = DICTIONARY) -> dict[tuple[str, str], Description]:
    """(table, column) -> description; column '' is the table itself, table '*' any table with that column."""
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    name = _display(path)
    if not rows or [c.strip() for c in rows[0]] != DICTIONARY_HEADER:
        raise DataDictionaryError([f"{name}, row 1: the header must be {','.join(DICTIONARY_HEADER)}"])
    entries: dict[tuple[str, str], Description] = {}
    problems = []
    for number, cells in enumerate(rows[1:], start=2):
        if not cells:
            continue
        if len(cells) != len(DICTIONARY_HEADER):
            problems.append(f"{name}, row {number}: has {len(cells)} fields, expected {len(DICTIONARY_HEADER)}")
            continue
        table, column, en, vi = (c.strip() for c in cells)
        if not table:
            problems.append(f"{name}, row {number}: the table is empty")
        elif (table, column) in entries:
            problems.append(f"{name}, row {number}: {table}.{column or '(table)'} is described twice "
                            f"(first on row {entries[(table, column)].row})")
        elif not en or not vi:
            problems.append(f"{name}, row {number}: {table}.{column or '(table)'} needs both description_en "
                            "and description_vi")
        else:
            entries[(table, column)] = Description(en, vi, number)
    if problems:
        raise DataDictionaryError(problems)
    return entries


def check_dictionary(tables: list[Table], dictionary: dict[tuple[str, str], Description],
                     name: str = _display(DICTIONARY)) -> list[str]:
    """Every exported table and column described, and nothing described that is not exported."""
    problems = []
    exported = {table.name: {c.name for c in table.columns} for table in tables}
    for table in tables:
        if (table.name, "") not in dictionary:
            problems.append(f"{table.kind} {table.name} has no description: add a row '{table.name},,…' to {name}")
        for column in table.columns:
            if column.field_type is None:
                problems.append(f"column {table.name}.{column.name} has type {column.sql_type}, which the package "
                                "does not map to a Frictionless type (FIELD_TYPES in etl/data_package.py)")
            if (table.name, column.name) not in dictionary and (ANY_TABLE, column.name) not in dictionary:
                problems.append(f"column {table.name}.{column.name} ({column.sql_type}) has no description: add a "
                                f"row '{table.name},{column.name},…' to {name}")
    every_column = set().union(*exported.values()) if exported else set()
    for (table, column), entry in sorted(dictionary.items(), key=lambda item: item[1].row):
        where = f"{name}, row {entry.row}"
        if table == ANY_TABLE:
            if column not in every_column:
                problems.append(f"{where}: describes column '{column}' of any table, but no exported table has it")
        elif table not in exported:
            excluded = next((p for p in EXCLUDED_PREFIXES if table.startswith(p)), None)
            why = "a table left out of the package" if excluded else "no table or view of the warehouse"
            problems.append(f"{where}: describes {table}, {why}")
        elif column and column not in exported[table]:
            problems.append(f"{where}: describes {table}.{column}, a column {table} no longer has")
    return problems


# ---------------------------------------------------------------- reading the warehouse

@contextlib.contextmanager
def open_warehouse(warehouse: Path):
    """A read-only connection to the warehouse file as it is now (attached from a fresh in-memory database, so
    never an instance a process already holds for an older file at that path)."""
    if not Path(warehouse).is_file():
        raise FileNotFoundError(f"no warehouse at {warehouse}: build it first (python -m etl build)")
    con = duckdb.connect()
    try:
        con.execute("SET threads = 1")  # one thread: rows always come in the same order
        con.execute("ATTACH ? AS warehouse (READ_ONLY)", [str(warehouse)])
        con.execute("USE warehouse")
        yield con
    finally:
        con.close()


def list_tables(con: duckdb.DuckDBPyConnection) -> list[Table]:
    """Every table and view of the warehouse but the excluded ones, by name, with typed columns and row counts."""
    found = con.execute("""
        SELECT table_name, table_type FROM information_schema.tables
        WHERE table_catalog = 'warehouse' AND table_schema = 'main' ORDER BY table_name""").fetchall()
    described = {}
    for name, column, sql_type in con.execute("""
            SELECT table_name, column_name, data_type FROM information_schema.columns
            WHERE table_catalog = 'warehouse' AND table_schema = 'main'
            ORDER BY table_name, ordinal_position""").fetchall():
        described.setdefault(name, []).append((column, sql_type))
    tables = []
    for name, table_type in found:
        if name.startswith(tuple(EXCLUDED_PREFIXES)):
            continue
        columns = tuple(Column(column, sql_type, field_type(sql_type))
                        for column, sql_type in described.get(name, []))
        rows = con.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()[0]
        tables.append(Table(name, "view" if table_type == "VIEW" else "table", columns, rows))
    return tables


def field_type(sql_type: str) -> str | None:
    """The Frictionless type of a DuckDB column type; None for a type the package does not know how to describe."""
    if sql_type.startswith("DECIMAL"):
        return "number"
    return FIELD_TYPES.get(sql_type)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _build_info(con: duckdb.DuckDBPyConnection) -> dict:
    frame = con.execute("SELECT * FROM build_info").fetchall()
    names = [d[0] for d in con.description]
    return dict(zip(names, frame[0])) if frame else {}


def _tier_counts(con: duckdb.DuckDBPyConnection, names: set[str]) -> dict[str, int]:
    parts = [f"SELECT source_tier FROM {v}" for v in ("v_targets", "v_achieved") if v in names]
    if not parts:
        return {}
    rows = con.execute(f"SELECT source_tier, count(*) FROM ({' UNION ALL '.join(parts)}) GROUP BY ALL").fetchall()
    return {tier: int(n) for tier, n in rows}


# ---------------------------------------------------------------- writing

# A spreadsheet runs a cell that starts with one of these as a formula: in the CSV files such a text gets a leading
# apostrophe, as every CSV download of the dashboard does (widgets.neutralise_formula). Parquet keeps the text as is.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_column(column: Column) -> str:
    name = _quote(column.name)
    if column.sql_type != "VARCHAR":
        return name
    starts = ", ".join(f"chr({ord(c)})" for c in FORMULA_STARTS)
    apostrophe = _literal("'")
    return f"CASE WHEN left({name}, 1) IN ({starts}) THEN {apostrophe} || {name} ELSE {name} END AS {name}"


def _write_table(con: duckdb.DuckDBPyConnection, table: Table, root: Path) -> None:
    columns = ", ".join(_quote(c.name) for c in table.columns)
    select = f"SELECT {columns} FROM {_quote(table.name)} ORDER BY ALL"
    for_csv = f"SELECT {', '.join(_csv_column(c) for c in table.columns)} FROM ({select})"  # keeps the order
    csv_path, parquet_path = root / "csv" / f"{table.name}.csv", root / "parquet" / f"{table.name}.parquet"
    con.execute(f"COPY ({for_csv}) TO {_literal(str(csv_path))} (FORMAT csv, HEADER true, DELIMITER ',', "
                "DATEFORMAT '%Y-%m-%d', TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%S')")
    body = csv_path.read_bytes()
    csv_path.write_bytes(b"\xef\xbb\xbf" + body)  # the BOM: Excel then reads the file as UTF-8
    pq.write_table(with_pandas_metadata(con.sql(select).to_arrow_table()), parquet_path, compression="zstd")


def with_pandas_metadata(table: pa.Table) -> pa.Table:
    """The same columns, with pandas' schema note that whole numbers and true/false columns holding nulls are
    nullable integers and booleans: pandas (and tools reading Parquet through it, such as the frictionless
    validator) then read 2021 and <NA>, not 2021.0 and NaN. The data itself is not rewritten."""
    nullable = {pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int32Dtype(), pa.int16(): pd.Int16Dtype(),
                pa.int8(): pd.Int8Dtype(), pa.bool_(): pd.BooleanDtype()}
    frame = table.to_pandas(types_mapper=nullable.get)
    note = pa.Table.from_pandas(frame, preserve_index=False).schema.metadata or {}
    return table.replace_schema_metadata({**(table.schema.metadata or {}), **note})


def _file_facts(path: Path) -> dict:
    data = path.read_bytes()
    return {"bytes": len(data), "hash": "sha256:" + hashlib.sha256(data).hexdigest()}


def _fields(table: Table, dictionary: dict[tuple[str, str], Description]) -> list[dict]:
    fields = []
    for column in table.columns:
        entry = dictionary.get((table.name, column.name)) or dictionary[(ANY_TABLE, column.name)]
        fields.append({"name": column.name, "type": column.field_type, "description": entry.en,
                       "description_vi": entry.vi})
    return fields


def _resources(tables: list[Table], dictionary: dict[tuple[str, str], Description], root: Path) -> list[dict]:
    resources = []
    for table in tables:
        about = dictionary[(table.name, "")]
        schema = {"fields": _fields(table, dictionary), "missingValues": [""]}
        if table.key:
            schema["primaryKey"] = table.key
        for fmt in ("csv", "parquet"):
            path = f"{fmt}/{table.name}.{fmt}"
            resource = {
                "name": f"{table.name}-{fmt}",
                "path": path,
                "profile": "tabular-data-resource",
                "title": f"{table.name} ({fmt.upper()})",
                "description": about.en,
                "description_vi": about.vi,
                "format": fmt,
                "mediatype": "text/csv" if fmt == "csv" else "application/vnd.apache.parquet",
            }
            if fmt == "csv":
                # UTF-8, starting with a byte-order mark (readers of 'utf-8' such as frictionless skip it;
                # Python's csv module wants encoding='utf-8-sig').
                resource["encoding"] = "utf-8"
                resource["dialect"] = {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "header": True}
                # Size and hash for the CSV only: the frictionless validator reads Parquet through pyarrow, cannot
                # count or hash its bytes, and would report the stated ones as a mismatch.
                resource.update(_file_facts(root / path))
            resource["rows"] = table.rows
            resource["warehouse_object"] = table.kind
            resource["schema"] = schema
            resources.append(resource)
    return resources


def _descriptor(tables, dictionary, root: Path, info: dict, tiers: dict[str, int]) -> dict:
    sources = [{"title": f"{tier}: {en}", "title_vi": f"{tier}: {vi}", "n_values": tiers.get(tier, 0)}
               for tier, (en, vi) in SOURCE_TIERS.items()]
    descriptor = {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": "Dịch vụ 2030: what Vietnam's provinces promised for their service sector by 2030 "
                 "(Các tỉnh cam kết gì cho khu vực dịch vụ đến năm 2030)",
        "description": "Targets, baselines and results stated in Vietnam's national and provincial plans and Party "
                       "congress resolutions for the service sector and the economy, 2021–2030, for the 63 "
                       "provinces before 1 July 2025 and the 34 since, each value with its document and source. "
                       "See README.md.",
        "keywords": ["Vietnam", "services", "provinces", "targets", "GRDP", "dịch vụ", "tỉnh", "chỉ tiêu"],
        "languages": ["vi", "en"],
        "created": _created(info),
        "licenses": LICENSES,
        "sources": sources,
        "build": {key: _jsonable(info.get(key)) for key in
                  ("built_at", "data_fingerprint", "schema_version", "citations_checked", "citations_verified")
                  if key in info},
        "resources": _resources(tables, dictionary, root),
    }
    return descriptor


def _jsonable(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _created(info: dict) -> str:
    return str(info.get("built_at") or "")


def _build_time(info: dict) -> tuple[int, int, int, int, int, int]:
    """The build's time as a zip timestamp (every file of the zip carries it, so the zip is reproducible)."""
    try:
        moment = dt.datetime.fromisoformat(str(info.get("built_at")))
    except ValueError:
        moment = dt.datetime(1980, 1, 1)
    moment = max(moment.replace(tzinfo=None), dt.datetime(1980, 1, 1))
    return moment.timetuple()[:6]


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _readme(tables: list[Table], dictionary, info: dict, tiers: dict[str, int]) -> str:
    rows_en = "\n".join(f"| `{t.name}` | {t.kind} | {t.rows} | {_markdown_cell(dictionary[(t.name, '')].en)} |"
                        for t in tables)
    rows_vi = "\n".join(f"| `{t.name}` | {'bảng' if t.kind == 'table' else 'khung nhìn (view)'} | {t.rows} | "
                        f"{_markdown_cell(dictionary[(t.name, '')].vi)} |" for t in tables)
    tiers_en = "\n".join(f"- `{tier}` ({tiers.get(tier, 0)} values and results): {en}."
                         for tier, (en, _) in SOURCE_TIERS.items())
    tiers_vi = "\n".join(f"- `{tier}` ({tiers.get(tier, 0)} giá trị và kết quả): {vi}."
                         for tier, (_, vi) in SOURCE_TIERS.items())
    excluded_en = "; ".join(f"`{prefix}*`, {en}" for prefix, (en, _) in EXCLUDED_PREFIXES.items())
    excluded_vi = "; ".join(f"`{prefix}*`, {vi}" for prefix, (_, vi) in EXCLUDED_PREFIXES.items())
    template = string.Template(README_TEMPLATE.read_text(encoding="utf-8"))
    return template.substitute(
        built_at=_created(info) or "?", fingerprint=str(info.get("data_fingerprint") or "?"),
        tables_en=rows_en, tables_vi=rows_vi, tiers_en=tiers_en, tiers_vi=tiers_vi, excluded_en=excluded_en,
        excluded_vi=excluded_vi, n_tables=len(tables))


def _write_package(warehouse: Path, root: Path, dictionary_path: Path) -> dict:
    """Write the package's files into the empty folder `root`; returns the descriptor."""
    dictionary = load_dictionary(dictionary_path)
    with open_warehouse(warehouse) as con:
        tables = list_tables(con)
        problems = check_dictionary(tables, dictionary, _display(dictionary_path))
        if problems:
            raise DataDictionaryError(problems)
        (root / "csv").mkdir(parents=True)
        (root / "parquet").mkdir()
        for table in tables:
            _write_table(con, table, root)
        info = _build_info(con) if any(t.name == "build_info" for t in tables) else {}
        tiers = _tier_counts(con, {t.name for t in tables})
    descriptor = _descriptor(tables, dictionary, root, info, tiers)
    (root / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
    (root / "README.md").write_text(_readme(tables, dictionary, info, tiers), encoding="utf-8")
    return descriptor


def export_folder(warehouse: Path, folder: Path, dictionary: Path = DICTIONARY) -> dict:
    """Write the package into `folder` and return its descriptor. A package exported there before is replaced
    whole (no stale file of a table since removed stays behind); any other non-empty folder is left alone."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()) and not (folder / "datapackage.json").is_file():
        raise FileExistsError(f"{folder} is not empty and holds no data package: choose another folder")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        descriptor = _write_package(warehouse, staging / "package", dictionary)
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(staging / "package", folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return descriptor


def zip_folder(folder: Path) -> bytes:
    """The package folder as a zip with a fixed order, time and mode for every file: reproducible bytes."""
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    stamp = _build_time({"built_at": descriptor.get("created")})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            member = zipfile.ZipInfo(f"{ZIP_FOLDER}/{path.relative_to(folder).as_posix()}", date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.create_system = 3  # unix, whatever machine builds it
            member.external_attr = 0o644 << 16
            archive.writestr(member, path.read_bytes(), compresslevel=9)
    return buffer.getvalue()


def export_zip(warehouse: Path, zip_path: Path | None = None, dictionary: Path = DICTIONARY) -> bytes:
    """The package as zip bytes, also written to `zip_path` (atomically) when given."""
    with tempfile.TemporaryDirectory(prefix="dv2030-package-") as scratch:
        root = Path(scratch) / "package"
        _write_package(warehouse, root, dictionary)
        data = zip_folder(root)
    if zip_path is not None:
        write_atomically(Path(zip_path), data)
    return data


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def summary(descriptor: dict, folder: Path) -> str:
    csvs = [r for r in descriptor["resources"] if r["format"] == "csv"]
    size = sum(path.stat().st_size for path in Path(folder).rglob("*") if path.is_file())
    return (f"{len(csvs)} tables and views as CSV and Parquet ({sum(r['rows'] for r in csvs):,} rows, "
            f"{size / 1e6:.1f} MB), built {descriptor.get('created') or '?'}")
