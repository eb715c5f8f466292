"""The balanced set-up on loopback: HAProxy (Debian's package) in front of two dashboard replicas sharing one data
folder, started and stopped by deploy/local.py (what scripts/deploy-local.sh runs).

- the editors' lock is one lock across processes, a busy lock means "try again" with nothing written, and a saved
  plan's git patch applies to a checkout of the repository;
- processes that find the warehouse missing at the same moment build it once (the publish lock);
- a redeploy (release --from-repo) takes the repository's files and keeps the editors' additions; a restart never
  seeds over the shared folder; bad settings are refused with a clear message;
- sessions spread over both replicas, and every page renders through the balancer in headless Chromium;
- a data release published while sessions browse reaches every replica, with no error on any page run;
- two editors on two replicas save at the same moment: both plans are kept (or one is told to try again and then
  saves), the curated files stay valid, and every replica shows both;
- a replica killed with SIGKILL takes only its own sessions: the others keep working, new sessions go to the live
  replica, and a browser tab that was on the dead one reconnects to the live one by itself; the set-up then stops
  cleanly.

Sessions without a browser speak Streamlit's websocket protocol (deploy/streamlit_client.py). Bounded: one set-up,
about 2-3 minutes on 2 CPUs; no timing assertions. Skipped (with the reason) only when HAProxy is not installed
outside CI; scripts/test.sh installs it when run as root, and CI fails without it.
"""
from __future__ import annotations

import asyncio
import csv
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from unittest import mock

import duckdb
import pytest

from conftest import (ARTIFACTS, HARMLESS_CONSOLE, REPO, assert_clean, console_errors, open_add_plan_signed_in, open_page,
                      settle)
from dashboard_lib.i18n import t
from deploy import local
from deploy.streamlit_client import AFFINITY_COOKIE, Session, SessionError, run_sync
from etl import plan_intake
from etl.extract import extract_document
from etl.warehouse import validate
from test_add_plan import PASSWORD, PLAN_TEXT, document_row, folder_hash

pytestmark = pytest.mark.browser

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
REPLICAS = 2
PAGES = [("", "app.title"), ("map", "map.title"), ("sector_targets", "nav.sector_targets"),
         ("trajectories", "nav.trajectories"), ("tasks", "tasks.title"), ("plans", "nav.plans"),
         ("slide_deck", "deck.title")]
EDITORS = {"r1": ("BGI-301-2022", "301/KH-UBND", "Editor one's plan for Bắc Giang"),
           "r2": ("BGI-302-2022", "302/KH-UBND", "Editor two's plan for Bắc Giang")}


def run(coroutine):
    return run_sync(coroutine)  # in a thread: the sync Playwright fixture owns this thread's event loop


def _free_ports(count: int) -> int:
    from deploy.local import free_port_block
    return free_port_block(count)


def rows_for(document_id: str, data: Path) -> tuple[list[dict], str]:
    extraction = extract_document(PLAN_TEXT.encode("utf-8"), "upload.txt")
    review = plan_intake.review_frame(extraction, plan_intake.read_table(data, "indicators.csv"))
    return plan_intake.target_rows(review, document_id, "24"), extraction.text


