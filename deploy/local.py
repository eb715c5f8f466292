"""The balanced set-up on one machine: HAProxy in front of N Streamlit replicas that share one data folder.

    python -m deploy.local start [N]     seed the shared folder, publish a release, start N replicas + HAProxy
    python -m deploy.local status        each replica's process and health, the balancer's view, a page run
    python -m deploy.local release       publish a new warehouse from the shared data folder (atomic, locked)
    python -m deploy.local release --from-repo   first merge this checkout's data/ into the shared folder, keeping
                                         the editors' additions that are not in the repository yet (etl.sync)
    python -m deploy.local stop          stop the balancer, then the replicas (the shared folder is kept)

scripts/deploy-local.sh wraps it (virtual environment and the haproxy package). Everything listens on loopback
except the balancer's address, DV2030_BIND (default 127.0.0.1). Settings (environment variables):

    DV2030_DEPLOY_DIR     state folder: run/ (pids, logs, generated haproxy.cfg), the cookie secret  [.deploy/]
    DV2030_SHARED_DIR     the folder every replica reads: data/ (curated files) and warehouse.duckdb
                                                                                   [$DV2030_DEPLOY_DIR/shared]
    DV2030_PORT           the balancer's port                                      [8501]
    DV2030_REPLICA_PORT   the first replica's port; replica i listens on it + i - 1 [8511]
    DV2030_REPLICAS       how many replicas when N is not given                     [2]
    DV2030_SOURCES_DIR, DV2030_GEO_DIR, DV2030_EDITOR_PASSWORD are passed on as for scripts/run.sh.

The replicas run in read-only replica mode (DV2030_REPLICA=1): they never build a warehouse; the release step
does, under the publish lock in the shared folder, and each replica switches to the new file on its next rerun.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import resource
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).with_name("haproxy.cfg")
CURATED = ("*.csv", "targets/*.csv", "tasks/*.csv")


class DeployError(Exception):
    """A step of the set-up failed; the message says what to do."""


@dataclass
class Settings:
    state: Path
    shared: Path
    replicas: int = 2
    port: int = 8501
    replica_port: int = 8511
    bind: str = "127.0.0.1"
    server_maxconn: int = 1000   # connections per replica before HAProxy queues (a browser session holds ~1-3)
    maxconn: int = 0             # whole balancer; 0: as many as the open-files limit allows (two each), up to 20000

    @classmethod
    def from_env(cls, replicas: int | None = None, **overrides) -> "Settings":
        env = os.environ
        state = Path(env.get("DV2030_DEPLOY_DIR") or REPO / ".deploy")
        values = dict(state=state, shared=Path(env.get("DV2030_SHARED_DIR") or state / "shared"),
                      replicas=replicas if replicas is not None else _whole("DV2030_REPLICAS", 2),
                      port=_whole("DV2030_PORT", 8501), replica_port=_whole("DV2030_REPLICA_PORT", 8511),
                      bind=env.get("DV2030_BIND") or "127.0.0.1")
        values.update(overrides)
        settings = cls(**values)
        if settings.replicas < 1:
            raise DeployError(f"the number of replicas must be at least 1, not {settings.replicas}")
        for name, port in (("DV2030_PORT", settings.port), ("DV2030_REPLICA_PORT", settings.replica_port),
                           ("the last replica's port", settings.replica_port + settings.replicas - 1)):
            if not 1 <= port <= 65535:
                raise DeployError(f"{name} must be a port number (1–65535), not {port}")
        if settings.port in settings.replica_ports():
            raise DeployError(f"the balancer's port {settings.port} is among the replicas' ports "
                              f"{settings.replica_ports()[0]}–{settings.replica_ports()[-1]}: change DV2030_PORT or "
                              "DV2030_REPLICA_PORT")
        return settings

    @property
    def run(self) -> Path:
        return self.state / "run"

    @property
    def data(self) -> Path:
        return self.shared / "data"

    @property
    def warehouse(self) -> Path:
        return self.shared / "warehouse.duckdb"

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.bind in ("0.0.0.0", "::", "") else self.bind
        return f"http://{host}:{self.port}"

    def replica_ports(self) -> list[int]:
        return [self.replica_port + i for i in range(self.replicas)]


def _whole(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise DeployError(f"{name} must be a whole number, not {value!r}") from None


# ---------------------------------------------------------------- the shared folder and releases

def seed_shared(settings: Settings, source: Path = REPO / "data") -> bool:
    """Copy the repository's curated files into an empty shared data folder; an existing one is never touched
    (it may hold editors' additions). Returns True when it seeded."""
    if settings.data.exists() and any(settings.data.iterdir()):
        return False
    if not (source / "documents.csv").is_file():
        raise DeployError(f"{source} holds no curated data (no documents.csv) to seed the shared folder with")
    # Copied into a scratch folder beside it and renamed into place: an interrupted seed leaves no half folder.
    scratch = settings.shared / f".data.seeding.{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    for pattern in CURATED:
        for path in sorted(source.glob(pattern)):
            target = scratch / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    if settings.data.exists():
        settings.data.rmdir()  # empty (checked above)
    os.replace(scratch, settings.data)
    return True


def sync_from_repository(settings: Settings, source: Path = REPO / "data", progress=print) -> None:
    """Bring the repository's curated data (a new release of it) into the shared folder, keeping the plans editors
    added there that are not in the repository yet (etl.sync). Nothing is written when the result does not
    validate."""
    from etl import config
    from etl.sync import merge_repository_data
    result = merge_repository_data(source, settings.data, config.sources_dir())
    if not result.ok:
        problems = "\n".join(f"  {issue}" for issue in result.errors[:30])
        raise DeployError(f"the repository's data merged with the shared folder did not validate; nothing was "
                          f"written:\n{problems}")
    updated = ", ".join(result.updated[:8]) + (" …" if len(result.updated) > 8 else "")
    progress(f"From {source}: {len(result.updated)} file(s) updated" + (f" ({updated})" if result.updated else "")
             + (f"; kept the editors' additions not in the repository yet: {', '.join(result.kept)}"
                if result.kept else ""))


def release(settings: Settings, force: bool = False, progress=print):
    """Publish a warehouse built from the shared data folder, unless the published one is current (or `force`).

    Built into a temporary file in the shared folder and renamed over warehouse.duckdb, under the publish lock:
    one builder at a time, and a reader sees the old release or the new one. Returns the BuildResult or None."""
    from etl import config
    from etl.warehouse import build, data_fingerprint, publish_lock, warehouse_fingerprint
    with publish_lock(settings.warehouse):
        if not force and warehouse_fingerprint(settings.warehouse) == data_fingerprint(settings.data):
            progress(f"The published release is current: {settings.warehouse}")
            return None
        result = build(settings.data, settings.warehouse, config.sources_dir(), progress=progress)
    if not result.ok:
        problems = "\n".join(f"  {issue}" for issue in result.errors[:30])
        raise DeployError(f"the shared data folder did not validate; the previous release still serves:\n{problems}")
    progress(f"Published {settings.warehouse} ({result.summary['documents']} documents, "
             f"{result.summary['values']} values)")
    return result


# ---------------------------------------------------------------- processes

def _pid_file(settings: Settings, name: str) -> Path:
    return settings.run / f"{name}.pid"


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int | None, expect: str) -> bool:
    """The process exists and is ours (its command line names `expect`: a recycled pid is not)."""
    if not pid:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        state = "?"
    return expect.encode() in cmdline and state != "Z"


