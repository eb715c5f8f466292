"""Tasks and responsibilities: the curated task files, their validation, the warehouse views and the page.

- every task citation is found verbatim in its plan (skipped without the source texts);
- what each plan says about its tasks is what the data holds: Quảng Ngãi's appendix table (nine service
  groups, one row per numbered task), Hải Phòng's assignment of each part to a lead department, the annual
  reporting deadlines and Bình Thuận's "Thời gian thực hiện" clauses;
- bad task rows give their specific error naming file, row and field;
- the page filters (URL state and widgets), the matrix cell, the list and the empty selection.
"""
from __future__ import annotations

import csv
import json
import re
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from conftest import REPO
from dashboard_lib import tasks as lib
from dashboard_lib.i18n import t
from etl.citations import fold
from etl.curated import AGENCY_TYPES, TIMING_KINDS
from etl.warehouse import build, validate

DATA = REPO / "data"
QUIET = lambda message: None  # noqa: E731
QNG, HPG, BTN = "QNG-1731-2021", "HPG-117-2020", "BTN-969-2021"


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _tasks(document_id: str) -> list[dict]:
    return _rows(DATA / "tasks" / f"{document_id}.csv")


def _documents() -> dict[str, dict]:
    return {r["document_id"]: r for r in _rows(DATA / "documents.csv")}


def _source(seeds: Path, document_id: str) -> str:
    return fold((seeds / _documents()[document_id]["source_file"]).read_text(encoding="utf-8"))


def _copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("warehouse.duckdb*", "cache", ".*"))
    return target


def _issues(result, severity: str = "error") -> list:
    return [i for i in result.issues if i.severity == severity]


# ---------------------------------------------------------------- the curated data against the plans

def test_every_provincial_plan_has_its_tasks():
    """Every plan whose text we hold has its tasks (a congress resolution read in reports has none of ours)."""
    provincial = {d for d, r in _documents().items() if r["scope"] == "provincial" and r["source_file"]}
    files = {p.stem for p in (DATA / "tasks").glob("*.csv")}
    assert files == provincial
    for document_id in provincial:
        rows = _tasks(document_id)
        assert rows, document_id
        assert [r["task_id"] for r in rows] == [f"{document_id}-T{i:03d}" for i in range(1, len(rows) + 1)]


def test_all_task_citations_verify_against_the_sources(seeds):
    result = validate(sources_dir=seeds)
    assert result.ok, "\n".join(map(str, result.errors))
    tasks = result.tables["tasks"]
    assert len(tasks) == sum(len(_tasks(p.stem)) for p in (DATA / "tasks").glob("*.csv"))
    unverified = tasks.loc[~tasks["citation_verified"].fillna(False).astype(bool), "task_id"].tolist()
    assert unverified == []
    for document_id, group in tasks.groupby("document_id"):  # the same check, spelled out
        source = _source(seeds, document_id)
        assert all(fold(c) in source for c in group["citation"]), document_id


def test_quang_ngai_appendix_nine_service_groups_one_row_per_numbered_task(seeds):
    """Phụ lục 2 (TT / Nhiệm vụ chủ yếu / Đơn vị chủ trì / Đơn vị phối hợp) lists tasks 1.1 … 9.2 under nine
    service groups; every numbered task is one row, cited from the table, with its lead agency."""
    rows = [r for r in _tasks(QNG) if r["section"].startswith("Phụ lục 2")]
    numbers = [r["section"].rsplit(").", 1)[1] for r in rows]
    groups = {n.split(".")[0] for n in numbers}
    assert groups == {str(g) for g in range(1, 10)}  # nine service groups
    sector_of_group = defaultdict(set)
    for number, row in zip(numbers, rows):
        sector_of_group[number.split(".")[0]].add(row["sector_key"])
        assert row["lead_agency_keys"], row["task_id"]
    assert all(len(s) == 1 for s in sector_of_group.values())  # one sector per service group
    assert len({next(iter(s)) for s in sector_of_group.values()}) == 9

    source = (seeds / _documents()[QNG]["source_file"]).read_text(encoding="utf-8")
    table = source[source.index("NHIỆM VỤ CHỦ YẾU TRONG"):]
    in_source = re.findall(r"^(\d+\.\d+) \|", table, flags=re.M)
    source_groups = re.findall(r"^(\d+) \|\n(.+?) \|", table, flags=re.M)
    assert sorted(numbers, key=lambda n: tuple(map(int, n.split(".")))) == in_source
    assert len(source_groups) == 9
    assert Counter(n.split(".")[0] for n in numbers) == Counter(n.split(".")[0] for n in in_source)