def published_documents(warehouse: Path) -> set[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {row[0] for row in con.execute("SELECT document_id FROM documents").fetchall()}


# ---------------------------------------------------------------- the editors' lock and the repository patch

def test_a_busy_intake_lock_means_try_again_and_the_patch_applies(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "data", repo / "data", ignore=shutil.ignore_patterns("warehouse.duckdb*", ".*", "cache"))
    git = ["git", "-c", "user.email=ci@example.invalid", "-c", "user.name=ci"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "data"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "curated data"], cwd=repo, check=True)
    shared = tmp_path / "shared"
    shutil.copytree(repo / "data", shared)
    rows, text = rows_for("BGI-215-2022", shared)

    # Another process (another replica) holds the lock: the save waits, then answers "busy" and writes nothing.
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(REPO)!r})
        from etl.plan_intake import intake_lock
        with intake_lock({str(shared)!r}):
            print("held", flush=True)
            time.sleep(60)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        before = folder_hash(shared)
        busy = plan_intake.add_plan(shared, document_row(), rows, text, None, rebuild=False, wait=0.5)
        assert (busy.ok, busy.code) == (False, "busy")
        assert "try again" in busy.errors[0].message
        assert t("add.result.busy", "en")  # the page's message for it exists in both languages
        assert folder_hash(shared) == before
    finally:
        holder.kill()
        holder.wait()

    saved = plan_intake.add_plan(shared, document_row(), rows, text, None, rebuild=False, wait=0.5)
    assert saved.ok, saved.errors
    assert set(saved.files) == {"data/targets/BGI-215-2022.csv", "data/documents-BGI-215-2022.csv"}
    assert saved.files["data/targets/BGI-215-2022.csv"] == (shared / "targets" / "BGI-215-2022.csv").read_bytes()
    patch = tmp_path / "BGI-215-2022.patch"
    patch.write_text(saved.patch, encoding="utf-8")
    subprocess.run(["git", "apply", "--3way", str(patch)], cwd=repo, check=True, capture_output=True)
    assert (repo / "data" / "documents.csv").read_bytes() == (shared / "documents.csv").read_bytes()
    assert (repo / "data" / "targets" / "BGI-215-2022.csv").read_bytes() == saved.files[
        "data/targets/BGI-215-2022.csv"]
    assert validate(repo / "data").ok


@pytest.mark.parametrize("env, replicas, message", [
    ({"DV2030_REPLICAS": "three"}, None, "DV2030_REPLICAS must be a whole number, not 'three'"),
    ({}, 0, "the number of replicas must be at least 1, not 0"),
    ({"DV2030_PORT": "8511", "DV2030_REPLICA_PORT": "8511"}, 2,
     "the balancer's port 8511 is among the replicas' ports"),
    ({"DV2030_REPLICA_PORT": "65535"}, 2, "the last replica's port must be a port number (1–65535), not 65536"),
])
def test_bad_deployment_settings_are_refused_clearly(env, replicas, message):
    with mock.patch.dict(os.environ, env):
        with pytest.raises(local.DeployError, match=re.escape(message)):
            local.Settings.from_env(replicas)


def test_the_operator_command_answers_without_a_running_set_up(tmp_path):
    """scripts/deploy-local.sh itself (with this interpreter): status and stop of nothing, a bad replica count."""
    env = {**os.environ, "DV2030_PYTHON": sys.executable, "DV2030_DEPLOY_DIR": str(tmp_path / "state")}
    command = [str(REPO / "scripts" / "deploy-local.sh")]
    status = subprocess.run([*command, "status"], env=env, capture_output=True, text=True, timeout=60)
    assert status.returncode == 1 and "not running" in status.stdout
    stop = subprocess.run([*command, "stop"], env=env, capture_output=True, text=True, timeout=60)
    assert stop.returncode == 0 and "Nothing is running" in stop.stdout
    if Path(HAPROXY).exists():  # (without it, start first installs it, or says how)
        bad = subprocess.run([*command, "start", "0"], env=env, capture_output=True, text=True, timeout=60)
        assert bad.returncode == 1 and "the number of replicas must be at least 1, not 0" in bad.stderr
        assert not (tmp_path / "state" / "shared").exists()  # refused before anything was written


