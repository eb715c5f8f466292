"""The editor gate: is an editor password configured, and has this session entered it.

Kept apart from add_plan.py (which loads the document extractors) so that dashboard.py can decide which pages to
offer, and declare them, before anything heavy is imported on a server's first run.

Wrong passwords are counted for the whole server and for the client's address (when the deployment sees it), not
per browser session: reloading the page does not reset them. After MAX_SIGN_IN_ATTEMPTS wrong passwords from one
address, or SERVER_FREE_ATTEMPTS on the whole server, each further one makes sign-in wait longer (30 s, 1 min,
2 min … at most 15 min), during which no password is checked. A quiet day forgets the count. Every wrong password
is logged (logger "dv2030.editor": the address and the counts, never the password).

The counts live in this server process; with DV2030_STATE_DIR set to a folder that every server process of the
deployment can write, they live in a small SQLite file there and are shared by all of them.
"""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

SECRET_NAME = "editor_password"
SECRET_ENV = "DV2030_EDITOR_PASSWORD"
STATE_DIR_ENV = "DV2030_STATE_DIR"
MAX_SIGN_IN_ATTEMPTS = 5  # wrong passwords from one address before sign-in waits
SERVER_FREE_ATTEMPTS = 10  # wrong passwords on the whole server (every address, or none known) before it waits
FIRST_DELAY_S = 30.0  # the wait after the first attempt over a limit; it doubles with each further one
MAX_DELAY_S = 15 * 60.0
FORGET_AFTER_S = 24 * 3600.0  # a count with no wrong password for this long starts again from zero
SERVER_KEY = "server"
_TOKEN_KEY = "add_editor_token"
LOG = logging.getLogger("dv2030.editor")
_clock = time.time  # wall-clock time, comparable between the processes that share a state folder (tests set it)


def editor_secret() -> str | None:
    """The configured editor password (Streamlit secret first, then the environment), or None."""
    value = None
    try:
        if st.secrets.load_if_toml_exists():
            value = st.secrets.get(SECRET_NAME)
    except Exception:  # noqa: BLE001 - an unreadable secrets file means "not configured"
        value = None
    if not value:
        value = os.environ.get(SECRET_ENV)
    value = str(value) if value is not None else ""
    return value if value.strip() else None


def editor_configured() -> bool:
    return editor_secret() is not None


def _token(secret: str) -> str:
    return hashlib.sha256(b"dv2030-editor\x00" + secret.encode("utf-8")).hexdigest()


def editor_enabled() -> bool:
    """True when an editor password is configured and this session has entered it (the page is offered)."""
    secret = editor_secret()
    token = st.session_state.get(_TOKEN_KEY)
    return secret is not None and isinstance(token, str) and hmac.compare_digest(token, _token(secret))


# ---------------------------------------------------------------- counting wrong passwords

@dataclass
class Failures:
    count: int = 0
    last: float = 0.0  # when the last wrong password came
    blocked_until: float = 0.0  # no password is checked before this time


class MemoryStore:
    """The counts of this server process (Streamlit runs every session in a thread of it)."""

    MAX_KEYS = 10_000  # addresses remembered at most (a flood of addresses must not fill the memory)

    def __init__(self) -> None:
        self._rows: dict[str, Failures] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def transaction(self, keys: list[str]) -> Iterator[dict[str, Failures]]:
        with self._lock:
            rows = {key: Failures(**vars(self._rows[key])) if key in self._rows else Failures() for key in keys}
            yield rows
            for key, row in rows.items():
                if row.count:
                    self._rows[key] = row
                else:
                    self._rows.pop(key, None)
            if len(self._rows) > self.MAX_KEYS:
                oldest = sorted(self._rows, key=lambda k: self._rows[k].last)[:len(self._rows) - self.MAX_KEYS]
                for key in oldest:
                    if key != SERVER_KEY:
                        del self._rows[key]