def test_hai_phong_tasks_carry_the_lead_that_part_v_assigns(seeds):
    """V.2 gives each part of III to a lead department ("… chủ trì … nhiệm vụ tại mục N phần III")."""
    source = (seeds / _documents()[HPG]["source_file"]).read_text(encoding="utf-8")
    assigned = {}
    for line in source.splitlines():
        match = re.search(r"mục (\d) phần III", line)
        if line.startswith("- ") and match and match.group(1) != "6":  # mục 6 is split by tiết (a1–a5, b)
            name = re.split(r" chủ trì|:", line[2:], maxsplit=1)[0]
            assigned[match.group(1)] = name.replace(", Sở", "; Sở")
    assert set(assigned) == {"2", "3", "4", "5", "7", "8", "9"}
    by_part = defaultdict(set)
    for row in _tasks(HPG):
        part = re.match(r"III\.(\d)", row["section"])
        if part:
            by_part[part.group(1)].add(row["lead_agency_text"])
    assert set(by_part) == {str(n) for n in range(1, 10)}  # every part of III has tasks
    for part, name in assigned.items():
        assert by_part[part] == {name}, part


def test_annual_deadlines_are_those_the_plans_state(seeds):
    """Every "trước ngày DD/MM" (or "DD tháng MM") of a plan is an annual_date task with that MM-DD."""
    for document_id, doc in _documents().items():
        if doc["scope"] != "provincial" or not doc["source_file"]:
            continue
        stated = {f"{int(month):02d}-{int(day):02d}" for day, month in re.findall(
            r"trước ngày (\d{1,2})(?:/| tháng )(\d{1,2})(?!/\d{4}| năm)", _source(seeds, document_id))}
        annual = {r["timing_value"] for r in _tasks(document_id) if r["timing_kind"] == "annual_date"}
        assert annual == stated, document_id
    reporting = [r for r in _tasks(BTN) if r["timing_kind"] == "annual_date"]
    assert [r["is_reporting"] for r in reporting] == ["true"]


def test_binh_thuan_implementation_times_are_all_recorded(seeds):
    """Each "(Thời gian thực hiện: …)" of Bình Thuận's plan is the timing of a task; the twelve "Thường
    xuyên" clauses are twelve recurring tasks."""
    clauses = re.findall(r"Thời gian thực hiện: ([^)]*)\)", _source(seeds, BTN))
    rows = _tasks(BTN)
    timings = Counter(r["timing_text"] for r in rows)
    assert all(timings[c] >= 1 for c in clauses), [c for c in clauses if not timings[c]]
    assert Counter(clauses)["Thường xuyên"] == 12 == timings["Thường xuyên"]
    assert {r["timing_kind"] for r in rows if r["timing_text"] == "Thường xuyên"} == {"recurring"}


def test_agency_reference_covers_every_key_and_both_collectives():
    agencies = {r["agency_key"]: r for r in _rows(DATA / "agencies.csv")}
    assert {r["agency_type"] for r in agencies.values()} <= set(AGENCY_TYPES)
    used = Counter()
    for path in (DATA / "tasks").glob("*.csv"):
        for row in _rows(path):
            for column in ("lead_agency_keys", "partner_agency_keys"):
                used.update(k for k in row[column].split(";") if k)
    assert set(used) <= set(agencies)
    # "các sở, ban, ngành" (every department) and "các cơ quan/đơn vị liên quan" (unnamed partners) differ
    assert agencies["all_agencies"]["agency_type"] == agencies["related_agencies"]["agency_type"] == "collective"
    for path in (DATA / "tasks").glob("*.csv"):
        for row in _rows(path):
            text, keys = row["partner_agency_text"].lower(), row["partner_agency_keys"].split(";")
            if re.search(r"(cơ quan|đơn vị|ngành)( có)? liên quan", text):
                assert "related_agencies" in keys, row["task_id"]