def test_a_replica_builds_nothing_and_says_when_no_release_is_published(tmp_path, monkeypatch):
    """DV2030_REPLICA=1 with no warehouse in the shared folder yet: the page says so; nothing is built."""
    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv("DV2030_REPLICA", "1")
    monkeypatch.setenv("DV2030_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [t("app.no_release", "en")]
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_replicas_starting_together_build_the_warehouse_once(tmp_path):
    """Three processes find the warehouse missing at the same moment (ensure_warehouse, as dashboards in their
    default mode do on start): the publish lock lets one build; the others find it current and build nothing."""
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns("warehouse.duckdb*", ".*", "cache"))
    env = {**os.environ, "DV2030_DATA_DIR": str(data), "DV2030_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
           "DV2030_GEO_OFFLINE": "1"}
    env.pop("DV2030_SOURCES_DIR", None)
    go = tmp_path / "go"
    script = textwrap.dedent(f"""
        import os, sys, time
        sys.path.insert(0, {str(REPO)!r})
        from etl.warehouse import ensure_warehouse
        open(os.path.join({str(tmp_path)!r}, "ready-" + str(os.getpid())), "w").close()
        while not os.path.exists({str(go)!r}):
            time.sleep(0.01)
        result = ensure_warehouse(progress=lambda message: None)
        print("built" if result is not None and result.ok else "current" if result is None else "failed")
        """)
    processes = [subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True)
                 for _ in range(3)]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready-*"))) < len(processes) and time.monotonic() < deadline:
        time.sleep(0.05)  # all three imported and waiting: then they ask at the same moment
    go.touch()
    outcomes = sorted(p.communicate(timeout=180)[0].strip() for p in processes)
    assert outcomes == ["built", "current", "current"], outcomes


def test_a_redeploy_takes_the_repository_data_and_keeps_the_editors_additions(tmp_path):
    """etl.sync (release --from-repo): the repository's files win, a plan added in the shared folder and not in git
    yet survives, and a merge that would not validate writes nothing."""
    from etl.sync import merge_repository_data
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "data", repo, ignore=shutil.ignore_patterns("warehouse.duckdb*", ".*", "cache"))
    shared = tmp_path / "shared" / "data"  # the shared data folder of a deployment (Settings.data)
    shutil.copytree(repo, shared)
    rows, text = rows_for("BGI-215-2022", shared)
    assert plan_intake.add_plan(shared, document_row(), rows, text, None, rebuild=False).ok  # an editor's addition
    changed = sorted((repo / "targets").glob("*.csv"))[0]

    def rewrite(**values) -> None:  # a maintainer's change to the first row of a curated file
        with changed.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        rows[0].update(values)
        with changed.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)

    rewrite(note="reviewed in git")

    # A restart (deploy-local.sh start) seeds only an empty shared folder: it never writes over one.
    before = folder_hash(shared)
    assert not local.seed_shared(local.Settings(state=tmp_path / "state", shared=shared.parent), source=repo)
    assert folder_hash(shared) == before

    result = merge_repository_data(repo, shared)
    assert result.ok, result.errors
    assert result.kept == ["BGI-215-2022"]
    assert result.updated == [f"targets/{changed.name}"]  # documents.csv: the same rows, the same bytes
    assert (shared / "targets" / changed.name).read_bytes() == changed.read_bytes()
    assert (shared / "targets" / "BGI-215-2022.csv").exists()
    assert (shared / "documents.csv").read_bytes().startswith((repo / "documents.csv").read_bytes())
    assert validate(shared).ok
    assert merge_repository_data(repo, shared).updated == []  # nothing left to bring in

    before = folder_hash(shared)
    rewrite(sector_key="no_such_sector")
    broken = merge_repository_data(repo, shared)
    assert not broken.ok and broken.errors
    assert folder_hash(shared) == before


# ---------------------------------------------------------------- the set-up

@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    if not Path(HAPROXY).exists():
        if os.environ.get("CI"):
            pytest.fail("HAProxy is not installed (scripts/test.sh installs it: apt-get install -y haproxy)")
        pytest.skip("HAProxy is not installed and could not be installed here (apt-get install -y haproxy)")
    state = tmp_path_factory.mktemp("deploy")
    base = _free_ports(REPLICAS + 1)
    settings = local.Settings(state=state, shared=state / "shared", replicas=REPLICAS, port=base,
                              replica_port=base + 1)
    # The replicas get an editor password; no sources folder (a configured writable one would receive the
    # editors' uploaded texts), so citations of saved plans are checked against the upload in memory.
    env = {"DV2030_EDITOR_PASSWORD": PASSWORD, "DV2030_GEO_OFFLINE": "1"}
    with mock.patch.dict(os.environ, env):
        os.environ.pop("DV2030_SOURCES_DIR", None)
        messages: list[str] = []
        try:
            local.start(settings, progress=messages.append)
        except local.DeployError as err:
            pytest.fail(f"the set-up did not start: {err}")
        try:
            yield settings
        finally:
            local.stop(settings, progress=lambda message: None)