def _processes(settings: Settings) -> list[tuple[str, int | None, str]]:
    """(name, pid, what its command line holds) of every process the set-up started, the balancer first."""
    found = [("haproxy", _read_pid(_pid_file(settings, "haproxy")), "haproxy")]
    for path in sorted(settings.run.glob("replica-*.pid"), key=lambda p: int(p.stem.split("-")[1])):
        found.append((path.stem, _read_pid(path), "streamlit"))
    return found


def _get(url: str, timeout: float = 2.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read(200).decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, ""
    except (OSError, ValueError) as err:
        return 0, str(err)


def _wait(check, what: str, timeout: float, process: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if process is not None and process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise DeployError(f"{what}: the process exited with status {process.returncode}\n{tail}")
        time.sleep(0.25)
    raise DeployError(f"{what}: not ready after {timeout:.0f} s" + (f" (see {log})" if log else ""))


def _cookie_secret(settings: Settings) -> str:
    """One cookie secret for every replica: Streamlit signs its XSRF cookie with it, so a browser moved to another
    replica (its own died) can still upload files there."""
    path = settings.state / "cookie_secret"
    if not path.exists():
        settings.state.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def replica_env(settings: Settings) -> dict[str, str]:
    return {**os.environ, "DV2030_REPLICA": "1", "DV2030_DATA_DIR": str(settings.data),
            "DV2030_WAREHOUSE": str(settings.warehouse), "STREAMLIT_SERVER_COOKIE_SECRET": _cookie_secret(settings)}


def start_replica(settings: Settings, number: int) -> subprocess.Popen:
    """Start replica `number` (1-based) on its loopback port; returns once it is started (not yet healthy)."""
    port = settings.replica_ports()[number - 1]
    log = settings.run / f"replica-{number}.log"
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO / "dashboard.py"), "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", "--server.runOnSave", "false"],
            cwd=REPO, env=replica_env(settings), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
    _pid_file(settings, f"replica-{number}").write_text(f"{process.pid} {port}\n")
    return process


