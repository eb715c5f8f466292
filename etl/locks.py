"""Cross-process locks on a shared folder (no Streamlit here).

Several app replicas, on one host or on several hosts mounting the same volume, read one data folder and one
warehouse. Two things must happen one at a time across all of them: building and publishing a warehouse, and an
editor's addition to the curated files. Both use :func:`file_lock`: an exclusive ``fcntl.flock`` on a lock file
kept in the shared folder itself, so every process that sees the folder sees the lock (on NFSv4 Linux maps flock
to a byte-range lock the server arbitrates). The kernel drops the lock when its holder dies: a killed builder never
leaves the folder locked.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import threading
import time
from pathlib import Path

_POLL_SECONDS = 0.05
_held = threading.local()  # the lock files this thread holds: a nested request for one of them passes through


class LockBusy(Exception):
    """Another process (or thread) held the lock for longer than the caller was willing to wait."""

    def __init__(self, path: Path, waited: float):
        super().__init__(f"{path} is held by another process (waited {waited:.1f} s)")
        self.path = path
        self.waited = waited


@contextlib.contextmanager
def file_lock(path: Path, *, timeout: float | None = None):
    """Hold an exclusive lock on `path` (created when missing) for the `with` block.

    `timeout` None waits as long as it takes; a number of seconds (0: do not wait) raises LockBusy when the lock is
    still held after it. Re-entrant within a thread: a function holding the lock may call another that takes it."""
    path = Path(path)
    key = os.path.realpath(path)
    held: set[str] = getattr(_held, "paths", None) or set()
    _held.paths = held
    if key in held:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        started = time.monotonic()
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if timeout is None else fcntl.LOCK_NB))
                break
            except OSError as err:
                if err.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
                waited = time.monotonic() - started
                if waited >= timeout:
                    raise LockBusy(path, waited) from None
                time.sleep(min(_POLL_SECONDS, timeout - waited))
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)
            fcntl.flock(handle, fcntl.LOCK_UN)