def _replica_pid(settings: local.Settings, name: str) -> int:
    return next(r["pid"] for r in local.status(settings, smoke=False)["replicas"] if r["name"] == name)


def test_sessions_spread_over_the_replicas_and_every_page_renders_through_the_balancer(deployment, browser):
    settings = deployment
    report = local.status(settings)
    assert report["balancer"] and [r["balancer"] for r in report["replicas"]] == ["UP"] * REPLICAS
    assert report["page"]["errors"] == []

    async def sessions():
        opened = [Session(settings.url) for _ in range(4)]
        for session in opened:
            await session.connect()
        try:
            renders = await asyncio.gather(*(s.run("plans") for s in opened))
            return [s.replica for s in opened], renders
        finally:
            for session in opened:
                await session.close()

    replicas, renders = run(sessions())
    assert set(replicas) == {"r1", "r2"}, replicas
    assert all(not r.errors and r.status == "FINISHED_SUCCESSFULLY" for r in renders)

    served_by = set()
    for number, (path, heading) in enumerate(PAGES):
        lang = ("vi", "en")[number % 2]
        # browser.new_page: a new browser context, so a new session the balancer places
        page, errors = open_page(browser, f"{settings.url}/{path}?lang={lang}", f"deploy_{path or 'overview'}.png",
                                 wait_for="h1")
        try:
            assert_clean(page, errors)
            assert t(heading, lang) in page.locator("h1").first.inner_text()
            served_by.add({c["name"]: c["value"] for c in page.context.cookies()}.get(AFFINITY_COOKIE))
        finally:
            page.close()
    assert served_by == {"r1", "r2"}, served_by


def test_a_release_midway_reaches_every_replica_without_errors(deployment):
    settings = deployment
    published = settings.warehouse.stat().st_ino
    assert "BGI-215-2022" not in published_documents(settings.warehouse)
    rows, text = rows_for("BGI-215-2022", settings.data)
    added = plan_intake.add_plan(settings.data, document_row(), rows, text, None, rebuild=False)
    assert added.ok, added.errors
    assert settings.warehouse.stat().st_ino == published  # the replicas built nothing: they only read

    async def browse_through_a_release():
        pinned = {name: Session(settings.url, cookie=name, keep_payload=True) for name in ("r1", "r2")}
        for session in pinned.values():
            await session.connect()
        renders = []
        try:
            for session in pinned.values():
                before = await session.run("plans", "lang=en")
                assert not before.contains("215/KH-UBND")
                renders.append(before)
            release = asyncio.get_running_loop().run_in_executor(
                None, lambda: local.release(settings, progress=lambda message: None))
            laps = 0
            while not release.done() or laps < 2:  # keep every replica busy while the release is published
                for page in ("", "plans", "sector_targets"):
                    renders += await asyncio.gather(*(s.run(page) for s in pinned.values()))
                laps += 1
            await release
            after = {name: await s.run("plans", "lang=en") for name, s in pinned.items()}
            return [s.replica for s in pinned.values()], renders, after
        finally:
            for session in pinned.values():
                await session.close()

    replicas, renders, after = run(browse_through_a_release())
    assert replicas == ["r1", "r2"]
    assert settings.warehouse.stat().st_ino != published
    assert "BGI-215-2022" in published_documents(settings.warehouse)
    errors = [(r.page, r.errors) for r in [*renders, *after.values()] if r.errors]
    assert not errors, errors
    for name, render in after.items():
        assert render.contains("215/KH-UBND"), f"replica {name} does not show the new release"


# ---------------------------------------------------------------- two editors on two replicas