class SqliteStore:
    """The counts in a SQLite file shared by every server process of a deployment (SQLite locks the file for each
    update, so two processes never lose each other's counts)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def transaction(self, keys: list[str]) -> Iterator[dict[str, Failures]]:
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            con.execute("CREATE TABLE IF NOT EXISTS sign_in_failures (key TEXT PRIMARY KEY, count INTEGER NOT NULL, "
                        "last REAL NOT NULL, blocked_until REAL NOT NULL)")
            con.execute("BEGIN IMMEDIATE")
            found = {key: Failures(count, last, until) for key, count, last, until in con.execute(
                f"SELECT key, count, last, blocked_until FROM sign_in_failures WHERE key IN "
                f"({','.join('?' * len(keys))})", keys)}
            rows = {key: found.get(key, Failures()) for key in keys}
            yield rows
            for key, row in rows.items():
                if row.count:
                    con.execute("INSERT OR REPLACE INTO sign_in_failures VALUES (?, ?, ?, ?)",
                                (key, row.count, row.last, row.blocked_until))
                else:
                    con.execute("DELETE FROM sign_in_failures WHERE key = ?", (key,))
            con.execute("DELETE FROM sign_in_failures WHERE last < ?", (_clock() - FORGET_AFTER_S,))
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()


_memory = MemoryStore()


def store() -> MemoryStore | SqliteStore:
    """Where the counts live: the shared folder's SQLite file when DV2030_STATE_DIR is set, else this process."""
    folder = os.environ.get(STATE_DIR_ENV)
    if folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        return SqliteStore(path / "editor-sign-in.sqlite")
    return _memory


def reset_counts() -> None:
    """Forget every count of this process (for tests)."""
    global _memory
    _memory = MemoryStore()


def client_address() -> str | None:
    """The visitor's address as the deployment sees it: the address the nearest proxy reports (the last entry of
    X-Forwarded-For), else the connection's; None when unknown (and for localhost, where Streamlit gives none)."""
    candidates = []
    try:
        forwarded = st.context.headers.get("X-Forwarded-For")
        if forwarded:
            candidates.append(forwarded.split(",")[-1].strip())
        candidates.append(st.context.ip_address)
    except Exception:  # noqa: BLE001 - outside a browser session (tests, scripts) there is no address
        pass
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except (TypeError, ValueError):
            continue
    return None


def _keys(address: str | None) -> list[str]:
    return [SERVER_KEY] + ([f"address:{address}"] if address else [])


def _free(key: str) -> int:
    return SERVER_FREE_ATTEMPTS if key == SERVER_KEY else MAX_SIGN_IN_ATTEMPTS


def _delay(count: int, free: int) -> float:
    """The wait after the `count`-th wrong password: none up to `free`, then 30 s doubling to at most 15 min."""
    if count < free:
        return 0.0
    return min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** min(count - free, 30))


def _current(row: Failures, now: float) -> Failures:
    return Failures() if row.count and now - row.last > FORGET_AFTER_S else row


def wait_seconds(address: str | None = None) -> float:
    """How long sign-in must wait before a password is checked again (0: it may be tried now)."""
    now = _clock()
    with store().transaction(_keys(address)) as rows:
        return max(0.0, *(_current(row, now).blocked_until - now for row in rows.values()))


def _record_failure(address: str | None) -> float:
    now = _clock()
    with store().transaction(_keys(address)) as rows:
        for key, row in rows.items():
            row = _current(row, now)
            row.count += 1
            row.last = now
            row.blocked_until = now + _delay(row.count, _free(key))
            rows[key] = row
        counts = {key: row.count for key, row in rows.items()}
        wait = max(row.blocked_until - now for row in rows.values())
    from_address = f"{counts[f'address:{address}']} from this address, " if address else ""
    LOG.warning("Editor sign-in failed from %s: %s%d wrong passwords on the server; next attempt in %.0f s",
                address or "an unknown address", from_address, counts[SERVER_KEY], max(0.0, wait))
    return max(0.0, wait)


def _record_success(address: str | None) -> None:
    with store().transaction(_keys(address)) as rows:
        for key in rows:
            rows[key] = Failures()


def sign_in(password: str, address: str | None = None) -> bool:
    """Check the password, unless too many wrong ones came lately (see the module's docstring). `address`: the
    client's (client_address()); None counts against the server's limit only."""
    secret = editor_secret()
    if secret is None or wait_seconds(address) > 0:
        return False
    if hmac.compare_digest(password.encode("utf-8"), secret.encode("utf-8")):
        st.session_state[_TOKEN_KEY] = _token(secret)
        _record_success(address)
        return True
    _record_failure(address)
    return False


def sign_out() -> None:
    st.session_state.pop(_TOKEN_KEY, None)