# ---------------------------------------------------------------- validation of bad task rows

@pytest.fixture
def data_copy(tmp_path):
    return _copy_data(tmp_path)


def _edit_task(data: Path, file_of: str, index: int, changes: dict) -> int:
    path = data / "tasks" / f"{file_of}.csv"
    rows = _rows(path)
    rows[index].update(changes)
    _write(path, rows)
    return index + 2  # spreadsheet row: the header is row 1


def _errors_at(result, file: str, row: int, field: str) -> list[str]:
    return [i.message for i in _issues(result) if (i.file, i.row, i.field) == (file, row, field)]


@pytest.mark.parametrize("changes, field, fragment", [
    ({"partner_agency_keys": "all_agencies;sở_y_tế"}, "partner_agency_keys", "unknown agency 'sở_y_tế'"),
    ({"lead_agency_keys": "dept_healht"}, "lead_agency_keys", "unknown agency 'dept_healht'"),
    ({"timing_kind": "annual_date", "timing_value": "15/12", "timing_text": "trước ngày 15/12"}, "timing_value",
     "'15/12' is not in the form MM-DD"),
    ({"timing_kind": "annual_date", "timing_value": "12-32", "timing_text": "x"}, "timing_value",
     "not a real date"),
    ({"timing_kind": "date", "timing_value": "2021-5-15", "timing_text": "Ngày 15/5/2021"}, "timing_value",
     "YYYY-MM-DD"),
    ({"timing_kind": "year", "timing_value": "", "timing_text": "Năm 2021"}, "timing_value",
     "needs a timing_value"),
    ({"timing_kind": "period", "timing_value": "2025-2021", "timing_text": "x"}, "timing_value",
     "ends before it starts"),
    ({"timing_kind": "none", "timing_value": "2021"}, "timing_value", "takes no timing_value"),
    ({"timing_kind": "soon"}, "timing_kind", "'soon' is not allowed here"),
    ({"is_reporting": "yes"}, "is_reporting", "'yes' is not true/false"),
    ({"citation": ""}, "citation", "is empty but required"),
    ({"citation": "x" * 201}, "citation", "201 characters"),
    ({"sector_key": "tourisme"}, "sector_key", "unknown sector 'tourisme'"),
    ({"province_code": "60"}, "province_code", "differs from the document's province"),
    ({"document_id": "BTN-969-2021"}, "document_id", "is in the file of 'QNG-1731-2021'"),
    ({"lead_agency_keys": "", "lead_agency_text": "Sở Y tế"}, "lead_agency_keys", "no agency key is given"),
])
def test_a_bad_task_row_gives_its_specific_error(data_copy, changes, field, fragment):
    row = _edit_task(data_copy, QNG, 4, changes)
    result = validate(data_copy)
    assert not result.ok
    messages = _errors_at(result, f"tasks/{QNG}.csv", row, field)
    assert any(fragment in m for m in messages), (messages, [str(i) for i in _issues(result)])


def test_a_citation_not_in_the_source_is_an_error(data_copy, seeds):
    row = _edit_task(data_copy, QNG, 0,
                     {"citation": "Chuyển đổi nhận thức và hoàn thiện cơ chế để thúc đẩy chuyển đổi số."})
    result = validate(data_copy, seeds)
    messages = _errors_at(result, f"tasks/{QNG}.csv", row, "citation")
    assert any("citation not found in the source of QNG-1731-2021" in m for m in messages), messages


def test_an_unknown_agency_type_and_a_missing_reference_are_reported(data_copy):
    rows = _rows(data_copy / "agencies.csv")
    rows[0]["agency_type"] = "ministry"
    _write(data_copy / "agencies.csv", rows)
    result = validate(data_copy)
    assert any(i.file == "data/agencies.csv" and i.row == 2 and i.field == "agency_type"
               and "'ministry' is not allowed" in i.message for i in _issues(result))
    (data_copy / "agencies.csv").unlink()
    result = validate(data_copy)
    assert any(i.file == "data/agencies.csv" and "required file is missing" in i.message for i in _issues(result))