def _editor_on(browser, settings: local.Settings, replica: str, plan: Path):
    """A browser session pinned to `replica` (the balancer's cookie), signed in, with the plan uploaded."""
    context = browser.new_context(viewport={"width": 1400, "height": 2700})
    context.add_cookies([{"name": AFFINITY_COOKIE, "value": replica, "url": settings.url}])
    page = context.new_page()
    errors = console_errors(page)
    open_add_plan_signed_in(page, settings.url, "en", PASSWORD, plan)
    document_id, number, title = EDITORS[replica]
    for label, value in ((t("add.meta.document_id", "en"), document_id),
                         (t("add.meta.document_number", "en"), number)):
        box = page.locator('input[aria-label="%s"]' % label)
        box.fill(value)
        box.press("Enter")
        settle(page)
    page.get_by_label(t("add.meta.title_en", "en")).fill(title)
    page.get_by_label(t("add.meta.title_en", "en")).press("Control+Enter")
    settle(page)
    assert {c["name"]: c["value"] for c in context.cookies()}[AFFINITY_COOKIE] == replica
    return context, page, errors


def _outcome(page, replica: str) -> str:
    """Wait for the save's answer: 'saved' or 'busy' (anything else fails)."""
    document_id = EDITORS[replica][0]
    saved = page.get_by_text(t("add.result.saved", "en", document_id=document_id, n=4))
    busy = page.get_by_text(t("add.result.busy", "en"))
    saved.or_(busy).or_(page.locator('[data-testid="stAlertContentError"]')).first.wait_for(timeout=120_000)
    settle(page)
    if saved.count():
        return "saved"
    if busy.count():
        return "busy"
    raise AssertionError(page.locator('[data-testid="stMain"]').inner_text()[-2000:])


def test_two_editors_on_two_replicas_save_at_the_same_moment(deployment, browser, tmp_path):
    settings = deployment
    plan = tmp_path / "ke-hoach-bac-giang.txt"
    plan.write_text(PLAN_TEXT, encoding="utf-8")
    editors = {replica: _editor_on(browser, settings, replica, plan) for replica in EDITORS}
    try:
        buttons = {replica: page.get_by_role("button", name=t("add.save.button", "en", n=4))
                   for replica, (_, page, _) in editors.items()}
        for button in buttons.values():  # both clicks within milliseconds: the two saves overlap on the server
            button.click(no_wait_after=True)
        outcomes = {replica: _outcome(page, replica) for replica, (_, page, _) in editors.items()}
        print(f"two editors saving at once: {outcomes}")
        assert "saved" in outcomes.values(), outcomes
        for replica, outcome in outcomes.items():
            if outcome == "busy":  # the one told to try again does, and saves
                buttons[replica].click()
                assert _outcome(editors[replica][1], replica) == "saved"
        for replica, (context, page, errors) in editors.items():
            assert page.get_by_role("button", name=t("add.repo.patch", "en")).count() == 1
            page.screenshot(path=str(ARTIFACTS / f"deploy_editor_{replica}.png"), full_page=True)
            serious = [e for e in errors if not any(h in e for h in HARMLESS_CONSOLE)]
            assert not serious, serious
    finally:
        for context, _, _ in editors.values():
            context.close()

    # The curated files: valid, each plan once, its targets file whole; the release holds both.
    assert validate(settings.data).ok
    with (settings.data / "documents.csv").open(encoding="utf-8", newline="") as handle:
        ids = [row["document_id"] for row in csv.DictReader(handle)]
    for document_id, _, _ in EDITORS.values():
        assert ids.count(document_id) == 1
        with (settings.data / "targets" / f"{document_id}.csv").open(encoding="utf-8", newline="") as handle:
            assert [r["target_id"] for r in csv.DictReader(handle)] == [f"{document_id}-00{n}" for n in range(1, 5)]
    assert {document_id for document_id, _, _ in EDITORS.values()} <= published_documents(settings.warehouse)
    assert not list(settings.data.rglob(".*.tmp"))

    async def every_replica_shows_both():
        shown = {}
        for name in ("r1", "r2"):
            async with Session(settings.url, cookie=name, keep_payload=True) as session:
                render = await session.run("plans", "lang=en")
                shown[name] = (render.errors, [render.contains(title) for _, _, title in EDITORS.values()])
        return shown

    for name, (errors, found) in run(every_replica_shows_both()).items():
        assert not errors and all(found), (name, errors, found)


