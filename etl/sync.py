"""Bring a new release of the repository's curated data into a deployment's shared data folder without losing the
plans editors added there since (no Streamlit here).

In a deployment the shared data folder is the live copy: editors' additions ("Add a plan") are written to it and
reach git later, when a maintainer applies the patch the page offers. A redeploy with newer code and data must not
drop an addition that is not in git yet. :func:`merge_repository_data` therefore, under the editors' lock:

- takes every curated file the repository has from the repository (it is the reviewed version), except
  documents.csv;
- writes documents.csv as the repository's file plus the rows of documents the repository does not have (the
  editors' additions not merged yet), and keeps their targets files;
- validates the merged copy exactly as a build does, and writes nothing when it does not validate.

A plan removed from the repository is kept in the shared folder like an addition (the merge cannot tell them
apart): remove its row and targets file there by hand. The caller publishes a new warehouse afterwards.
"""
from __future__ import annotations

import csv
import io
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import warehouse as wh
from .curated import Issue
from .plan_intake import DOCUMENTS_FILE, _atomic_write, _file_mode, intake_lock

PATTERNS = ("*.csv", "targets/*.csv", "tasks/*.csv")


@dataclass
class SyncResult:
    ok: bool
    updated: list[str] = field(default_factory=list)       # files taken from the repository (relative paths)
    kept: list[str] = field(default_factory=list)          # document ids kept from the shared folder
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]


def _curated(folder: Path) -> dict[str, Path]:
    return {path.relative_to(folder).as_posix(): path for pattern in PATTERNS for path in folder.glob(pattern)
            if not path.name.startswith(".")}


def _rows(data: bytes) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return (rows[0], rows[1:]) if rows else ([], [])


def merged_documents(repository: bytes, shared: bytes) -> tuple[bytes, list[str]]:
    """The repository's documents.csv with the shared rows whose document_id it lacks appended (in their order)."""
    header, repo_rows = _rows(repository)
    shared_header, shared_rows = _rows(shared)
    if not header:
        raise ValueError("the repository's documents.csv is empty")
    known = {row[0] for row in repo_rows if row}
    extra = [row for row in shared_rows if row and row[0] not in known]
    if not extra:
        return repository, []
    newline = "\r\n" if b"\r\n" in repository else "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    for row in extra:  # by column name: the repository may have reordered or added columns
        values = dict(zip(shared_header, row))
        writer.writerow([values.get(column, "") for column in header])
    body = repository if repository.endswith(b"\n") else repository + newline.encode()
    return body + buffer.getvalue().encode("utf-8"), [row[0] for row in extra]


def merge_repository_data(repository: Path, shared: Path, sources_dir: Path | None = None) -> SyncResult:
    """Merge the repository's curated files into the shared data folder (see the module's docstring)."""
    repository, shared = Path(repository), Path(shared)
    if not (repository / DOCUMENTS_FILE).is_file():
        return SyncResult(False, issues=[Issue(str(repository), None, None, "no documents.csv: not a data folder")])
    with intake_lock(shared):
        theirs, ours = _curated(repository), _curated(shared)
        documents, kept = merged_documents((repository / DOCUMENTS_FILE).read_bytes(),
                                           (shared / DOCUMENTS_FILE).read_bytes()
                                           if (shared / DOCUMENTS_FILE).exists() else b"")
        wanted = {name: path.read_bytes() for name, path in theirs.items() if name != DOCUMENTS_FILE}
        wanted[DOCUMENTS_FILE] = documents
        changed = {name: data for name, data in wanted.items()
                   if name not in ours or ours[name].read_bytes() != data}
        result = SyncResult(True, sorted(changed), kept)
        if not changed:
            return result
        with tempfile.TemporaryDirectory(prefix="dv2030-sync-") as scratch:
            copy = Path(scratch) / "data"
            copy.mkdir()
            for name, path in ours.items():
                (copy / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, copy / name)
            for name, data in changed.items():
                (copy / name).parent.mkdir(parents=True, exist_ok=True)
                (copy / name).write_bytes(data)
            checked = wh.validate(copy, sources_dir)
        result.issues = checked.issues
        if not checked.ok:
            result.ok = False
            return result
        mode = _file_mode(shared / DOCUMENTS_FILE) if (shared / DOCUMENTS_FILE).exists() else 0o644
        # Each file is swapped in whole. Replicas read the published warehouse, never these files, and editors wait
        # for the lock held here; the caller publishes a warehouse from the merged folder afterwards.
        for name in sorted(changed, key=lambda n: n == DOCUMENTS_FILE):
            (shared / name).parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(shared / name, changed[name], mode)
        return result