def test_a_build_without_tasks_still_works(tmp_path, data_copy):
    shutil.rmtree(data_copy / "tasks")
    (data_copy / "agencies.csv").unlink()
    warehouse = tmp_path / "warehouse.duckdb"
    result = build(data_copy, warehouse, None, with_maps=False, progress=QUIET)
    assert result.ok, "\n".join(map(str, result.errors))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM v_tasks").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM v_task_agencies").fetchone()[0] == 0


# ---------------------------------------------------------------- warehouse views

def test_views_hold_one_row_per_task_and_per_task_agency_role(warehouse):
    expected_links = Counter()
    total = 0
    for path in (DATA / "tasks").glob("*.csv"):
        for row in _rows(path):
            total += 1
            for role, column in (("lead", "lead_agency_keys"), ("partner", "partner_agency_keys")):
                expected_links[role] += len([k for k in row[column].split(";") if k])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM v_tasks").fetchone()[0] == total
        links = dict(con.execute("SELECT role, count(*) FROM v_task_agencies GROUP BY role").fetchall())
        assert links == dict(expected_links)
        # Hải Phòng III.5: two lead departments, jointly ("theo chức năng, nhiệm vụ")
        joint = con.execute("""SELECT agency_key, agency_type FROM v_task_agencies
                               WHERE task_id = 'HPG-117-2020-T040' AND role = 'lead' ORDER BY position""").fetchall()
        assert joint == [("dept_education_training", "department"), ("dept_labour_invalids_social", "department")]
        labels = con.execute("""SELECT lead_agency_labels_vi, lead_agency_labels_en, lead_agency_types
                                FROM v_tasks WHERE task_id = 'HPG-117-2020-T040'""").fetchone()
        assert labels == ("Sở Giáo dục và Đào tạo; Sở Lao động - Thương binh và Xã hội",
                          "Department of Education and Training; Department of Labour, Invalids and Social Affairs",
                          "department")
        deadlines = con.execute("SELECT count(*) FROM v_tasks WHERE is_deadline").fetchone()[0]
        reporting_or_annual = sum(1 for p in (DATA / "tasks").glob("*.csv") for r in _rows(p)
                                  if r["is_reporting"] == "true" or r["timing_kind"] == "annual_date")
        assert deadlines == reporting_or_annual


# ---------------------------------------------------------------- pure helpers of the page

@pytest.mark.parametrize("kind, value, lang, expected", [
    ("annual_date", "12-15", "vi", "Hằng năm, trước 15/12"),
    ("annual_date", "12-15", "en", "Every year, by 15 Dec"),
    ("date", "2021-05-15", "vi", "Hạn 15/5/2021"),
    ("date", "2021-05-15", "en", "By 15 May 2021"),
    ("year", "2021", "en", "In 2021"),
    ("period", "2021-2025", "vi", "Giai đoạn 2021–2025"),
    ("none", None, "en", "No timing stated"),
])
def test_timing_label(kind, value, lang, expected):
    assert lib.timing_label(kind, value, lang) == expected


def test_timing_kinds_and_agency_types_are_translated():
    for kind in TIMING_KINDS:
        assert t(f"tasks.timing_kind.{kind}", "vi") and t(f"tasks.timing_kind.{kind}", "en")
    for kind in AGENCY_TYPES:
        assert t(f"tasks.agency_type.{kind}", "vi") and t(f"tasks.agency_type.{kind}", "en")


def test_matrix_click_and_data_text_helpers():
    state = {"selection": {"points": [{"x": "health", "y": "dept_health", "point_index": 3}], "point_indices": [3]}}
    assert lib.matrix_cell_from_selection(state) == ("dept_health", "health")
    assert lib.matrix_cell_from_selection({"selection": {"points": []}}) is None
    assert lib.parse_cell(lib.cell_value("dept_health", "health")) == ("dept_health", "health")
    assert lib.markdown_text("**x** <b>y</b> :material/home:") == r"\*\*x\*\* \<b\>y\</b\> \:material/home\:"
    # the one escaper every page uses: a heading underlined with '=' (setext) or a shortcode stays text
    from dashboard_lib import widgets
    assert widgets.escape_markdown("Plan\n===\n:smile: $x$") == "Plan\n\\=\\=\\=\n\\:smile\\: \\$x\\$"
    assert lib.markdown_text("a\n  b ===") == r"a b \=\=\="