# ---------------------------------------------------------------- a replica dies

def test_a_killed_replica_takes_only_its_own_sessions(deployment, browser):
    settings = deployment
    # A browser tab on the replica that will die: Streamlit's page reconnects by itself, and the balancer must send
    # it to the live replica (a new session there; the page reruns from its URL).
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    context.add_cookies([{"name": AFFINITY_COOKIE, "value": "r2", "url": settings.url}])
    orphan = context.new_page()
    orphan_errors: list[str] = []
    orphan.on("pageerror", lambda e: orphan_errors.append(str(e)))
    orphan.goto(f"{settings.url}/plans?lang=en")
    orphan.wait_for_selector("h1", timeout=90_000)
    settle(orphan)

    async def scenario():
        pinned = {name: Session(settings.url, cookie=name) for name in ("r1", "r2")}
        for session in pinned.values():
            await session.connect()
            assert not (await session.run("")).errors
        os.kill(_replica_pid(settings, "r2"), signal.SIGKILL)
        survivor = [await pinned["r1"].run(page) for page in ("plans", "", "tasks")]
        with pytest.raises(SessionError):
            await pinned["r2"].run("")  # its websocket went with its process
        fresh = []
        for _ in range(4):  # new sessions, some sent before the health checks noticed: all go to the live replica
            async with Session(settings.url) as session:
                fresh.append((session.replica, await session.run("")))
        await pinned["r1"].close()
        await pinned["r2"].close()
        return survivor, fresh

    survivor, fresh = run(scenario())
    assert all(not r.errors for r in survivor)
    assert [replica for replica, _ in fresh] == ["r1"] * 4
    assert all(not r.errors for _, r in fresh)

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        states = {r["name"]: r["balancer"] for r in local.status(settings, smoke=False)["replicas"]}
        if states["r2"].startswith("DOWN"):
            break
        time.sleep(0.5)
    assert states["r1"] == "UP" and states["r2"].startswith("DOWN"), states

    page, errors = open_page(browser, f"{settings.url}/plans?lang=vi", "deploy_after_kill.png", wait_for="h1")
    try:
        assert_clean(page, errors)
        assert {c["name"]: c["value"] for c in page.context.cookies()}[AFFINITY_COOKIE] == "r1"
    finally:
        page.close()

    try:  # the orphaned tab: back on the live replica, and its session works (a page change through the sidebar)
        deadline = time.monotonic() + 90
        while {c["name"]: c["value"] for c in context.cookies()}.get(AFFINITY_COOKIE) != "r1":
            assert time.monotonic() < deadline, "the tab of the dead replica did not reconnect to the live one"
            orphan.wait_for_timeout(500)
        orphan.locator('[data-testid="stSidebarNav"] a').first.click()
        orphan.wait_for_selector(f'h1:has-text("{t("app.title", "en")}")', timeout=90_000)
        settle(orphan)
        orphan.screenshot(path=str(ARTIFACTS / "deploy_orphan_reconnected.png"), full_page=True)
        assert orphan.locator('[data-testid="stException"]').count() == 0
        assert not orphan_errors, orphan_errors
    finally:
        context.close()


def test_stop_is_clean(deployment):
    settings = deployment
    pids = [r["pid"] for r in local.status(settings, smoke=False)["replicas"]]
    balancer = local.status(settings, smoke=False)["balancer_pid"]
    local.stop(settings, progress=lambda message: None)
    assert not local.running(settings)
    for pid in [*pids, balancer]:
        assert not local._alive(pid, "")  # gone (or a zombie of this test process, not yet reaped)
    assert not list(settings.run.glob("*.pid"))
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", settings.port), timeout=1).close()
    assert (settings.data / "documents.csv").exists() and settings.warehouse.exists()  # the shared folder stays