def _max_connections() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = hard if hard != resource.RLIM_INFINITY else 1 << 20
    return max(256, min(20000, (limit - 200) // 2))


def haproxy_config(settings: Settings) -> str:
    servers = "\n".join(f"    server r{i} 127.0.0.1:{port} check cookie r{i}"
                        for i, port in enumerate(settings.replica_ports(), start=1))
    return string.Template(TEMPLATE.read_text()).substitute(
        RUN_DIR=settings.run, BIND=settings.bind, PORT=settings.port, MAXCONN=settings.maxconn or _max_connections(),
        SERVER_MAXCONN=settings.server_maxconn, SERVERS=servers)


def haproxy_stats(settings: Settings) -> list[dict[str, str]]:
    """HAProxy's `show stat` for the replicas' backend, one row per server (status UP/DOWN, scur, stot …)."""
    path = settings.run / "haproxy.sock"
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            sock.connect(str(path))
            sock.sendall(b"show stat\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    except OSError:
        return []
    text = b"".join(chunks).decode().lstrip("# ")
    rows = csv.DictReader(io.StringIO(text))
    return [row for row in rows if row.get("pxname") == "replicas" and row.get("svname") not in ("FRONTEND",
                                                                                                 "BACKEND")]


def running(settings: Settings) -> bool:
    return any(_alive(pid, expect) for _, pid, expect in _processes(settings))


def start(settings: Settings, progress=print) -> None:
    """Seed and publish if needed, start the replicas, wait until each is healthy, then start the balancer."""
    haproxy = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    if haproxy is None:
        raise DeployError("haproxy is not installed: apt-get install -y haproxy (scripts/deploy-local.sh does it "
                          "when run as root)")
    settings.run.mkdir(parents=True, exist_ok=True)
    if running(settings):
        raise DeployError(f"already running (state folder {settings.state}): stop it first")
    for stale in settings.run.glob("*.pid"):
        stale.unlink()
    if seed_shared(settings):
        progress(f"Seeded the shared data folder {settings.data} from {REPO / 'data'}")
    release(settings, progress=progress)
    try:
        processes = [start_replica(settings, i) for i in range(1, settings.replicas + 1)]
        for number, (process, port) in enumerate(zip(processes, settings.replica_ports()), start=1):
            _wait(lambda: _get(f"http://127.0.0.1:{port}/_stcore/health")[0] == 200, f"replica {number}", 120,
                  process, settings.run / f"replica-{number}.log")
            progress(f"Replica {number} healthy on 127.0.0.1:{port} (pid {process.pid})")
        config_path = settings.run / "haproxy.cfg"
        config_path.write_text(haproxy_config(settings))
        check = subprocess.run([haproxy, "-c", "-q", "-f", str(config_path)], capture_output=True, text=True)
        if check.returncode != 0:
            raise DeployError(f"haproxy rejected {config_path}:\n{check.stdout}{check.stderr}")
        log = settings.run / "haproxy.log"
        with open(log, "ab") as out:
            balancer = subprocess.Popen([haproxy, "-f", str(config_path), "-db"], stdout=out, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        _pid_file(settings, "haproxy").write_text(f"{balancer.pid} {settings.port}\n")
        _wait(lambda: [row.get("status") for row in haproxy_stats(settings)] == ["UP"] * settings.replicas,
              "the balancer's health checks", 30, balancer, log)
        _wait(lambda: _get(f"{settings.url}/_stcore/health")[0] == 200, "the balancer", 30, balancer, log)
    except BaseException:
        stop(settings, progress=lambda message: None)
        raise
    progress(f"Serving {settings.url} through HAProxy (pid {balancer.pid}) with {settings.replicas} replicas; "
             f"shared folder {settings.shared}")


def _signal(pid: int, number: int) -> None:
    """Signal a process started here and, when it leads its own process group (start_new_session), the children it
    started too (a replica's figure export runs Chromium)."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, number)
        else:
            os.kill(pid, number)
    except ProcessLookupError:
        pass


def stop(settings: Settings, timeout: float = 20.0, progress=print) -> None:
    """Stop the balancer first (no new traffic), then the replicas: SIGTERM, SIGKILL after `timeout`."""
    for name, pid, expect in _processes(settings):
        if _alive(pid, expect):
            _signal(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while _alive(pid, expect) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _alive(pid, expect):
                _signal(pid, signal.SIGKILL)
            progress(f"Stopped {name} (pid {pid})")
        _pid_file(settings, name).unlink(missing_ok=True)
    (settings.run / "haproxy.sock").unlink(missing_ok=True)


def status(settings: Settings, smoke: bool = True) -> dict:
    """What runs and what the balancer sees; with `smoke`, one real page run through the balancer."""
    stats = {row["svname"]: row for row in haproxy_stats(settings)}
    replicas = []
    for name, pid, expect in _processes(settings)[1:]:
        number = int(name.split("-")[1])
        port = int(_pid_file(settings, name).read_text().split()[1])
        row = stats.get(f"r{number}", {})
        replicas.append({"name": f"r{number}", "pid": pid, "port": port, "alive": _alive(pid, expect),
                         "health": _get(f"http://127.0.0.1:{port}/_stcore/health")[0],
                         "balancer": row.get("status", "-"), "sessions": row.get("scur", "-"),
                         "total": row.get("stot", "-")})
    haproxy_pid = _read_pid(_pid_file(settings, "haproxy"))
    report = {"url": settings.url, "balancer_pid": haproxy_pid, "balancer": _alive(haproxy_pid, "haproxy"),
              "replicas": replicas, "page": None}
    if smoke and report["balancer"]:
        from .streamlit_client import SessionError, open_and_run, run_sync
        try:
            replica, render = run_sync(open_and_run(settings.url, timeout=60))
            report["page"] = {"replica": replica, "seconds": round(render.seconds, 3), "errors": render.errors}
        except SessionError as err:
            report["page"] = {"replica": None, "seconds": None, "errors": [str(err)]}
    return report



def free_port_block(count: int) -> int:
    """The first of `count` consecutive free loopback ports (a balancer and its replicas on loopback)."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count > 65535:
            continue
        sockets = []
        try:
            for port in range(base, base + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no free consecutive ports")

def _print_status(report: dict) -> bool:
    ok = report["balancer"] and all(r["alive"] and r["health"] == 200 and r["balancer"] == "UP"
                                    for r in report["replicas"]) and bool(report["replicas"])
    print(f"balancer {report['url']}: {'running' if report['balancer'] else 'not running'}"
          + (f" (pid {report['balancer_pid']})" if report["balancer"] else ""))
    print(f"{'replica':8} {'pid':>8} {'port':>6} {'process':8} {'health':>6} {'balancer':9} {'sessions':>8} "
          f"{'total':>6}")
    for r in report["replicas"]:
        print(f"{r['name']:8} {r['pid'] or '-':>8} {r['port']:>6} {'alive' if r['alive'] else 'dead':8} "
              f"{r['health'] or '-':>6} {r['balancer']:9} {r['sessions']:>8} {r['total']:>6}")
    page = report.get("page")
    if page:
        ok = ok and not page["errors"]
        print(f"overview through the balancer: replica {page['replica']}, {page['seconds']} s"
              + (f", errors: {page['errors']}" if page["errors"] else ", no errors"))
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/deploy-local.sh", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    begin = commands.add_parser("start", help="start the balancer and N replicas")
    begin.add_argument("replicas", nargs="?", type=int, help="number of replicas (default $DV2030_REPLICAS or 2)")
    commands.add_parser("stop", help="stop the balancer and the replicas")
    commands.add_parser("status", help="processes, health, the balancer's view and one page run")
    publish = commands.add_parser("release", help="publish a new warehouse from the shared data folder")
    publish.add_argument("--force", action="store_true", help="publish even when the current release is up to date")
    publish.add_argument("--from-repo", nargs="?", const=str(REPO / "data"), metavar="DATA_DIR",
                         help="first bring the repository's curated data (default: this checkout's data/) into the "
                              "shared folder, keeping editors' additions not in it yet")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(getattr(args, "replicas", None))
        if args.command == "start":
            start(settings)
        elif args.command == "stop":
            if not running(settings):
                print(f"Nothing is running (state folder {settings.state}).")
            stop(settings)
        elif args.command == "status":
            return 0 if _print_status(status(settings)) else 1
        elif args.command == "release":
            if args.from_repo:
                sync_from_repository(settings, Path(args.from_repo))
            release(settings, force=args.force)
    except DeployError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