# ---------------------------------------------------------------- the page (AppTest)

def _open(params: dict[str, str] | None = None, lang: str = "vi") -> AppTest:
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120)
    at.query_params["lang"] = lang
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/tasks.py").run()
    assert not at.exception, at.exception
    return at


def _task_list(at: AppTest, lang: str = "vi"):
    for frame in at.dataframe:
        if t("tasks.col.task_id", lang) in frame.value.columns:
            return frame.value
    raise AssertionError("no task list on the page")


def _expected(predicate) -> set[str]:
    return {r["task_id"] for p in (DATA / "tasks").glob("*.csv") for r in _rows(p) if predicate(r)}


def _metric(at: AppTest, key: str, lang: str = "vi") -> int:
    return int(next(m.value for m in at.metric if m.label == t(key, lang)))


def test_page_lists_every_task_by_default(app_env):
    at = _open()
    table = _task_list(at)
    assert set(table[t("tasks.col.task_id", "vi")]) == _expected(lambda r: True)
    assert _metric(at, "tasks.metric.tasks") == len(table)
    assert at.title[0].value == t("tasks.title", "vi")
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "dept_health" in figure["data"][0]["y"] and "health" in figure["data"][0]["x"]


def test_page_filters_by_province_and_sector_from_the_url(app_env):
    at = _open({"province": "51", "sector": "tourism"})
    table = _task_list(at)
    ids = set(table[t("tasks.col.task_id", "vi")])
    assert ids == _expected(lambda r: r["province_code"] == "51" and r["sector_key"] == "tourism")
    assert set(table[t("col.province", "vi")]) == {"Quảng Ngãi"}
    assert set(table[t("col.sector", "vi")]) == {"Du lịch"}


def test_page_filters_by_agency_role_and_type(app_env):
    lead = _expected(lambda r: "dept_health" in r["lead_agency_keys"].split(";"))
    at = _open({"agency": "dept_health"})
    assert set(_task_list(at)[t("tasks.col.task_id", "vi")]) == lead
    anywhere = _expected(lambda r: "dept_health" in (r["lead_agency_keys"] + ";" + r["partner_agency_keys"]).split(";"))
    at = _open({"agency": "dept_health", "role": "any"})
    assert set(_task_list(at)[t("tasks.col.task_id", "vi")]) == anywhere
    assert anywhere > lead
    general = _expected(lambda r: {"dept_health", "all_agencies"} & set(r["lead_agency_keys"].split(";")))
    at = _open({"agency": "dept_health", "general": "1"})
    assert set(_task_list(at)[t("tasks.col.task_id", "vi")]) == general
    boards = {r["agency_key"] for r in _rows(DATA / "agencies.csv") if r["agency_type"] == "management_board"}
    at = _open({"atype": "management_board"})
    assert set(_task_list(at)[t("tasks.col.task_id", "vi")]) == _expected(
        lambda r: boards & set(r["lead_agency_keys"].split(";")))


def test_page_widgets_update_the_list_and_the_url(app_env):
    at = _open()
    at.multiselect(key="tasks_province").set_value(["60"]).run()
    at.multiselect(key="tasks_timing").set_value(["recurring"]).run()
    assert at.query_params["province"] == "60" and at.query_params["timing"] == "recurring"
    table = _task_list(at)
    assert set(table[t("tasks.col.task_id", "vi")]) == _expected(
        lambda r: r["province_code"] == "60" and r["timing_kind"] == "recurring")
    assert set(table[t("tasks.col.timing", "vi")]) <= {t("tasks.timing_kind.recurring", "vi")}
    at.checkbox(key="tasks_reporting").check().run()
    table = _task_list(at)
    assert len(table) == 1 and at.query_params["reporting"] == "1"
    assert [list(tags) for tags in table[t("tasks.col.tags", "vi")]] == [[t("tasks.reporting.yes", "vi")]]


