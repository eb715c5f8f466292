"""The two commands of the README on a fresh machine: scripts/run.sh and scripts/test.sh (their shared set-up).

They run here in a copy of scripts/ with stand-ins for Python, apt-get and id on the PATH: what matters is what they
call, and in which order, not what those calls do."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from conftest import REPO

LOG = "calls.log"


def _stub(path: Path, body: str) -> None:
    path.write_text("#!/usr/bin/env bash\n" + body)
    path.chmod(0o755)


def _sandbox(tmp_path: Path, uid: int = 0, chromium: bool = True) -> tuple[Path, dict]:
    """A copy of the repository's scripts with a ready .venv whose python only records its arguments."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "scripts", root / "scripts")
    shutil.copytree(REPO / "tests" / "axe", root / "tests" / "axe", ignore=shutil.ignore_patterns("node_modules"))
    for name in ("requirements.txt", "requirements-dev.txt"):
        shutil.copy(REPO / name, root / name)
    venv = root / ".venv" / "bin"
    venv.mkdir(parents=True)
    log = tmp_path / LOG
    _stub(venv / "python", f'echo "python $*" >> "{log}"\n')
    digest = subprocess.run("cat requirements*.txt | sha256sum | cut -c1-16", shell=True, cwd=root, check=True,
                            capture_output=True, text=True).stdout.strip()
    for name in ("requirements.txt", "requirements-dev.txt"):
        (root / ".venv" / f".installed-{digest}-{name}").touch()
    tools = tmp_path / "bin"
    tools.mkdir()
    _stub(tools / "apt-get", f'echo "apt-get $*" >> "{log}"\n')
    _stub(tools / "id", f'echo {uid}\n')
    _stub(tools / "npm", f'echo "npm $*" >> "{log}"\n')
    if chromium:
        _stub(tools / "chromium", "exit 0\n")
    # Only the stand-ins and the basic tools: not the machine's chromium, apt-get or npm.
    basics = tmp_path / "basics"
    basics.mkdir()
    for tool in ("cat", "sha256sum", "cut", "dirname", "basename", "touch", "mkdir", "rm", "env", "bash", "grep",
                 "mktemp"):
        found = shutil.which(tool)
        if found:
            (basics / tool).symlink_to(found)
    env = {"PATH": f"{tools}:{basics}", "HOME": str(tmp_path)}
    return root, env


def calls(tmp_path: Path) -> list[str]:
    path = tmp_path / LOG
    return path.read_text().splitlines() if path.exists() else []


def test_run_sh_builds_the_warehouse_before_the_server_starts(tmp_path):
    root, env = _sandbox(tmp_path)
    subprocess.run(["bash", "scripts/run.sh"], cwd=root, env=env, check=True, capture_output=True)
    made = [c for c in calls(tmp_path) if c.startswith("python")]
    assert made == ["python -m etl ensure", "python -m streamlit run dashboard.py"]


def test_run_sh_installs_what_exports_need_when_root(tmp_path):
    root, env = _sandbox(tmp_path, uid=0, chromium=False)
    subprocess.run(["bash", "scripts/run.sh"], cwd=root, env=env, check=True, capture_output=True)
    installs = [c for c in calls(tmp_path) if c.startswith("apt-get install")]
    assert len(installs) == 1 and "chromium" in installs[0].split()
    assert calls(tmp_path)[-1] == "python -m streamlit run dashboard.py"  # then the server starts


def test_run_sh_says_what_is_missing_when_not_root_and_still_starts(tmp_path):
    root, env = _sandbox(tmp_path, uid=1000, chromium=False)
    run = subprocess.run(["bash", "scripts/run.sh"], cwd=root, env=env, check=True, capture_output=True, text=True)
    assert not [c for c in calls(tmp_path) if c.startswith("apt-get")]
    assert "apt-get install -y chromium" in run.stderr
    assert calls(tmp_path)[-1] == "python -m streamlit run dashboard.py"


def test_test_sh_installs_the_pinned_accessibility_checker(tmp_path):
    root, env = _sandbox(tmp_path)
    subprocess.run(["bash", "scripts/test.sh"], cwd=root, env=env, check=True, capture_output=True)
    assert [c for c in calls(tmp_path) if c.startswith("npm")] == ["npm ci --no-audit --no-fund --loglevel=error"]
    lock = json.loads((REPO / "tests" / "axe" / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/axe-core"]["integrity"].startswith("sha512-")


def test_the_system_packages_are_one_script_for_both_commands(tmp_path):
    """test.sh installs the same packages the same way (the shared script), and fails in CI without them."""
    root, env = _sandbox(tmp_path, uid=0, chromium=False)
    subprocess.run(["bash", "scripts/test.sh"], cwd=root, env=env, check=True, capture_output=True)
    assert [c for c in calls(tmp_path) if c.startswith("apt-get install")] == \
        [next(c for c in calls(tmp_path) if c.startswith("apt-get install"))]
    root, env = _sandbox(tmp_path / "ci", uid=1000, chromium=False)
    ci = subprocess.run(["bash", "scripts/test.sh"], cwd=root, env={**env, "CI": "true"}, capture_output=True,
                        text=True)
    assert ci.returncode != 0 and "chromium" in ci.stderr
    for script in ("run.sh", "test.sh"):
        assert "apt-get" not in (REPO / "scripts" / script).read_text(), f"{script} installs packages itself"