def test_page_reporting_deadlines_are_highlighted(app_env):
    at = _open({"reporting": "1"}, lang="en")
    table = _task_list(at, "en")
    assert set(table[t("tasks.col.task_id", "en")]) == _expected(lambda r: r["is_reporting"] == "true")
    annual = _expected(lambda r: r["timing_kind"] == "annual_date")
    for task_id, tags in zip(table[t("tasks.col.task_id", "en")], table[t("tasks.col.tags", "en")]):
        assert list(tags) == ["Reporting"] + (["Annual deadline"] if task_id in annual else []), task_id
    assert list(table.columns[:2]) == [t("col.province", "en"), t("tasks.col.tags", "en")]  # seen without scrolling
    listed = next(f for f in at.dataframe if t("tasks.col.task_id", "en") in f.value.columns)
    tag_column = json.loads(listed.proto.columns)[t("tasks.col.tags", "en")]
    assert tag_column["type_config"]["type"] == "multiselect"  # shown as coloured labels
    assert [o["color"] for o in tag_column["type_config"]["options"]] == list(lib.TAG_COLOURS)
    deadlines = next(f.value for f in at.dataframe if t("tasks.col.deadline", "en") in f.value.columns)
    assert "Every year, by 30 Nov" in set(deadlines[t("tasks.col.deadline", "en")])
    assert list(deadlines[t("tasks.col.deadline", "en")])[0] == "Every year, by 30 Nov"  # earliest in the year first


def test_page_matrix_cell_filters_the_list(app_env):
    at = _open({"cell": "dept_transport~logistics_transport"})
    expected = _expected(lambda r: r["sector_key"] == "logistics_transport"
                         and "dept_transport" in r["lead_agency_keys"].split(";"))
    assert set(_task_list(at)[t("tasks.col.task_id", "vi")]) == expected
    assert any(t("tasks.cell.clear", "vi") == b.label for b in at.button)
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    widths = figure["data"][0]["marker"]["line"]["width"]
    assert sorted(widths)[-1] == 4 and sorted(widths)[-2] == 1  # exactly one tile outlined
    next(b for b in at.button if b.label == t("tasks.cell.clear", "vi")).click().run()
    assert "cell" not in at.query_params
    assert len(_task_list(at)) == len(_expected(lambda r: True))


def test_page_matrix_is_valid_plotly_as_drawn(app_env):
    """The matrix is assembled from plain dictionaries without Plotly's validation (charts.figure_from_dicts) and
    shared between sessions: Plotly validating what the page sends changes nothing, and a second session making
    the same selection is sent the same figure."""
    import plotly.graph_objects as go
    spec = json.loads(_open({"cell": "dept_transport~logistics_transport"}).get("plotly_chart")[0].proto.spec)
    assert json.loads(go.Figure(spec).to_json()) == spec
    assert spec["data"][0]["type"] == "scatter" and len(spec["data"][0]["x"]) == len(spec["data"][0]["text"]) > 1
    again = json.loads(_open({"cell": "dept_transport~logistics_transport"}).get("plotly_chart")[0].proto.spec)
    assert again == spec


def test_page_empty_selection_and_invalid_url_say_so(app_env):
    at = _open({"province": "93", "timing": "date"}, lang="en")
    assert any(t("tasks.empty", "en") in i.value for i in at.info)
    assert not at.get("plotly_chart")
    at = _open({"province": "xx", "agency": "nobody", "cell": "a~b"})
    assert any(t("state.invalid_url", "vi") in i.value for i in at.info)
    assert len(_task_list(at)) == len(_expected(lambda r: True))


def test_page_in_english(app_env):
    at = _open({"province": "31", "sector": "health"}, lang="en")
    table = _task_list(at, "en")
    assert set(table[t("col.sector", "en")]) == {"Health"}
    assert set(table[t("tasks.col.lead", "en")]) == {"Department of Health"}
    assert at.title[0].value == "Tasks and responsibilities"


# ---------------------------------------------------------------- long lists (the row cap)

def _captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def test_page_caps_long_tables_with_a_note_and_complete_csv(app_env, monkeypatch):
    """A table shows at most LIST_LIMIT rows and says how many it leaves out; its CSV download holds them all."""
    from dashboard_lib import data, formatting
    everything = _expected(lambda r: True)
    deadlines = _expected(lambda r: r["is_reporting"] == "true" or r["timing_kind"] == "annual_date")
    at = _open()
    assert len(_task_list(at)) == len(everything) > 300  # the real data: every task, no note
    prefix = t("tasks.table.capped", "vi", shown="", total="")[:12]  # 'Đang hiển th'
    assert not any(c.startswith(prefix) for c in _captions(at))

    from dashboard_lib import widgets
    monkeypatch.setattr(widgets, "LIST_LIMIT", 5)
    at = _open()
    table = _task_list(at)
    assert len(table) == 5
    assert _metric(at, "tasks.metric.tasks") == len(everything)  # the counts are of every task
    assert t("tasks.list.title", "vi", n=len(everything)) in [h.value for h in at.subheader]
    captions = _captions(at)
    assert t("tasks.table.capped", "vi", shown="5", total=formatting.number(len(everything), "vi", 0)) in captions
    assert t("tasks.table.capped", "vi", shown="5", total=str(len(deadlines))) in captions
    deadline_table = next(f.value for f in at.dataframe if t("tasks.col.deadline", "vi") in f.value.columns)
    assert len(deadline_table) == 5

    version, key = data.current_version(), lib.Filters().key()
    full = lib.list_csv(version, "vi", key)  # what the list's CSV download writes when clicked
    assert set(full[t("tasks.col.task_id", "vi")]) == everything
    assert list(full[t("tasks.col.task_id", "vi")][:5]) == list(table[t("tasks.col.task_id", "vi")])
    assert len(lib.deadlines_csv(version, "vi", key)) == len(deadlines)

    # A row of the shortened list still opens its task.
    chosen = table.iloc[4][t("tasks.col.task_id", "vi")]
    at.session_state["tasks_list"] = {"selection": {"rows": [4], "columns": [], "cells": []}}
    at.run()
    assert any(chosen in c.replace("\\", "") for c in _captions(at))  # the card names its task


def test_page_csv_of_a_filtered_list_holds_the_selection(app_env):
    from dashboard_lib import data
    at = _open({"province": "51", "sector": "tourism"})
    shown = set(_task_list(at)[t("tasks.col.task_id", "vi")])
    key = lib.Filters(provinces=["51"], sectors=["tourism"]).key()
    assert set(lib.list_csv(data.current_version(), "vi", key)[t("tasks.col.task_id", "vi")]) == shown


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_page_matrix_agency_names_are_wrapped_at_words_never_cut_inside(app_env, lang):
    """Long agency names were cut in the middle ("Ban Quản lý dự án đầu … trình dân dụng…"): on the matrix axis
    each name is broken at spaces into at most lib.LABEL_LINES lines of lib.LABEL_CHARS characters, every word
    whole, and the tile's hover names the agency in full."""
    import html
    spec = json.loads(_open({}, lang=lang).get("plotly_chart")[0].proto.spec)
    axis = spec["layout"]["yaxis"]
    names = {r["agency_key"]: r[f"label_{lang}"] for r in _rows(DATA / "agencies.csv")}
    hover = " ".join(spec["data"][0]["customdata"])
    assert any(len(names[key]) > lib.LABEL_CHARS for key in axis["tickvals"])  # the case that was cut
    for key, text in zip(axis["tickvals"], axis["ticktext"]):
        lines = [html.unescape(line) for line in text.split("<br>")]
        assert len(lines) <= lib.LABEL_LINES and all(len(line) <= lib.LABEL_CHARS for line in lines), lines
        shown = " ".join(lines)
        assert "…" not in shown[:-1], shown  # never an ellipsis inside the name
        whole = names[key].split()
        words = shown.rstrip("…").split()
        assert words == whole[:len(words)], (shown, names[key])  # the name's own words, none cut
        if shown.endswith("…"):
            assert len(words) < len(whole)
        assert names[key] in hover
